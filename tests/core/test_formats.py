"""Dates and numbers in each language's own way: "1. desember 2026" and "1 234 567" in
Bokmål, "1 December 2026" and "1,234,567" in English."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from core.numbers import parse_number

OSLO = ZoneInfo("Europe/Oslo")


def render(source, **context):
    return Template("{% load numbers %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nb", "1. desember 2026|1. desember 2026 14:05|01.12.2026|14:05"),
        ("en", "1 December 2026|1 December 2026, 14:05|1 Dec 2026|14:05"),
    ],
)
def test_dates_follow_the_language(language, expected):
    moment = datetime(2026, 12, 1, 14, 5, tzinfo=OSLO)
    with translation.override(language):
        html = render(
            '{{ day|date:"DATE_FORMAT" }}|{{ moment|date:"DATETIME_FORMAT" }}|'
            '{{ day|date:"SHORT_DATE_FORMAT" }}|{{ moment|time }}',
            day=date(2026, 12, 1),
            moment=moment,
        )
    assert html == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nb", "1\xa0234\xa0567|47,5|2026"), ("en", "1,234,567|47.5|2026")],
)
def test_numbers_are_grouped_but_years_are_not(language, expected):
    with translation.override(language):
        html = render(
            "{{ big|number }}|{{ share|number }}|{{ year }}",
            big=1234567,
            share=Decimal("47.50"),
            year=2026,
        )
    assert html == expected


def test_a_hidden_cell_mark_is_shown_as_it_is():
    assert render("{{ mark|number }}", mark="<5") == "&lt;5"


@pytest.mark.parametrize(
    ("language", "typed", "read"),
    [
        ("nb", "452 000", "452000"),
        ("nb", "452\xa0000", "452000"),
        ("nb", "47,5", "47.5"),
        ("nb", "47.5", "47.5"),
        ("en", "452,000", "452000"),
        ("en", "1,234,567.5", "1234567.5"),
        ("en", "47.5", "47.5"),
        # Not a thousands separator: left as typed, for the field to refuse.
        ("en", "47,5", "47,5"),
    ],
)
def test_typed_numbers_are_read_in_the_language_of_the_page(language, typed, read):
    with translation.override(language):
        assert parse_number(typed) == read
