"""The embedded default under its own worker: `make run` on SQLite has a web process and a
Celery worker writing to one database file. Before WAL and immediate transactions, a web
request failed with "database is locked" whenever the worker wrote at the same moment.

Separate processes write at once, as web and worker do: two send guidance requests through
the views (case, audit row, outbox row, session), one queues and delivers outbox emails as
the worker does. Every write must succeed. Runs on a throw-away SQLite file whatever
database the rest of the suite uses, because the point is the embedded default.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

REQUESTS_PER_WEB_PROCESS = 25
EMAILS_FROM_WORKER = 40
MEMBER = "writer@example.org"

WRITER = r"""
import json, sys
import django

django.setup()
from django.db import OperationalError

role, rounds, member = sys.argv[1], int(sys.argv[2]), sys.argv[3]
errors, done = [], 0
if role == "web":
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from casework.models import Topic

    client = Client()
    client.force_login(get_user_model().objects.get(email=member))
    topic = Topic.objects.get(code="other").pk
    for n in range(rounds):
        data = {
            "topics": [topic],
            "description": f"Jeg trenger råd om rollen min på jobben, forespørsel {n}.",
            "safe_contact": "Bare via portalen.",
        }
        try:
            response = client.post(reverse("casework:request-guidance"), data)
        except OperationalError as exc:
            errors.append(str(exc))
            continue
        if response.status_code != 302:
            errors.append(f"HTTP {response.status_code}")
        else:
            done += 1
else:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from core import outbox

    for n in range(rounds):
        try:
            with transaction.atomic():
                outbox.enqueue_rendered_email(to=["x@example.org"], subject=f"{n}", body="-")
            for message_id in outbox.due_message_ids(now=timezone.now() + timedelta(days=1)):
                if outbox.deliver_message(message_id) is not None:
                    done += 1
        except OperationalError as exc:
            errors.append(str(exc))
print(json.dumps({"role": role, "errors": errors, "done": done}))
"""


def _env(folder):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="erfaring.settings",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        CELERY_FILESYSTEM_DIR=str(folder / "broker"),
        EMAIL_URL="memorymail://",
    )
    return env


def _run(env, *args):
    subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_web_requests_and_the_worker_write_at_once_without_database_is_locked(tmp_path):
    env = _env(tmp_path)
    _run(env, "manage.py", "migrate", "--no-input")
    _run(env, "manage.py", "createcachetable")
    _run(
        env,
        "-c",
        f"import django; django.setup(); from members import factories; "
        f"factories.member_user(email='{MEMBER}')",
    )

    writers = [
        ("web", REQUESTS_PER_WEB_PROCESS),
        ("web", REQUESTS_PER_WEB_PROCESS),
        ("worker", EMAILS_FROM_WORKER),
    ]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, role, str(rounds), MEMBER],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role, rounds in writers
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert [r["errors"] for r in results] == [[], [], []]
    assert [r["done"] for r in results[:2]] == [REQUESTS_PER_WEB_PROCESS] * 2
    assert results[2]["done"] >= EMAILS_FROM_WORKER
