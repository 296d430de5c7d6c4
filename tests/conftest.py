"""Role fixtures and shared helpers. Tests talk to the real database and broker of the
environment (PostgreSQL and Redis in CI); nothing of ours is mocked."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache, caches
from django.db.backends.signals import connection_created
from django.utils import translation
from kombu import pools

from core import kept, outbox, roles
from erfaring.celery import app as celery_app
from members import factories


def _allow_flushing_the_audit_log(sender, connection, **kwargs):
    """Transactional tests empty every table with TRUNCATE between tests, which the audit
    log's trigger refuses except in a test database whose session asks for it
    (core/migrations/0005). tests/core/test_audit_integrity.py turns it off to test that."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET erfaring.audit_truncate = 'on'")


connection_created.connect(_allow_flushing_the_audit_log, dispatch_uid="tests.audit_truncate")


@pytest.fixture(autouse=True)
def _clear_cache(db):
    # The cache is the database cache; rate-limit counters must not leak between tests.
    cache.clear()
    caches["fragments"].clear()
    # The kept lists (core.kept) may hold an earlier test's topics and advisors, whose rows
    # went with its transaction without a signal.
    kept.forget_all()


@pytest.fixture(autouse=True)
def _language_of_a_new_thread():
    """A request's language stays active in its thread after the response (as Django's own
    LocaleMiddleware leaves it: a streamed export is written after the view returns), so an
    email rendered in a later test would speak the last request's language. Each test
    starts as a new thread does: in the default language."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _session_renewal_off_the_clock(request, settings):
    """A signed-in request also renews the session once a minute (two more statements), so
    a query count taken after slow work (publishing a release) would depend on how long the
    test took. The renewal waits a day here, except in tests of it (marker session_clock)."""
    if request.node.get_closest_marker("session_clock") is None:
        settings.SESSION_TOUCH_SECONDS = 24 * 60 * 60


@pytest.fixture(autouse=True)
def _compiled_sql_checked_against_the_orm(settings):
    """Every query core.compiled runs from SQL compiled once is also built by the ORM for the
    real ids and must be the same SQL with the same parameters: each test that reaches one
    (the queue, the case pages, the roles of everyone signing in) tests that cache too."""
    settings.COMPILED_SQL_CHECK = True


REFERENCE_DATA_LOADERS = [
    ("members.migrations.0003_load_municipalities_2024", "load"),
    ("casework.migrations.0002_seed_topics", "seed_topics"),
]


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(_clear_cache, request):
    """A transactional test may start from tables another one emptied, without the reference
    data that migrations load (municipalities, topics, role groups): load it again, with the
    migrations' own idempotent loaders."""
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not transactional:
        return
    for module, function in REFERENCE_DATA_LOADERS:
        getattr(importlib.import_module(module), function)(django_apps, None)
    roles.sync_role_groups()


@pytest.fixture
def person(db):
    """Someone who signed up and confirmed their email, and has not applied: no member."""
    return factories.UserFactory(email="person@example.org")


@pytest.fixture
def member(db):
    """A member because of an approved, active membership (profile in Bergen, consent)."""
    return factories.member_user(email="member.a@example.org")


@pytest.fixture
def other_member(db):
    return factories.member_user(email="member.b@example.org")


@pytest.fixture
def advisor(db):
    user = factories.advisor_user(email="advisor@example.org")
    factories.with_totp(user)
    return user


@pytest.fixture
def other_advisor(db):
    user = factories.advisor_user(email="advisor.other@example.org")
    factories.with_totp(user)
    return user


@pytest.fixture
def admin_user(db):
    user = factories.admin_user(email="admin@example.org")
    factories.with_totp(user)
    return user


@pytest.fixture
def staff_no_mfa(db):
    return factories.advisor_user(email="advisor.nomfa@example.org")


@pytest.fixture
def person_client(client, person):
    client.force_login(person)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def advisor_client(client, advisor):
    client.force_login(advisor)
    return client


@pytest.fixture
def admin_client_mfa(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def deliver_outbox(django_capture_on_commit_callbacks):
    """Deliver every pending outbox message in this process (as the sweeper does when the
    broker is away), ignoring the grace period. Returns the number sent."""

    def run():
        from django.utils import timezone

        sent = 0
        for message_id in outbox.due_message_ids(now=timezone.now() + timedelta(days=1)):
            if outbox.deliver_message(message_id) is not None:
                sent += 1
        return sent

    return run


DEAD_BROKER = "redis://127.0.0.1:1/0"


def _reset_broker_connections():
    # kombu keeps producer pools in a process-wide registry; drop them with the app's own.
    pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker(monkeypatch):
    """Point Celery at a port where nothing listens, as when Redis is down."""
    original = celery_app.conf.broker_url
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", DEAD_BROKER)
    celery_app.conf.broker_url = DEAD_BROKER
    _reset_broker_connections()
    assert celery_app.connection_for_write().port == 1
    yield
    monkeypatch.undo()
    celery_app.conf.broker_url = original
    _reset_broker_connections()
