"""HTML to PDF through Django's templates and WeasyPrint, with no network access.

The PDF is rendered on the server from our own templates. A page that pulled an image or a
stylesheet from elsewhere could leak that a report is being printed (and when), or slow the
worker down on a dead host; so the fetcher serves only our static files and refuses every
other URL. WeasyPrint treats a refused resource as missing and renders without it.
"""

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string


def _static_file(relative):
    """The file behind a static path, from the app folders (development) or the collected
    files (production); None for anything outside them."""
    relative = posixpath.normpath(unquote(relative)).lstrip("/")
    if relative.startswith("..") or not relative or relative == ".":
        return None
    found = finders.find(relative)
    if found:
        return found
    try:
        path = staticfiles_storage.path(relative)
    except (NotImplementedError, ValueError):
        return None
    try:
        with open(path, "rb"):
            return path
    except OSError:
        return None


def static_only_fetcher(base_url):
    """A WeasyPrint URL fetcher serving files under STATIC_URL of `base_url` and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = urlsplit(base_url)

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            same_site = (parts.scheme, parts.netloc) == (base.scheme, base.netloc)
            if not same_site or not parts.path.startswith(settings.STATIC_URL):
                raise ValueError(f"Only the portal's static files are fetched, not {url}")
            path = _static_file(parts.path[len(settings.STATIC_URL) :])
            if path is None:
                raise ValueError(f"No static file {parts.path}")
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            with open(path, "rb") as handle:
                body = handle.read()
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyFetcher()


def render_html(template_name, context):
    return render_to_string(template_name, context)


def render_pdf(template_name, context, *, base_url):
    """The template rendered as a PDF (bytes). `base_url` is the site root the template's
    relative links resolve against, e.g. request.build_absolute_uri("/")."""
    from weasyprint import HTML

    html = render_html(template_name, context)
    document = HTML(string=html, base_url=base_url, url_fetcher=static_only_fetcher(base_url))
    return document.write_pdf()
