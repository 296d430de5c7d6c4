from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from members.factories import DEMO_TOTP_SECRET, current_totp_code


class Command(BaseCommand):
    help = "Print the current sign-in code of the demo advisor and admin (development only)."

    def handle(self, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is for the development demo only (DJANGO_DEBUG=1).")
        self.stdout.write(
            f"Demo code for radgiver@erfaring.example and admin@erfaring.example: "
            f"{current_totp_code(DEMO_TOTP_SECRET)} (a new one every 30 seconds; each works once)"
        )
