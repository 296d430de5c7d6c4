"""How the questionnaire reads: units, what is marked required, what is not asked again,
"saved" once, and numbers written the way each language writes them."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from surveys.models import Draft

from .conftest import activate, start

pytestmark = pytest.mark.django_db


def page_url(edition, number):
    return reverse("surveys:page", kwargs={"year": edition.year, "number": number})


def text_of(response):
    """The visible text of a page's main content, with tags and extra spaces removed."""
    html = response.content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def answering(client, member, edition):
    # A user representative, so page 6 asks the hours (a decimal number).
    activate(member, rep=True)
    client.force_login(member)
    start(client, edition)
    return client


@pytest.fixture
def english(answering):
    answering.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return answering


def draft_answers(edition):
    return Draft.objects.get(edition=edition).answers


def test_number_questions_are_labelled_by_their_unit(answering, edition):
    first = text_of(answering.get(page_url(edition, 1)))
    assert "Prosent %" in first
    assert "Antall år år" in first
    assert "Beløp" not in first
    salary = text_of(answering.get(page_url(edition, 5)))
    assert "Beløp i kroner kr" in salary
    hours = text_of(answering.get(page_url(edition, 6)))
    assert "Antall timer timer" in hours


def test_english_units_are_english(english, edition):
    first = text_of(english.get(page_url(edition, 1)))
    assert "Number of years years" in first
    assert "Percentage %" in first
    assert not re.search(r"\bår\b|Beløp|Antall", first)
    assert "Amount in kroner NOK" in text_of(english.get(page_url(edition, 5)))
    assert "Number of hours hours" in text_of(english.get(page_url(edition, 6)))


def test_voluntary_salary_is_not_marked_required(answering, edition):
    salary = text_of(answering.get(page_url(edition, 5)))
    assert "obligatorisk" not in salary
    assert "Ønsker ikke å svare" in salary
    # A question that must be answered still says so.
    assert "(obligatorisk)" in text_of(answering.get(page_url(edition, 2)))
    review = text_of(answering.get(reverse("surveys:review", kwargs={"year": edition.year})))
    assert "Lønn Hva er årslønnen din før skatt (omregnet til 100 %)? Ikke besvart:" in review
    assert review.count("Ikke besvart (obligatorisk)") == 1  # the job description


def test_completed_training_comes_from_the_profile_and_is_not_asked(answering, edition):
    page = text_of(answering.get(page_url(edition, 4)))
    assert "utdanningsprogram" not in page
    assert draft_answers(edition)["training_programme"] == "yes"
    review = text_of(answering.get(reverse("surveys:review", kwargs={"year": edition.year})))
    assert "Har du fullført et utdanningsprogram for erfaringskonsulenter? Ja" in review


def test_saved_is_shown_once_on_the_next_page(answering, edition):
    response = answering.post(
        page_url(edition, 1), {"action": "next", "q_position_percent": "60"}, follow=True
    )
    assert response.redirect_chain[-1][0] == page_url(edition, 2)
    assert len(re.findall(r"Lagret \d\d:\d\d", response.content.decode())) == 1


def test_bokmal_numbers_are_typed_and_shown_the_norwegian_way(answering, edition):
    answering.post(page_url(edition, 5), {"action": "later", "q_salary_annual": "452 000"})
    answering.post(page_url(edition, 6), {"action": "later", "q_representation_hours": "12,5"})
    answers = draft_answers(edition)
    assert answers["salary_annual"] == "452000"
    assert answers["representation_hours"] == "12.5"
    assert 'value="452\xa0000"' in answering.get(page_url(edition, 5)).content.decode()
    assert 'value="12,5"' in answering.get(page_url(edition, 6)).content.decode()
    review = text_of(answering.get(reverse("surveys:review", kwargs={"year": edition.year})))
    assert "452\xa0000 kr" in review
    assert "12,5 timer" in review


def test_range_errors_write_the_limits_as_numbers_are_written(answering, english, edition):
    english.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    response = answering.post(page_url(edition, 5), {"action": "next", "q_salary_annual": "45"})
    assert "Skriv et tall fra 150\xa0000 til 1\xa0500\xa0000." in response.content.decode()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = english.post(page_url(edition, 5), {"action": "next", "q_salary_annual": "45"})
    assert "Write a number from 150,000 to 1,500,000." in response.content.decode()


def test_english_numbers_are_typed_and_shown_the_english_way(english, edition):
    english.post(page_url(edition, 5), {"action": "later", "q_salary_annual": "452,000"})
    english.post(page_url(edition, 6), {"action": "later", "q_representation_hours": "12.5"})
    answers = draft_answers(edition)
    assert (answers["salary_annual"], answers["representation_hours"]) == ("452000", "12.5")
    review = text_of(english.get(reverse("surveys:review", kwargs={"year": edition.year})))
    assert "452,000 NOK" in review
    assert "12.5 hours" in review
    # A decimal comma is not a thousands separator in English: refused, not read as 125.
    response = english.post(
        page_url(edition, 6), {"action": "next", "q_representation_hours": "12,5"}
    )
    assert response.status_code == 200
    assert draft_answers(edition)["representation_hours"] == "12.5"


def _texts(spec):
    yield spec["text_nb"], spec["text_en"]
    for _code, nb, en in spec.get("items", []):
        yield nb, en


def test_experiential_expertise_is_not_lived_experience():
    from surveys.questionnaire import SECTIONS

    pairs = [pair for s in SECTIONS for spec in s["questions"] for pair in _texts(spec)]
    for nb, en in pairs:
        if "erfaringskompetanse" in nb.lower():
            assert "experiential expertise" in en, en
        if "lived experience" in en:
            assert "egen erfaring" in nb, nb
