"""Factories shared by the tests and the demo data (manage.py seed_demo)."""

import time

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from . import roles

DEFAULT_PASSWORD = "erfaring-demo-passord"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

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
    return UserFactory(role=roles.MEMBER, **kwargs)


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
