"""Time the main pages on generated data, in a database of its own (issue 14).

    python manage.py bench                   # 1k and 20k cases, 30 rounds
    python manage.py bench --sizes 1 --rounds 10

For each size it creates the database `<name>_bench` (dropped first if it exists; with
PostgreSQL the role needs CREATEDB), generates size x 1,000 cases with 5 messages each,
size x 300 members, five advisors, an admin, an open survey edition and the two statistics
releases, then times each page with DEBUG off and prints median, p95, SQL statements,
transaction statements and SQL time per page, and each page's median as a multiple of the
floor (a signed-in page with the layout and nothing else). docs/performance.md has figures.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connections

from casework import bench, benchkit


class Command(BaseCommand):
    help = "Generate data in a scratch database and time the main pages (median, p95, queries)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes", default="1,20", help="Thousands of cases, comma-separated (1,20)."
        )
        parser.add_argument("--rounds", type=int, default=30)
        parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Time the database a run with --keep left (one size), without generating.",
        )
        parser.add_argument(
            "--json", dest="json_file", metavar="FILE", help="Also write the rows as JSON."
        )
        parser.add_argument(
            "--no-releases",
            action="store_true",
            help="Skip publishing the statistics releases (their pages then show none).",
        )
        parser.add_argument(
            "--releases-max-size",
            type=int,
            default=None,
            help="Publish the releases only up to this size (protecting 20k cases takes long).",
        )
        parser.add_argument("--sql", action="store_true", help="Print each page's statements.")
        parser.add_argument(
            "--load-accounts",
            metavar="FILE",
            help="Also create accounts for the load test (bench/README.md) and write them to "
            "FILE as JSON; use with --keep and one size.",
        )

    def handle(
        self,
        *,
        sizes,
        rounds,
        keep,
        reuse,
        json_file,
        no_releases,
        releases_max_size,
        sql,
        load_accounts,
        **options,
    ):
        name = f"{connections['default'].settings_dict['NAME']}_bench"
        if name.endswith(".sqlite3_bench"):
            name = name.removesuffix(".sqlite3_bench") + "_bench.sqlite3"
        for size in [int(part) for part in sizes.split(",") if part.strip()]:
            self.stdout.write(f"\n{size * bench.CASES_PER_SIZE} cases (database {name})")
            if reuse:
                with bench.existing_database(name), bench.production_like():
                    world = bench.world_in_database()
                    bench.forget_earlier_runs(world)
                    results = bench.measure(world, rounds=rounds)
                self._report(results, sql=sql, json_file=json_file, size=size)
                continue
            with bench.scratch_database(name, keep=keep), bench.production_like():
                publish = not no_releases and (
                    releases_max_size is None or size <= releases_max_size
                )
                world = bench.generate(size, stdout=self.stdout, publish=publish)
                if load_accounts:
                    accounts = bench.load_accounts(world, members=50, advisors=5)
                    Path(load_accounts).write_text(json.dumps(accounts, indent=2))
                    self.stdout.write(f"  load-test accounts written to {load_accounts}")
                results = bench.measure(world, rounds=rounds) if rounds else []
            if results:
                self._report(results, sql=sql, json_file=json_file, size=size)

    def _report(self, results, *, sql, json_file, size):
        rows = benchkit.rows(results)
        self.stdout.write(benchkit.table(rows))
        if sql:
            self.stdout.write(benchkit.statements(results))
        if json_file:
            path = Path(json_file.replace("{size}", str(size)))
            path.write_text(json.dumps(rows, indent=2))
