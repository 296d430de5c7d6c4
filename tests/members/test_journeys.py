"""The way to membership through the portal only, as a person takes it: sign-up, email
confirmation, application, an admin's approval, then the survey and guidance. No factory
makes anyone a member here; the tests fail if approval or consent does not open access."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.models import Topic
from members import factories, services
from members.models import Consent, Membership
from surveys import questionnaire

from .conftest import profile_post
from .test_import import GOOD_ROWS, csv_file, upload

PASSWORD = "a-long-enough-passphrase"
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def open_survey(db):
    now = timezone.now()
    return questionnaire.build_edition(
        year=timezone.localdate().year,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )


def _link(pattern):
    message = mail.outbox[-1]
    match = re.search(pattern, message.body)
    assert match, f"no link like {pattern} in {message.subject!r}"
    return match.group(0).removeprefix(settings.SITE_URL)


def _member_pages(client, edition):
    """Status codes of the survey's start page and the guidance form."""
    survey = client.get(reverse("surveys:start", kwargs={"year": edition.year}))
    guidance = client.get(reverse("casework:request-guidance"))
    return survey.status_code, guidance.status_code


def _home_links(client):
    html = client.get(reverse("core:home")).content.decode()
    return set(re.findall(r'href="([^"]+)"', html))


def _sign_up_and_confirm(client, deliver_outbox, email):
    response = client.post(
        reverse("account_signup"),
        {
            "first_name": "Nina",
            "last_name": "Nykommer",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    deliver_outbox()
    confirm = _link(r"https?://[^/\s]+/accounts/confirm-email/[^/\s]+/")
    assert client.post(confirm).status_code == 302
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.url == reverse("core:home")


def test_newcomer_signs_up_applies_and_once_approved_reaches_survey_and_guidance(
    admin_user, open_survey, deliver_outbox
):
    person = Client()
    _sign_up_and_confirm(person, deliver_outbox, "nina@example.org")
    response = person.post(reverse("members:apply"), {**profile_post(), "consent": "on"})
    assert response.url == reverse("members:application-received")
    # Waiting for the decision: not a member yet.
    assert _member_pages(person, open_survey) == (403, 403)

    admin = Client()
    admin.force_login(admin_user)
    membership = Membership.objects.get(user__email="nina@example.org")
    response = admin.post(
        reverse("members:application-decide", kwargs={"pk": membership.pk}),
        {"decision": "approve"},
    )
    assert response.status_code == 302

    # At once, with no other step: the survey, guidance, and both on the home page.
    assert _member_pages(person, open_survey) == (200, 200)
    mail.outbox.clear()
    deliver_outbox()
    receipt = next(m for m in mail.outbox if "søknad" in m.subject.lower())
    assert receipt.to == ["nina@example.org"]
    links = _home_links(person)
    assert reverse("surveys:start", kwargs={"year": open_survey.year}) in links
    assert reverse("casework:request-guidance") in links
    response = person.post(
        reverse("casework:request-guidance"),
        {
            "topics": [Topic.objects.get(code="unclear_role").pk],
            "description": "Jeg har ingen stillingsbeskrivelse og trenger råd om rollen min.",
            "safe_contact": "Bare via portalen.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]


def test_rejected_lapsed_and_cancelled_members_lose_access(member, member_client, open_survey):
    assert _member_pages(member_client, open_survey) == (200, 200)
    for status in ("lapsed", "cancelled"):
        Membership.objects.filter(user=member).update(status=status)
        assert _member_pages(member_client, open_survey) == (403, 403), status
    Membership.objects.filter(user=member).update(
        status="rejected", period_start=None, period_end=None, member_since=None
    )
    assert _member_pages(member_client, open_survey) == (403, 403)


def test_imported_member_gets_access_after_accepting_the_invitation_and_consenting(
    admin_client_mfa, open_survey, deliver_outbox
):
    preview = upload(admin_client_mfa, csv_file(GOOD_ROWS[0]))
    assert admin_client_mfa.post(preview.url).status_code == 302
    mail.outbox.clear()
    deliver_outbox()
    invitation = _link(r"https?://[^/\s]+/accounts/password/reset/key/[^\s]+/")

    person = Client()
    form_url = person.get(invitation).url  # allauth moves the key into the session
    response = person.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    response = person.post(
        reverse("account_login"), {"login": "ny.person@example.org", "password": PASSWORD}
    )
    assert response.url == reverse("core:home")

    # Imported as a member, but without consent the member pages stay closed.
    assert _member_pages(person, open_survey) == (403, 403)
    assert reverse("members:consent") in _home_links(person)
    response = person.post(reverse("members:consent"), {"consent": "on"})
    assert response.status_code == 302
    assert Consent.objects.filter(user__email="ny.person@example.org").exists()
    assert _member_pages(person, open_survey) == (200, 200)


def test_consent_page_refuses_without_the_box_ticked(member, member_client):
    Consent.objects.filter(user=member).delete()
    response = member_client.post(reverse("members:consent"), {})
    assert response.status_code == 200
    assert not Consent.objects.filter(user=member).exists()
    # Someone who has consented, or has no running membership, has nothing to do here.
    factories.consented(member)
    assert member_client.get(reverse("members:consent")).url == reverse("members:profile")


# --- The home page tells each person the next step ------------------------------------------


def _home(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode()


def test_home_for_someone_who_has_not_applied_shows_the_way_to_membership(person_client):
    html = _home(person_client)
    assert "Welcome back" not in html and "Velkommen tilbake" not in html
    assert "Søk om medlemskap" in html
    assert f'href="{reverse("members:apply")}"' in html
    assert f'href="{reverse("casework:request-guidance")}"' not in html


def test_home_while_the_application_waits(person, person_client):
    factories.ProfileFactory(user=person)
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=OSLO), tick=False):
        services.submit_application(user=person, data={}, consent=True)
    html = _home(person_client)
    assert "2. mars 2026" in html
    assert f'href="{reverse("members:apply")}"' not in html
    assert f'href="{reverse("casework:request-guidance")}"' not in html


def test_home_for_a_member_shows_the_open_survey_and_guidance(member_client, open_survey):
    html = _home(member_client)
    assert f'href="{reverse("surveys:start", kwargs={"year": open_survey.year})}"' in html
    assert f'href="{reverse("casework:request-guidance")}"' in html


def test_home_for_a_member_who_answered_thanks_instead_of_asking(
    member, member_client, open_survey
):
    from surveys.models import Participation

    Participation.objects.create(
        member=member, edition=open_survey, submitted_on=timezone.localdate()
    )
    html = _home(member_client)
    assert f'href="{reverse("surveys:start", kwargs={"year": open_survey.year})}"' not in html


@pytest.mark.parametrize(
    ("today", "renew"),
    [(date(2026, 6, 1), False), (date(2026, 11, 15), True), (date(2027, 1, 10), True)],
)
def test_home_offers_renewal_only_in_the_renewal_window(member, client, today, renew):
    Membership.objects.filter(user=member).update(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        status="grace" if today.year == 2027 else "active",
    )
    with time_machine.travel(datetime.combine(today, datetime.min.time(), OSLO), tick=False):
        client.force_login(member)
        html = _home(client)
    assert (f'href="{reverse("members:renew")}"' in html) is renew
    assert "31. desember 2026" in html


def test_home_after_rejection_explains_and_offers_a_new_application(person, person_client):
    factories.MembershipFactory(
        user=person,
        status="rejected",
        rejection_reason="Ikke erfaringskonsulent.",
        member_since=None,
        period_start=None,
        period_end=None,
    )
    html = _home(person_client)
    assert f'href="{reverse("members:profile")}"' in html
    assert f'href="{reverse("members:apply")}"' in html
    assert f'href="{reverse("casework:request-guidance")}"' not in html


def test_home_for_an_advisor_does_not_invite_them_to_apply(advisor_client):
    html = _home(advisor_client)
    assert f'href="{reverse("members:apply")}"' not in html
    assert f'href="{reverse("casework:queue")}"' in html
