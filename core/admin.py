"""What the Django admin does not show.

A superuser is not a way round the portal's rules. allauth registers its models in the
admin, where a superuser could read a TOTP secret (Authenticator), take over an account by
changing its email address and then resetting the password (EmailAddress), or read the key
of someone's session (UserSession); and in Django's Group admin they could give anyone a
staff role by editing a role group's permissions. Each of these has its own audited path:
the person's own account pages (reauthenticated), the roles page, or the erasure and
retention jobs.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.models import Group

for model in (Authenticator, EmailAddress, UserSession, Group):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
