"""Rate limits of the anonymous inquiry pages, in the shared (database) cache.

Counted per client and per case reference. The client address is never stored: the cache
key holds a keyed hash of it (HMAC with SECRET_KEY), which lives only as long as the window.
The address itself comes from allauth's adapter, so it honours ALLAUTH_TRUSTED_PROXY_COUNT
like the login limits do.
"""

import hashlib
import hmac

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache

WRONG_SECRET_LIMIT = 5
WRONG_SECRET_WINDOW = 15 * 60
NEW_INQUIRY_LIMIT = 5
NEW_INQUIRY_WINDOW = 60 * 60


def _key(kind, value):
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256
    ).hexdigest()[:40]
    return f"casework:anon:{kind}:{digest}"


def _client(request):
    return get_adapter(request).get_client_ip(request) or "unknown"


def _check_keys(request, reference):
    keys = [_key("check-client", _client(request))]
    if reference:
        keys.append(_key("check-ref", reference.strip().upper()))
    return keys


def _count(key, window):
    cache.add(key, 0, window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)


def check_blocked(request, reference):
    """Whether this client or this reference has had too many wrong tries lately."""
    values = cache.get_many(_check_keys(request, reference))
    return any(count >= WRONG_SECRET_LIMIT for count in values.values())


def record_wrong_try(request, reference):
    for key in _check_keys(request, reference):
        _count(key, WRONG_SECRET_WINDOW)


def inquiry_blocked(request):
    return cache.get(_key("ask-client", _client(request)), 0) >= NEW_INQUIRY_LIMIT


def record_inquiry(request):
    _count(_key("ask-client", _client(request)), NEW_INQUIRY_WINDOW)
