"""The security log (SECURITY.md A9, E4): denied access, failed and throttled logins, MFA
failures, rate limits and password resets each give one line saying what, who (a user id,
never an email), which object, which path and when; never a password, code, key or
address (the records are captured and searched for them)."""

import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from casework.factories import CaseFactory
from members import factories

LOGGER = "erfaring.security"
WRONG_PASSWORD = "wrong-password-kanari-31f"
NEW_PASSWORD = "a new passphrase kanari 8d2"
LOGIN = reverse("account_login")


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def _events(caplog, event):
    return [r for r in caplog.records if r.name == LOGGER and getattr(r, "event", "") == event]


def _assert_nothing_secret(caplog, *secrets):
    for record in caplog.records:
        if record.name != LOGGER:
            continue
        text = record.getMessage() + repr(vars(record))
        for secret in secrets:
            assert secret.lower() not in text.lower(), f"{secret!r} in {record.getMessage()!r}"


def _assert_line(record, *, user_id, path, target="-"):
    line = record.getMessage()
    assert f"user={user_id} " in line
    assert f"object={target} " in line
    assert f"path={path} " in line
    assert re.search(r" at=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line), line


def _login(client, email, password):
    return client.post(LOGIN, {"login": email, "password": password})


def test_denied_access_names_who_what_where_and_when(
    security_log, member_client, member, other_member
):
    case = CaseFactory(member=other_member)
    url = reverse("casework:my-case-detail", kwargs={"pk": case.pk})
    assert member_client.get(url).status_code == 404
    (record,) = _events(security_log, "access denied")
    _assert_line(record, user_id=member.pk, path=url, target=f"casework.case:{case.pk}")
    _assert_nothing_secret(security_log, member.email, other_member.email)


def test_failed_login_is_logged_by_account_id(security_log, client, member):
    assert _login(client, member.email, WRONG_PASSWORD).status_code == 200
    (record,) = _events(security_log, "login failed")
    _assert_line(record, user_id=member.pk, path=LOGIN)
    assert record.levelno == logging.WARNING
    _assert_nothing_secret(security_log, member.email, WRONG_PASSWORD)


def test_failed_login_for_no_account_is_logged_without_the_address(security_log, client, db):
    _login(client, "nobody-kanari@example.org", WRONG_PASSWORD)
    (record,) = _events(security_log, "login failed")
    _assert_line(record, user_id="-", path=LOGIN)
    _assert_nothing_secret(security_log, "nobody-kanari", WRONG_PASSWORD)


def test_throttled_login_is_logged(security_log, client, member):
    for _ in range(5):
        _login(client, member.email, WRONG_PASSWORD)
    assert not _events(security_log, "login throttled")
    _login(client, member.email, factories.DEFAULT_PASSWORD)
    assert "_auth_user_id" not in client.session
    (record,) = _events(security_log, "login throttled")
    _assert_line(record, user_id=member.pk, path=LOGIN)
    _assert_nothing_secret(security_log, member.email, WRONG_PASSWORD, factories.DEFAULT_PASSWORD)


def test_mfa_failure_is_logged_without_the_code(security_log, client, db):
    user = factories.advisor_user(email="mfa-kanari@example.org")
    secret = factories.with_totp(user)
    assert _login(client, user.email, factories.DEFAULT_PASSWORD).url == reverse("mfa_authenticate")
    wrong = "000000" if factories.current_totp_code(secret) != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    (record,) = _events(security_log, "mfa failed")
    _assert_line(
        record, user_id=user.pk, path=reverse("mfa_authenticate"), target="mfa.authenticator:totp"
    )
    _assert_nothing_secret(security_log, user.email, secret, f"={wrong}", f" {wrong}")


def test_password_reset_request_and_reset_are_logged(security_log, client, member, deliver_outbox):
    reset = reverse("account_reset_password")
    assert client.post(reset, {"email": member.email}).status_code == 302
    (requested,) = _events(security_log, "password reset requested")
    _assert_line(requested, user_id=member.pk, path=reset)

    deliver_outbox()
    link = re.search(r"/accounts/password/reset/key/\S+/", mail.outbox[-1].body).group(0)
    form_url = client.get(link).url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    (done,) = _events(security_log, "password reset")
    _assert_line(done, user_id=member.pk, path=form_url)
    key = link.rstrip("/").rsplit("/", 1)[-1]
    _assert_nothing_secret(security_log, member.email, NEW_PASSWORD, key)


def test_a_rate_limited_request_is_logged(security_log, client, member):
    reset = reverse("account_reset_password")
    statuses = [client.post(reset, {"email": member.email}).status_code for _ in range(25)]
    assert 429 in statuses
    records = _events(security_log, "rate limited")
    assert len(records) == statuses.count(429)
    _assert_line(records[0], user_id="-", path=reset)
    _assert_nothing_secret(security_log, member.email)
