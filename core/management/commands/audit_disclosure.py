"""Audit statistics releases with the LP auditor (core.releases) and print, per table, the
hidden cells and the interval an attacker can derive for each.

    python manage.py audit_disclosure                 # the latest stored release of each kind
    python manage.py audit_disclosure --kind casework --candidate   # a new one, not stored
    python manage.py audit_disclosure --kind membership --publish   # ...and store it

Exits with status 1 when any release fails (a published count 0 < n < threshold, a hidden
cell narrower than the threshold, a group shown all in one category, or a small change since
the previous release).
"""

import time

from django.core.management.base import BaseCommand, CommandError

from core import releases


class Command(BaseCommand):
    help = "Audit statistics releases: per table, the hidden cells and their intervals."

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", action="append", help="A kind (e.g. membership, survey-participation-2026)."
        )
        parser.add_argument(
            "--candidate", action="store_true", help="Count, protect and audit a new release."
        )
        parser.add_argument("--publish", action="store_true", help="...and store it.")
        parser.add_argument("--quiet", action="store_true", help="Only the summary lines.")

    def handle(self, *, kind, candidate, publish, quiet, **options):
        failed = False
        for name in kind or [*releases.kinds(), *releases.published_family_kinds()]:
            if not releases.is_known(name):
                raise CommandError(f"Unknown kind: {name}")
            started = time.perf_counter()
            if publish:
                try:
                    release = releases.publish(kind=name)
                except releases.ReleaseRefused as refused:
                    self._problems(name, refused.problems)
                    failed = True
                    continue
                checked, problems = releases.audit_stored(release)
                label = release.label
            elif candidate:
                try:
                    checked, _previous = releases.build(name)
                    problems = []
                except releases.ReleaseRefused as refused:
                    self._problems(name, refused.problems)
                    failed = True
                    continue
                label = f"{name} (candidate)"
            else:
                release = releases.previous_release(name)
                if release is None:
                    self.stdout.write(f"{name}: no release published yet")
                    continue
                checked, problems = releases.audit_stored(release)
                label = release.label
            if not quiet:
                for line in releases.report_lines(checked):
                    self.stdout.write(line)
            published = len(checked.published())
            self.stdout.write(
                f"{label}: {len(checked.spec.tables)} tables, {published} cells published, "
                f"{len(checked.hidden)} hidden, narrowest hidden interval "
                f"{_narrowest(checked):g}, {len(problems)} problems, "
                f"{time.perf_counter() - started:.1f} s"
            )
            if problems:
                self._problems(name, problems)
                failed = True
        if failed:
            raise CommandError("The auditor refused at least one release.")

    def _problems(self, name, problems):
        for problem in problems:
            self.stderr.write(f"{name}: {problem}")


def _narrowest(candidate):
    widths = [high - low for low, high in candidate.intervals.values()]
    return min(widths, default=float("inf"))
