import hashlib
import time

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.internal import usersessionkit
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from core.roles import has_authenticator, requires_mfa

from .audit import log_rate_limited

SESSION_STARTED_KEY = "erfaring_auth_started_at"
SESSION_SEEN_KEY = "erfaring_seen_at"
SESSION_CLIENT_KEY = "erfaring_client"


class PreferredLanguageMiddleware:
    """Bokmål unless the person chose English with the language switch.

    Unlike LocaleMiddleware this ignores the browser's Accept-Language: the organisation's
    working language is Norwegian, and an English browser should not silently change that.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


def stamp_session_start(sender, request, user, **kwargs):
    """The absolute lifetime counts from the moment of login; the login also recorded the
    session's activity (allauth's user-session row), so the next minute need not."""
    now = time.time()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now
    request.session[SESSION_CLIENT_KEY] = _client_fingerprint(request)


class SessionLifetimeMiddleware:
    """End a session a fixed time after login, however active it is (the idle timeout is
    SESSION_COOKIE_AGE, renewed on each request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.setdefault(SESSION_STARTED_KEY, time.time())
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class SessionActivityMiddleware:
    """Renew the idle timeout and record the session's activity (the "Sessions" page's last
    seen, address and browser) at most once a minute, instead of writing the session row
    (SESSION_SAVE_EVERY_REQUEST) and the user-session row (allauth's UserSessionsMiddleware)
    on every request. A request from another address or browser is recorded at once, as
    allauth would."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if request.user.is_authenticated and session.session_key:
            now = time.time()
            client = _client_fingerprint(request)
            seen = session.get(SESSION_SEEN_KEY, 0)
            stale = now - seen >= settings.SESSION_TOUCH_SECONDS
            if stale or session.get(SESSION_CLIENT_KEY) != client:
                _record_activity(request, session)
                # Changing the session saves it at the end of the request, with a new expiry.
                session[SESSION_SEEN_KEY] = now
                session[SESSION_CLIENT_KEY] = client
        return self.get_response(request)


def _record_activity(request, session):
    """allauth's track_activity() reads the row and the user, then saves it in a transaction;
    when the client is the same, one UPDATE does. Otherwise (a new address or browser, no
    row yet) allauth records it and sends its session_client_changed signal."""
    agent = request.META.get("HTTP_USER_AGENT", "")[
        : UserSession._meta.get_field("user_agent").max_length
    ]
    try:
        address = get_account_adapter().get_client_ip(request)
    except PermissionDenied:
        address = None
    same_client = UserSession.objects.filter(
        session_key=session.session_key, user=request.user, ip=address, user_agent=agent
    )
    if address is None or not same_client.update(last_seen_at=timezone.now()):
        usersessionkit.track_activity(request, user=request.user, session=session)


def _client_fingerprint(request):
    """A digest of the address and browser, so the session need not hold them."""
    try:
        address = get_account_adapter().get_client_ip(request)
    except PermissionDenied:  # no address (a test's force_login): the next request records
        address = ""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return hashlib.sha256(f"{address}\n{agent}".encode()).hexdigest()[:16]


# Pages a staff account without an authenticator may still reach: setting one up and leaving.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_index",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "account_email",
        "account_confirm_email",
        "set_language",
        "health",
    }
)


class StaffMFARequiredMiddleware:
    """Advisors and admins reach other people's data, so they must use an authenticator:
    until they have one, every page but MFA setup and logout sends them to set one up.
    allauth has no per-role switch for this, hence our own middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up_mfa(request):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request):
        user = request.user
        if not (user.is_authenticated and requires_mfa(user)) or has_authenticator(user):
            return False
        if request.path_info.startswith(settings.STATIC_URL):
            return False
        try:
            url_name = resolve(request.path_info).url_name
        except Resolver404:
            url_name = None
        return url_name not in MFA_SETUP_URL_NAMES


class NoStoreForAuthenticatedMiddleware:
    """Pages seen when logged in hold personal data: no browser or proxy may keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
        return response


# Every view of the portal is a page or a form: none handles PUT, PATCH, DELETE, OPTIONS,
# TRACE or CONNECT, and a function view would otherwise answer them as a GET (TRACE got the
# page). HEAD is answered as GET by Django, without the body.
ALLOWED_METHODS = ("GET", "HEAD", "POST")


class AllowedMethodsMiddleware:
    """405 for any other method, before authentication or a view sees the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        return self.get_response(request)


class RateLimitLogMiddleware:
    """allauth answers a rate limit (sign-up, password reset, email, MFA...) with 429 and no
    hook: one security log line per refusal. Failed-login throttling shows as a form error
    instead and is logged by the account adapter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 429:
            log_rate_limited(request)
        return response


class RequestSizeLimitMiddleware:
    """413 for a request whose declared body is larger than REQUEST_MAX_BYTES, before the
    body is read (Django would spool uploaded files of any size to disk first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return HttpResponse(
                translation.gettext("The files are too large to send at once."),
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
