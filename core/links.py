"""Links in emails: the one place they are built, always from SITE_URL.

Emails are read outside the request that caused them (and are often built by the worker,
without one), and a request's Host header is the client's to choose: a link built from it
could point a password reset at someone else's server. So no email link is built from a
request; every one comes from here, in code (`absolute_url`) or in a template
(`{% load links %}{% absolute_url "members:profile" %}`).
"""

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import reverse


def absolute_url(viewname, *args, query=None, **kwargs):
    """SITE_URL + the path of the named URL (+ `query`, a dict, as the query string)."""
    url = settings.SITE_URL + reverse(viewname, args=args or None, kwargs=kwargs or None)
    return f"{url}?{urlencode(query)}" if query else url


def site_domain():
    """SITE_URL's host (and port): what allauth's emails call the site's domain."""
    return urlsplit(settings.SITE_URL).netloc


def on_site(url):
    """`url` (absolute or a path) with its scheme and host replaced by SITE_URL's: for the
    links allauth builds from the request before handing them to our email adapter."""
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{settings.SITE_URL}{path}{query}{fragment}"
