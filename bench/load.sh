#!/usr/bin/env bash
# The load test (bench/README.md): generated data in a kept scratch database, gunicorn with
# production settings over TLS, PostgreSQL and Redis, then locust headless. Not run in CI.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/erfaring_load \
#   CELERY_BROKER_URL=redis://127.0.0.1:6379/8 \
#   LOCUST=/path/to/venv/bin/locust bench/load.sh [users] [minutes] [workers]
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-50}
MINUTES=${2:-5}
WORKERS=${3:-3}
PORT=${PORT:-8443}
PY=${PY:-.venv/bin/python}
LOCUST=${LOCUST:-locust}
OUT=${OUT:-var/load}
# Every simulated user signs in from 127.0.0.1, and allauth allows 30 logins a minute per
# address: start at most 0.4 users a second.
RAMP=${RAMP:-0.4}
mkdir -p "$OUT"

: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL; a database <name>_bench is created next to it)}"
: "${CELERY_BROKER_URL:?set CELERY_BROKER_URL (Redis)}"

# 1. Data: 1,000 cases with 5 messages each, 300 members, 50 load members, 5 load advisors.
if [[ ! -f "$OUT/accounts.json" ]]; then
  "$PY" manage.py bench --sizes 1 --rounds 0 --keep --load-accounts "$OUT/accounts.json"
fi
BENCH_URL="${DATABASE_URL%/*}/$(basename "${DATABASE_URL##*/}")_bench"

# 2. Production settings; a self-signed certificate, so the Secure __Host- cookies work.
# The keys are the development ones the data was generated with (they are not secret).
# No request sends mail (the outbox does, in the worker, which does not run here), so the
# SMTP server need not exist.
if [[ ! -f "$OUT/cert.pem" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null
fi
export DJANGO_DEBUG=0 DATABASE_URL="$BENCH_URL" DJANGO_ALLOWED_HOSTS=127.0.0.1 \
  DJANGO_SECRET_KEY=load-test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz \
  FIELD_ENCRYPTION_SALT=dev-only-field-salt-not-secret \
  SURVEY_RESPONSE_KEY=dev-only-survey-response-key \
  SURVEY_BALLOT_KEYS=ZGV2LW9ubHktYmFsbG90LWtleS1ub3Qtc2VjcmV0ISE= \
  FIELD_ENCRYPTION_KEYS=ZGV2LW9ubHktZmllbGQta2V5LW5vdC1zZWNyZXQhISE= \
  MFA_ENCRYPTION_KEYS=ZGV2LW9ubHktbWZhLWtleS1ub3Qtc2VjcmV0LSEhISE= \
  CASEWORK_ATTACHMENT_KEYS=ZGV2LW9ubHktYXR0YWNobWVudC1rZXktbm90LXNlY3I= \
  EMAIL_URL=smtp://127.0.0.1:2525 \
  DJANGO_STATIC_ROOT="$OUT/static" DJANGO_CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$PORT" \
  LOG_LEVEL=WARNING
"$PY" manage.py collectstatic --noinput -v 0
"$PY" -m gunicorn erfaring.wsgi:application --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
  --certfile "$OUT/cert.pem" --keyfile "$OUT/key.pem" --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN' EXIT
sleep 5

# 3. The load: members (4 in 5) answer the survey and read their cases; advisors work the queue.
LOAD_ACCOUNTS="$OUT/accounts.json" "$LOCUST" -f bench/locustfile.py --headless \
  -u "$USERS" -r "$RAMP" -t "${MINUTES}m" --host "https://127.0.0.1:$PORT" --csv "$OUT/locust" \
  --only-summary
