"""The authorization matrix: every URL pattern, every role, GET and POST → expected status.

`tests/authz_matrix.yaml` is the reviewed source of truth. A URL pattern missing from it fails
the suite (so a new view cannot ship untested), and so does a matrix row whose pattern is gone.
Statuses: 200 ok, 302→login / 302→mfa (sent to log in / to set up MFA), 302 (another
redirect), 403 refused, 404 not found or not theirs, 405 method not allowed.
Object URLs use the sample ids of tests/<app>/url_samples.py, which belong to nobody here:
the per-app access tests cover one member reaching another's objects.
"""

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone

from casework.factories import CaseFactory
from casework.models import Absence
from core import roles
from members import factories
from tests.core.test_url_access import NAMED, _sample_kwargs, _url_for

MATRIX_FILE = Path(__file__).with_name("authz_matrix.yaml")
ROLES = (
    "anon",
    "member",
    "advisor",
    "admin",
    "staff_no_mfa",
    "lead",
    "cover",
    "superuser",
    "advisor_member",
)
# Advisor variants: a row may leave them out, and then expects what it expects of `advisor`.
# `advisor_member` is an advisor who is also a member and owns the sample case (pk 1, in
# triage): their own case must be a 404 in every staff view. `superuser` has no role (and an
# authenticator): has_perm() would say yes to everything, the role policy says no.
ADVISOR_VARIANTS = ("lead", "cover", "advisor_member")
METHODS = ("GET", "POST")


def _load_matrix():
    return yaml.safe_load(MATRIX_FILE.read_text()) or {}


MATRIX = _load_matrix()
PATTERNS = dict(NAMED)
# The Django admin's own pages are many and alike; its gate (allauth login, staff, MFA) is the
# same for all, so the matrix lists the admin index and login, and the rest are checked alike.
ADMIN_REPRESENTATIVES = {"admin:index", "admin:login"}
CHECKED = sorted(
    name for name in PATTERNS if not name.startswith("admin:") or name in ADMIN_REPRESENTATIVES
)


def _outcome(response):
    if response.status_code != 302:
        return response.status_code
    if response.url.startswith(reverse("account_login")):
        return "302→login"
    if response.url.startswith(reverse("mfa_activate_totp")):
        return "302→mfa"
    return 302


def _expected(row, role, method):
    if role in ADVISOR_VARIANTS and role not in row:
        role = "advisor"
    return row[role][method]


def _make_user(role):
    if role == "lead":
        user = factories.advisor_user(email="matrix.lead@example.org")
        roles.grant_role(user=user, role=roles.LEAD_ADVISOR)
        factories.with_totp(user)
        return user
    if role == "cover":
        user = factories.advisor_user(email="matrix.cover@example.org")
        factories.with_totp(user)
        away = factories.advisor_user(email="matrix.away@example.org")
        today = timezone.localdate()
        Absence.objects.create(advisor=away, cover=user, starts_on=today, ends_on=today)
        return user
    if role == "member":
        # A member by an approved membership, well outside the renewal window whatever the
        # date, so the renewal page answers the same all year.
        today = timezone.localdate()
        return factories.active_member(
            user_kwargs={"email": "matrix.member@example.org"},
            period_start=today - timedelta(days=30),
            period_end=today + timedelta(days=300),
        )
    if role == "superuser":
        user = factories.UserFactory(
            email="matrix.superuser@example.org", is_superuser=True, is_staff=True
        )
        factories.with_totp(user)
        return user
    if role == "advisor_member":
        today = timezone.localdate()
        user = factories.active_member(
            user_kwargs={"email": "matrix.advisor.member@example.org"},
            period_start=today - timedelta(days=30),
            period_end=today + timedelta(days=300),
        )
        roles.grant_role(user=user, role=roles.ADVISOR)
        factories.with_totp(user)
        CaseFactory(pk=1, member=user)
        return user
    if role == "staff_no_mfa":
        return factories.advisor_user(email="matrix.nomfa@example.org")
    make = factories.advisor_user if role == "advisor" else factories.admin_user
    user = make(email=f"matrix.{role}@example.org")
    factories.with_totp(user)
    return user


@pytest.fixture
def role_client(client, db):
    users = {}

    def login_as(role):
        client.logout()
        if role != "anon":
            if role not in users:
                users[role] = _make_user(role)
            client.force_login(users[role])
        return client

    return login_as


def test_every_url_pattern_is_in_the_matrix():
    missing = sorted(set(CHECKED) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(CHECKED))
    assert not missing, f"add these URL names to {MATRIX_FILE.name}: {missing}"
    assert not stale, f"remove these rows from {MATRIX_FILE.name}: {stale}"
    for name, row in MATRIX.items():
        for role in ROLES:
            for method in METHODS:
                expected = str(_expected(row, role, method))
                assert expected != "", f"{name} {role} {method} has no expectation"


CELLS = [(name, role) for name in CHECKED for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CELLS, ids=[f"{n}-{r}" for n, r in CELLS])
def test_matrix_cell(name, role, role_client):
    if name not in MATRIX:
        pytest.fail(f"{name} is not in {MATRIX_FILE.name}")
    url = _url_for(name, PATTERNS[name], _sample_kwargs())
    for method in METHODS:
        client = role_client(role)  # afresh: the GET may have ended the session (logout)
        response = client.get(url) if method == "GET" else client.post(url, {})
        expected = _expected(MATRIX[name], role, method)
        assert _outcome(response) == expected, f"{method} {url} as {role}"
        assert response.status_code < 500


def test_other_admin_pages_are_gated_like_the_index(role_client):
    others = [name for name in PATTERNS if name.startswith("admin:") and not _is_public(name)]
    client = role_client("member")
    for name in others:
        response = client.get(_url_for(name, PATTERNS[name], _sample_kwargs()), follow=True)
        assert response.status_code in (403, 404), name


def _is_public(name):
    return name in ADMIN_REPRESENTATIVES
