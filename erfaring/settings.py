"""Erfaring settings: one file, driven by environment variables.

Defaults are the embedded development stack (SQLite, console email, filesystem Celery broker).
With DJANGO_DEBUG=0 the production-only variables (secret key, allowed hosts) must be set.
The README lists every variable with its development and production default.
"""

import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
    )
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if not SECRET_KEY or not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0."
        )

# Where links in emails point; emails are built outside a request.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "core",
    "members",
    "surveys",
    "casework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.AllowedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the body (CSRF parses POST): an oversized upload is refused
    # before it is spooled to disk.
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.RateLimitLogMiddleware",
    "core.middleware.SessionLifetimeMiddleware",
    "core.middleware.SessionActivityMiddleware",
    "core.middleware.StaffMFARequiredMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
]

ROOT_URLCONF = "erfaring.urls"
WSGI_APPLICATION = "erfaring.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "core.context_processors.roles",
            ],
        },
    },
    {
        # Fragments repeated many times on a page, included from the templates above with
        # {% jinja_include %}: core/jinja2.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "core.jinja2.environment"},
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'erfaring.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    # psycopg 3's pool; connections are then reused across requests by the pool, not by Django.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = env.bool("DATABASE_POOL", default=True)
    if env.bool("DATABASE_PREPARED", default=True):
        # Planning took most of PostgreSQL's time for the small statements every page sends
        # (the roles query: 0.3 ms to run, more to plan). Bound on the server, psycopg
        # prepares a statement from its sixth run on a connection, which the pool keeps.
        DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # SQLite, shared by the web process and the Celery worker of `make run`. WAL lets them
    # read while the other writes; IMMEDIATE takes the write lock when a transaction begins,
    # so a writer waits its turn (up to `timeout` seconds) instead of failing with "database
    # is locked" when a transaction that began by reading tries to write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL",
    )
    # The test database is a file (one per test process), so a Celery worker started by a
    # test can open it too.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
    # The queue's covering index carries extra columns on PostgreSQL; SQLite has the same
    # index without them, which is all the demo needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# core.compiled: also build each query compiled once with the ORM and refuse to run if the two
# differ. On in the tests (tests/conftest.py); costs what the cache saves, so off otherwise.
COMPILED_SQL_CHECK = env.bool("COMPILED_SQL_CHECK", default=False)
# The least-privileged role web, worker and beat connect as in production (docker-compose.yml);
# `manage.py grant_app_role`, run by the owner after migrate, creates and grants it.
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sessions and the cache live in the database, so a Redis outage never logs anyone out or
# switches off the login rate limits (allauth needs a real, shared cache for those).
SESSION_ENGINE = "core.sessions"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "erfaring_cache",
    },
    # Markup that is the same for everyone who sees the same choices (the queue's filter
    # fields and its drop-down of advisors; core.jinja2.cached): no member's data, at most
    # the advisors' names every advisor sees. Kept per process, as a template is, so a page
    # never waits on another server for it.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# Idle timeout 30 minutes, renewed at most once a minute by
# core.middleware.SessionActivityMiddleware (not by saving the session on every request); the
# absolute lifetime of 12 hours is enforced by core.middleware.SessionLifetimeMiddleware.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
# How often an active session's row and its user-session row are rewritten: at most once a
# minute. The idle timeout counts from the last rewrite, so a session ends between 29 and 30
# minutes after the last request: never later.
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# Flash messages ("signed in as <email>") stay server-side: the default cookie storage would
# put them, readable, in a cookie without the __Host- prefix.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "members.backends.PermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "core:home"
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Erfaring] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
ACCOUNT_SESSION_REMEMBER = False
# Behind N reverse proxies the client address is the Nth from the right in X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)

MFA_ADAPTER = "members.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ALLOW_UNVERIFIED_EMAIL = False
MFA_TOTP_ISSUER = "Erfaring"

USERSESSIONS_TRACK_ACTIVITY = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
# English dates in the day-month order and 24-hour clock our readers use (erfaring/formats/en).
FORMAT_MODULE_PATH = ["erfaring.formats"]
# Off: it would also group years, ids in form values and member numbers ("2 026"). Amounts
# and counts are grouped where they are shown, with the `number` filter (core/numbers.py).
USE_THOUSAND_SEPARATOR = False
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# The image collects static files at build time into a folder outside the (volume) var/.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# The largest request body accepted: five attachments of 10 MB and the form around them.
# Django limits form fields, not uploaded files; put the same limit on the reverse proxy
# (it also sees bodies sent without a Content-Length).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=52 * 1024 * 1024)
# Casework attachments: Fernet ciphertext only, in a folder no URL serves (no MEDIA_URL route,
# not under STATIC_ROOT); they are read only through casework.views' gatekept downloads.
STORAGES["casework_attachments"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": env(
            "CASEWORK_ATTACHMENT_ROOT", default=str(Path(MEDIA_ROOT) / "casework-attachments")
        ),
        "base_url": None,
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}

# --- Email ----------------------------------------------------------------------------------
# Production must name its mail server: the console backend would write sign-in and
# verification links into the logs.
if not DEBUG and not env("EMAIL_URL", default=""):
    raise ImproperlyConfigured("EMAIL_URL must be set when DJANGO_DEBUG=0.")
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# ...and it must be one: a console, file, in-memory or dummy backend would write reset links
# into the logs or drop every email without a word.
if not DEBUG and EMAIL_CONFIG.get("EMAIL_BACKEND") != "django.core.mail.backends.smtp.EmailBackend":
    raise ImproperlyConfigured(
        "EMAIL_URL must name an SMTP server when DJANGO_DEBUG=0 (not a console, file, "
        "in-memory or dummy backend)."
    )
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Erfaring <noreply@erfaring.no>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis: longer than any task and any retry countdown (core.outbox.RETRY_DELAYS);
    # reminders rely on the database schedule, never on long ETAs.
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # A web request publishing an outbox message must not wait for a dead broker: one
    # quick retry, then the sweeper takes over (celery#6046: .delay() can otherwise hang).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60

# A pending outbox row younger than this is left to its on-commit dispatch.
OUTBOX_SWEEP_GRACE_SECONDS = env.int("OUTBOX_SWEEP_GRACE_SECONDS", default=60)

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only sent to this exact host over HTTPS, never to subdomains.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives "django" its own console handler as well (in
        # DEBUG), which printed each of its messages twice: one handler only.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # A 403 or 404 is one line of the access log (runserver's, gunicorn's), and a refused
        # access to someone's object one line of erfaring.security; Django's warning with
        # a traceback per 403/404 would add nothing. Server errors keep theirs.
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        "erfaring.security": {"level": "INFO"},
        "erfaring.alerts": {"level": "WARNING"},
    },
}

# --- App settings ---------------------------------------------------------------------------

# Fernet keys of the secrets stored encrypted (core/crypto.py), kept out of the database and
# independent of SECRET_KEY, so a dump or a leaked signing key alone reveals nothing. A list
# rotates: the first key encrypts, all of them decrypt; `manage.py rotate_encryption_keys`
# re-encrypts everything under the first, after which the old ones can go.
# Casework texts (contact details, descriptions, messages, transfer reasons):
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1zZWNyZXQhISE="] if DEBUG else [],
)
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DJANGO_DEBUG=0.")
# The old design's salt(s): with SECRET_KEY they derive the keys casework texts were
# encrypted with before FIELD_ENCRYPTION_KEYS. They only decrypt; remove them once
# rotate_encryption_keys has run (the migration that introduced the keys runs it once).
FIELD_ENCRYPTION_SALT = env.list(
    "FIELD_ENCRYPTION_SALT", default=["dev-only-field-salt-not-secret"] if DEBUG else []
)
# allauth's TOTP secrets and recovery-code seeds (members.adapters.MFAAdapter): without them a
# database copy would let anyone compute an advisor's codes.
MFA_ENCRYPTION_KEYS = env.list(
    "MFA_ENCRYPTION_KEYS",
    default=["ZGV2LW9ubHktbWZhLWtleS1ub3Qtc2VjcmV0LSEhISE="] if DEBUG else [],
)
if not MFA_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS must be set when DJANGO_DEBUG=0.")
# Fernet keys that encrypt casework attachments at rest (a list rotates: new first seals,
# all open). Separate from SECRET_KEY, so rotating the signing key leaves files readable and
# a leaked signing key opens no file.
CASEWORK_ATTACHMENT_KEYS = env.list(
    "CASEWORK_ATTACHMENT_KEYS",
    default=["ZGV2LW9ubHktYXR0YWNobWVudC1rZXktbm90LXNlY3I="] if DEBUG else [],
)
if not CASEWORK_ATTACHMENT_KEYS:
    raise ImproperlyConfigured("CASEWORK_ATTACHMENT_KEYS must be set when DJANGO_DEBUG=0.")
# Advisors promise a first response within this many Norwegian business days.
CASEWORK_FIRST_RESPONSE_BUSINESS_DAYS = env.int("CASEWORK_FIRST_RESPONSE_BUSINESS_DAYS", default=2)
# Closed cases are anonymised after this many days: the three-year limitation period for claims.
CASEWORK_RETENTION_DAYS = env.int("CASEWORK_RETENTION_DAYS", default=3 * 365)
# Keys the hash that stops a second survey response per member without naming the member;
# kept out of the database so a dump cannot link submissions to people.
SURVEY_RESPONSE_KEY = env(
    "SURVEY_RESPONSE_KEY", default="dev-only-survey-response-key" if DEBUG else ""
)
if not SURVEY_RESPONSE_KEY:
    raise ImproperlyConfigured("SURVEY_RESPONSE_KEY must be set when DJANGO_DEBUG=0.")
# Fernet keys that seal submitted survey answers until the edition is mixed, and drafts at
# rest; never stored in the database, so a dump holds only ciphertext. A list rotates (new
# first: it seals, all of them open). Generate one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
SURVEY_BALLOT_KEYS = env.list(
    "SURVEY_BALLOT_KEYS",
    default=["ZGV2LW9ubHktYmFsbG90LWtleS1ub3Qtc2VjcmV0ISE="] if DEBUG else [],
)
if not SURVEY_BALLOT_KEYS:
    raise ImproperlyConfigured("SURVEY_BALLOT_KEYS must be set when DJANGO_DEBUG=0.")
# Default reminder days of a new survey edition (each edition can change its own).
SURVEY_REMINDER_DAYS_AFTER_OPEN = env.list(
    "SURVEY_REMINDER_DAYS_AFTER_OPEN", cast=int, default=[7, 14]
)
SURVEY_REMINDER_DAYS_BEFORE_CLOSE = env.list(
    "SURVEY_REMINDER_DAYS_BEFORE_CLOSE", cast=int, default=[2]
)
# Counts 0 < n < this are never published: cells of 1-2 people are normal in our population.
DISCLOSURE_THRESHOLD = env.int("DISCLOSURE_THRESHOLD", default=5)
# A mean is hidden when one value is more than this share of the sum (it would reveal it).
DISCLOSURE_DOMINANCE_SHARE = env.float("DISCLOSURE_DOMINANCE_SHARE", default=0.6)
# The p % rule: a mean is hidden when the others' sum, less the second largest value, is
# under p % of the largest (the second largest contributor could estimate the largest).
DISCLOSURE_P_PERCENT = env.float("DISCLOSURE_P_PERCENT", default=10)
# When beat publishes new membership and casework statistics releases (crontab fields
# "minute hour day-of-month month day-of-week", Oslo time): monthly, on the 1st at 05:00.
STATISTICS_RELEASE_CRONTAB = env("STATISTICS_RELEASE_CRONTAB", default="0 5 1 * *")
# When beat publishes a new response-rate release of each open survey edition (same fields):
# weekly, Mondays at 05:30, so a release follows each whole week of invitations and answers.
SURVEY_RELEASE_CRONTAB = env("SURVEY_RELEASE_CRONTAB", default="30 5 * * 1")
# Membership period length in months; 0 = to the end of the calendar year (the default).
MEMBERSHIP_PERIOD_MONTHS = env.int("MEMBERSHIP_PERIOD_MONTHS", default=0)
# Days after the end date during which a member still counts and can renew without approval.
MEMBERSHIP_GRACE_DAYS = env.int("MEMBERSHIP_GRACE_DAYS", default=30)
# How early a member may renew: renewing earlier would pay for a period far ahead.
MEMBERSHIP_RENEWAL_WINDOW_DAYS = env.int("MEMBERSHIP_RENEWAL_WINDOW_DAYS", default=60)
# With calendar-year periods, an approval within this many days of the year's end also
# covers the next year, so a new member is not asked to renew within weeks.
MEMBERSHIP_LATE_APPROVAL_DAYS = env.int("MEMBERSHIP_LATE_APPROVAL_DAYS", default=60)
# Renewal reminders: days relative to the end date (negative = before it).
MEMBERSHIP_REMINDER_DAYS = tuple(
    env.list("MEMBERSHIP_REMINDER_DAYS", cast=int, default=[-30, -7, 14])
)
# Version of the special-category consent text shown in the application; bump it when the
# text changes, so the stored consents say which text each person agreed to.
MEMBERSHIP_CONSENT_VERSION = env("MEMBERSHIP_CONSENT_VERSION", default="2026-1")
# Days a lapsed member's or rejected applicant's profile is kept (for a late renewal or a
# complaint) before the nightly job deletes it (GDPR storage limitation).
MEMBERSHIP_PROFILE_RETENTION_DAYS = env.int("MEMBERSHIP_PROFILE_RETENTION_DAYS", default=365)
