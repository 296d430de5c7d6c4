"""Factories for tests and demo data. Cases are built through the model, as the services
would leave them; use the services where the behaviour itself is under test."""

import factory
from django.utils import timezone

from members.factories import UserFactory

from .models import Case, CaseCounter, Message, Topic, format_reference


def _reference(case):
    year = timezone.localtime(case.created_at).year
    counter, _ = CaseCounter.objects.get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return format_reference(year, counter.last_number)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case
        skip_postgeneration_save = True

    member = factory.SubFactory(UserFactory)
    requester_kind = Case.RequesterKind.MEMBER
    channel = Case.Channel.PORTAL
    description = factory.Sequence(
        lambda n: f"Jeg trenger råd om situasjonen min på jobben (henvendelse {n})."
    )
    safe_contact = "Bare via portalen."
    created_at = factory.LazyFunction(timezone.now)
    reference = factory.LazyAttribute(_reference)

    @factory.post_generation
    def topics(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.topics.set(extracted if extracted is not None else [Topic.objects.get(code="other")])


class NonMemberCaseFactory(CaseFactory):
    member = None
    requester_kind = Case.RequesterKind.MANAGER
    channel = Case.Channel.PHONE
    contact_name = factory.Sequence(lambda n: f"Kontakt {n}")
    contact_phone = "+47 400 00 000"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    case = factory.SubFactory(CaseFactory)
    kind = Message.Kind.REPLY
    sender = Message.Sender.ADVISOR
    body = factory.Sequence(lambda n: f"Melding nummer {n} i saken.")
