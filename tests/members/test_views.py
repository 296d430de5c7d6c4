import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from members import factories
from members.models import Consent, Membership, Profile

from .conftest import profile_post

OSLO = ZoneInfo("Europe/Oslo")


def english(client):
    client.cookies["django_language"] = "en"
    return client


# --- Application, profile, renewal -----------------------------------------------------------


def test_new_member_applies_and_sees_application_received(person_client, person):
    page = person_client.get(reverse("members:apply"))
    assert page.status_code == 200
    # Privacy by default: the consent box is not ticked and no yes/no answer is chosen.
    html = page.content.decode()
    assert 'name="consent"' in html and "checked" not in html
    response = person_client.post(reverse("members:apply"), {**profile_post(), "consent": "on"})
    assert response.status_code == 302
    assert response.url == reverse("members:application-received")
    received = person_client.get(response.url)
    assert received.status_code == 200
    membership = Membership.objects.get(user=person)
    assert membership.status == "pending"
    profile = Profile.objects.get(user=person)
    assert (profile.municipality_id, profile.union_member, profile.training_completed) == (
        "4601",
        False,
        True,
    )
    assert Consent.objects.get(user=person).version == "2026-1"


def test_application_without_consent_is_refused_with_a_clear_message(person_client, person):
    response = english(person_client).post(reverse("members:apply"), profile_post())
    assert response.status_code == 200
    assert b"We need your consent" in response.content
    assert not Membership.objects.exists() and not Profile.objects.exists()


def test_application_message_is_in_bokmal_by_default(person_client, person):
    response = person_client.post(reverse("members:apply"), profile_post(municipality="0301"))
    assert b"Velg en kommune i fylket du valgte" in response.content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("municipality", "9999", b"Choose a municipality from the list."),
        ("municipality", "0301", b"Choose a municipality in the county you chose."),
        ("position_percent", "0", b"between 1 and 100"),
        ("position_percent", "101", b"between 1 and 100"),
        ("position_percent", "fifty", b"Enter a whole number"),
        ("year_started", "2099", b"cannot be in the future"),
        ("year_started", "1900", b"1970 or later"),
        ("county", "99", b"Choose a county from the list."),
        ("employer_type", "army", b"Select a valid choice"),
    ],
)
def test_bad_profile_input_gets_a_clear_message_and_changes_nothing(
    client, member_with_profile, field, value, message
):
    client.force_login(member_with_profile)
    before = Profile.objects.values().get(user=member_with_profile)
    response = english(client).post(reverse("members:profile-edit"), profile_post(**{field: value}))
    assert response.status_code == 200
    assert message in response.content
    assert Profile.objects.values().get(user=member_with_profile) == before


def test_profile_edit_ignores_status_owner_and_role_fields(
    client, member_with_profile, other_member_with_profile
):
    client.force_login(member_with_profile)
    other_profile = Profile.objects.values().get(user=other_member_with_profile)
    response = client.post(
        reverse("members:profile-edit"),
        {
            **profile_post(position_percent="40"),
            "is_staff": "on",
            "is_superuser": "on",
            "role": "admin",
            "status": "active",
            "user": other_member_with_profile.pk,
            "member": other_member_with_profile.pk,
            "period_end": "2099-12-31",
        },
    )
    assert response.status_code == 302
    member_with_profile.refresh_from_db()
    assert not member_with_profile.is_staff and not member_with_profile.is_superuser
    assert not member_with_profile.has_perm("members.manage_membership")
    profile = Profile.objects.get(user=member_with_profile)
    assert profile.position_percent == 40
    assert Profile.objects.values().get(user=other_member_with_profile) == other_profile
    assert member_with_profile.membership.period_end != date(2099, 12, 31)


def test_application_ignores_a_posted_status(person_client, person):
    person_client.post(
        reverse("members:apply"),
        {**profile_post(), "consent": "on", "status": "active", "is_staff": "on"},
    )
    assert Membership.objects.get(user=person).status == "pending"
    person.refresh_from_db()
    assert not person.is_staff


def test_member_sees_status_end_date_and_profile(client, member_with_profile):
    client.force_login(member_with_profile)
    response = english(client).get(reverse("members:profile"))
    html = response.content.decode()
    assert "Active" in html and str(member_with_profile.membership.period_end.year) in html
    assert "Bergen" in html


def test_member_renews_with_one_click_after_confirming(client, db):
    user = factories.active_member(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    with time_machine.travel(datetime(2026, 12, 10, 12, tzinfo=OSLO), tick=False):
        client.force_login(user)
        page = client.get(reverse("members:renew"))
        assert page.status_code == 200
        refused = client.post(reverse("members:renew"), {})
        assert refused.status_code == 200
        response = client.post(reverse("members:renew"), {"confirm_profile": "on"})
    assert response.status_code == 302
    user.membership.refresh_from_db()
    assert user.membership.period_end == date(2027, 12, 31)


def _reauthenticate(client):
    response = client.post(
        reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_withdrawing_consent_needs_a_fresh_password(client, member_with_profile):
    client.force_login(member_with_profile)  # a session, but no recent authentication
    withdraw = reverse("members:consent-withdraw")
    for response in (client.get(withdraw), client.post(withdraw)):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_reauthenticate"))
    assert Profile.objects.filter(user=member_with_profile).exists()
    assert Membership.objects.get(user=member_with_profile).status != "cancelled"
    _reauthenticate(client)
    assert client.post(withdraw).status_code == 302
    assert not Profile.objects.filter(user=member_with_profile).exists()


def test_withdrawing_consent_is_explained_and_ends_the_membership(client, member_with_profile):
    client.force_login(member_with_profile)
    _reauthenticate(client)
    page = english(client).get(reverse("members:consent-withdraw"))
    assert b"Your profile" in page.content and b"is deleted" in page.content
    response = client.post(reverse("members:consent-withdraw"))
    assert response.status_code == 302
    assert not Profile.objects.filter(user=member_with_profile).exists()
    assert Membership.objects.get(user=member_with_profile).status == "cancelled"


# --- Admin ------------------------------------------------------------------------------------


def test_admin_approves_an_application_and_the_applicant_gets_a_content_free_email(
    admin_client_mfa, deliver_outbox
):
    membership = factories.applicant(email="applicant@example.org").membership
    listing = admin_client_mfa.get(reverse("members:application-list"))
    assert reverse("members:application-decide", kwargs={"pk": membership.pk}).encode() in (
        listing.content
    )
    response = admin_client_mfa.post(
        reverse("members:application-decide", kwargs={"pk": membership.pk}),
        {"decision": "approve"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == "active"
    assert deliver_outbox() == 1
    assert mail.outbox[0].to == ["applicant@example.org"]


def test_admin_rejection_needs_a_reason(admin_client_mfa, deliver_outbox):
    membership = factories.applicant().membership
    url = reverse("members:application-decide", kwargs={"pk": membership.pk})
    response = english(admin_client_mfa).post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200 and b"Give a reason" in response.content
    membership.refresh_from_db()
    assert membership.status == "pending"
    admin_client_mfa.post(url, {"decision": "reject", "reason": "Not employed as a peer worker"})
    membership.refresh_from_db()
    assert membership.status == "rejected"
    assert deliver_outbox() == 1
    assert "Not employed" not in mail.outbox[0].body


def _members(n, county_code="46"):
    from members.models import Municipality

    municipality = Municipality.objects.filter(county_id=county_code).first()
    for _ in range(n):
        factories.active_member(profile={"municipality": municipality})


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


# Session, user, roles with permissions and authenticator, county filter, count, audit row,
# county choices, the page of memberships.
MEMBER_LIST_QUERIES = 8


def test_member_list_query_count_is_flat(admin_client_mfa, django_assert_num_queries):
    url = reverse("members:member-list") + "?status=active&county=46"
    _members(4)
    _members(1, county_code="03")
    admin_client_mfa.get(url)  # the first request of a session does its own bookkeeping
    with django_assert_num_queries(MEMBER_LIST_QUERIES):
        response = admin_client_mfa.get(url)
    assert response.context["page"].paginator.count == 4
    _members(8)
    with django_assert_num_queries(MEMBER_LIST_QUERIES):
        response = admin_client_mfa.get(url)
    assert response.context["page"].paginator.count == 12


def test_member_list_filters_and_searches_by_post_without_the_term_in_the_url(admin_client_mfa, db):
    factories.active_member(user_kwargs={"email": "kari.nordmann@example.org", "last_name": "Zeta"})
    factories.active_member(
        user_kwargs={"email": "ola@example.org", "last_name": "Alfa"},
        profile={"municipality": factories._municipality("0301")},
    )
    url = reverse("members:member-list")
    response = admin_client_mfa.post(url + "?county=46", {"q": "kari.nordmann"})
    assert response.status_code == 302
    assert "kari" not in response.url
    page = admin_client_mfa.get(response.url)
    assert [m.user.email for m in page.context["page"]] == ["kari.nordmann@example.org"]
    admin_client_mfa.post(url, {"q": ""})
    page = admin_client_mfa.get(url + "?county=03")
    assert [m.user.email for m in page.context["page"]] == ["ola@example.org"]
    forms = re.findall(r"<form[^>]*>.*?</form>", page.content.decode(), re.S)
    # The only free-text field is the search, and its form posts.
    [search_form] = [form for form in forms if 'name="q"' in form]
    assert 'method="post"' in search_form
    assert all('<input type="text"' not in form for form in forms if 'method="get"' in form)


def test_member_list_paginates(admin_client_mfa, db, settings):
    from members import views

    _members(3)
    original = views.PAGE_SIZE
    views.PAGE_SIZE = 2
    try:
        first = admin_client_mfa.get(reverse("members:member-list"))
        second = admin_client_mfa.get(reverse("members:member-list") + "?page=2")
    finally:
        views.PAGE_SIZE = original
    assert len(first.context["page"]) == 2 and len(second.context["page"]) == 1


def test_member_record_shows_profile_and_is_audited(admin_client_mfa, admin_user, db):
    user = factories.active_member(user_kwargs={"email": "record@example.org"})
    response = admin_client_mfa.get(
        reverse("members:member-detail", kwargs={"pk": user.membership.pk})
    )
    assert response.status_code == 200 and b"record@example.org" in response.content
    assert AuditEvent.objects.filter(
        action="membership.viewed", actor=admin_user, subject=user
    ).exists()


def test_membership_data_comes_from_the_one_audited_download(
    client, member_with_profile, other_member_with_profile, admin_client_mfa
):
    import json

    from members.factories import DEFAULT_PASSWORD

    admin_client_mfa.get(
        reverse("members:member-detail", kwargs={"pk": member_with_profile.membership.pk})
    )
    client.force_login(member_with_profile)
    profile_html = client.get(reverse("members:profile")).content.decode()
    links = set(re.findall(r'href="([^"]*my-data[^"]*)"', profile_html))
    assert links == {reverse("core:my-data")}, "the profile offers only the portal's download"
    url = reverse("core:my-data-download")
    first = client.get(url)
    assert first.status_code == 302 and first.url.startswith(reverse("account_reauthenticate"))
    client.post(first.url, {"password": DEFAULT_PASSWORD})
    response = client.get(url)
    assert response.status_code == 200
    sections = json.loads(response.content)["sections"]
    assert sections["profile"]["municipality"] == "Bergen"
    assert sections["membership"]["yours"]["status"] == "active"
    assert [c["version"] for c in sections["consents"]] == ["2026-1"]
    assert "membership.viewed" in [e["action"] for e in sections["access_log"]["about_you"]]
    assert other_member_with_profile.email not in response.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="privacy.data_exported", subject=member_with_profile
        ).count()
        == 1
    )


def test_member_sees_who_opened_their_record(client, member_with_profile, admin_client_mfa):
    admin_client_mfa.get(
        reverse("members:member-detail", kwargs={"pk": member_with_profile.membership.pk})
    )
    client.force_login(member_with_profile)
    response = client.get(reverse("members:profile"))
    assert list(response.context["access_log"].values_list("actor__email", flat=True)) == [
        "admin@example.org"
    ]
