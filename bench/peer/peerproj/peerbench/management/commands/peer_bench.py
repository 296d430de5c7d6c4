"""Time helpdesk's pages on the generated data (README.md).

python manage.py peer_bench --rounds 5 [--warmup 3] [--json FILE] [--sql]
"""

import json
import warnings
from pathlib import Path

from django.core.management.base import BaseCommand
from helpdesk.models import FollowUp, Ticket

from peerbench import bench, data


class Command(BaseCommand):
    help = "Time helpdesk's pages in process (median, p95, statements, tx, SQL ms, x floor)."

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=30)
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--json", metavar="FILE", help="Also write the rows as JSON.")
        parser.add_argument("--sql", action="store_true", help="Print each page's statements.")

    def handle(self, *, rounds, warmup, json, sql, **options):
        # helpdesk's calc_basic_ticket_stats (dashboard, reports index) filters on naive
        # date strings; Django warns on every request. Its behaviour, not ours: silenced.
        warnings.filterwarnings("ignore", message=r"DateTimeField .* received a naive datetime")
        data.reset_bench_writes(data.world()[2])
        self.stdout.write(
            f"{Ticket.objects.count()} tickets, {FollowUp.objects.count()} follow-ups; "
            f"{rounds} rounds after {warmup} warm-up rounds"
        )
        with bench.production_like():
            results, ticket = bench.measure(rounds=rounds, warmup=warmup)
        row_list = bench.rows(results)
        self.stdout.write(bench.table(row_list))
        if sql:
            self.stdout.write(bench.statements(results))
        if json:
            Path(json).write_text(_json.dumps(row_list, indent=2) + "\n")
            self.stdout.write(f"rows written to {json}")
        data.reset_bench_writes(ticket)


_json = json
