"""Text fields encrypted at rest with the FIELD_ENCRYPTION_KEYS ring (core.crypto).

django-fernet-encrypted-fields derives its key from SECRET_KEY, so rotating Django's signing
key (or leaking it) would also touch every encrypted text. These subclasses keep the library's
storage format (a Fernet token in a text column) and take their keys from their own ring.
"""

from encrypted_fields import fields

from . import crypto


class EncryptedFieldMixin:
    # manage.py rotate_encryption_keys re-encrypts every field that names its ring here.
    key_ring = crypto.FIELDS

    @property
    def f(self):
        return self.key_ring.fernet()


class EncryptedCharField(EncryptedFieldMixin, fields.EncryptedCharField):
    pass


class EncryptedTextField(EncryptedFieldMixin, fields.EncryptedTextField):
    pass
