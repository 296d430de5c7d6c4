import datetime
import itertools

from django.conf import settings
from django.template import Context, Template, engines
from django.test import override_settings
from django.utils import translation


def _with_fragment_dir(path):
    return override_settings(
        TEMPLATES=[
            engine if not engine["BACKEND"].endswith("Jinja2") else {**engine, "DIRS": [str(path)]}
            for engine in settings.TEMPLATES
        ]
    )


def test_an_included_fragment_is_escaped_like_a_django_template(tmp_path):
    (tmp_path / "fragment.html").write_text("<p>{{ name }}</p>{{ extra }}")
    page = Template('{% load fragments %}<main>{% jinja_include "fragment.html" extra=a %}</main>')
    with _with_fragment_dir(tmp_path):
        html = page.render(Context({"name": "<script>alert(1)</script>", "a": "Tom & Jerry"}))
    assert html == ("<main><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>Tom &amp; Jerry</main>")


def test_fragments_speak_the_active_language_with_django_formats():
    fragment = engines["jinja2"].from_string(
        '{{ _("Nobody") }} {{ day|date("SHORT_DATE_FORMAT") }} {{ url("core:home") }}'
        ' {{ _("Select %(ref)s")|format(ref="<E-1>") }}'
    )
    day = datetime.date(2026, 12, 24)
    with translation.override("nb"):
        assert fragment.render({"day": day}) == "Ingen 24.12.2026 / Velg &lt;E-1&gt;"
    with translation.override("en"):
        assert fragment.render({"day": day}) == "Nobody 24 Dec 2026 / Select &lt;E-1&gt;"


def test_times_are_shown_in_oslo_time_as_in_django_templates():
    # 23:30 UTC on 31 December is 00:30 on New Year's Day in Oslo.
    late = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    source = '{{ when|date("SHORT_DATE_FORMAT") }} {{ when|date("c") }}'
    ours = engines["jinja2"].from_string(source).render({"when": late})
    iso = engines["jinja2"].from_string("{{ when|isoformat }}").render({"when": late})
    assert iso == "2027-01-01T00:30:00+01:00"
    django = engines["django"].from_string(source.replace('("', ':"').replace('")', '"'))
    with translation.override("nb"):
        assert ours == "01.01.2027 2027-01-01T00:30:00+01:00"
        assert ours == django.render({"when": late})


def test_pk_link_links_as_reverse_does_under_any_script_prefix():
    from django.urls import get_script_prefix, reverse, set_script_prefix

    from core.jinja2 import pk_link

    for name in ("casework:case-detail", "casework:my-case-detail"):
        link = pk_link(name)
        for pk in (1, 42, 987_654_321_987, 10**15):
            assert link(pk) == reverse(name, kwargs={"pk": pk})
    before = get_script_prefix()
    set_script_prefix("/erfaring/")
    try:
        assert pk_link("casework:case-detail")(7) == "/erfaring/casework/cases/7/"
        assert pk_link("casework:case-detail")(7) == reverse("casework:case-detail", args=[7])
    finally:
        set_script_prefix(before)
    assert pk_link("casework:case-detail")(7) == "/casework/cases/7/"


def test_the_date_filter_writes_what_djangos_writes_in_both_languages():
    # Numeric dates are written without Django's DateFormat (the queue's every row); every
    # other format goes to Django's filter. Both must read the same, midnight in Oslo too.
    from django.utils import timezone

    from core.jinja2 import date, date_format

    utc = datetime.UTC
    values = [
        datetime.date(2026, 1, 5),
        datetime.date(999, 12, 31),
        datetime.datetime(2026, 12, 31, 23, 30, tzinfo=utc),
        datetime.datetime(2026, 3, 29, 0, 59, tzinfo=utc),
        timezone.now(),
        None,
        "",
    ]
    formats = [None, "SHORT_DATE_FORMAT", "DATE_FORMAT", "DATETIME_FORMAT", "d.m.y", r"j\m n Y"]
    template = engines["django"].from_string("{{ value|date:arg }}")
    for language in ("nb", "en"):
        with translation.override(language):
            for value, arg in itertools.product(values, formats):
                if arg == "DATETIME_FORMAT" and type(value) is datetime.date:
                    continue  # Django refuses hours of a date
                django = template.render({"value": value, "arg": arg})
                assert date(value, arg) == django, (language, value, arg)
                # The same, looked up once for a column of dates.
                assert date_format(arg)(value) == django, (language, value, arg)
