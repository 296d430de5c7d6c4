"""Encryption keys of stored secrets: their own key rings (not SECRET_KEY), rotation with
`manage.py rotate_encryption_keys`, and the migrations away from the old design."""

import importlib
import io
import json
import re

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from encrypted_fields.fields import EncryptedTextField as LegacyEncryptedTextField

from casework.factories import CaseFactory, MessageFactory
from casework.models import Case, Message
from members import factories

DESCRIPTION = "CANARY-ROTATION beskrivelse av en vanskelig situasjon på jobben."
NOTE = "CANARY-ROTATION intern merknad."

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def opens(key, token):
    try:
        Fernet(key).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate():
    out = io.StringIO()
    call_command("rotate_encryption_keys", "--batch-size", "1", stdout=out)
    return out.getvalue()


def test_casework_texts_are_encrypted_with_the_field_key_not_secret_key(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    case = CaseFactory(description=DESCRIPTION)

    assert opens(OLD, raw("casework_case", "description", case.pk))
    # A new signing key (say after a leak) leaves the texts readable: it is not their key.
    settings.SECRET_KEY = "a-new-signing-key-after-a-leak-" * 2
    settings.FIELD_ENCRYPTION_SALT = []
    assert Case.objects.get(pk=case.pk).description == DESCRIPTION


def test_rotation_reencrypts_every_text_under_the_newest_key(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    case = CaseFactory(description=DESCRIPTION, safe_contact="Bare SMS.")
    message = MessageFactory(case=case, body=NOTE)

    # A new key goes first; rows written under the old one are still read until rotated.
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    assert Case.objects.get(pk=case.pk).description == DESCRIPTION
    assert opens(OLD, raw("casework_case", "description", case.pk))
    assert not opens(NEW, raw("casework_case", "description", case.pk))

    output = rotate()

    assert "casework.Case.description: 1 rows read, 1 re-encrypted" in output
    assert "casework.Message.body: 1 rows read, 1 re-encrypted" in output
    for table, column, pk in [
        ("casework_case", "description", case.pk),
        ("casework_case", "safe_contact", case.pk),
        ("casework_message", "body", message.pk),
    ]:
        token = raw(table, column, pk)
        assert opens(NEW, token) and not opens(OLD, token)

    # The old key can go: everything reads without it.
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    case = Case.objects.get(pk=case.pk)
    assert (case.description, case.safe_contact) == (DESCRIPTION, "Bare SMS.")
    assert Message.objects.get(pk=message.pk).body == NOTE

    # A second run has nothing left to do.
    assert "Done: 0 value(s) re-encrypted." in rotate()


def test_rotation_refuses_to_touch_a_value_no_key_opens(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    case = CaseFactory(description=DESCRIPTION)
    before = raw("casework_case", "description", case.pk)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key was dropped too early

    with pytest.raises(CommandError, match="could not be decrypted"):
        rotate()

    assert raw("casework_case", "description", case.pk) == before
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    assert Case.objects.get(pk=case.pk).description == DESCRIPTION


def test_migration_moves_salt_derived_texts_to_the_field_key(db, settings):
    """Rows written by the old design (key from SECRET_KEY and the salt) are re-encrypted
    by the migration and then read with neither the salt nor SECRET_KEY."""
    settings.FIELD_ENCRYPTION_SALT = ["the-old-salt"]
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    settings.SALT_KEY = ["the-old-salt"]  # what the library read
    case = CaseFactory(description="placeholder text for the row")
    legacy = LegacyEncryptedTextField()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_case SET description = %s WHERE id = %s",
            [legacy.get_prep_value(DESCRIPTION), case.pk],
        )
    assert not opens(NEW, raw("casework_case", "description", case.pk))

    migration = importlib.import_module("casework.migrations.0005_field_encryption_keys")
    migration.reencrypt_under_field_encryption_keys(apps, None)

    assert opens(NEW, raw("casework_case", "description", case.pk))
    settings.FIELD_ENCRYPTION_SALT = []
    settings.SECRET_KEY = "another-signing-key-entirely-" * 2
    assert Case.objects.get(pk=case.pk).description == DESCRIPTION


# --- MFA secrets ----------------------------------------------------------------------------


def test_totp_secret_is_not_stored_in_clear(db):
    user = factories.advisor_user()
    secret = factories.with_totp(user)

    stored = json.dumps(Authenticator.objects.get(user=user, type="totp").data)
    assert secret not in stored
    # The code of the real secret still signs in.
    totp = TOTP(Authenticator.objects.get(user=user, type="totp"))
    assert totp.validate_code(factories.current_totp_code(secret))


def test_recovery_code_seed_is_not_stored_in_clear(db):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    user = factories.advisor_user()
    factories.with_totp(user)
    codes = RecoveryCodes.activate(user)
    seed = Authenticator.objects.get(user=user, type="recovery_codes").data["seed"]

    assert seed.startswith("gAAAAA")
    assert codes.validate_code(codes.generate_codes()[0])


def test_migration_encrypts_mfa_secrets_stored_in_clear(db):
    user = factories.advisor_user()
    plain = Authenticator.objects.create(
        user=user, type="totp", data={"secret": factories.DEMO_TOTP_SECRET}
    )
    seed = "ab" * 40
    Authenticator.objects.create(
        user=user, type="recovery_codes", data={"seed": seed, "used_mask": 0}
    )

    migration = importlib.import_module("members.migrations.0007_encrypt_mfa_secrets")
    migration.encrypt_mfa_secrets(apps, None)

    stored = json.dumps([a.data for a in Authenticator.objects.filter(user=user)])
    assert factories.DEMO_TOTP_SECRET not in stored and seed not in stored
    plain.refresh_from_db()
    assert TOTP(plain).validate_code(factories.current_totp_code(factories.DEMO_TOTP_SECRET))


def test_rotation_moves_mfa_secrets_to_the_newest_key(db, settings):
    settings.MFA_ENCRYPTION_KEYS = [OLD]
    user = factories.advisor_user()
    secret = factories.with_totp(user)

    settings.MFA_ENCRYPTION_KEYS = [NEW, OLD]
    output = rotate()
    settings.MFA_ENCRYPTION_KEYS = [NEW]

    assert "mfa.Authenticator.data: 1 rows read, 1 re-encrypted" in output
    totp = TOTP(Authenticator.objects.get(user=user, type="totp"))
    assert totp.validate_code(factories.current_totp_code(secret))


def test_production_requires_the_key_rings_and_checks_them(settings):
    from core import crypto

    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]
    assert [error.id for error in crypto.check_key_rings(None)] == ["core.E010"]


def test_make_demo_code_still_signs_in_the_demo_staff(client, db, settings):
    """The demo's staff share a published secret (make demo-code prints its code); it is
    stored encrypted like any other, and the printed code signs in."""
    settings.DEBUG = True
    advisor = factories.with_demo_totp(factories.advisor_user(email="radgiver@erfaring.example"))
    stored = json.dumps(Authenticator.objects.get(user=advisor).data)
    assert factories.DEMO_TOTP_SECRET not in stored

    # Frozen, so the printed code cannot fall into the next 30-second window before use.
    with time_machine.travel(timezone.now(), tick=False):
        out = io.StringIO()
        call_command("demo_totp", stdout=out)
        code = re.search(r": (\d{6}) ", out.getvalue()).group(1)
        client.post(
            reverse("account_login"),
            {"login": advisor.email, "password": factories.DEFAULT_PASSWORD},
        )
        response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(advisor.pk)
