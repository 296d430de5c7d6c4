"""The admin's role page (issue 13): give and remove advisor, lead advisor and admin."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from core import roles
from core.models import AuditEvent
from members import factories

URL = "members:staff-roles"
REMOVE = "members:staff-role-remove"


def _reauthenticated(user):
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def admin_client(admin_user):
    return _reauthenticated(admin_user)


@pytest.fixture
def newcomer(db):
    return factories.member_user(email="ny.kollega@example.org", first_name="Nina", last_name="Ny")


def _mail_text(message):
    return message.subject + message.body


def test_admin_gives_advisor_role_and_the_person_is_emailed_and_sent_to_mfa(
    admin_client, admin_user, newcomer, deliver_outbox
):
    response = admin_client.post(
        reverse(URL), {"email": "NY.KOLLEGA@example.org", "role": roles.ADVISOR}
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert roles.has_role(newcomer, roles.ADVISOR)
    assert roles.has_role(newcomer, roles.MEMBER), "the member role is not touched"
    [event] = AuditEvent.objects.filter(action="members.role.given.advisor")
    assert (event.actor, event.subject) == (admin_user, newcomer)
    deliver_outbox()
    [email] = mail.outbox
    assert email.to == [newcomer.email]
    assert "Rådgiver" in _mail_text(email) and "tofaktor" in _mail_text(email)
    # The new advisor's next page is the authenticator set-up, whatever they ask for.
    client = Client()
    client.force_login(newcomer)
    response = client.get(reverse("casework:queue"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_page_lists_staff_with_their_roles_and_mfa(admin_client, advisor, staff_no_mfa):
    html = admin_client.get(reverse(URL)).content.decode()
    assert advisor.email in html and staff_no_mfa.email in html
    assert "Ikke satt opp ennå" in html


def test_admin_gives_lead_advisor_role(admin_client, advisor):
    admin_client.post(reverse(URL), {"email": advisor.email, "role": roles.LEAD_ADVISOR})
    advisor.refresh_from_db()
    assert advisor.has_perm("members.lead_casework")
    assert roles.requires_mfa(advisor)


def test_unknown_email_is_refused_with_a_reason(admin_client):
    response = admin_client.post(reverse(URL), {"email": "nobody@example.org", "role": "advisor"})
    assert response.status_code == 400
    assert "Ingen konto har denne e-postadressen" in response.content.decode()


def test_member_role_cannot_be_given_on_the_page(admin_client, newcomer):
    response = admin_client.post(reverse(URL), {"email": newcomer.email, "role": roles.MEMBER})
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action__startswith="members.role").count() == 0


def test_admin_removes_a_role_audited_and_emailed(
    admin_client, admin_user, advisor, deliver_outbox
):
    response = admin_client.post(reverse(REMOVE), {"user": advisor.pk, "role": roles.ADVISOR})
    assert response.status_code == 302
    advisor.refresh_from_db()
    assert not roles.has_role(advisor, roles.ADVISOR)
    assert AuditEvent.objects.filter(
        action="members.role.removed.advisor", actor=admin_user, subject=advisor
    ).exists()
    deliver_outbox()
    assert [m.to for m in mail.outbox] == [[advisor.email]]


def test_last_admin_cannot_remove_themselves(admin_client, admin_user, deliver_outbox):
    response = admin_client.post(
        reverse(REMOVE), {"user": admin_user.pk, "role": roles.ADMIN}, follow=True
    )
    assert "siste administratoren" in response.content.decode()
    admin_user.refresh_from_db()
    assert roles.has_role(admin_user, roles.ADMIN)
    assert admin_user.is_staff
    assert deliver_outbox() == 0


def test_an_admin_may_step_down_when_another_admin_remains(admin_client, admin_user):
    other = factories.admin_user(email="admin.two@example.org")
    admin_client.post(reverse(REMOVE), {"user": admin_user.pk, "role": roles.ADMIN})
    admin_user.refresh_from_db()
    assert not roles.has_role(admin_user, roles.ADMIN)
    assert roles.has_role(other, roles.ADMIN)
    # No longer an admin: the page is closed to them now.
    assert admin_client.get(reverse(URL)).status_code == 403


@pytest.mark.parametrize("who", ["member", "advisor"])
def test_non_admins_are_refused(request, who):
    user = request.getfixturevalue(who)
    client = _reauthenticated(user)
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(REMOVE), {"user": user.pk, "role": "advisor"}).status_code == 403


def test_stale_login_must_reauthenticate_first(client, admin_user, newcomer):
    client.force_login(admin_user)
    response = client.post(reverse(URL), {"email": newcomer.email, "role": roles.ADMIN})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not roles.has_role(newcomer, roles.ADMIN)


def test_staff_page_query_count_is_flat(admin_client, django_assert_num_queries):
    admin_client.get(reverse(URL))

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse(URL)).status_code == 200
        return len(queries)

    for i in range(3):
        factories.advisor_user(email=f"a{i}@example.org")
    small = count()
    for i in range(3, 9):
        factories.advisor_user(email=f"a{i}@example.org")
    assert count() == small
