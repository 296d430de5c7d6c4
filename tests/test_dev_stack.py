"""The embedded development stack of `make run`: web, a real Celery worker and beat, started
by honcho from Procfile.dev on SQLite and kombu's filesystem broker, as a newcomer gets it.

The stack runs on a throw-away database and broker folder (never var/), whatever database the
rest of the suite uses, because the point is the embedded default.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

BASE_DIR = Path(settings.BASE_DIR)
BIN_DIR = Path(sys.executable).parent
START_TIMEOUT = 90
# Celery's warm shutdown finishes the running task first; honcho kills what is left 5 s after
# the first process stopped.
STOP_TIMEOUT = 15


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_env(folder):
    env = {
        key: value
        for key, value in os.environ.items()
        # The suite may run on PostgreSQL and Redis; the stack under test must not.
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "PORT"}
    }
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="erfaring.settings",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        CELERY_FILESYSTEM_DIR=str(folder / "broker"),
        CELERY_BEAT_SCHEDULE_FILE=str(folder / "celerybeat-schedule"),
        PATH=f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        EMAIL_URL="consolemail://",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def prepared_database(tmp_path_factory):
    """A database after the same steps as `make run` (migrate, cache table, demo data)."""
    folder = tmp_path_factory.mktemp("stack-template")
    env = stack_env(folder)
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")
    manage(env, "seed_demo", "--if-empty")
    return folder / "db.sqlite3"


class Stack:
    def __init__(self, folder, database):
        shutil.copy(database, folder / "db.sqlite3")
        self.folder = folder
        self.port = free_port()
        self.log_path = folder / "honcho.log"
        self.env = stack_env(folder)
        self.process = None

    def start(self):
        # honcho lets a developer's .env override our environment; give it an empty one.
        empty_env_file = self.folder / "empty.env"
        empty_env_file.touch()
        command = ["start", "-f", "Procfile.dev", "-e", str(empty_env_file), "-p", str(self.port)]
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [BIN_DIR / "honcho", *command],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def log(self):
        return self.log_path.read_text(errors="replace")

    def child_pids(self):
        return {
            name: int(pid) for name, pid in re.findall(r"(\w+)\.1 started \(pid=(\d+)\)", self.log)
        }

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path):
        # Always http://127.0.0.1: the stack this test started.
        request = urllib.request.Request(self.url(path))  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()

    def wait_until(self, condition, what, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"honcho exited while waiting for {what}:\n{self.log[-4000:]}")
            try:
                if condition():
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.5)
        pytest.fail(f"timed out waiting for {what}:\n{self.log[-4000:]}")

    def health(self):
        status, body = self.get("/healthz")
        return status, json.loads(body)

    def run_python(self, code):
        """Run `code` with Django set up, against this stack's database and broker."""
        subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=BASE_DIR,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def stop(self, signum):
        """Send `signum` to honcho, as Ctrl-C or a service manager would, and return how long
        until honcho and every process group it started were gone."""
        groups = list(self.child_pids().values())
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"honcho still running {STOP_TIMEOUT} s after the signal:\n{self.log}")
        while any(group_alive(group) for group in groups):
            if time.monotonic() - started > STOP_TIMEOUT:
                pytest.fail(f"processes left behind: {groups}\n{self.log[-4000:]}")
            time.sleep(0.1)
        return time.monotonic() - started

    def kill_everything(self):
        for group in [*self.child_pids().values(), self.process.pid]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)


def group_alive(pgid):
    # Each Procfile process leads its own process group (runserver's reloader child included).
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def stack(tmp_path, prepared_database):
    stack = Stack(tmp_path, prepared_database)
    stack.start()
    yield stack
    if stack.process.poll() is None:
        stack.kill_everything()


def wait_until_serving(stack):
    stack.wait_until(lambda: stack.health()[0] == 200, "/healthz to answer 200")
    stack.wait_until(lambda: len(stack.child_pids()) == 3, "web, worker and beat to start")
    stack.wait_until(lambda: "celery@" in stack.log and " ready." in stack.log, "worker ready")


def test_dev_stack_serves_bokmal_pages_runs_a_worker_and_stops_on_ctrl_c(stack):
    wait_until_serving(stack)
    assert set(stack.child_pids()) == {"web", "worker", "beat"}

    status, home = stack.get("/")
    assert status == 200
    assert '<html lang="nb"' in home

    status, login = stack.get("/accounts/login/")
    assert status == 200
    assert "Logg inn" in login

    # Tasks published through the filesystem broker are consumed by the worker process: the
    # heartbeat that /healthz reads, and an outbox email, printed by the console backend.
    # 30 s is inside the outbox grace period, so the email came by its own publish, not the
    # sweeper that beat runs.
    assert stack.health()[1]["broker"] == "up"
    subject = f"Dev stack {uuid.uuid4().hex}"
    stack.run_python(
        "from core.tasks import record_worker_heartbeat; record_worker_heartbeat.delay(); "
        "from core import outbox; "
        f"outbox.enqueue_rendered_email(to=['stack@example.org'], subject='{subject}', body='-')"
    )
    stack.wait_until(lambda: stack.health()[1]["worker"] == "up", "the worker's heartbeat")
    stack.wait_until(lambda: f"worker.1 | Subject: {subject}" in stack.log, "the email", 30)
    assert "beat: Starting..." in stack.log

    elapsed = stack.stop(signal.SIGINT)

    assert elapsed < STOP_TIMEOUT
    # The worker finishes its task and leaves (about 3 s: its broker poll lasts 2 s). On a
    # loaded machine honcho may SIGKILL it after its fixed 5 s; the outbox covers that case.
    assert "worker: Warm shutdown" in stack.log


def test_dev_stack_stops_on_sigterm(stack):
    wait_until_serving(stack)

    elapsed = stack.stop(signal.SIGTERM)

    assert elapsed < STOP_TIMEOUT
    assert "SIGTERM received" in stack.log
