"""A real Celery worker process, on the environment's real broker (Redis in CI, the
filesystem broker locally), consumes an outbox message end to end."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core import outbox
from core.models import OutboxMessage

pytestmark = pytest.mark.slow


def _database_url_of_test_db():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db):
    # Earlier tests publish on commit to the same real broker (hundreds of receipts from the
    # anonymity tests); left queued, they stand before this test's one message.
    from erfaring.celery import app

    app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_of_test_db(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": "consolemail://",
        "DJANGO_DEBUG": "1",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "erfaring",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_worker_consumes_an_outbox_message(worker):
    message = outbox.enqueue_rendered_email(
        to=["a@example.org"], subject="Du har en ny melding i Erfaring", body="Logg inn for å lese."
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status != OutboxMessage.Status.PENDING:
            break
        assert worker.poll() is None, "the worker exited early"
        time.sleep(0.5)
    worker.terminate()
    output, _ = worker.communicate(timeout=20)
    assert message.status == OutboxMessage.Status.SENT, output[-3000:]
    assert "Subject: Du har en ny melding i Erfaring" in output
    assert output.count("Subject: Du har en ny melding i Erfaring") == 1
