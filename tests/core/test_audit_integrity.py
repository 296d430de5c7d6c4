"""The audit log cannot be rewritten from the app (SECURITY.md E2; issue 12): on PostgreSQL
no client nulls who-did-it or empties the table, a user is unlinked from it only by the
erasure path, and the production app role may only add and read rows."""

from pathlib import Path

import pytest
import yaml
from django.db import DatabaseError, IntegrityError, connection, transaction

from core import privacy
from core.audit import forget_subject, record_event
from core.dbroles import grant_app_role
from core.models import AuditEvent, OutboxMessage

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the triggers and roles are PostgreSQL's"
    ),
]

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _refused(statement, params=None):
    """True when the database refuses `statement` (rolled back to a savepoint)."""
    try:
        with transaction.atomic():
            _sql(statement, params)
            _sql("SET CONSTRAINTS ALL IMMEDIATE")
    except DatabaseError:
        return True
    return False


@pytest.fixture
def event(member, advisor):
    return record_event(actor=advisor, action="case.viewed", target=member, subject=member)


def test_no_client_can_null_who_did_it(event):
    assert _refused("UPDATE core_auditevent SET actor_id = NULL WHERE id = %s", [event.pk])
    assert _refused("UPDATE core_auditevent SET subject_id = NULL WHERE id = %s", [event.pk])
    assert _refused("UPDATE core_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    assert _refused("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert (event.actor_id, event.subject_id) != (None, None)


def test_truncate_of_the_audit_log_is_refused(event):
    # The test suite's own escape hatch (tests/conftest.py) off, as in production; the
    # deferred foreign-key checks run now, or they alone would block the TRUNCATE.
    _sql("SET LOCAL erfaring.audit_truncate = 'off'")
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
        _sql("TRUNCATE core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_deleting_a_user_outside_the_erasure_path_fails(event, advisor):
    advisor_id = advisor.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        advisor.delete()
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
    event.refresh_from_db()
    assert event.actor_id == advisor_id


def test_the_unlink_function_refuses_an_account_that_still_exists(event, advisor):
    with pytest.raises(DatabaseError, match="only from a deleted account"), transaction.atomic():
        _sql("SELECT core_auditevent_unlink_deleted_user(%s)", [advisor.pk])
    event.refresh_from_db()
    assert event.actor_id == advisor.pk


def test_erasure_unlinks_the_deleted_account_and_keeps_action_and_time(member, advisor):
    own = record_event(actor=member, action="privacy.data_exported", target=member, subject=member)
    read = record_event(actor=advisor, action="case.viewed", target=member, subject=member)
    privacy.delete_account(user=member)
    _sql("SET CONSTRAINTS ALL IMMEDIATE")
    rows = {row.pk: row for row in AuditEvent.objects.filter(pk__in=[own.pk, read.pk])}
    assert (rows[own.pk].actor_id, rows[own.pk].subject_id) == (None, None)
    assert (rows[read.pk].actor_id, rows[read.pk].subject_id) == (advisor.pk, None)
    assert (rows[own.pk].action, rows[own.pk].at) == (own.action, own.at)


def test_forgetting_a_subject_never_nulls_a_staff_actor(member, advisor):
    read = record_event(actor=advisor, action="case.viewed", target=member, subject=member)
    # Asked to forget the advisor on a row the advisor is not the subject of: nothing moves.
    assert forget_subject(target=member, user_id=advisor.pk) == 0
    assert forget_subject(target=member, user_id=member.pk) == 1
    read.refresh_from_db()
    assert (read.actor_id, read.subject_id) == (advisor.pk, None)


@pytest.fixture
def as_app_role(db):
    """The test's transaction switched to a fresh app role (both roll back at the end)."""
    role = f"erfaring_app_test_{connection.settings_dict['NAME'][-20:]}"
    grant_app_role(role=role, password="not-used-here")
    _sql(f'SET LOCAL ROLE "{role}"')
    yield role
    _sql("RESET ROLE")


def test_app_role_may_only_insert_and_select_the_audit_log(member, advisor, as_app_role):
    event = record_event(actor=advisor, action="case.viewed", target=member, subject=member)
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    pk = event.pk
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks to block TRUNCATE instead
    # Even with the unlink switch on, which only the owner's functions use.
    _sql("SET LOCAL erfaring.audit_unlink = 'on'")
    assert _refused("UPDATE core_auditevent SET actor_id = NULL WHERE id = %s", [pk])
    assert _refused("DELETE FROM core_auditevent WHERE id = %s", [pk])
    assert _refused("TRUNCATE core_auditevent")
    assert _refused("ALTER TABLE core_auditevent DISABLE TRIGGER ALL")
    assert _refused("DELETE FROM django_migrations")
    # The rest of the portal works as before: an ordinary table takes updates.
    message = OutboxMessage.objects.create(payload={}, next_attempt_at=event.at)
    assert not _refused("UPDATE core_outboxmessage SET attempts = 1 WHERE id = %s", [message.pk])
    # The retention function is the app's one way to forget a subject.
    assert forget_subject(target=member, user_id=member.pk) == 1


def test_production_runs_migrations_as_owner_and_the_app_as_its_role():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    migrate_url = services["migrate"]["environment"]["DATABASE_URL"]
    assert "grant_app_role" in " ".join(services["migrate"]["command"])
    assert migrate_url.startswith("postgres://erfaring:")
    for name in ("web", "worker", "beat"):
        app_url = services[name]["environment"]["DATABASE_URL"]
        assert app_url.startswith("postgres://${DATABASE_APP_ROLE:-erfaring_app}:")
