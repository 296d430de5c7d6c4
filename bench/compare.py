"""Side by side: the portal's pages against django-helpdesk's (bench/peer/), from the JSON of
interleaved runs (bench/compare.sh). Prints, per pair, both medians (the median of the
runs' medians), the statements, and how many times faster the portal is."""

import json
import statistics
import sys
from pathlib import Path

PAIRS = [
    ("floor (advisor)", "floor (staff)"),
    ("queue", "ticket list: shell + rows"),
    ("case detail", "ticket detail"),
    ("reply POST", "followup POST"),
    ("guidance POST", "submit POST (member)"),
    ("casework statistics", "reports index"),
    ("casework statistics", "report user by status"),
    ("casework statistics", "dashboard"),
]


def _runs(folder, prefix):
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob(f"{prefix}_*.json"))]


def _by_page(runs):
    pages = {}
    for run in runs:
        for row in run:
            pages.setdefault(row["page"], []).append(row)
    return pages


def main(folder):
    ours, peer = _by_page(_runs(folder, "ours")), _by_page(_runs(folder, "peer"))
    header = (
        f"{'portal page':<22} {'ms':>6} {'q':>3}   {'helpdesk page':<26} {'ms':>7} {'q':>3}  faster"
    )
    print(header)
    print("-" * len(header))
    for mine, theirs in PAIRS:
        if mine not in ours or theirs not in peer:
            continue
        a = statistics.median(row["median_ms"] for row in ours[mine])
        b = statistics.median(row["median_ms"] for row in peer[theirs])
        qa, qb = ours[mine][0]["queries"], peer[theirs][0]["queries"]
        print(f"{mine:<22} {a:>6.1f} {qa:>3}   {theirs:<26} {b:>7.1f} {qb:>3}  {b / a:>5.2f}x")
    print(f"\n{len(_runs(folder, 'ours'))} portal runs, {len(_runs(folder, 'peer'))} helpdesk runs")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/compare")
