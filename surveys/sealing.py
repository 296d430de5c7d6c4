"""Sealing survey answers with the keys in `settings.SURVEY_BALLOT_KEYS` (docs/anonymity.md).

Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet: the first key seals, every key
opens, so keys rotate by putting a new one first. The keys live in the environment only, so
a database dump or backup holds ciphertext.

Two details keep the ciphertext from saying more than "a ballot" or "a draft":
- Fernet writes the time of sealing, in clear, into every token. We seal at time 0, so a
  token carries no time that could be matched to a participation.
- The plaintext is padded to a multiple of PAD_BYTES, so the length of a sealed ballot or
  draft does not give away the length of the free text that later appears, unsealed and
  unlinked, among the edition's free texts.
"""

import json

from cryptography.fernet import InvalidToken
from django.core import checks
from django.db import models

from core import crypto

# Larger than any ballot of the current questionnaire (two free texts of 1,000 and 2,000
# characters, three bytes each at most, plus about 1.5 kB of other answers).
PAD_BYTES = 16 * 1024

__all__ = ["InvalidToken", "SealedJSONField", "SealedTokenField", "seal", "unseal"]


def _fernet():
    return crypto.BALLOTS.fernet()


def seal(value) -> str:
    """`value` (anything JSON can hold) as a padded Fernet token without a timestamp."""
    plain = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    # Trailing spaces are valid JSON whitespace: unseal needs no length prefix.
    padded = plain + b" " * (-len(plain) % PAD_BYTES)
    return _fernet().encrypt_at_time(padded, 0).decode("ascii")


def unseal(token: str):
    """The value sealed in `token`; raises InvalidToken for a wrong key or altered data."""
    return json.loads(_fernet().decrypt(token.encode("ascii")))


class SealedJSONField(models.TextField):
    """A JSON value stored sealed: the column holds only the Fernet token."""

    # manage.py rotate_encryption_keys re-seals it under the newest key (keeping time 0).
    key_ring = crypto.BALLOTS

    def from_db_value(self, value, expression, connection):
        return None if value is None else unseal(value)

    def to_python(self, value):
        return unseal(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        return None if value is None else seal(value)

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


class SealedTokenField(models.TextField):
    """A token the service sealed itself (a ballot): stored and read as the token, named
    here so that manage.py rotate_encryption_keys re-seals it under the newest key."""

    key_ring = crypto.BALLOTS


@checks.register(checks.Tags.security, deploy=True)
def check_ballot_keys(app_configs, **kwargs):
    """Refuse a key Fernet cannot use before the first member submits, not at that moment."""
    try:
        _fernet()
    except (ValueError, TypeError) as error:
        return [
            checks.Error(
                f"SURVEY_BALLOT_KEYS holds a value that is not a Fernet key ({error}).",
                hint="Generate one with Fernet.generate_key(); see the README.",
                id="surveys.E001",
            )
        ]
    return []
