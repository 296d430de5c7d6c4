"""Links in emails: built once (core.links), from SITE_URL, never from the request's Host."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

PORTAL = "https://erfaring.example"
PASSWORD = "a-long-enough-passphrase"
NAME = {"first_name": "Nina", "last_name": "Nykommer"}
APPS = ("core", "members", "surveys", "casework")


def _links(message):
    texts = [message.body, *(content for content, _ in getattr(message, "alternatives", []))]
    return [link for text in texts for link in re.findall(r"https?://[^\s\"<>]+", text)]


@pytest.mark.parametrize("known", [True, False])
def test_account_emails_ignore_a_forged_host_that_allowed_hosts_accepts(
    member, settings, deliver_outbox, known
):
    """An attacker asks for a reset of someone's password with their own Host header; the
    host is one ALLOWED_HOSTS accepts (a second name of the portal, a proxy's internal
    name). The emailed link must still point at SITE_URL."""
    settings.SITE_URL = PORTAL
    settings.ALLOWED_HOSTS = ["erfaring.example", "attacker.example"]
    forged = Client(HTTP_HOST="attacker.example")
    email = member.email if known else "new.reader@example.org"

    forged.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD, **NAME},
    )
    forged.post(reverse("account_reset_password"), {"email": email})
    assert deliver_outbox() == 2

    for message in mail.outbox:
        found = _links(message)
        assert found, message.subject
        assert all(link.startswith(f"{PORTAL}/") for link in found), found
        assert "attacker.example" not in message.body


def test_absolute_url_joins_site_url_path_and_query(settings):
    from core import links

    settings.SITE_URL = PORTAL
    assert links.absolute_url("casework:queue", query={"overdue": 1}) == (
        f"{PORTAL}/casework/queue/?overdue=1"
    )
    assert links.on_site("http://attacker.example:8000/accounts/x/?a=1") == (
        f"{PORTAL}/accounts/x/?a=1"
    )


def test_email_links_are_built_in_one_place():
    """SITE_URL is read by core.links only; templates use {% absolute_url %}, so no email
    builds a link its own way (by hand, with a different path)."""
    base = Path(settings.BASE_DIR)
    offenders = []
    for app in APPS:
        for path in (base / app).rglob("*"):
            if path.suffix not in {".py", ".txt", ".html"} or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".py" and path.name != "links.py" and "settings.SITE_URL" in text:
                offenders.append(str(path.relative_to(base)))
            if re.search(r"site_url\s*}}\s*{%\s*url", text):
                offenders.append(str(path.relative_to(base)))
    assert offenders == []
