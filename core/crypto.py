"""Key rings: the Fernet keys that encrypt stored secrets, one ring per kind of secret.

Each ring is a list of Fernet keys from one environment variable, never from SECRET_KEY and
never from the database: the first key encrypts, every key decrypts, so a key rotates by
putting a new one first, running `manage.py rotate_encryption_keys`, then removing the old one.

- FIELD_ENCRYPTION_KEYS: casework texts (core.fields). Until the rotation has run, the keys
  the old design derived from SECRET_KEY and FIELD_ENCRYPTION_SALT still decrypt.
- MFA_ENCRYPTION_KEYS: allauth's TOTP secrets and recovery-code seeds (members.adapters).
- SURVEY_BALLOT_KEYS: sealed survey answers (surveys.sealing).
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core import checks

__all__ = ["BALLOTS", "FIELDS", "MFA", "RINGS", "InvalidToken", "KeyRing"]


@lru_cache(maxsize=16)
def _legacy_field_key(secret_key, salt):
    """The key django-fernet-encrypted-fields derived from SECRET_KEY and a salt (its
    defaults: PBKDF2-SHA256, 100,000 iterations). Cached: each derivation takes ~50 ms."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), iterations=100_000)
    return base64.urlsafe_b64encode(kdf.derive(secret_key.encode()))


@lru_cache(maxsize=16)
def _fernets(keys):
    return tuple(Fernet(key) for key in keys)


@lru_cache(maxsize=16)
def _multi_fernet(keys):
    # Built once per ring: the queue decrypts a contact name on each of its 25 rows.
    return MultiFernet(_fernets(keys))


class KeyRing:
    """The keys named by `setting`, read on every use so a test or a rotation can change
    them; `legacy` returns further keys that only decrypt."""

    def __init__(self, setting, legacy=None):
        self.setting = setting
        self._legacy = legacy

    def keys(self):
        return tuple(getattr(settings, self.setting))

    def decrypt_only_keys(self):
        return tuple(self._legacy()) if self._legacy else ()

    def _all(self):
        return _fernets(self.keys() + self.decrypt_only_keys())

    def fernet(self):
        return _multi_fernet(self.keys() + self.decrypt_only_keys())

    def primary(self):
        return self._all()[0]

    def encrypt(self, text: str) -> str:
        return self.primary().encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Raises InvalidToken when no key of the ring opens `token`."""
        return self.fernet().decrypt(token.encode("ascii")).decode()

    def is_current(self, token: str) -> bool:
        """Whether `token` is already encrypted under the first (newest) key."""
        try:
            self.primary().decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """`token` re-encrypted under the newest key, with its timestamp kept (sealed ballots
        carry time 0 on purpose). Raises InvalidToken when no key opens it."""
        return self.fernet().rotate(token.encode("ascii")).decode("ascii")

    def check(self):
        try:
            self._all()
        except (ValueError, TypeError, IndexError) as error:
            return [
                checks.Error(
                    f"{self.setting} holds no key or a value that is not a Fernet key ({error}).",
                    hint=(
                        'Generate one with python -c "from cryptography.fernet import Fernet; '
                        'print(Fernet.generate_key().decode())"; see the README.'
                    ),
                    id="core.E010",
                )
            ]
        return []


def _legacy_field_keys():
    salts = getattr(settings, "FIELD_ENCRYPTION_SALT", [])
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_legacy_field_key(secret, salt) for secret in secrets for salt in salts]


class _LegacyFieldRing(KeyRing):
    """The old design's keys first: only to reverse the migration that introduced the ring."""

    def keys(self):
        return tuple(_legacy_field_keys()) + tuple(settings.FIELD_ENCRYPTION_KEYS)


FIELDS = KeyRing("FIELD_ENCRYPTION_KEYS", legacy=_legacy_field_keys)
LEGACY_FIELDS = _LegacyFieldRing("FIELD_ENCRYPTION_SALT")
MFA = KeyRing("MFA_ENCRYPTION_KEYS")
BALLOTS = KeyRing("SURVEY_BALLOT_KEYS")
RINGS = (FIELDS, MFA, BALLOTS)


@checks.register(checks.Tags.security, deploy=True)
def check_key_rings(app_configs, **kwargs):
    """A key Fernet cannot use is refused at deployment, not when the first secret is saved."""
    return [error for ring in (FIELDS, MFA) for error in ring.check()]
