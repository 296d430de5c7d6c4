"""Tests that play the adversary of issue 9 (docs/anonymity.md): someone with a copy of the
database, or an admin who knows who submitted, tries to tie responses to members.

The 200-submission world is built once per module, each submission in its own transaction,
as in production; the checks then read it as the adversary would. xmin and ctid are
PostgreSQL's: on SQLite those checks skip (CI runs them on PostgreSQL)."""

import importlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from core import privacy, roles
from core.models import AuditEvent, OutboxMessage
from members import factories
from surveys import questionnaire, services, tasks
from surveys.models import Answer, Ballot, Draft, Edition, FreeText, Response
from surveys.selectors import result_responses
from surveys.strata import DIMENSIONS
from tests.conftest import REFERENCE_DATA_LOADERS

from .conftest import activate, close_and_mix
from .test_services import fill_draft

SUBMISSIONS = 200
SALARY_BASE = 200_000
K = 5
# The world's edition; other tests use another year, as the world lives through the module.
WORLD_YEAR = 2026
COUNTIES = ["03", "11", "15", "18", "31", "32", "34", "42", "46", "50", "55"]
EMPLOYERS = ["municipality", "specialist", "nav", "ngo_private", "other"]


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("xmin, ctid and the data files are PostgreSQL's; CI runs this on PostgreSQL")


def spearman(xs, ys):
    """Spearman's rank correlation of two sequences without ties."""

    def ranks(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0] * len(values)
        for rank, index in enumerate(order):
            result[index] = rank
        return result

    n = len(xs)
    d2 = sum((a - b) ** 2 for a, b in zip(ranks(xs), ranks(ys), strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


def open_edition(year):
    now = timezone.now()
    return questionnaire.build_edition(
        year=year,
        status="open",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
    )


def submit_many(edition, count, *, rng, marker="Kommentar"):
    """`count` members with random profiles submit, one transaction each, in order: the
    i-th carries salary SALARY_BASE + 1000 i and the free text "<marker> i", so the test
    (and only the test) knows who wrote what. Returns the members in submission order."""
    first = activate(
        factories.member_user(email=f"{marker.lower()}0@example.org"), union=True, rep=True
    )
    # Answers valid for everyone: the first member is asked every follow-up question.
    template = dict(fill_draft(first, edition).answers)
    members = [first] + [
        activate(
            factories.member_user(email=f"{marker.lower()}{i}@example.org"),
            county=rng.choice(COUNTIES),
            employer_type=rng.choice(EMPLOYERS),
            union=rng.random() < 0.7,
            rep=rng.random() < 0.5,
        )
        for i in range(1, count)
    ]
    for i, user in enumerate(members):
        services.record_consent(user=user, edition=edition)
        draft = Draft.objects.get(member=user, edition=edition, is_preview=False)
        draft.answers = {
            **template,
            **draft.answers,  # what consent took from this member's profile
            "salary_annual": str(SALARY_BASE + 1000 * i),
            "comments": f"{marker} {i}",
        }
        draft.save()
        assert services.submit_response(user=user, edition=edition) is not None
    return members


def _reload_reference_data():
    for module, function in REFERENCE_DATA_LOADERS:
        getattr(importlib.import_module(module), function)(apps, None)
    roles.sync_role_groups()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """200 members submit (committed one by one), the admin closes, the job mixes."""
    with django_db_blocker.unblock():
        try:
            _reload_reference_data()  # an earlier transactional test may have flushed it
            edition = open_edition(WORLD_YEAR)
            members = submit_many(edition, SUBMISSIONS, rng=random.Random(9))
            assert close_and_mix(edition) == SUBMISSIONS
            yield {"edition": Edition.objects.get(pk=edition.pk), "members": members}
        finally:
            call_command("flush", interactive=False, verbosity=0)
            _reload_reference_data()


# --- No shared transaction ------------------------------------------------------------------

LINKED_TABLES = (
    "surveys_participation",
    "surveys_submissiontoken",
    "core_auditevent",
    "core_outboxmessage",
)
UNLINKED_TABLES = ("surveys_response", "surveys_answer", "surveys_freetext")


@pytest.mark.django_db
def test_no_transaction_id_links_responses_answers_or_free_texts_to_members(world):
    postgres_only()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT xmin::text) FROM surveys_participation "
            "WHERE submitted_on IS NOT NULL"
        )
        # Each submission committed on its own: the join below could find 200 links.
        assert cursor.fetchone()[0] == SUBMISSIONS
        links = {}
        for unlinked in UNLINKED_TABLES:
            for linked in LINKED_TABLES:
                cursor.execute(
                    f"SELECT count(*) FROM {unlinked} u JOIN {linked} l "  # noqa: S608 - our table names
                    "ON u.xmin::text = l.xmin::text"
                )
                links[(unlinked, linked)] = cursor.fetchone()[0]
    print(f"\nxmin links over {SUBMISSIONS} submissions: {sum(links.values())} {links}")
    assert links == dict.fromkeys(links, 0)


# --- No order -------------------------------------------------------------------------------


def _submission_index_of_salaries(query, edition):
    with connection.cursor() as cursor:
        cursor.execute(query, [edition.pk])
        return [(int(number) - SALARY_BASE) // 1000 for (number,) in cursor.fetchall()]


@pytest.mark.django_db
def test_row_order_and_ids_of_responses_and_free_texts_do_not_follow_submission_order(world):
    postgres_only()
    edition = world["edition"]
    salary_by = (
        "SELECT a.number FROM surveys_response r JOIN surveys_answer a ON a.response_id = r.id "
        "AND a.question_key = 'salary_annual' WHERE r.edition_id = %s ORDER BY {}"
    )
    text_by = "SELECT text FROM surveys_freetext WHERE edition_id = %s ORDER BY {}"
    orders = {
        "responses by ctid": _submission_index_of_salaries(salary_by.format("r.ctid"), edition),
        "responses by id": _submission_index_of_salaries(salary_by.format("r.id"), edition),
    }
    with connection.cursor() as cursor:
        for order in ("ctid", "id"):
            cursor.execute(text_by.format(order), [edition.pk])
            orders[f"free texts by {order}"] = [
                int(text.rsplit(" ", 1)[1]) for (text,) in cursor.fetchall()
            ]
    rhos = {}
    for name, submitted in orders.items():
        assert sorted(submitted) == list(range(SUBMISSIONS)), name
        rhos[name] = spearman(list(range(SUBMISSIONS)), submitted)
    print(f"\nSpearman rho against submission order ({SUBMISSIONS}): {rhos}")
    assert all(abs(rho) < 0.2 for rho in rhos.values()), rhos


# --- Strata that hide in a crowd ------------------------------------------------------------


def smallest_stratum_groups():
    """{edition year: size of the smallest group of stored responses sharing a combination}"""
    groups = Counter(
        Response.objects.counted().values_list("edition__year", *DIMENSIONS).iterator()
    )
    smallest = {}
    for (year, *_combination), n in groups.items():
        smallest[year] = min(n, smallest.get(year, n))
    return smallest


def profile_answer_groups(edition):
    """Responses grouped by their answers to the questions taken from the profile: the same
    categories must hide in the answers as in the strata."""
    keys = [q.key for q in edition.questions.exclude(profile_field="")]
    per_response = {}
    for response_id, key, code in Answer.objects.filter(
        response__edition=edition, question_key__in=keys
    ).values_list("response_id", "question_key", "code"):
        per_response.setdefault(response_id, {})[key] = code
    combos = Counter(
        tuple(per_response.get(r, {}).get(key, "") for key in keys)
        for r in Response.objects.filter(edition=edition).values_list("pk", flat=True)
    )
    return combos


@pytest.mark.django_db
def test_every_stored_stratum_combination_occurs_at_least_k_times(world):
    edition = world["edition"]
    before = smallest_stratum_groups()
    print(f"\nsmallest stratum group per edition: {before}")
    assert before[WORLD_YEAR] >= K
    assert min(profile_answer_groups(edition).values()) >= K
    # Deleting members (account deletion) removes nothing from the responses.
    for user in world["members"][::10]:
        privacy.delete_account(user=user)
    assert smallest_stratum_groups() == before
    assert Response.objects.filter(edition=edition).count() == SUBMISSIONS


@pytest.mark.django_db
def test_answers_that_would_give_back_a_generalised_category_are_not_stored(world):
    edition = world["edition"]
    # Only union members are asked whether the union understands peer work: an answer there
    # on a response whose union membership was generalised away would give it back.
    blank_union = Response.objects.filter(edition=edition, union_member="")
    assert not Answer.objects.filter(
        response__in=blank_union, question_key="union_understands"
    ).exists()
    for response in Response.objects.filter(edition=edition).exclude(union_member=""):
        stored = response.answers.filter(question_key="union_member").first()
        assert stored is not None and stored.code == response.union_member


# --- No fine time ---------------------------------------------------------------------------

TIME_TYPES = {"DateField", "DateTimeField", "TimeField", "DurationField"}


@pytest.mark.django_db
def test_no_column_of_ballot_response_answer_or_free_text_holds_a_time():
    """The schema itself, walked in the database: no date or time type at all, so nothing
    finer than the edition (which the edition column already says)."""
    with connection.cursor() as cursor:
        for model in (Ballot, Response, Answer, FreeText):
            table = model._meta.db_table
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                assert kind not in TIME_TYPES, (table, column.name, kind)


@pytest.mark.django_db
def test_participation_keeps_the_day_of_submission_not_the_time():
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(
            cursor, "surveys_participation"
        )
    kinds = {c.name: connection.introspection.get_field_type(c.type_code, c) for c in description}
    assert kinds["submitted_on"] == "DateField"
    assert "submitted_at" not in kinds


# --- Sealed at rest -------------------------------------------------------------------------

CANARY = "Kanarifugl-4417"


@pytest.mark.django_db(transaction=True)
def test_raw_reads_of_drafts_and_ballots_show_no_answer(active_member, other_active_member):
    edition = open_edition(2030)
    fill_draft(active_member, edition, q_comments=CANARY, q_salary_annual="431234")
    fill_draft(other_active_member, edition, q_comments=CANARY, q_salary_annual="431234")
    services.submit_response(user=active_member, edition=edition)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM surveys_draft")
        drafts = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT sealed FROM surveys_ballot")
        ballots = [row[0] for row in cursor.fetchall()]
    assert len(drafts) == 1 and len(ballots) == 1
    for raw in drafts + ballots:
        for plain in (CANARY, "431234", "salary_annual", "comments"):
            assert plain not in raw
    # Same length whatever was written: the length of a free text is not given away.
    assert len(drafts[0]) == len(ballots[0])


@pytest.mark.django_db(transaction=True)
def test_a_deleted_draft_leaves_no_plaintext_on_disk(active_member):
    """The issue's finding: a deleted draft was still readable in the table's data file."""
    postgres_only()
    edition = open_edition(2030)
    fill_draft(active_member, edition, q_comments=CANARY)
    services.withdraw_participation(user=active_member, edition=edition)
    assert not Draft.objects.exists()
    with connection.cursor() as cursor:
        try:
            cursor.execute("CHECKPOINT")
            files = []
            for table in ("surveys_draft", "surveys_ballot"):
                cursor.execute(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid IN "
                    "(%s::regclass, (SELECT reltoastrelid FROM pg_class WHERE oid = %s::regclass))",
                    [table, table],
                )
                for (path,) in cursor.fetchall():
                    cursor.execute("SELECT pg_read_binary_file(%s)", [path])
                    files.append(bytes(cursor.fetchone()[0]))
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("reading data files needs a superuser or pg_read_server_files")
    assert files and any(files), "the data files were read"
    assert not any(CANARY.encode() in data for data in files)


# --- Nothing lost, nothing twice ------------------------------------------------------------


@pytest.mark.usefixtures("dead_broker")
@pytest.mark.django_db
def test_ballots_submitted_while_redis_is_down_are_mixed_once(
    django_capture_on_commit_callbacks,
):
    edition = open_edition(2030)
    with django_capture_on_commit_callbacks(execute=True):
        submit_many(edition, K, rng=random.Random(5), marker="Redis")
    assert Ballot.objects.count() == K
    assert not result_responses(edition).exists()
    assert close_and_mix(edition) == K
    assert result_responses(edition).count() == K
    assert tasks.mix_closed_editions.apply().get() == 0  # beat runs it again: nothing twice
    assert Response.objects.filter(edition=edition).count() == K
    assert FreeText.objects.filter(edition=edition).count() == K
    assert not Ballot.objects.exists()


def _database_url():
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


def _waiting_on_free_texts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'INSERT INTO \"surveys_freetext\"%%'"
        )
        return [pid for (pid,) in cursor.fetchall()]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_mixing_job_killed_mid_batch_loses_and_duplicates_nothing():
    """A real process is killed (SIGKILL) while it mixes: after it has written the responses
    and answers, while it waits to write the free texts. Then the job runs again."""
    postgres_only()
    edition = open_edition(2030)
    submit_many(edition, 12, rng=random.Random(12), marker="Killed")
    services.close_edition(actor=None, edition=edition)
    db = connection.settings_dict
    blocker = psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    blocker.execute("LOCK TABLE surveys_freetext IN ACCESS EXCLUSIVE MODE")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_DEBUG": "1",
        "SURVEY_BALLOT_KEYS": ",".join(settings.SURVEY_BALLOT_KEYS),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    job = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from surveys import tasks; tasks.mix_closed_editions.apply().get()",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not _waiting_on_free_texts():
            assert job.poll() is None, "the job ended before it reached the free texts"
            assert time.monotonic() < deadline, "the job never reached the free texts"
            time.sleep(0.2)
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=20)
    finally:
        blocker.rollback()
        blocker.close()
    deadline = time.monotonic() + 30
    while _waiting_on_free_texts() and time.monotonic() < deadline:
        time.sleep(0.2)
    # Killed mid-batch: nothing of the batch is stored and every ballot is still there.
    assert Ballot.objects.filter(edition=edition).count() == 12
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not FreeText.objects.exists()
    edition.refresh_from_db()
    assert edition.mixed_on is None
    # The next run (beat, ten minutes later) mixes them once; a further run adds nothing.
    assert tasks.mix_closed_editions.apply().get() == 12
    assert tasks.mix_closed_editions.apply().get() == 0
    assert Response.objects.filter(edition=edition).count() == 12
    assert FreeText.objects.filter(edition=edition).count() == 12
    assert not Ballot.objects.exists()


@pytest.mark.django_db
def test_no_audit_row_log_line_or_outbox_row_carries_answers(caplog):
    edition = open_edition(2030)
    caplog.set_level("DEBUG")
    submit_many(edition, K, rng=random.Random(3), marker="Kanarifugl")
    close_and_mix(edition)
    rows = str(list(AuditEvent.objects.values())) + str(list(OutboxMessage.objects.values()))
    assert "Kanarifugl" not in rows and "Kanarifugl" not in caplog.text
    assert str(SALARY_BASE + 1000) not in rows + caplog.text
    submitted = AuditEvent.objects.filter(action="survey.submitted", object_id=str(edition.pk))
    assert submitted.count() == K
    assert all(event.subject_id for event in submitted)
