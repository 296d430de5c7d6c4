"""Production settings and the reliability settings the outbox depends on.

Production behaviour is checked in subprocesses started with DJANGO_DEBUG=0, because
settings.py decides cookies, HSTS and host validation at import time: overriding a few
settings in this (DEBUG) process would test our override, not the production file.
"""

import ast
import json
import os
import re
import secrets
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.contrib.sessions.backends import db
from django.db import connection

from core import outbox
from erfaring.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_HOST = "erfaring.example"
ONE_YEAR = 365 * 24 * 60 * 60


def production_env(tmp_path, **overrides):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "erfaring.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_ENCRYPTION_SALT": "",
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SURVEY_RESPONSE_KEY": secrets.token_urlsafe(32),
        "SURVEY_BALLOT_KEYS": Fernet.generate_key().decode(),
        "CASEWORK_ATTACHMENT_KEYS": Fernet.generate_key().decode(),
        "EMAIL_URL": "smtp://127.0.0.1:1",
        "DJANGO_ALLOWED_HOSTS": PRODUCTION_HOST,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_DIR": str(tmp_path / "broker"),
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    env.update(overrides)
    return env


def run_python(args, env, timeout=120):
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- Start-up -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variable",
    [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "EMAIL_URL",
        "SURVEY_RESPONSE_KEY",
        "SURVEY_BALLOT_KEYS",
        "FIELD_ENCRYPTION_KEYS",
        "MFA_ENCRYPTION_KEYS",
        "CASEWORK_ATTACHMENT_KEYS",
    ],
)
def test_production_start_up_refuses_a_missing_variable(tmp_path, variable):
    # Empty rather than absent, so a developer's .env cannot fill it in.
    result = run_python(["manage.py", "check"], production_env(tmp_path, **{variable: ""}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


@pytest.mark.parametrize(
    "email_url", ["consolemail://", "filemail:///tmp/mail", "memorymail://", "dummymail://"]
)
def test_production_start_up_refuses_an_email_backend_that_sends_nothing(tmp_path, email_url):
    result = run_python(["manage.py", "check"], production_env(tmp_path, EMAIL_URL=email_url))

    assert result.returncode != 0
    assert "EMAIL_URL must name an SMTP server" in result.stderr


@pytest.mark.parametrize("variable", ["FIELD_ENCRYPTION_KEYS", "MFA_ENCRYPTION_KEYS"])
def test_deploy_check_refuses_a_value_that_is_not_a_fernet_key(tmp_path, variable):
    result = run_python(
        ["manage.py", "check", "--deploy"], production_env(tmp_path, **{variable: "secret"})
    )

    assert result.returncode != 0
    assert "core.E010" in result.stdout + result.stderr
    assert variable in result.stdout + result.stderr


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    result = run_python(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def variables_read_in_settings():
    tree = ast.parse((BASE_DIR / "erfaring" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if reads_env and isinstance(node.args[0], ast.Constant):
            names.add(node.args[0].value)
    return names


def test_readme_documents_every_environment_variable():
    readme = (BASE_DIR / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))
    read = variables_read_in_settings()

    assert len(read) > 20
    assert read - documented == set(), "add these to the README's table of variables"
    assert documented - read == set(), "the README documents variables nothing reads"


# --- Accounts, sessions, cache --------------------------------------------------------------


def test_argon2_hashes_new_passwords():
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_sessions_and_cache_live_in_the_database_not_in_redis():
    # Django's database store, saving an existing session in one statement (core.sessions).
    assert settings.SESSION_ENGINE == "core.sessions"
    assert issubclass(import_module(settings.SESSION_ENGINE).SessionStore, db.SessionStore)
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


# --- Celery ---------------------------------------------------------------------------------


def test_celery_accepts_and_sends_json_only():
    conf = celery_app.conf
    assert list(conf.accept_content) == ["json"]
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"


def test_celery_acknowledges_a_task_only_after_it_ran():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True


def test_redis_visibility_timeout_outlasts_every_countdown_and_task(tmp_path):
    # A task still unacknowledged after the visibility timeout is handed to a second worker;
    # it must be longer than the longest retry countdown and the hard task time limit.
    probe = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'options': s.CELERY_BROKER_TRANSPORT_OPTIONS, "
        "'time_limit': s.CELERY_TASK_TIME_LIMIT}))"
    )
    result = run_python(
        ["-c", probe],
        production_env(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/0"),
    )
    assert result.returncode == 0, result.stderr
    observed = json.loads(result.stdout.strip().splitlines()[-1])

    visibility_timeout = observed["options"]["visibility_timeout"]
    assert visibility_timeout > max(outbox.RETRY_DELAYS)
    assert visibility_timeout > observed["time_limit"]
    assert observed["time_limit"] > 0


APP_PACKAGES = ("erfaring", "core", "members", "surveys", "casework")


def delayed_task_arguments():
    """Every `countdown=` or `eta=` argument in our code, as (file:line, keyword, value)."""
    for package in APP_PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                for keyword in getattr(node, "keywords", []) if isinstance(node, ast.Call) else []:
                    if keyword.arg in {"countdown", "eta"}:
                        where = f"{path.relative_to(BASE_DIR)}:{node.lineno}"
                        yield where, keyword.arg, keyword.value


def test_no_task_waits_in_the_broker_longer_than_the_visibility_timeout():
    # Longer delays are redelivered by Redis while still waiting; reminders use the database
    # schedule instead. A countdown is either a small literal or core.outbox.retry_delay().
    visibility_timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for where, keyword, value in delayed_task_arguments():
        assert keyword == "countdown", f"{where}: no eta=, schedule reminders in the database"
        if isinstance(value, ast.Constant):
            assert value.value < visibility_timeout, where
        else:
            called = value.func if isinstance(value, ast.Call) else None
            name = getattr(called, "attr", getattr(called, "id", None))
            assert name == "retry_delay", f"{where}: countdown must be bounded"


# --- HTTP under production settings ---------------------------------------------------------

# Runs in a production subprocess against a throw-away SQLite database: prepares what a
# deployment has (tables, cache table, collected static files), signs a member in, and prints
# what each response looked like as one JSON line.
PRODUCTION_PROBE = """
import json
import django

django.setup()

from django.core.management import call_command
from django.test import Client

from members import factories

call_command("migrate", verbosity=0)
call_command("createcachetable", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
user = factories.member_user(email="probe@example.org")


def describe(response):
    return {
        "status": response.status_code,
        "headers": {name.lower(): value for name, value in response.headers.items()},
        "cookies": {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
                "path": morsel["path"],
                "domain": morsel["domain"],
            }
            for name, morsel in response.cookies.items()
        },
    }


client = Client(HTTP_HOST="erfaring.example")
observed = {
    "home": describe(client.get("/", secure=True)),
    "login_required": describe(client.get("/accounts/email/", secure=True)),
    "missing": describe(client.get("/no-such-page/", secure=True)),
    "plain_http": describe(client.get("/", secure=False)),
    "behind_proxy": describe(client.get("/", HTTP_X_FORWARDED_PROTO="https")),
    "foreign_host": describe(Client(HTTP_HOST="evil.example").get("/", secure=True)),
    "login_page": describe(client.get("/accounts/login/", secure=True)),
}
observed["login"] = describe(
    client.post(
        "/accounts/login/",
        {"login": user.email, "password": factories.DEFAULT_PASSWORD},
        secure=True,
    )
)
print("PROBE " + json.dumps(observed))
"""


@pytest.fixture(scope="module")
def production_responses(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("production")
    result = run_python(["-c", PRODUCTION_PROBE], production_env(tmp_path), timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_production_probe_saw_the_expected_statuses(production_responses):
    statuses = {name: seen["status"] for name, seen in production_responses.items()}
    assert statuses == {
        "home": 200,
        "login_required": 302,
        "missing": 404,
        "plain_http": 301,
        "behind_proxy": 200,
        "foreign_host": 400,
        "login_page": 200,
        "login": 302,
    }


def test_plain_http_is_redirected_to_https(production_responses):
    assert production_responses["plain_http"]["headers"]["location"].startswith(
        f"https://{PRODUCTION_HOST}/"
    )


def test_https_at_the_proxy_counts_as_https(production_responses):
    # The TLS-terminating proxy talks plain HTTP to gunicorn and says so in X-Forwarded-Proto.
    assert "strict-transport-security" in production_responses["behind_proxy"]["headers"]


def test_member_signs_in_under_production_settings(production_responses):
    login = production_responses["login"]
    assert "/accounts/login/" not in login["headers"]["location"]
    assert "__Host-sessionid" in login["cookies"]


def test_session_cookie_is_secure_host_only_httponly_and_lax(production_responses):
    cookie = production_responses["login"]["cookies"]["__Host-sessionid"]
    assert cookie == {
        "secure": True,
        "httponly": True,
        "samesite": "Lax",
        "path": "/",
        "domain": "",
    }


def test_csrf_cookie_is_secure_host_only_and_lax(production_responses):
    cookie = production_responses["login_page"]["cookies"]["__Host-csrftoken"]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"
    assert cookie["domain"] == ""


def test_no_cookie_without_the_host_prefix(production_responses):
    names = {name for seen in production_responses.values() for name in seen["cookies"]}
    # The language cookie carries no secret; every other cookie must be __Host- prefixed.
    assert {name for name in names if not name.startswith("__Host-")} <= {
        settings.LANGUAGE_COOKIE_NAME
    }
    assert names >= {"__Host-sessionid", "__Host-csrftoken"}


def test_foreign_host_header_is_refused(production_responses):
    assert production_responses["foreign_host"]["status"] == 400


@pytest.mark.parametrize("name", ["home", "login_required", "missing", "login"])
def test_hsts_lasts_a_year_and_covers_subdomains(production_responses, name):
    hsts = production_responses[name]["headers"]["strict-transport-security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= ONE_YEAR
    assert "includeSubDomains" in hsts


@pytest.mark.parametrize("name", ["home", "login_required", "missing", "login_page", "login"])
def test_security_headers_on_every_kind_of_response(production_responses, name):
    headers = production_responses[name]["headers"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"

    directives = {
        part.split()[0]: part.split()[1:]
        for part in headers["content-security-policy"].split(";")
        if part.strip()
    }
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_statement_run_again_and_again_is_planned_once(db):
    from django.contrib.auth.models import Group

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%auth_group%"],
            )
            return cursor.fetchone()[0]

    for _ in range(7):
        list(Group.objects.filter(name="someone"))
    assert prepared() >= 1
