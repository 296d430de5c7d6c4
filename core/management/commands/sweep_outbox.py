from django.core.management.base import BaseCommand

from core import outbox


class Command(BaseCommand):
    help = (
        "Deliver pending outbox messages whose turn has come: through Celery when the broker "
        "answers, otherwise (or with --inline) in this process. Safe to run from cron at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true", help="Deliver here, not via Celery.")

    def handle(self, *, inline, **options):
        published, delivered = outbox.sweep(inline=inline)
        self.stdout.write(f"published {published}, delivered here {delivered}")
