"""Reads for the survey pages: render-ready, with a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .answering import is_visible
from .models import Draft, Edition, Participation, Question, Response, Section


@dataclass
class Questionnaire:
    """An edition's sections and questions, loaded in four queries, with the rules for
    which pages and questions a given set of answers shows."""

    edition: Edition
    sections: list = field(default_factory=list)

    def __post_init__(self):
        self.by_key = {q.key: q for s in self.sections for q in s.question_list}

    def visible_questions(self, section, answers):
        """The questions of `section` the member is shown: conditions met, not profile ones."""
        return [
            q
            for q in section.question_list
            if not q.profile_field and is_visible(q, answers, self.by_key)
        ]

    def pages(self, answers):
        """Sections with at least one visible question, numbered from 1."""
        return [s for s in self.sections if self.visible_questions(s, answers)]

    def all_visible(self, answers):
        """Every question whose answer counts: shown ones and those taken from the profile."""
        return [
            q for s in self.sections for q in s.question_list if is_visible(q, answers, self.by_key)
        ]

    @property
    def profile_questions(self):
        return [q for s in self.sections for q in s.question_list if q.profile_field]

    def profile_answers(self, strata):
        """Answers to the profile questions from the member's strata, where the profile's code
        is one of the question's codes."""
        answers = {}
        for question in self.profile_questions:
            code = strata.get(question.profile_field, "")
            if code and code in {choice.code for choice in question.choices.all()}:
                answers[question.key] = code
        return answers


def questionnaire_for(edition):
    questions = Question.objects.prefetch_related("choices", "items").order_by("order")
    sections = list(
        Section.objects.filter(edition=edition)
        .order_by("order")
        .prefetch_related(Prefetch("questions", queryset=questions, to_attr="question_list"))
    )
    return Questionnaire(edition=edition, sections=sections)


def open_editions_for(user, now=None):
    """Editions a member can answer now, each with `participation` and `draft` (or None)."""
    editions = list(Edition.objects.accepting_answers(now).order_by("-year"))
    participations = {
        p.edition_id: p for p in Participation.objects.filter(member=user, edition__in=editions)
    }
    drafts = {
        d.edition_id: d
        for d in Draft.objects.filter(member=user, edition__in=editions, is_preview=False)
    }
    for edition in editions:
        edition.participation = participations.get(edition.pk)
        edition.draft = drafts.get(edition.pk)
    return editions


def participation_for(user, edition):
    return Participation.objects.filter(member=user, edition=edition).first()


def draft_for(user, edition, *, preview=False):
    return Draft.objects.filter(member=user, edition=edition, is_preview=preview).first()


def editions_for_admin():
    """Newest first, so the first is the one a new edition is copied from. The explicit order
    matters: Meta.ordering is not applied to a query with GROUP BY."""
    return (
        Edition.objects.select_related("copied_from")
        .annotate(question_count=Count("questions", distinct=True))
        .order_by("-year")
    )


def response_rate_for(edition):
    """Invited, started and submitted, in total and week by week (cumulative), for the
    dashboard. Counts of people, not answers."""
    participations = Participation.objects.filter(edition=edition)
    totals = participations.aggregate(
        invited=Count("pk", filter=Q(invited_at__isnull=False)),
        started=Count("pk", filter=Q(started_at__isnull=False)),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
    )
    counted = Response.objects.counted().filter(edition=edition)
    # Historical editions were imported without participation records.
    totals["responses"] = counted.count()
    per_week = defaultdict(lambda: dict.fromkeys(RATE_EVENTS, 0))
    oslo = timezone.get_default_timezone()
    for event in RATE_EVENTS:
        rows = (
            participations.filter(**{f"{event}_at__isnull": False})
            .annotate(week=TruncWeek(f"{event}_at", tzinfo=oslo))
            .values("week")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            per_week[_as_date(row["week"])][event] += row["n"]
    if not totals["submitted"]:
        for row in counted.values("submitted_week").annotate(n=Count("pk")):
            per_week[row["submitted_week"]]["submitted"] += row["n"]
    weekly, running = [], dict.fromkeys(RATE_EVENTS, 0)
    for week in sorted(per_week):
        for event in RATE_EVENTS:
            running[event] += per_week[week][event]
        weekly.append({"week": week, **running})
    return {"totals": totals, "weekly": weekly}


RATE_EVENTS = ("invited", "started", "submitted")


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


def responses_by(edition, dimension):
    """Counted responses per value of one breakdown variable: {value: n}."""
    rows = (
        Response.objects.counted()
        .filter(edition=edition)
        .values(dimension)
        .annotate(n=Count("pk"))
        .order_by(dimension)
    )
    return {row[dimension]: row["n"] for row in rows}
