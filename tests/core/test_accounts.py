"""Accounts through allauth: signup with mandatory verification, no enumeration, login
throttling, MFA for staff, and the Django admin behind allauth."""

import os
import re
import subprocess

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from members import factories

PASSWORD = "a-long-enough-passphrase"
NAME = {"first_name": "Nina", "last_name": "Nykommer"}


def _signup(client, email):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, **NAME},
    )


def _login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _link_in(message, pattern):
    match = re.search(pattern, message.body)
    assert match, f"no link like {pattern} in the email"
    return match.group(0)


def test_signup_verify_then_login(client, db, deliver_outbox):
    response = _signup(client, "new.person@example.org")
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="new.person@example.org")
    assert user.password.startswith("argon2$")
    assert (user.first_name, user.last_name) == ("Nina", "Nykommer")

    # Until the address is confirmed, the account cannot be used.
    response = _login(client, "new.person@example.org", PASSWORD)
    assert response.url == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert deliver_outbox() == 1  # allauth does not re-send within its cooldown
    confirm_path = _link_in(mail.outbox[-1], r"/accounts/confirm-email/[^/\s]+/")
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="new.person@example.org").verified

    response = _login(client, "new.person@example.org", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("core:home")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_verification_link_explains_what_to_do(client, db):
    response = client.get(reverse("account_confirm_email", kwargs={"key": "expired-or-wrong"}))
    assert response.status_code == 200
    assert (
        reverse("account_email") in response.text
        or "request a new" in response.text.lower()
        or ("ny" in response.text.lower())
    )


def test_signup_does_not_reveal_existing_accounts(client, member, deliver_outbox):
    known = _signup(client, member.email)
    unknown = _signup(client, "nobody.yet@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert deliver_outbox() == 2
    assert {tuple(message.to) for message in mail.outbox} == {
        (member.email,),
        ("nobody.yet@example.org",),
    }


def test_login_does_not_reveal_existing_accounts(client, member):
    known = _login(client, member.email, "wrong-password-here")
    unknown = _login(client, "nobody@example.org", "wrong-password-here")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    assert known.templates[0].name == unknown.templates[0].name


def test_password_reset_does_not_reveal_existing_accounts(client, member, deliver_outbox):
    known = client.post(reverse("account_reset_password"), {"email": member.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("account_reset_password_done")
    assert (
        deliver_outbox() == 2
    )  # a reset link to the member, an "unknown account" note to the other


def test_login_is_throttled_after_five_failures_for_one_email(client, member):
    for _ in range(5):
        response = _login(client, member.email, "wrong-password-here")
        assert response.status_code == 200
    response = _login(client, member.email, factories.DEFAULT_PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)
    assert response.status_code == 429 or response.context["form"].errors

    other = factories.member_user(email="someone.else@example.org")
    response = _login(client, other.email, factories.DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short", False),
        ("password1234", False),  # common
        ("123456789012345", False),  # only digits
        ("correct horse battery", True),
        ("å" * 64 + " lang norsk setning", True),
    ],
)
def test_password_policy(client, db, password, accepted):
    response = client.post(
        reverse("account_signup"),
        {"email": "policy@example.org", "password1": password, "password2": password, **NAME},
    )
    assert (response.status_code == 302) is accepted


def test_signup_asks_for_the_name_first(client, db):
    page = client.get(reverse("account_signup")).content.decode()
    names = re.findall(r'<input[^>]*name="(\w+)"', page)
    assert [n for n in names if n not in ("csrfmiddlewaretoken", "next")][:3] == [
        "first_name",
        "last_name",
        "email",
    ]
    assert 'autocomplete="given-name"' in page

    response = client.post(
        reverse("account_signup"),
        {"email": "nameless@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email="nameless@example.org").exists()


@pytest.mark.parametrize("fixture", ["advisor", "admin_user"])
def test_staff_login_stops_at_the_second_factor(client, request, fixture):
    user = request.getfixturevalue(fixture)
    response = _login(client, user.email, factories.DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


def test_totp_code_works_once(client, db):
    user = factories.advisor_user(email="totp@example.org")
    secret = factories.with_totp(user)
    code = factories.current_totp_code(secret)

    _login(client, user.email, factories.DEFAULT_PASSWORD)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)

    client.logout()
    _login(client, user.email, factories.DEFAULT_PASSWORD)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_staff_without_mfa_is_sent_to_mfa_setup_from_every_page(client, staff_no_mfa):
    client.force_login(staff_no_mfa)
    pages = (reverse("core:home"), reverse("account_change_password"), "/admin/", "/members/")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == reverse("mfa_activate_totp"), url
    # Setting up an authenticator asks for the password again first; both pages are open.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert client.get(response.url).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_member_is_not_forced_into_mfa(member_client):
    assert member_client.get(reverse("core:home")).status_code == 200


def test_admin_login_goes_through_allauth(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_admin_pages_need_staff_with_mfa(client, admin_user, member):
    client.force_login(member)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403

    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


def test_bad_signup_explains_in_the_chosen_language_and_creates_nothing(client, db):
    data = {"email": "not-an-email", "password1": PASSWORD, "password2": PASSWORD + "x"}
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "gyldig e-postadresse" in response.text
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.post(reverse("account_signup"), data)
    assert "valid email address" in response.text
    assert get_user_model().objects.count() == 0


# --- Links and names in allauth's emails --------------------------------------------------

PORTAL_URL = "http://127.0.0.1:8010"


def _links(message):
    return re.findall(r"https?://[^\s\"<>]+", message.body)


@pytest.mark.parametrize("known", [True, False])
def test_account_emails_link_to_site_url_and_name_the_portal(
    client, member, settings, deliver_outbox, known
):
    """Confirmation, reset and "account exists"/"unknown account" emails, as allauth builds
    them from the request (here from host testserver): every link goes to SITE_URL."""
    settings.SITE_URL = PORTAL_URL
    email = member.email if known else "new.reader@example.org"
    _signup(client, email)
    client.post(reverse("account_reset_password"), {"email": email})
    assert deliver_outbox() == 2

    for message in mail.outbox:
        links = _links(message)
        assert links, message.subject
        assert all(link.startswith(f"{PORTAL_URL}/") for link in links), links
        assert "testserver" not in message.body
        assert message.subject.startswith("[Erfaring]")
        assert "Erfaring" in message.body.splitlines()[0]


def test_make_run_points_email_links_at_its_port():
    dry_run = subprocess.run(
        ["make", "-n", "run", "PORT=8010"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "SITE_URL"},
    )
    assert "SITE_URL=http://127.0.0.1:8010 " in dry_run.stdout
