"""The Jinja2 environment for the few fragments a page repeats many times (the queue's
rows, a case's messages): Jinja2 compiles a template to Python, which renders such a
fragment several times faster than Django's template language. Everything else is
Django templates; they include a fragment with `{% jinja_include %}`
(core/templatetags/fragments.py).

The fragments use the project's translations (`_`, `ngettext`, through Django's catalogue,
so `makemessages` finds `{{ _("…") }}` and `{% set x = _("…") %}` as in any template),
`url()`, `static()` and Django's `date`, `filesizeformat` and `linebreaks`
filters; autoescaping is on, as in Django's templates. A fragment that repeats a lookup on
every row makes it once: `pk_link()` and `date_format()` give functions to call per row."""

import datetime
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, formats
from django.utils.timezone import get_current_timezone, is_naive, template_localtime
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from jinja2 import Environment
from markupsafe import Markup

from core.templatetags.fields import field_group


def date(value, arg=None):
    # Django's templates convert a datetime to the current time zone before `date` formats
    # it (Europe/Oslo: 23:30 UTC is the next day here); Jinja2 would not.
    value = template_localtime(value)
    if value in (None, ""):
        return ""
    pieces = _day_month_year(formats.get_format(arg or "DATE_FORMAT"))
    if pieces is None or not isinstance(value, datetime.date):
        return defaultfilters.date(value, arg)
    day = value.date() if isinstance(value, datetime.datetime) else value
    return "".join(piece if isinstance(piece, str) else piece(day) for piece in pieces)


def date_format(arg=None):
    """`date(value, arg)` as a function, the time zone and the format looked up once: for
    a column of dates (the queue's two per row) in one rendering, whose language and time
    zone do not change."""
    pieces = _day_month_year(formats.get_format(arg or "DATE_FORMAT"))
    if pieces is None:
        return lambda value: date(value, arg)
    zone = get_current_timezone() if settings.USE_TZ else None

    def format_date(value):
        if value in (None, ""):
            return ""
        if not isinstance(value, datetime.date):
            return date(value, arg)
        if isinstance(value, datetime.datetime):
            # As template_localtime: aware values in the current time zone, unless marked.
            if (
                zone is not None
                and not is_naive(value)
                and getattr(value, "convert_to_local_time", True)
            ):
                value = value.astimezone(zone)
            value = value.date()
        return "".join(piece if isinstance(piece, str) else piece(value) for piece in pieces)

    return format_date


# What Django's DateFormat writes for the codes of a numeric date ("d.m.Y", "m/d/Y"), the
# queue's every row: the rest of the format letters go to Django's own `date`.
_DATE_CODES = {
    "d": lambda day: f"{day.day:02d}",
    "j": lambda day: str(day.day),
    "m": lambda day: f"{day.month:02d}",
    "n": lambda day: str(day.month),
    "Y": lambda day: f"{day.year:04d}",
    "y": lambda day: f"{day.year % 100:02d}",
}


@lru_cache(maxsize=32)
def _day_month_year(format_string):
    """The format as literal strings and functions of a date, or None if it uses a code
    other than day, month and year numbers (Django's dateformat splits it the same way)."""
    pieces = []
    for i, piece in enumerate(dateformat.re_formatchars.split(str(format_string))):
        if i % 2:
            if piece not in _DATE_CODES:
                return None
            pieces.append(_DATE_CODES[piece])
        elif piece:
            pieces.append(dateformat.re_escaped.sub(r"\1", piece))
    return tuple(pieces)


def isoformat(value):
    """As `date("c")` gives it (ISO 8601 in the current time zone), without parsing a format."""
    return template_localtime(value).isoformat() if value else ""


def url(name, *args, **kwargs):
    return reverse(name, args=args or None, kwargs=kwargs or None)


# A number no object has yet, reversed once in its place (`<int:pk>` matches digits only).
_PK_STAND_IN = 987_654_321_987


@lru_cache(maxsize=64)
def _around_pk(name, urlconf, prefix):
    head, tail = reverse(name, urlconf=urlconf, kwargs={"pk": _PK_STAND_IN}).split(
        str(_PK_STAND_IN)
    )
    return head, tail


def pk_link(name):
    """A function of a pk giving url(name, pk=pk), for a route whose only argument is
    `<int:pk>` and a fragment that links every row: reversed once per route, URL
    configuration and script prefix, not once per row (a resolver walk and a regular
    expression each)."""
    head, tail = _around_pk(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return lambda pk: f"{head}{int(pk)}{tail}"


def cached(name, *vary_on, caller):
    """`{% call cached("name", key, …) %}…{% endcall %}`: Django's `{% cache %}` in the
    "fragments" cache (settings.CACHES), for markup that is the same for everyone who sends
    the same key, and holds no one's data."""
    cache = caches["fragments"]
    key = make_template_fragment_key(name, vary_on)
    html = cache.get(key)
    if html is None:
        html = str(caller())
        cache.set(key, html)
    # Safe: rendered by this environment with autoescaping on, then kept as it was.
    return Markup(html)  # noqa: S704  # nosec B704


def environment(**options):
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    # Escaped as in Django's templates (Django's backend sets it too; kept explicit).
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    # Old-style gettext: `_("…")` returns the text, `|format(name=…)` fills it in, so the
    # calls look like those makemessages finds in Django templates.
    env.install_gettext_callables(gettext, ngettext, pgettext=pgettext, npgettext=npgettext)
    env.globals.update(
        url=url,
        pk_link=pk_link,
        date_format=date_format,
        static=static,
        cached=cached,
    )
    # Django's filters where Jinja2's differ (units, escaping): pages read alike either way.
    env.filters["date"] = date
    env.filters["isoformat"] = isoformat
    env.filters["filesizeformat"] = defaultfilters.filesizeformat
    env.filters["linebreaks"] = defaultfilters.linebreaks_filter
    env.filters["field_group"] = field_group
    return env
