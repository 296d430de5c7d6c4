from django.db import migrations

from core import key_rotation


def encrypt_mfa_secrets(apps, schema_editor):
    """allauth stored TOTP secrets and recovery-code seeds in clear until MFA_ADAPTER
    encrypted them (members.adapters.MFAAdapter): encrypt those already stored."""
    authenticator = apps.get_model("mfa", "Authenticator")
    key_rotation.rotate_authenticators(authenticator, encrypt_plain=True)


def decrypt_mfa_secrets(apps, schema_editor):
    key_rotation.decrypt_authenticators(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_staff_role_permissions"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_mfa_secrets, decrypt_mfa_secrets)]
