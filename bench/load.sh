#!/usr/bin/env bash
# Load and fault test: gunicorn (deploy/gunicorn.conf.py, 2 workers) on PostgreSQL and Redis.
#
#   bench/load.sh            (from anywhere; about two and a half minutes)
#
# 1. Load: 200 readers poll a live page's changes.json (wrk, bench/load.lua) while an editor
#    publishes an update every second for LOAD_DURATION (60) seconds and a reader's browser
#    follows the page by polling. Passes with no 5xx and every published update both on the
#    live page and received by the polling reader. Prints req/s, p50/p90/p99 and status counts.
# 2. Fault: the same load for LOAD_FAULT_DURATION (40) seconds; after 10 s PostgreSQL is stopped
#    for LOAD_OUTAGE (8) seconds, then started again. Passes when every failed request was a 503
#    with Retry-After (no hang, no 500, no traceback), the app answers 200 again by itself once
#    PostgreSQL is back, and every update published around the outage is visible at the end.
#
# It needs wrk (`apt-get install wrk`), curl, PostgreSQL on 127.0.0.1:5432 as user postgres with
# pg_ctlcluster to stop and start it, Redis on 127.0.0.1:6379, and the project's .venv. It uses a
# database of its own (liveblogs_load, dropped at the end) and Redis database 2 (emptied), talks
# to 127.0.0.1 only, and whatever happens leaves PostgreSQL running and stops what it started.
# Stopping PostgreSQL cuts off everyone using it for those seconds, so phase 2 is opt-in: LOAD_FAULT=1
# runs it (the default, 0, skips it).
# LOAD_KEEP=1 keeps the logs (gunicorn's access log has each request's time in the worker).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
DURATION="${LOAD_DURATION:-60}"
FAULT_DURATION="${LOAD_FAULT_DURATION:-40}"
OUTAGE="${LOAD_OUTAGE:-8}"
FAULT="${LOAD_FAULT:-0}"
CONNECTIONS=200
DB=liveblogs_load
PG_VERSION="$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)"

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v pg_ctlcluster >/dev/null || missing+=(postgresql-common)
command -v pg_isready >/dev/null || missing+=(postgresql-client)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing: ${missing[*]}. On Debian or Ubuntu: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
[ -x "$PY" ] && [ -x "$GUNICORN" ] || { echo "No $ROOT/.venv with gunicorn: make run first." >&2; exit 2; }

pg() {  # pg <SQL>: one statement on the maintenance database
  "$PY" - "$1" <<'EOF'
import sys, psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as conn:
    conn.execute(sys.argv[1])
EOF
}
pg_ready() { pg "SELECT 1" 2>/dev/null; }
pg_ctl() { pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main "$@"; }
redis_flush() {
  "$PY" -c 'import redis; redis.Redis(host="127.0.0.1", db=2, socket_timeout=2).flushdb()'
}
pg_ready || { echo "PostgreSQL is not answering on 127.0.0.1:5432 as postgres." >&2; exit 2; }
redis_flush 2>/dev/null || { echo "Redis is not answering on 127.0.0.1:6379." >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Everything started is stopped on exit; PostgreSQL is started again if it is down.

WORK="$(mktemp -d "${TMPDIR:-/tmp}/liveblogs-load-XXXXXX")"
PIDS=()
GUNICORN_PID=""
DB_MADE=""

stop() {  # stop <pid>: TERM, up to 5 s, then KILL
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # run from the EXIT trap
cleanup() {
  local status=$?
  set +e
  for pid in "${PIDS[@]}"; do stop "$pid"; done
  [ -n "$GUNICORN_PID" ] && stop "$GUNICORN_PID"
  if ! pg_ready; then
    echo "Starting PostgreSQL again"
    pg_ctl start
    for _ in $(seq 60); do pg_ready && break; sleep 0.5; done
  fi
  [ -n "$DB_MADE" ] && pg "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  redis_flush 2>/dev/null
  if [ "$status" -ne 0 ] && [ -f "$WORK/gunicorn.log" ]; then
    echo "--- last lines of gunicorn's error log:" >&2
    tail -n 20 "$WORK/gunicorn.log" >&2
  fi
  if [ -n "${LOAD_KEEP:-}" ]; then echo "Logs and figures kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# The site: its own database, Redis database 2, gunicorn with the production config.

export DJANGO_SETTINGS_MODULE=bench.settings  # newsroom.settings without collectstatic
export DJANGO_DEBUG=0
export DJANGO_HTTPS=0  # production settings over plain http on 127.0.0.1
DJANGO_SECRET_KEY="load-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_MEDIA_ROOT="$WORK/media"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:6379/2"

pg "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
pg "CREATE DATABASE $DB"
DB_MADE=1
echo "Building the live page (PostgreSQL $PG_VERSION, Redis database 2)..."
VERSION0="$(cd "$ROOT" && "$PY" bench/load.py setup | tail -n 1)"

PORT="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
APP="http://127.0.0.1:$PORT"
POLL="$APP/live/load-test/changes.json"
(cd "$ROOT" && exec "$GUNICORN" -c deploy/gunicorn.conf.py --workers 2 --bind "127.0.0.1:$PORT" \
  --no-control-socket >"$WORK/access.log" 2>"$WORK/gunicorn.log") &
GUNICORN_PID=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null "$APP/healthz" && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || break
  sleep 0.1
done
curl -fs "$APP/healthz" >"$WORK/healthz.json" || { echo "gunicorn did not start" >&2; exit 1; }
echo "gunicorn on $APP: /healthz says $(cat "$WORK/healthz.json")"

FAILED=0
result() { awk -v key="$2" '$1 == "RESULT" && $2 == key' "$1"; }
field() {  # field <wrk output> <line key> <name>: the value after <name> on that RESULT line
  result "$1" "$2" | awk -v name="$3" '{ for (i = 3; i < NF; i += 2) if ($i == name) print $(i + 1) }'
}

# ---------------------------------------------------------------------------------------------
# 1. Load

echo
echo "Load: $CONNECTIONS pollers for ${DURATION}s, an update published every second..."
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$ROOT" && exec timeout $((DURATION + 60)) "$PY" bench/load.py follow "$APP" $((DURATION + 4)) "$WORK/seen-load.txt" "$VERSION0") &
PIDS+=($!)
FOLLOW=$!
(cd "$ROOT" && exec timeout $((DURATION + 60)) "$PY" bench/load.py publish "$DURATION" "$WORK/published-load.txt" Load) &
PIDS+=($!)
PUBLISH=$!
timeout $((DURATION + 30)) wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency \
  -s "$ROOT/bench/load.lua" "$POLL" -- "$VERSION0" >"$WORK/wrk-load.txt"
wait "$PUBLISH" || { echo "FAIL  the publisher stopped early"; FAILED=1; }
wait "$FOLLOW" || true
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
grep '^RESULT' "$WORK/wrk-load.txt" | sed 's/^RESULT /  /'
(cd "$ROOT" && "$PY" bench/load.py verify "$APP" "$WORK/published-load.txt" "$WORK/seen-load.txt") \
  | tee "$WORK/verify-load.txt" || FAILED=1
five="$(( $(field "$WORK/wrk-load.txt" status 503) + $(field "$WORK/wrk-load.txt" status other_5xx) ))"
if [ "$five" -ne 0 ]; then echo "FAIL  $five answers were 5xx"; FAILED=1; else echo "PASS  no 5xx"; fi
grep -q "^published $DURATION; on the live page $DURATION; received by the polling reader $DURATION" \
  "$WORK/verify-load.txt" && echo "PASS  all $DURATION updates visible" || { echo "FAIL  updates missing"; FAILED=1; }

# ---------------------------------------------------------------------------------------------
# 2. Fault: PostgreSQL stops under load and comes back.

if [ "$FAULT" = 1 ]; then
  echo
  echo "Fault: the same load for ${FAULT_DURATION}s; PostgreSQL stopped at 10 s for ${OUTAGE}s..."
  VERSION1="$(curl -fs "$POLL?since=0" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["version"])')"
  (cd "$ROOT" && exec timeout $((FAULT_DURATION + 60)) "$PY" bench/load.py follow "$APP" $((FAULT_DURATION + 4)) "$WORK/seen-fault.txt" "$VERSION1") &
  PIDS+=($!)
  FOLLOW=$!
  (cd "$ROOT" && exec timeout $((FAULT_DURATION + 60)) "$PY" bench/load.py publish "$FAULT_DURATION" "$WORK/published-fault.txt" Fault 2>"$WORK/publish-fault.log") &
  PIDS+=($!)
  PUBLISH=$!
  (cd "$ROOT" && exec timeout $((FAULT_DURATION + 30)) "$PY" bench/load.py probe "$APP/live/load-test/" "$FAULT_DURATION" "$WORK/probe.txt") &
  PIDS+=($!)
  PROBE=$!
  timeout $((FAULT_DURATION + 30)) wrk -t2 -c"$CONNECTIONS" -d"${FAULT_DURATION}s" --timeout 10s --latency \
    -s "$ROOT/bench/load.lua" "$POLL" -- "$VERSION1" >"$WORK/wrk-fault.txt" &
  PIDS+=($!)
  WRK=$!
  # PostgreSQL as seen from here, every 0.1 s, to time the outage.
  (while :; do
    if pg_isready -q -h 127.0.0.1 -p 5432 -t 1; then echo "$EPOCHREALTIME up"; else echo "$EPOCHREALTIME down"; fi
    sleep 0.1
  done) >"$WORK/pg.txt" &
  PIDS+=($!)
  PG_WATCH=$!
  sleep 10
  echo "  stopping PostgreSQL (pg_ctlcluster $PG_VERSION main stop -m fast) for ${OUTAGE}s"
  pg_ctl stop -m fast
  sleep "$OUTAGE"
  pg_ctl start
  wait "$WRK" || true
  wait "$PUBLISH" || { echo "FAIL  the publisher stopped early"; FAILED=1; }
  wait "$PROBE" || true
  wait "$FOLLOW" || true
  stop "$PG_WATCH"
  grep '^RESULT' "$WORK/wrk-fault.txt" | sed 's/^RESULT /  /'
  echo "  publisher: $(grep -c 'trying again' "$WORK/publish-fault.log" || true) attempts refused while the database was away, each tried again"
  (cd "$ROOT" && "$PY" bench/load.py fault "$WORK/probe.txt" "$WORK/pg.txt" "$WORK/access.log") | sed 's/^/  /' \
    || FAILED=1
  (cd "$ROOT" && "$PY" bench/load.py verify "$APP" "$WORK/published-fault.txt" "$WORK/seen-fault.txt") \
    | tee "$WORK/verify-fault.txt" || FAILED=1
  other="$(field "$WORK/wrk-fault.txt" status other_5xx)"
  if [ "$other" -ne 0 ]; then echo "FAIL  $other pollers got a 5xx other than 503"; FAILED=1; else
    echo "PASS  pollers got 503 or an answer, never another 5xx"; fi
  tracebacks="$(cat "$WORK/access.log" "$WORK/gunicorn.log" | grep -c 'Traceback' || true)"
  unavailable="$(grep -c 'Service Unavailable' "$WORK/access.log" || true)"
  echo "  logs: $unavailable 'Service Unavailable' lines, $tracebacks tracebacks"
  [ "$tracebacks" -eq 0 ] || { echo "FAIL  tracebacks in the logs"; FAILED=1; }
  curl -fs "$APP/healthz" >"$WORK/healthz.json" && echo "PASS  /healthz after the outage: $(cat "$WORK/healthz.json")" \
    || { echo "FAIL  /healthz after the outage"; FAILED=1; }
fi

# ---------------------------------------------------------------------------------------------

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
echo
echo "Load and fault test, $(date +%Y-%m-%d), $(nproc) cores${cpu:+ ($cpu)}; load average before $LOAD_BEFORE, after the load phase $LOAD_AFTER"
echo "gunicorn $("$GUNICORN" --version 2>&1 | awk '{ print $NF }' | tr -d ')') -c deploy/gunicorn.conf.py, 2 sync workers; PostgreSQL $PG_VERSION; Redis; wrk -t2 -c$CONNECTIONS on the same machine"
printf 'load:  %s req/s, p50 %s ms, p99 %s ms, max %s ms; 5xx %s; timeouts %s\n' \
  "$(field "$WORK/wrk-load.txt" throughput rps)" "$(field "$WORK/wrk-load.txt" latency_ms p50)" \
  "$(field "$WORK/wrk-load.txt" latency_ms p99)" "$(field "$WORK/wrk-load.txt" latency_ms max)" \
  "$five" "$(field "$WORK/wrk-load.txt" socket_errors timeout)"
[ "$FAULT" = 1 ] && printf 'fault: %s req/s, p50 %s ms, p99 %s ms, max %s ms; 503 %s, other 5xx %s; timeouts %s\n' \
  "$(field "$WORK/wrk-fault.txt" throughput rps)" "$(field "$WORK/wrk-fault.txt" latency_ms p50)" \
  "$(field "$WORK/wrk-fault.txt" latency_ms p99)" "$(field "$WORK/wrk-fault.txt" latency_ms max)" \
  "$(field "$WORK/wrk-fault.txt" status 503)" "$(field "$WORK/wrk-fault.txt" status other_5xx)" \
  "$(field "$WORK/wrk-fault.txt" socket_errors timeout)"
[ "$FAILED" -eq 0 ] && echo "PASS" || echo "FAIL"
exit "$FAILED"
