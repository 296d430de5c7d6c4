"""Generate N x 1,000 helpdesk tickets with 5 follow-ups each (README.md).

    python manage.py gen_peer --size 20

Replaces whatever an earlier run generated in the same database.
"""

from django.core.management.base import BaseCommand

from peerbench import data


class Command(BaseCommand):
    help = "Generate size x 1,000 tickets (5 follow-ups each) over 3 queues and 5 staff users."

    def add_arguments(self, parser):
        parser.add_argument("--size", type=int, default=20, help="Thousands of tickets.")

    def handle(self, *, size, **options):
        self.stdout.write(f"{size * data.TICKETS_PER_SIZE} tickets")
        data.generate(size, stdout=self.stdout)
