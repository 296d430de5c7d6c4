"""Demo data for the casework app, called by manage.py seed_demo (after the members).

A few hundred inquiries from 2020 to today across the seven topics, worked by the demo
advisor and two colleagues, with replies and internal notes. The two cases of the demo
member go through the services, so they have audit rows and look as they would in use.
A lead advisor sees everyone's cases, and one colleague is away this week with the demo
advisor covering, so both features show on the first login.
"""

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from core import roles
from members import factories as member_factories
from members.selectors import active_member_users

from . import attachments, services
from .models import Absence, Case, CaseCounter, Message, Topic, format_reference
from .selectors import strata_for

DEMO_MEMBER = "medlem@erfaring.example"
DEMO_ADVISOR = "radgiver@erfaring.example"
DEMO_LEAD = "leder@erfaring.example"
COLLEAGUES = [
    ("kollega.nord@erfaring.example", "Nora", "Nordby"),
    ("kollega.vest@erfaring.example", "Vegard", "Vestre"),
]
CASES_PER_YEAR = 55

# What people write, by topic; paraphrased from the kinds of inquiries the organisation reports.
DESCRIPTIONS = {
    "unclear_role": [
        "Jeg er nyansatt erfaringskonsulent og har ingen stillingsbeskrivelse. Kollegene spør "
        "hva jeg egentlig skal gjøre her.",
        "Lederen vet ikke hva en erfaringskonsulent gjør, og jeg blir brukt som miljøarbeider.",
    ],
    "pay_conditions": [
        "Jeg ble lovet fagarbeiderlønn, men får assistentlønn. HR svarer ikke når jeg tar det opp.",
        "Ansienniteten min fra tidligere jobber er ikke godkjent i lønnsplasseringen.",
    ],
    "stigma": [
        "En kollega sier at jeg ikke kan stoles på med medisiner på grunn av rushistorikken min.",
        "Jeg merker at jeg blir holdt utenfor møter der brukere diskuteres.",
    ],
    "organisational_culture": [
        "Tjenesten er svært hierarkisk, og erfaringskompetanse blir ikke regnet som kunnskap.",
        "Forslagene mine blir aldri tatt med i fagmøtene.",
    ],
    "training_supervision": [
        "Jeg har ikke fått noen opplæring og har ingen veiledning eller noen å snakke med.",
        "Jeg ønsker veiledning fra noen med egen erfaring, men arbeidsgiver sier nei.",
    ],
    "employment_contract": [
        "Jeg har hatt midlertidig kontrakt i tre år og tør ikke si nei til ekstravakter.",
        "Omstillingen truer stillingen min, og jeg vet ikke hvilke rettigheter jeg har.",
    ],
    "other": ["Jeg lurer på hvordan jeg kan bli brukerrepresentant ved siden av jobben."],
}
REPLIES = [
    "Takk for at du tok kontakt. Kan vi ringe deg torsdag etter kl. 16?",
    "Her er noen råd om hvordan du kan ta dette opp med lederen din.",
    "Vi anbefaler at du kontakter tillitsvalgt; vi kan gjerne være med i møtet.",
]
NOTES = [
    "Har snakket med medlemmet på telefon. Avtalt ny samtale om to uker.",
    "Likner saken fra samme kommune i fjor; sjekk hva som ble gjort da.",
]


def _advisors():
    advisor = get_user_model().objects.get(email=DEMO_ADVISOR)
    team = [advisor]
    for email, first, last in COLLEAGUES:
        colleague = member_factories.advisor_user(email=email, first_name=first, last_name=last)
        member_factories.with_demo_totp(colleague)
        team.append(colleague)
    lead = member_factories.advisor_user(email=DEMO_LEAD, first_name="Lea", last_name="Leder")
    roles.grant_role(user=lead, role=roles.LEAD_ADVISOR)
    member_factories.with_demo_totp(lead)
    team.append(lead)
    return team


def _absence(team, now):
    """Nora Nordby is away this week; the demo advisor covers her cases."""
    advisor, away = team[0], team[1]
    today = timezone.localtime(now).date()
    return Absence.objects.create(
        advisor=away,
        cover=advisor,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=6),
        created_by=away,
    )


# A one-page PDF, so the demo member's case has a file to download.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _showcase(member, advisor, topics):
    """The seed's examples, for the demo member: one answered, one new."""
    role = services.request_guidance(
        member=member,
        topics=[topics["unclear_role"], topics["training_supervision"]],
        description=DESCRIPTIONS["unclear_role"][0],
        safe_contact="Bare via portalen, jeg sitter i åpent landskap.",
    )
    services.assign_case(case=role, actor=advisor, assignee=advisor)
    services.post_advisor_message(
        case=role, advisor=advisor, kind=Message.Kind.REPLY, body=REPLIES[0]
    )
    services.post_advisor_message(
        case=role, advisor=advisor, kind=Message.Kind.INTERNAL_NOTE, body=NOTES[0]
    )
    services.post_member_reply(
        case=role,
        member=member,
        body="Her er arbeidsavtalen min, så dere ser hva som står der.",
        files=[attachments.as_upload(DEMO_PDF, "arbeidsavtale.pdf")],
    )
    services.request_guidance(
        member=member,
        topics=[topics["pay_conditions"]],
        description=DESCRIPTIONS["pay_conditions"][0],
        safe_contact="Telefon etter kl. 16 på hverdager.",
    )


def _history(rng, members, team, topics, now):
    """Older cases in bulk (a few hundred rows in a few queries)."""
    strata = {}
    cases, topic_links, messages = [], [], []
    counters = {}
    codes = list(topics)
    for year in range(2020, now.year + 1):
        for _ in range(CASES_PER_YEAR):
            created = timezone.make_aware(
                datetime(year, rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 16))
            )
            if created >= now:
                continue
            age = now - created
            chosen = rng.sample(codes, k=rng.choice([1, 1, 1, 2]))
            counters[year] = counters.get(year, 0) + 1
            is_member = rng.random() < 0.85
            member = rng.choice(members) if is_member else None
            if member is not None and member.pk not in strata:
                strata[member.pk] = strata_for(member)
            assignee = rng.choice(team) if age > timedelta(days=2) or rng.random() < 0.5 else None
            answered = assignee is not None and (age > timedelta(days=7) or rng.random() < 0.6)
            first_response = created + timedelta(hours=rng.randint(1, 96)) if answered else None
            if age > timedelta(days=120):
                status = Case.Status.CLOSED
            elif first_response is not None:
                status = rng.choice([Case.Status.OPEN, Case.Status.WAITING, Case.Status.RESOLVED])
            else:
                status = Case.Status.NEW
            resolved = (
                first_response + timedelta(days=rng.randint(1, 60))
                if status in (Case.Status.RESOLVED, Case.Status.CLOSED) and first_response
                else None
            )
            if status == Case.Status.CLOSED and resolved is None:
                resolved = created + timedelta(days=rng.randint(5, 60))
            case = Case(
                reference=format_reference(year, counters[year]),
                member=member,
                requester_kind=Case.RequesterKind.MEMBER
                if member
                else rng.choice(
                    [
                        Case.RequesterKind.MANAGER,
                        Case.RequesterKind.UNION_REP,
                        Case.RequesterKind.RELATIVE,
                        Case.RequesterKind.OTHER,
                    ]
                ),
                channel=Case.Channel.PORTAL
                if member and rng.random() < 0.6
                else rng.choice([Case.Channel.PHONE, Case.Channel.EMAIL, Case.Channel.VISIT]),
                contact_name="" if member else f"Kontaktperson {len(cases)}",
                contact_phone="" if member else "+47 400 00 000",
                description=rng.choice(DESCRIPTIONS[chosen[0]]),
                status=status,
                priority=rng.choice([1, 2, 2, 2, 3, 4]),
                assignee=assignee,
                restricted=assignee is not None and rng.random() < 0.05,
                created_at=created,
                first_response_at=first_response,
                resolved_at=resolved,
                closed_at=resolved + timedelta(days=7) if status == Case.Status.CLOSED else None,
                outcome=rng.choice(Case.Outcome.values) if status == Case.Status.CLOSED else "",
                follow_up_on=(now + timedelta(days=rng.randint(-10, 20))).date()
                if status in (Case.Status.OPEN, Case.Status.WAITING)
                else None,
                **(strata[member.pk] if member else {}),
            )
            cases.append((case, chosen))
    Case.objects.bulk_create([case for case, _ in cases], batch_size=200)
    for case, chosen in cases:
        topic_links.extend(
            Case.topics.through(case_id=case.pk, topic_id=topics[code].pk) for code in chosen
        )
        if case.first_response_at:
            messages.append(
                Message(
                    case=case,
                    author=case.assignee,
                    sender=Message.Sender.ADVISOR,
                    kind=Message.Kind.REPLY,
                    body=rng.choice(REPLIES),
                    created_at=case.first_response_at,
                )
            )
            if rng.random() < 0.5:
                messages.append(
                    Message(
                        case=case,
                        author=case.assignee,
                        sender=Message.Sender.ADVISOR,
                        kind=Message.Kind.INTERNAL_NOTE,
                        body=rng.choice(NOTES),
                        created_at=case.first_response_at + timedelta(minutes=5),
                    )
                )
    Case.topics.through.objects.bulk_create(topic_links, batch_size=500)
    Message.objects.bulk_create(messages, batch_size=500)
    for year, last in counters.items():
        CaseCounter.objects.update_or_create(year=year, defaults={"last_number": last})
    return len(cases)


def seed(*, stdout):
    """Create this app's demo rows. Called once, on an empty database."""
    rng = random.Random(2017)  # the same demo data every time
    now = timezone.now()
    topics = {topic.code: topic for topic in Topic.objects.all()}
    team = _advisors()
    members = list(active_member_users().exclude(email=DEMO_MEMBER).order_by("pk")[:200])
    count = _history(rng, members, team, topics, now)
    member = get_user_model().objects.get(email=DEMO_MEMBER)
    _showcase(member, team[0], topics)
    _absence(team, now)
    stdout.write(
        f"casework: {count + 2} cases, advisors {', '.join(u.email for u in team)} "
        f"(lead {DEMO_LEAD}; {team[1].email} away, covered by {team[0].email})."
    )
