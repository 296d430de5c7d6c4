from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.roles import STAFF_ROLES, grant_role, revoke_role


class Command(BaseCommand):
    help = (
        "Grant (or with --revoke, take away) a staff role: advisor or admin. Members are not "
        "granted a role: an admin approves their application in the portal."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role", choices=STAFF_ROLES)
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *, email, role, revoke, **options):
        try:
            user = get_user_model().objects.get(email__iexact=email)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user with the email {email}.") from exc
        if revoke:
            revoke_role(user=user, role=role)
            self.stdout.write(f"Revoked {role} from {user.email}.")
        else:
            grant_role(user=user, role=role)
            self.stdout.write(f"Granted {role} to {user.email}.")
