import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.dbroles import grant_app_role


class Command(BaseCommand):
    help = (
        "Create or update the least-privileged PostgreSQL role the portal runs as "
        "(DATABASE_APP_ROLE; password from DATABASE_APP_PASSWORD). Run as the owner after "
        "every migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", default=settings.DATABASE_APP_ROLE)

    def handle(self, *args, role, **options):
        if not role:
            raise CommandError("Set DATABASE_APP_ROLE (or --role).")
        try:
            # From the environment only: the password never sits in settings or arguments.
            grant_app_role(role=role, password=os.environ.get("DATABASE_APP_PASSWORD") or None)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Role {role}: SELECT/INSERT only on the audit log; granted.")
