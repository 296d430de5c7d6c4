import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import outbox
from core.models import OutboxMessage


def app_seeders():
    """Each app's `demo.seed`, in INSTALLED_APPS order (members before surveys and
    casework, which need the members): core names no app."""
    seeders = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.demo":
                raise
            continue
        seeders.append(module.seed)
    return seeders


class Command(BaseCommand):
    help = "Fill an empty database with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if users exist.")

    def handle(self, *, if_empty, **options):
        if not settings.DEBUG:
            # Demo accounts have a published password and sign-in secret.
            raise CommandError("seed_demo only runs with DJANGO_DEBUG=1.")
        if get_user_model().objects.exists():
            if if_empty:
                self.stdout.write("Users exist; demo data not loaded.")
                return
            self.stderr.write("Users exist: seed_demo only fills an empty database.")
            return
        with transaction.atomic(), outbox.unpublished():
            for seed in app_seeders():
                seed(stdout=self.stdout)
            # The demo is built through the real services, which queue notifications to
            # invented people; dropping them keeps the worker's console readable.
            dropped, _ = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).delete()
        self.stdout.write(f"Dropped {dropped} notifications queued while seeding.")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
