"""Response targets in Norwegian business days: weekends and public holidays do not count."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=32)
def _norwegian_holidays(year):
    # Sundays are weekend days anyway; the calendar is asked for the public holidays only.
    return frozenset(holidays.Norway(years=year))


def is_business_day(day):
    return day.weekday() < 5 and day not in _norwegian_holidays(day.year)


def add_business_days(day, count):
    """The date `count` business days after `day` (not counting `day` itself)."""
    while count > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            count -= 1
    return day


def first_response_due(created_at, *, days=None):
    """When a first response is overdue: the end (Oslo midnight) of the Nth business day
    after the day the inquiry came in."""
    days = settings.CASEWORK_FIRST_RESPONSE_BUSINESS_DAYS if days is None else days
    local_day = timezone.localtime(created_at).date()
    due_day = add_business_days(local_day, days)
    return _start_of(due_day + timedelta(days=1))


def overdue_if_created_before(now=None, *, days=None):
    """The moment such that every inquiry received before it is overdue now, for a
    database filter (`created_at__lt`)."""
    now = now or timezone.now()
    days = settings.CASEWORK_FIRST_RESPONSE_BUSINESS_DAYS if days is None else days
    today = timezone.localtime(now).date()
    # The latest day whose deadline has passed lies at most `days` business days back.
    day = today
    while add_business_days(day, days) >= today:
        day -= timedelta(days=1)
    return _start_of(day + timedelta(days=1))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
