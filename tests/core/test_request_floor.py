"""What every signed-in page costs before it does anything (issue 14): the session, the user,
and one query for their roles, permissions and authenticator. The session and the "Sessions"
page's row are rewritten at most once a minute, and the idle timeout still holds."""

from datetime import timedelta

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.bench import FLOOR_PATH
from core import roles
from members import factories

FLOOR = FLOOR_PATH
# The session, the user, and roles + permissions + authenticator in one query.
FLOOR_QUERIES = 3
# Once a minute: the session's row and the user-session row, one UPDATE each.
TOUCH_QUERIES = FLOOR_QUERIES + 2

# casework.bench serves the floor (the layout and nothing else) beside the project URLs.
pytestmark = [pytest.mark.urls("casework.bench"), pytest.mark.session_clock]


def _login(email, agent="Browser/1"):
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post(
        reverse("account_login"), {"login": email, "password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


def _statements(client, url=FLOOR):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def _writes(statements):
    return [sql for sql in statements if not sql.startswith(("SELECT", "(SELECT"))]


@pytest.mark.parametrize("who", ["member", "advisor", "admin_user"])
def test_a_signed_in_page_costs_three_queries_and_no_transaction(request, who):
    user = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)
    client.get(FLOOR)  # the first request records the session's client
    statements = _statements(client)
    assert len(statements) == FLOOR_QUERIES, statements
    assert _writes(statements) == []


def test_staff_menu_still_follows_their_permissions(admin_user, advisor):
    admin = Client()
    admin.force_login(admin_user)
    html = admin.get(FLOOR).content.decode()
    assert reverse("members:member-list") in html
    assert reverse("members:staff-roles") in html
    assert reverse("casework:queue") not in html
    worker = Client()
    worker.force_login(advisor)
    html = worker.get(FLOOR).content.decode()
    assert reverse("casework:queue") in html
    assert reverse("members:member-list") not in html


def test_staff_without_an_authenticator_is_still_sent_to_set_one_up(staff_no_mfa):
    client = Client()
    client.force_login(staff_no_mfa)
    response = client.get(FLOOR)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_a_role_revoked_counts_from_the_next_request(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert reverse("members:member-list") in client.get(FLOOR).content.decode()
    roles.revoke_role(user=admin_user, role=roles.ADMIN)
    assert reverse("members:member-list") not in client.get(FLOOR).content.decode()
    assert client.get(reverse("members:member-list")).status_code == 403


def test_session_and_user_session_are_written_at_most_once_a_minute(member):
    client = _login(member.email)
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        # Showing the "signed in" message removes it from the session: one write.
        assert len(_writes(_statements(client))) == 1
        assert _writes(_statements(client)) == []
        assert _writes(_statements(client)) == []
    with time_machine.travel(start + timedelta(seconds=65), tick=False):
        statements = _statements(client)
        assert len(statements) == TOUCH_QUERIES, statements
        assert len(_writes(statements)) == 2
        row = UserSession.objects.get(user=member)
        assert row.last_seen_at == timezone.now()
        session = Session.objects.get(session_key=client.cookies["sessionid"].value)
        assert session.expire_date == timezone.now() + timedelta(minutes=30)
        assert _writes(_statements(client)) == []


def test_idle_timeout_counts_from_the_last_request_within_a_minute(member):
    client = _login(member.email)
    start = timezone.now()
    # Active every 10 minutes for an hour: still signed in.
    for minutes in range(10, 70, 10):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("account_email")).status_code == 200
    # Then idle: 29 minutes after the last request still in, 30 minutes out.
    last = start + timedelta(minutes=60)
    with time_machine.travel(last + timedelta(minutes=29), tick=False):
        assert client.get(reverse("account_email")).status_code == 200
    with time_machine.travel(last + timedelta(minutes=29 + 30), tick=False):
        assert client.get(reverse("account_email")).status_code == 302


def test_a_request_from_another_browser_is_recorded_at_once(member):
    client = _login(member.email, agent="Browser/1")
    client.defaults["HTTP_USER_AGENT"] = "Other/2"
    statements = _statements(client)
    assert _writes(statements)
    assert UserSession.objects.get(user=member).user_agent == "Other/2"


def test_roles_permissions_and_authenticator_are_one_query(advisor, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert roles.role_names(advisor) == {roles.ADVISOR}
        assert advisor.has_perm("members.work_casework")
        assert not advisor.has_perm("members.manage_membership")
        assert roles.has_authenticator(advisor)
