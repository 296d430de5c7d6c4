"""Minimal Django project around django-helpdesk 2.6.1, for timing its pages the way
Erfaring's casework/bench.py times the portal's (bench/peer/README.md)."""

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The portal's timing harness (casework/benchkit.py, which imports Django only), so both
# sides are measured by the same code.
sys.path.append(str(Path(__file__).resolve().parents[4]))

SECRET_KEY = "peer-bench-not-secret-" + "x" * 40
# Off for timing (the benchmark also forces DEBUG and template debug off).
DEBUG = os.environ.get("PEER_DEBUG") == "1"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",  # required by helpdesk (admin links, maintenance)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # required: domain for e-mail links
    "django.contrib.humanize",  # required: elapsed-time formatting
    "rest_framework",  # required: API and the ticket list's datatables endpoint
    "helpdesk",
    "peerbench",
]

# Production-like: security, sessions, common, CSRF, auth, messages, clickjacking.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "peerproj.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "debug": False,
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # Cached loader, as Django uses by default when DEBUG is off; explicit here so
            # it is cached whatever PEER_DEBUG says.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

WSGI_APPLICATION = "peerproj.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PEER_DB", "helpdesk_peer"),
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "CONN_MAX_AGE": 600,
    }
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 86400

AUTH_PASSWORD_VALIDATORS = []

LANGUAGE_CODE = "en-us"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

# helpdesk sends its notifications synchronously inside the request; no mail server here,
# so they are built and handed to a backend that drops them (see README caveats).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.org"
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- django-helpdesk ------------------------------------------------------------------
# No pinax-teams: the docs allow running without teams, and the portal has none.
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_KB_ENABLED = True
HELPDESK_PUBLIC_ENABLED = True
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
HELPDESK_VIEW_A_TICKET_PUBLIC = True
HELPDESK_REDIRECT_TO_LOGIN_BY_DEFAULT = False
HELPDESK_DEFAULT_SETTINGS = {
    "use_email_as_submitter": True,
    "email_on_ticket_assign": True,
    "email_on_ticket_change": True,
    "login_view_ticketlist": True,
    "tickets_per_page": 25,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
