"""Factories shared by the tests and the demo data (manage.py seed_demo)."""

import functools
import time

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher, make_password

from core import roles

DEFAULT_PASSWORD = "erfaring-demo-passord"


@functools.cache
def default_password_hash():
    """One Argon2 hash of DEFAULT_PASSWORD, shared by every factory-made user: hashing anew
    for each of the demo's hundreds of people and the suite's thousands of users is what
    made both slow. The hasher stays the production one."""
    return make_password(DEFAULT_PASSWORD)


def _is_hash(value):
    try:
        identify_hasher(value)
    except ValueError:
        return False
    return True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    password = factory.LazyFunction(lambda: default_password_hash())

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.get("password")
        if password is None:
            kwargs["password"] = make_password(None)  # unusable: this person never signs in
        elif not _is_hash(password):
            kwargs["password"] = make_password(password)
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """A verified primary email, as after signup and confirmation (pass verified=False
        for someone who has not confirmed yet)."""
        if not create:
            return
        obj.save()
        if extracted is not False:
            EmailAddress.objects.update_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )

    @factory.post_generation
    def role(obj, create, extracted, **kwargs):
        if create and extracted:
            roles.grant_role(user=obj, role=extracted)


def member_user(**kwargs):
    """A member because of an approved, active membership (with a profile and consent), as
    after sign-up, application and approval: the member role is never granted directly."""
    return active_member(user_kwargs=kwargs)


def advisor_user(**kwargs):
    return UserFactory(role=roles.ADVISOR, **kwargs)


def admin_user(**kwargs):
    return UserFactory(role=roles.ADMIN, **kwargs)


def with_totp(user):
    """Give `user` a TOTP authenticator (as after MFA setup) and return its secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return secret


# A fixed, published secret for the demo staff accounts only, so a newcomer can sign in as
# advisor or admin with `make demo-code` instead of an authenticator app. seed_demo refuses
# to run with DEBUG off, so this never reaches production.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPERFARINGDEMO2345"


def with_demo_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def current_totp_code(secret):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


# --- Membership -----------------------------------------------------------------------------


class ProfileFactory(factory.django.DjangoModelFactory):
    """A filled-in profile in a real municipality (Bergen unless told otherwise)."""

    class Meta:
        model = "members.Profile"

    user = factory.SubFactory(UserFactory)
    municipality = factory.LazyFunction(lambda: _municipality("4601"))
    county = factory.LazyAttribute(lambda o: o.municipality.county)
    employer_type = "municipality"
    field = "both"
    position_percent = 80
    contract_type = "permanent"
    training_completed = True
    union_member = True
    user_representative = False
    year_started = 2019


def _municipality(code):
    from .models import Municipality

    return Municipality.objects.get(code=code)


class MembershipFactory(factory.django.DjangoModelFactory):
    """An active membership for the current calendar year (pass status/period to vary)."""

    class Meta:
        model = "members.Membership"

    user = factory.SubFactory(UserFactory)
    status = "active"
    applied_at = factory.LazyFunction(lambda: _now() - _days(30))
    member_since = factory.LazyFunction(lambda: _today().replace(month=1, day=1))
    period_start = factory.LazyFunction(lambda: _today().replace(month=1, day=1))
    period_end = factory.LazyFunction(lambda: _today().replace(month=12, day=31))


def _days(n):
    from datetime import timedelta

    return timedelta(days=n)


def _now():
    from django.utils import timezone

    return timezone.now()


def _today():
    from django.utils import timezone

    return timezone.localdate()


def consented(user):
    from django.conf import settings

    from .models import Consent

    return Consent.objects.create(
        user=user, version=settings.MEMBERSHIP_CONSENT_VERSION, given_at=_now()
    )


def active_member(*, profile=None, **membership):
    """A person with a profile, consent and a membership (active unless told otherwise)."""
    user = UserFactory(**membership.pop("user_kwargs", {}))
    ProfileFactory(user=user, **(profile or {}))
    consented(user)
    MembershipFactory(user=user, **membership)
    return user


def applicant(*, profile=None, **user_kwargs):
    """Someone who has applied and waits for a decision."""
    user = UserFactory(**user_kwargs)
    ProfileFactory(user=user, **(profile or {}))
    consented(user)
    MembershipFactory(
        user=user, status="pending", member_since=None, period_start=None, period_end=None
    )
    return user


def random_profile(user, municipality, rng):
    """An unsaved profile with random answers in `municipality`, for bulk-created
    populations (statistics tests and the export measurements)."""
    from .models import ContractType, EmployerType, Field, Profile

    return Profile(
        user=user,
        county_id=municipality.county_id,
        municipality=municipality,
        employer_type=rng.choice(EmployerType.values),
        field=rng.choice(Field.values),
        position_percent=rng.randint(1, 100),
        contract_type=rng.choice(ContractType.values),
        training_completed=rng.choice([True, False, None]),
        union_member=rng.choice([True, False, None]),
        user_representative=rng.choice([True, False, None]),
        year_started=rng.randint(2000, 2026),
    )
