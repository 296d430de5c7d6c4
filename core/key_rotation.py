"""Re-encrypting stored secrets under the newest key of their ring (core.crypto).

Used by `manage.py rotate_encryption_keys` and by the migrations that introduced the rings.
Works on the stored tokens, never on decrypted model values, so a value no key opens is
counted and left alone instead of being re-encrypted as if it were the plain text (the
encrypted-fields library hands such a token back unchanged). Rows go in batches by primary
key, each batch in its own transaction, and a row is only written if its token is still the
one read, so a concurrent edit is never overwritten and a second run changes nothing.
"""

from dataclasses import dataclass

from django.apps import apps as global_apps
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from . import crypto

# allauth's Authenticator.data keys that hold a secret (mfa/totp, mfa/recovery_codes).
MFA_SECRET_KEYS = ("secret", "seed")
MFA_SECRET_LIST_KEYS = ("migrated_codes",)
# Every Fernet token starts with the version byte 0x80, base64 "gA"; a TOTP secret is base32
# (A-Z, 2-7) and a recovery seed hexadecimal, so neither can start like a token.
FERNET_PREFIX = "gAAAAA"


@dataclass
class Tally:
    label: str
    rows: int = 0
    rotated: int = 0
    current: int = 0
    unreadable: int = 0

    def __str__(self):
        return (
            f"{self.label}: {self.rows} rows read, {self.rotated} re-encrypted, "
            f"{self.current} already under the newest key, {self.unreadable} unreadable"
        )


def encrypted_columns(app_registry=global_apps):
    """(model, field) for every field that names its key ring (core.fields,
    surveys.sealing), in a stable order."""
    found = []
    for model in app_registry.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if getattr(field, "key_ring", None) is not None:
                found.append((model, field))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


def rotate_column(model, field, *, ring=None, batch_size=500, progress=None):
    ring = ring or field.key_ring
    tally = Tally(f"{model._meta.label}.{field.name}")
    tokens = model._base_manager.annotate(stored_token=Cast(field.name, TextField()))
    last_pk = None
    while True:
        batch = tokens.order_by("pk").exclude(stored_token__isnull=True).exclude(stored_token="")
        if last_pk is not None:
            batch = batch.filter(pk__gt=last_pk)
        rows = list(batch.values_list("pk", "stored_token")[:batch_size])
        if not rows:
            break
        with transaction.atomic():
            for pk, token in rows:
                tally.rows += 1
                if ring.is_current(token):
                    tally.current += 1
                    continue
                try:
                    new = ring.rotate(token)
                except crypto.InvalidToken:
                    tally.unreadable += 1
                    continue
                tally.rotated += tokens.filter(pk=pk, stored_token=token).update(
                    **{field.attname: Value(new, output_field=TextField())}
                )
        last_pk = rows[-1][0]
        if progress:
            progress(tally)
    return tally


def _rotate_mfa_value(value, tally, *, encrypt_plain):
    if not isinstance(value, str) or not value:
        return value
    if not value.startswith(FERNET_PREFIX):
        if not encrypt_plain:
            tally.unreadable += 1
            return value
        tally.rotated += 1
        return crypto.MFA.encrypt(value)
    if crypto.MFA.is_current(value):
        tally.current += 1
        return value
    try:
        new = crypto.MFA.rotate(value)
    except crypto.InvalidToken:
        tally.unreadable += 1
        return value
    tally.rotated += 1
    return new


def rotate_authenticators(
    authenticator_model=None, *, batch_size=500, encrypt_plain=False, progress=None
):
    """allauth's TOTP secrets and recovery-code seeds, under the newest MFA key. With
    `encrypt_plain` (the migration from allauth's plain-text storage) a secret stored in
    clear is encrypted; otherwise it is counted as unreadable, so the command reports it."""
    if authenticator_model is None:
        from allauth.mfa.models import Authenticator as authenticator_model
    tally = Tally(f"{authenticator_model._meta.label}.data")
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                authenticator_model._base_manager.select_for_update()
                .filter(pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            for authenticator in rows:
                tally.rows += 1
                data = dict(authenticator.data or {})
                for key in MFA_SECRET_KEYS:
                    if key in data:
                        data[key] = _rotate_mfa_value(data[key], tally, encrypt_plain=encrypt_plain)
                for key in MFA_SECRET_LIST_KEYS:
                    if isinstance(data.get(key), list):
                        data[key] = [
                            _rotate_mfa_value(value, tally, encrypt_plain=encrypt_plain)
                            for value in data[key]
                        ]
                if data != authenticator.data:
                    authenticator.data = data
                    authenticator.save(update_fields=["data"])
        if not rows:
            break
        last_pk = rows[-1].pk
        if progress:
            progress(tally)
    return tally


def decrypt_authenticators(authenticator_model):
    """Back to allauth's plain-text storage: only for reversing the migration."""
    for authenticator in authenticator_model._base_manager.select_for_update():
        data = dict(authenticator.data or {})
        for key in MFA_SECRET_KEYS:
            if isinstance(data.get(key), str) and data[key].startswith(FERNET_PREFIX):
                data[key] = crypto.MFA.decrypt(data[key])
        for key in MFA_SECRET_LIST_KEYS:
            if isinstance(data.get(key), list):
                data[key] = [
                    crypto.MFA.decrypt(value) if value.startswith(FERNET_PREFIX) else value
                    for value in data[key]
                ]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def rotate_all(*, batch_size=500, progress=None):
    """Every encrypted column and every authenticator; returns one Tally per target."""
    tallies = [
        rotate_column(model, field, batch_size=batch_size, progress=progress)
        for model, field in encrypted_columns()
    ]
    tallies.append(rotate_authenticators(batch_size=batch_size, progress=progress))
    return tallies
