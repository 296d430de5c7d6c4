"""The answering pages check an edition with Edition.accepts_answers() (they read it from
SQL compiled once); every other reader filters with EditionQuerySet.accepting_answers().
The two must agree, at the edges of the window too."""

import datetime
import itertools

from django.utils import timezone

from surveys.factories import EditionFactory
from surveys.models import Edition


def test_one_edition_and_the_queryset_agree_on_which_accept_answers(db):
    opens = timezone.make_aware(datetime.datetime(2026, 3, 1, 9))
    closes = opens + datetime.timedelta(days=30)
    statuses = [Edition.Status.DRAFT, Edition.Status.OPEN, Edition.Status.CLOSED]
    for year, status in zip(itertools.count(2001), statuses):
        EditionFactory(year=year, status=status, opens_at=opens, closes_at=closes, mixed_on=None)
    EditionFactory(
        year=2010, status=Edition.Status.DRAFT, opens_at=None, closes_at=None, mixed_on=None
    )
    second = datetime.timedelta(seconds=1)
    moments = [opens - second, opens, opens + second, closes - second, closes, closes + second]
    for now in moments:
        by_query = set(Edition.objects.accepting_answers(now))
        one_by_one = {edition for edition in Edition.objects.all() if edition.accepts_answers(now)}
        assert by_query == one_by_one, now
    assert {e.year for e in Edition.objects.all() if e.accepts_answers(opens)} == {2002}
    assert not any(e.accepts_answers(closes) for e in Edition.objects.all())
