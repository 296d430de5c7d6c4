"""Reads for the survey pages: render-ready, with a fixed number of queries."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from members.regions import region_for_county

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


# The dashboard's events, each with the participation field that dates it.
RATE_EVENTS = {"invited": "invited_at", "started": "started_at", "submitted": "submitted_on"}


def response_rate_for(edition):
    """Invited, started and submitted, in total and week by week (cumulative), for the
    dashboard. Counts of people from the participation records, never of responses: those
    exist only after the edition is mixed, and editions imported from before the portal have
    no participation records at all."""
    participations = Participation.objects.filter(edition=edition)
    totals = participations.aggregate(
        **{
            event: Count("pk", filter=Q(**{f"{dated_by}__isnull": False}))
            for event, dated_by in RATE_EVENTS.items()
        }
    )
    per_week = defaultdict(lambda: dict.fromkeys(RATE_EVENTS, 0))
    oslo = timezone.get_default_timezone()
    for event, dated_by in RATE_EVENTS.items():
        # A date has no time zone; the times are weeks in Oslo.
        tz = {} if dated_by.endswith("_on") else {"tzinfo": oslo}
        rows = (
            participations.filter(**{f"{dated_by}__isnull": False})
            .annotate(week=TruncWeek(dated_by, **tz))
            .values("week")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            per_week[_as_date(row["week"])][event] += row["n"]
    weekly, running = [], dict.fromkeys(RATE_EVENTS, 0)
    for week in sorted(per_week):
        for event in RATE_EVENTS:
            running[event] += per_week[week][event]
        weekly.append({"week": week, **running})
    return {"totals": totals, "weekly": weekly}


def _as_date(value):
    return value.date() if hasattr(value, "date") else value


SUBMITTED, NOT_SUBMITTED = "submitted", "not_submitted"
# Where a participant's group is found in their profile, by dashboard dimension.
PROFILE_GROUPS = {
    "region": "member__profile__county_id",
    "employer_type": "member__profile__employer_type",
}


def participation_by(edition, dimension):
    """People invited to `edition` (or who submitted without an invitation), by `dimension`
    of their profile now ("region" or "employer_type", "" when unknown) and by whether they
    submitted: {(code, SUBMITTED | NOT_SUBMITTED): n}. One query; no answer is read."""
    group = PROFILE_GROUPS[dimension]
    rows = (
        Participation.objects.filter(edition=edition)
        .filter(Q(invited_at__isnull=False) | Q(submitted_on__isnull=False))
        .values(group)
        .annotate(people=Count("pk"), submitted=Count("pk", filter=Q(submitted_on__isnull=False)))
        .order_by()
    )
    counts = Counter()
    for row in rows:
        code = row[group] or ""
        if dimension == "region":
            code = region_for_county(code)
        counts[(code, SUBMITTED)] += row["submitted"]
        counts[(code, NOT_SUBMITTED)] += row["people"] - row["submitted"]
    return dict(counts)


def result_responses(edition):
    """The responses results may be computed from: the counted responses of `edition` once
    it is closed and mixed; none before (issue 9: results exist only for mixed editions)."""
    return Response.objects.counted().filter(
        edition=edition, edition__in=Edition.objects.with_results()
    )
