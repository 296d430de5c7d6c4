"""Factories for survey results: a closed, mixed edition with a few questions and responses
(tests of the report; the demo builds its editions through the portal's own services)."""

import datetime

import factory
from django.utils import timezone

from .models import Answer, Choice, Edition, Question, Response, Section


class EditionFactory(factory.django.DjangoModelFactory):
    """A closed edition whose ballots were mixed: one that has results."""

    class Meta:
        model = Edition

    year = factory.Sequence(lambda n: 2000 + n)
    status = Edition.Status.CLOSED
    opens_at = factory.LazyAttribute(
        lambda o: timezone.make_aware(datetime.datetime(o.year, 3, 1, 9))
    )
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + datetime.timedelta(days=30))
    mixed_on = factory.LazyAttribute(lambda o: o.closes_at.date())


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    edition = factory.SubFactory(EditionFactory)
    order = factory.Sequence(lambda n: n + 1)
    title_nb = "Arbeid"
    title_en = "Work"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    edition = factory.LazyAttribute(lambda o: o.section.edition)
    order = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"question_{n}")
    type = Question.Type.YES_NO
    text_nb = factory.LazyAttribute(lambda o: f"Spørsmål {o.key}")
    text_en = factory.LazyAttribute(lambda o: f"Question {o.key}")


def yes_no(section, key, text_nb=None):
    question = QuestionFactory(
        section=section, key=key, type=Question.Type.YES_NO, text_nb=text_nb or f"{key}?"
    )
    Choice.objects.create(question=question, order=1, code="yes", label_nb="Ja", label_en="Yes")
    Choice.objects.create(question=question, order=2, code="no", label_nb="Nei", label_en="No")
    return question


def number(section, key, *, unit="nok", allow_decline=True):
    return QuestionFactory(
        section=section,
        key=key,
        type=Question.Type.INTEGER,
        unit=unit,
        allow_decline=allow_decline,
    )


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Response

    edition = factory.SubFactory(EditionFactory)
    region = "ost"
    employer_type = "municipality"
    union_member = "yes"
    user_representative = "no"


def respond(edition, answers, **strata):
    """One mixed response with `answers` {key: code, number or "declined"}."""
    response = ResponseFactory(edition=edition, **strata)
    for key, value in answers.items():
        if value == "declined":
            Answer.objects.create(response=response, question_key=key, declined=True)
        elif isinstance(value, int | float):
            Answer.objects.create(response=response, question_key=key, number=value)
        else:
            Answer.objects.create(response=response, question_key=key, code=value)
    return response
