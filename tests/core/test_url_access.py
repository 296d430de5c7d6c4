"""Deny by default: walk every URL pattern as an anonymous visitor.

Every pattern must be reached with sample arguments (from tests/<app>/url_samples.py), and
every one outside the allowlist must send the visitor to the login page.
"""

import importlib
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages a visitor must reach before logging in: signing in and up, recovering access, the
# language switch, the health check, and the public front page.
PUBLIC_URL_NAMES = {
    "core:home",
    "health",
    "set_language",
    "account_login",
    "account_signup",
    "account_inactive",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    "account_logout",
    "mfa_authenticate",
    "account_request_reauthentication_code",
    "account_confirm_reauthentication_code",
}
APPS = ("core", "members", "surveys", "casework")
# An app may declare more public pages (e.g. a privacy notice) as PUBLIC in its url_samples.
for _app in APPS:
    PUBLIC_URL_NAMES |= set(
        getattr(importlib.import_module(f"tests.{_app}.url_samples"), "PUBLIC", ())
    )

ADMIN_ARGUMENT_SAMPLES = {
    "object_id": "1",
    "app_label": "members",
    "content_type_id": 1,
    "url": "x",
}


def _sample_kwargs():
    samples = {}
    for app in APPS:
        module = importlib.import_module(f"tests.{app}.url_samples")
        samples.update(module.SAMPLE_KWARGS)
    return samples


def _named_patterns(patterns=None, namespace=None):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _named_patterns(entry.url_patterns, joined)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


def _arguments(pattern):
    regex = pattern.pattern.regex
    return set(regex.groupindex)


NAMED = sorted(dict(_named_patterns()).items())


def _url_for(name, pattern, samples):
    needed = _arguments(pattern)
    if not needed:
        return reverse(name)
    if name.startswith("admin:"):
        return reverse(name, kwargs={key: ADMIN_ARGUMENT_SAMPLES[key] for key in needed})
    if name not in samples:
        pytest.fail(
            f"{name} takes {sorted(needed)}: add sample kwargs to tests/<app>/url_samples.py"
        )
    return reverse(name, kwargs=samples[name])


@pytest.mark.parametrize(("name", "pattern"), NAMED, ids=[name for name, _ in NAMED])
def test_anonymous_visitor_is_sent_to_login_unless_page_is_public(client, db, name, pattern):
    url = _url_for(name, pattern, _sample_kwargs())
    response = client.get(url)
    assert response.status_code < 500, f"{name} answered {response.status_code}"
    if name in PUBLIC_URL_NAMES:
        return
    login_url = reverse("account_login")
    admin_login_url = reverse("admin:login")
    if name == "admin:login":
        assert response.status_code == 302
        assert response.url.startswith(login_url)
        return
    assert response.status_code in (302, 403, 404), f"{name} answered {response.status_code}"
    if response.status_code == 302:
        assert re.match(rf"^({re.escape(login_url)}|{re.escape(admin_login_url)})", response.url), (
            f"{name} redirected to {response.url}"
        )


def test_every_pattern_is_walked():
    names = [name for name, _ in NAMED]
    assert "core:home" in names
    assert len(names) == len(set(names))
