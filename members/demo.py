"""Demo data for the members app, called by manage.py seed_demo."""

import random
from datetime import timedelta

from django.utils import timezone

from . import factories, services
from .models import ContractType, EmployerType, Field, Membership, Municipality

DEMO_MEMBER = "medlem@erfaring.example"
DEMO_ADVISOR = "radgiver@erfaring.example"
DEMO_ADMIN = "admin@erfaring.example"
DEMO_MEMBER_COUNT = 300

# Rough shares from the 2022 survey: most work in municipal services.
EMPLOYER_WEIGHTS = {
    EmployerType.MUNICIPALITY: 50,
    EmployerType.SPECIALIST: 25,
    EmployerType.NAV: 8,
    EmployerType.NGO_PRIVATE: 12,
    EmployerType.OTHER: 5,
}


def _with_demo_totp(user):
    with_demo_totp = getattr(factories, "with_demo_totp", None)
    if with_demo_totp is not None:
        with_demo_totp(user)


def _random_profile(rng, municipalities):
    municipality = rng.choice(municipalities)
    return {
        "municipality": municipality,
        "county": municipality.county,
        "employer_type": rng.choices(list(EMPLOYER_WEIGHTS), list(EMPLOYER_WEIGHTS.values()))[0],
        "field": rng.choice(Field.values),
        "position_percent": rng.choice([20, 40, 50, 60, 80, 100, 100, 100]),
        "contract_type": rng.choices(ContractType.values, [70, 30])[0],
        "training_completed": rng.random() < 0.4,
        "union_member": rng.random() < 0.7,
        "user_representative": rng.random() < 0.5,
        "year_started": rng.randint(2008, timezone.localdate().year),
    }


def seed(*, stdout):
    """Create this app's demo rows. Called once, on an empty database."""
    rng = random.Random(2022)  # the same demo data every time
    today = timezone.localdate()

    factories.active_member(
        user_kwargs={"email": DEMO_MEMBER, "first_name": "Mia", "last_name": "Medlem"}
    )
    advisor = factories.advisor_user(email=DEMO_ADVISOR, first_name="Rune", last_name="Rådgiver")
    _with_demo_totp(advisor)
    admin = factories.admin_user(email=DEMO_ADMIN, first_name="Ada", last_name="Admin")
    _with_demo_totp(admin)

    # Weighted towards populous counties, as members are: Oslo, Vestland, Akershus, Trøndelag.
    municipalities = list(Municipality.objects.select_related("county"))
    big = [m for m in municipalities if m.code in {"0301", "4601", "3201", "5001", "1103"}]
    weighted = municipalities + big * 40
    for n in range(DEMO_MEMBER_COUNT):
        profile = _random_profile(rng, weighted)
        # Only the three logins above sign in; hashing 300 passwords would take minutes.
        person = {"email": f"demo.medlem{n:03d}@erfaring.example", "password": None}
        roll = rng.random()
        joined = today.replace(month=1, day=1) - timedelta(days=365 * rng.randint(0, 7))
        if roll < 0.08:
            factories.applicant(profile=profile, **person)
        elif roll < 0.16:
            # Last year's period ended some days ago: in the grace period, not renewed yet.
            end = today - timedelta(days=rng.randint(1, 25))
            factories.active_member(
                profile=profile,
                user_kwargs=person,
                status=Membership.Status.GRACE,
                member_since=min(joined, end),
                period_start=end.replace(month=1, day=1),
                period_end=end,
            )
        elif roll < 0.20:
            end = today - timedelta(days=rng.randint(60, 400))
            factories.active_member(
                profile=profile,
                user_kwargs=person,
                status=Membership.Status.LAPSED,
                member_since=min(joined, end),
                period_start=end.replace(month=1, day=1),
                period_end=end,
            )
        else:
            start, end = services.period_starting(today.replace(month=1, day=1))
            factories.active_member(
                profile=profile,
                user_kwargs=person,
                member_since=joined,
                period_start=start,
                period_end=end,
            )
    stdout.write(
        f"members: 3 demo logins ({DEMO_MEMBER}, {DEMO_ADVISOR}, {DEMO_ADMIN}) and "
        f"{DEMO_MEMBER_COUNT} members."
    )
