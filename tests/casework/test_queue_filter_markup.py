"""The queue's filter fields are written once per language, choices and values, then kept
({% cache … using="fragments" %}, QueueFilterForm.shown_key): each test changes one thing
the fields show and sees the page change with it, so a key that left it out fails here."""

import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db.models import F
from django.urls import reverse

from casework.models import Topic
from core import kept

from .conftest import client_for

QUEUE = reverse("casework:queue")


@pytest.fixture(autouse=True)
def _empty_fragment_cache():
    caches["fragments"].clear()


def _filter_form(html):
    label = "Filtrer sakskøen" if '<html lang="nb">' in html else "Filter the queue"
    return html.split(f'aria-label="{label}"')[1].split("</form>")[0]


def _selected(html, name):
    select = html.split(f'name="{name}"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_the_values_shown_follow_the_query(advisor_client):
    html = advisor_client.get(QUEUE + "?status=closed&sort=oldest").content.decode()
    assert _selected(_filter_form(html), "status") == ["closed"]
    assert '<input type="hidden" name="status" value="closed">' in html
    html = advisor_client.get(QUEUE + "?status=new&sort=oldest").content.decode()
    assert _selected(_filter_form(html), "status") == ["new"]
    assert '<input type="hidden" name="status" value="new">' in html
    assert 'value="closed"' not in html.split("/queue/save-filter/")[1].split("</form>")[0]


def test_the_labels_follow_the_language(advisor_client):
    # Topics named alike in both languages: only the language itself tells the pages apart.
    Topic.objects.update(name_en=F("name_nb"))
    html = advisor_client.get(QUEUE + "?status=active").content.decode()
    assert ">Ikke løst</option>" in _filter_form(html)
    advisor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = advisor_client.get(QUEUE + "?status=active").content.decode()
    assert ">Not resolved</option>" in _filter_form(html)


def test_a_lead_is_offered_everyone_and_an_advisor_is_not(advisor, lead):
    everyone = "Alle (alle saker som ikke er skjermet)"
    html = client_for(lead).get(QUEUE + "?status=active").content.decode()
    assert everyone in _filter_form(html)
    html = client_for(advisor).get(QUEUE + "?status=active").content.decode()
    assert everyone not in _filter_form(html)


def test_a_renamed_topic_shows_its_new_name(advisor_client):
    topic = Topic.objects.order_by("position").first()
    html = advisor_client.get(QUEUE + "?status=active").content.decode()
    assert f">{topic.name_nb}</option>" in _filter_form(html)
    topic.name_nb = "Lønn og tillegg"
    topic.save()  # as the Django admin saves it
    html = advisor_client.get(QUEUE + "?status=active").content.decode()
    assert ">Lønn og tillegg</option>" in _filter_form(html)


def test_a_topic_renamed_in_another_process_shows_within_a_minute(advisor_client, monkeypatch):
    topic = Topic.objects.order_by("position").first()
    advisor_client.get(QUEUE + "?status=active")
    # No signal reaches this process from another one: as an UPDATE sends none.
    Topic.objects.filter(pk=topic.pk).update(name_nb="Lønn og tillegg")
    html = advisor_client.get(QUEUE + "?status=active").content.decode()
    assert f">{topic.name_nb}</option>" in _filter_form(html)

    a_minute_later = kept._clock() + kept.KEPT_SECONDS + 1
    monkeypatch.setattr(kept, "_clock", lambda: a_minute_later)
    html = advisor_client.get(QUEUE + "?status=active").content.decode()
    assert ">Lønn og tillegg</option>" in _filter_form(html)


def test_an_invalid_choice_shows_its_error_and_a_valid_one_does_not(advisor_client):
    response = advisor_client.get(QUEUE + "?priority=9")
    assert response.status_code == 400
    assert "is-invalid" in _filter_form(response.content.decode())
    response = advisor_client.get(QUEUE + "?priority=2")
    assert response.status_code == 200
    assert "is-invalid" not in _filter_form(response.content.decode())
    assert _selected(_filter_form(response.content.decode()), "priority") == ["2"]


def test_the_assign_drop_down_follows_the_advisors(advisor_client):
    from members import factories

    def assign_options():
        html = advisor_client.get(QUEUE + "?status=active").content.decode()
        return html.split('name="assignee" class="select form-select" id="assign_assignee"')[1]

    assert "Nina Nyansatt" not in assign_options()
    newcomer = factories.advisor_user(
        email="nina@example.org", first_name="Nina", last_name="Nyansatt"
    )
    assert f'<option value="{newcomer.pk}">Nina Nyansatt</option>' in assign_options()
    newcomer.last_name = "Gift"
    newcomer.save()  # as the profile page saves it
    options = assign_options()
    assert "Nina Gift" in options and "Nina Nyansatt" not in options


def test_a_typed_reference_is_shown_back_and_never_kept_for_the_next_page(advisor_client):
    def reference_input(query):
        html = advisor_client.get(QUEUE + query).content.decode()
        return re.search(r'<input[^>]*name="reference"[^>]*>', html).group(0)

    assert "value=" not in reference_input("?status=active")
    assert 'value="E-2026-0004"' in reference_input("?status=all&reference=E-2026-0004")
    assert "value=" not in reference_input("?status=active")
    # Nor in the filters kept per process (core.kept).
    assert not any("E-2026-0004" in repr(key) for entries in kept._kept for key in entries)
    too_long = reference_input("?status=all&reference=" + "E" * 30)
    assert "is-invalid" in too_long
    assert "is-invalid" not in reference_input("?status=active")


def test_a_query_seen_before_is_not_checked_again_but_its_page_is_the_same(
    advisor_client, django_assert_num_queries
):
    topic = Topic.objects.order_by("position").last()
    query = QUEUE + f"?status=all&topic={topic.pk}&sort=priority"
    first = advisor_client.get(query).content.decode()
    # The topic's lookup (the filter's check) is not repeated: one statement fewer.
    with django_assert_num_queries(5):
        again = advisor_client.get(query).content.decode()
    assert _filter_form(again) == _filter_form(first)
    assert _selected(_filter_form(again), "topic") == [str(topic.pk)]


def test_an_invalid_query_is_refused_each_time_and_a_valid_one_after_it_is_not(advisor_client):
    for _ in range(2):
        response = advisor_client.get(QUEUE + "?status=bogus")
        assert response.status_code == 400
        assert "is-invalid" in _filter_form(response.content.decode())
        assert advisor_client.get(QUEUE + "?status=closed").status_code == 200


def test_the_same_query_in_another_language_shows_that_languages_names(advisor_client):
    topic = Topic.objects.order_by("position").first()
    query = QUEUE + f"?status=all&topic={topic.pk}"
    assert f">{topic.name_nb}</option>" in _filter_form(advisor_client.get(query).content.decode())
    advisor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = advisor_client.get(query).content.decode()
    assert f">{topic.name_en}</option>" in _filter_form(html)
    assert f">{topic.name_nb}</option>" not in _filter_form(html)
