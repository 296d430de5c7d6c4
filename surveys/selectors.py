"""Reads for the survey pages: render-ready, with a fixed number of queries."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from core.compiled import compiled_models
from core.disclosure import threshold

from .answering import is_visible
from .models import Draft, Edition, FreeText, Participation, Question, Response, Section


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


def _sections_of(edition):
    questions = Question.objects.prefetch_related("choices", "items").order_by("order")
    return list(
        Section.objects.filter(edition=edition)
        .order_by("order")
        .prefetch_related(Prefetch("questions", queryset=questions, to_attr="question_list"))
    )


def questionnaire_for(edition):
    return Questionnaire(edition=edition, sections=_sections_of(edition))


# An edition's questions cannot change once it has opened (services._require_draft: nothing
# edits them after, and no edition goes back to draft), and reading them was about 40 % of
# every survey page (issue 14). The pages members answer keep them per process once read,
# keyed by the edition's id and creation time, so a test database that reuses an id never
# gets another edition's questions. Read-only: nothing assigns to these objects.
_open_sections = {}
_OPEN_SECTIONS_KEPT = 8


def answering_questionnaire_for(edition):
    """questionnaire_for(), kept across requests for an edition that has opened."""
    if edition.status == Edition.Status.DRAFT:
        return questionnaire_for(edition)
    key = (edition.pk, edition.created_at)
    sections = _open_sections.get(key)
    if sections is None:
        sections = _sections_of(edition)
        if len(_open_sections) >= _OPEN_SECTIONS_KEPT:
            _open_sections.clear()
        _open_sections[key] = sections
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


# The answering pages read the member's participation and draft on every request: SQL
# compiled once (core.compiled), the ids swapped in.


def _participation(member_id, edition_id):
    return Participation.objects.filter(member_id=member_id, edition_id=edition_id)[:1]


def participation_for(user, edition):
    rows = compiled_models("surveys.participation", _participation, user.pk, edition.pk)
    return rows[0] if rows else None


def edition_of_year(year):
    """The edition of `year`, or None. Picked from all editions (one a year, a few rows)
    because a year is no id: a stand-in id is out of the year field's range, for which
    Django builds no query at all."""
    editions = compiled_models("surveys.editions", Edition.objects.all)
    return next((edition for edition in editions if edition.year == year), None)


def took_part_in_year(user, year):
    """Whether the member was invited to, or answered, the open or closed edition of
    `year` (to tell them it closed rather than show a bare 404)."""
    return Participation.objects.filter(
        member=user, edition__year=year, edition__status__in=["open", "closed"]
    ).exists()


def submitted_participation_for(user, year):
    """The member's submitted participation in the edition of `year`, or None."""
    return (
        Participation.objects.select_related("edition")
        .filter(member=user, edition__year=year, submitted_on__isnull=False)
        .first()
    )


def draft_for(user, edition, *, preview=False):
    def build(member_id, edition_id):
        return Draft.objects.filter(member_id=member_id, edition_id=edition_id, is_preview=preview)[
            :1
        ]

    rows = compiled_models(("surveys.draft", bool(preview)), build, user.pk, edition.pk)
    return rows[0] if rows else None


def editions_for_admin():
    """Newest first, so the first is the one a new edition is copied from. The explicit order
    matters: Meta.ordering is not applied to a query with GROUP BY."""
    return (
        Edition.objects.select_related("copied_from")
        .annotate(question_count=Count("questions", distinct=True))
        .order_by("-year")
    )


def result_responses(edition):
    """The responses results may be computed from: the counted responses of `edition` once
    it is closed and mixed; none before (issue 9: results exist only for mixed editions)."""
    return Response.objects.counted().filter(
        edition=edition, edition__in=Edition.objects.with_results()
    )


@dataclass
class FreeTextGroup:
    question: Question
    count: int
    texts: list  # empty when count is under the threshold: never shown


def free_text_groups(edition):
    """The free-text answers of a results edition, per text question in questionnaire order,
    in a new random order on every call. A question with fewer than k answers gets none:
    a handful of texts is easy to attribute. Three queries, however many texts."""
    texts = FreeText.objects.filter(edition=edition, edition__in=Edition.objects.with_results())
    counts = dict(
        texts.values("question_key").annotate(n=Count("pk")).values_list("question_key", "n")
    )
    shown = [key for key, n in counts.items() if n >= threshold()]
    by_key = {}
    for key, text in (
        texts.filter(question_key__in=shown).order_by("?").values_list("question_key", "text")
    ):
        by_key.setdefault(key, []).append(text)
    questions = edition.questions.filter(type=Question.Type.TEXT).order_by(
        "section__order", "order"
    )
    return [
        FreeTextGroup(question=q, count=counts.get(q.key, 0), texts=by_key.get(q.key, []))
        for q in questions
    ]


def live_publications():
    """The editions' published reports members can read, newest edition first."""
    from .models import Publication

    return Publication.objects.live().select_related("edition").order_by("-edition__year")


def latest_publication():
    return live_publications().first()
