#!/usr/bin/env bash
# The portal beside django-helpdesk 2.6.1 (bench/peer/README.md), same machine, same
# PostgreSQL, same harness, interleaved: ROUNDS runs of each, one after the other, so drift
# on the machine falls on both alike. Needs the portal's kept benchmark database
# (`manage.py bench --sizes 20 --keep`) and the peer's (bench/peer/README.md).
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/erfaring_cmp bench/compare.sh [runs] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-4}
ROUNDS=${2:-15}
SIZE=${SIZE:-20}
PY=${PY:-.venv/bin/python}
PEER=${PEER:-bench/peer}
PEER_PY=${PEER_PY:-/tmp/peer-venv/bin/python}
OUT=$(realpath -m "${OUT:-var/compare}")
: "${DATABASE_URL:?set DATABASE_URL (its <name>_bench database is timed)}"
mkdir -p "$OUT"
rm -f "$OUT"/ours_*.json "$OUT"/peer_*.json
for run in $(seq 1 "$RUNS"); do
  echo "== run $run of $RUNS: portal"
  "$PY" manage.py bench --sizes "$SIZE" --reuse --rounds "$ROUNDS" --json "$OUT/ours_$run.json"
  echo "== run $run of $RUNS: helpdesk"
  (cd "$PEER/peerproj" && "$PEER_PY" manage.py peer_bench --rounds "$ROUNDS" \
    --json "$OUT/peer_$run.json")
done
"$PY" bench/compare.py "$OUT"
