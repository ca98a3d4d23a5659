#!/usr/bin/env bash
# Several app servers tested together: two gunicorn servers (deploy/gunicorn.conf.py) on two ports
# sharing one PostgreSQL database, Redis and the media storage (a local S3 server when moto[server]
# is installed, else one folder), the task worker (manage.py db_worker), and nginx in front with
# deploy/nginx-microcache.conf, round robin over both servers.
#
#   bench/scale.sh                               (from anywhere; about a minute and a half)
#   SCALE_SECONDS=20 SCALE_POLLERS=50 bench/scale.sh     (a shorter run)
#
# SCALE_POLLERS (200) readers follow a live page through nginx for SCALE_SECONDS (60) seconds as
# the page's script does (bench/scale.py), while an editor publishes an update every
# SCALE_PUBLISH_EVERY (3) seconds from the live desk, through server 1 and server 2 in turn.
# Checks: no reader ever sees the version go backwards; every update reaches every reader within
# one poll interval plus the cache's max-age; a photo uploaded through server 1 is served through
# server 2; the published photo's renditions appear. Prints requests/s, p50/p99, lost updates and
# version regressions; PASS/FAIL per check, exit status 1 on any FAIL.
#
# It needs nginx, curl, PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on 127.0.0.1:6379,
# and the project's .venv. It uses a database of its own (liveblogs_scale_<pid>, dropped at the
# end) and Redis database SCALE_REDIS_DB (14, emptied), talks to 127.0.0.1 only, and stops
# everything it started whatever happens. SCALE_KEEP=1 keeps the logs.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
SECONDS_="${SCALE_SECONDS:-60}"
POLLERS="${SCALE_POLLERS:-200}"
REDIS_DB="${SCALE_REDIS_DB:-14}"
DB="liveblogs_scale_$$"

missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing: ${missing[*]}. On Debian or Ubuntu: sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$PY" ] && [ -x "$GUNICORN" ] || { echo "No $ROOT/.venv with gunicorn: make run first." >&2; exit 2; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg() {  # pg <SQL>: one statement on the maintenance database
  "$PY" - "$1" <<'EOF'
import sys, psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as conn:
    conn.execute(sys.argv[1])
EOF
}
redis_flush() {
  "$PY" -c "import redis; redis.Redis(host='127.0.0.1', db=$REDIS_DB, socket_timeout=2).flushdb()"
}
pg "SELECT 1" 2>/dev/null || { echo "PostgreSQL is not answering on 127.0.0.1:5432 as postgres." >&2; exit 2; }
redis_flush 2>/dev/null || { echo "Redis is not answering on 127.0.0.1:6379." >&2; exit 2; }

# ---------------------------------------------------------------------------------------------
# Everything started below is stopped here, whatever happens.

WORK="$(mktemp -d "${TMPDIR:-/tmp}/liveblogs-scale-XXXXXX")"
PIDS=()
DB_MADE=""

stop() {  # stop <pid>: TERM, up to 10 s to finish, then KILL
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
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
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop "${PIDS[$i]}"; done
  [ -n "$DB_MADE" ] && pg "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  redis_flush 2>/dev/null
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/gunicorn-*.log "$WORK/worker.log" "$WORK/nginx/error.log"; do
      [ -s "$log" ] && { echo "--- last lines of $(basename "$log"):" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  if [ -n "${SCALE_KEEP:-}" ]; then echo "Logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# The shared services: PostgreSQL, Redis, the media storage.

export DJANGO_SETTINGS_MODULE=bench.settings  # newsroom.settings without collectstatic
export DJANGO_DEBUG=0
export DJANGO_HTTPS=0  # production settings over plain http on 127.0.0.1
DJANGO_SECRET_KEY="scale-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_MEDIA_ROOT="$WORK/media"
export DJANGO_PRIVATE_MEDIA_ROOT="$WORK/media-private"
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL="redis://127.0.0.1:6379/$REDIS_DB"
export DJANGO_TASKS_BACKEND=django_tasks_db.DatabaseBackend  # the production queue
export DJANGO_TRUSTED_PROXIES=1
unset DJANGO_S3_BUCKET DJANGO_S3_ENDPOINT_URL DJANGO_S3_CUSTOM_DOMAIN
mkdir -p "$DJANGO_MEDIA_ROOT" "$DJANGO_PRIVATE_MEDIA_ROOT"

pg "CREATE DATABASE $DB"
DB_MADE=1

STORAGE_LABEL="one media folder shared by both servers"
if "$PY" -c 'import moto.server, boto3' 2>/dev/null; then
  S3_PORT="$(free_port)"
  "$PY" -c "
import signal, time
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address='127.0.0.1', port=$S3_PORT)
server.start()
signal.signal(signal.SIGTERM, lambda *_: (server.stop(), exit(0)))
while True:
    time.sleep(1)
" >"$WORK/s3.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do answers "$S3_PORT" && break; sleep 0.1; done
  answers "$S3_PORT" || { echo "The local S3 server did not start:" >&2; cat "$WORK/s3.log" >&2; exit 1; }
  export DJANGO_S3_BUCKET=newsroom-scale DJANGO_S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT"
  export DJANGO_S3_REGION=us-east-1 DJANGO_S3_ACCESS_KEY_ID=scale DJANGO_S3_SECRET_ACCESS_KEY=scale
  "$PY" -c "
import boto3
boto3.client('s3', endpoint_url='$DJANGO_S3_ENDPOINT_URL', region_name='us-east-1',
             aws_access_key_id='scale', aws_secret_access_key='scale').create_bucket(Bucket='newsroom-scale')"
  STORAGE_LABEL="S3 (moto server on 127.0.0.1:$S3_PORT, bucket newsroom-scale)"
  # The settings read DJANGO_S3_* only where object storage is configured (django-storages).
  backend="$(cd "$ROOT" && "$PY" -c 'import django; django.setup()
from django.core.files.storage import storages
print(type(storages["liveblogs_private"]).__module__)')"
  [[ $backend == storages.* || $backend == liveblogs.s3 ]] ||
    STORAGE_LABEL="one media folder shared by both servers (moto runs, but these settings do not read DJANGO_S3_*)"
fi

echo "Building the live page (PostgreSQL database $DB, Redis database $REDIS_DB, $STORAGE_LABEL)..."
read -r PAGE_ID VERSION0 < <(cd "$ROOT" && "$PY" bench/scale.py setup | tail -n 1)
[ -n "${VERSION0:-}" ] || { echo "Building the page failed" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Two app servers, the worker, nginx in front.

PORT1="$(free_port)"
PORT2="$(free_port)"
[ "$PORT1" != "$PORT2" ] || PORT2="$(free_port)"
for n in 1 2; do
  port_var="PORT$n"
  (cd "$ROOT" && exec "$GUNICORN" -c deploy/gunicorn.conf.py --workers 2 --bind "127.0.0.1:${!port_var}" \
    --no-control-socket --access-logfile - >"$WORK/access-$n.log" 2>"$WORK/gunicorn-$n.log") &
  PIDS+=($!)
done
(cd "$ROOT" && exec "$PY" manage.py db_worker >"$WORK/worker.log" 2>&1) &
PIDS+=($!)
WORKER_PID=$!
for n in 1 2; do
  port_var="PORT$n"
  for _ in $(seq 150); do
    curl -fs -o /dev/null "http://127.0.0.1:${!port_var}/healthz" && break
    sleep 0.1
  done
  curl -fs -o "$WORK/healthz-$n.json" "http://127.0.0.1:${!port_var}/healthz" \
    || { echo "gunicorn $n did not start" >&2; exit 1; }
  echo "server $n: gunicorn on 127.0.0.1:${!port_var}, /healthz $(cat "$WORK/healthz-$n.json")"
done

NGX="$WORK/nginx"
mkdir -p "$NGX/cache" "$NGX/tmp"
NGINX_PORT="$(free_port)"
EDGE="http://127.0.0.1:$NGINX_PORT"
site="$NGX/liveblogs.conf"
cp "$ROOT/deploy/nginx-microcache.conf" "$site"
swap() {  # swap <text> <replacement>: a line of the deployed file must change
  grep -qF -- "$1" "$site" || { echo "deploy/nginx-microcache.conf no longer has '$1'; update bench/scale.sh" >&2; exit 1; }
  sed -i "s#$1#$2#g" "$site"
}
swap "/var/cache/nginx/liveblogs" "$NGX/cache"
swap "server 127.0.0.1:8000;" "server 127.0.0.1:$PORT1; server 127.0.0.1:$PORT2;"
swap "listen 80;" "listen 127.0.0.1:$NGINX_PORT;"
swap "/srv/newsroom/staticfiles/" "$WORK/static/"
swap "/srv/newsroom/media/" "$WORK/media/"
swap "/srv/newsroom/media-private/" "$WORK/media-private/"
temp_paths="client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;"
nginx_build="$("$NGINX" -V 2>&1 || true)"
for module in fastcgi uwsgi scgi; do
  [[ $nginx_build == *--without-http_${module}_module* ]] || temp_paths+=" ${module}_temp_path $NGX/tmp/$module;"
done
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
mime=""
[ -r /etc/nginx/mime.types ] && mime="include /etc/nginx/mime.types;"
cat >"$NGX/nginx.conf" <<EOF
$user_line
worker_processes 2;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 2048; }
http {
    $mime
    default_type application/octet-stream;
    log_format upstream '\$upstream_addr \$status \$upstream_cache_status "\$request"';
    access_log $NGX/access.log upstream;
    $temp_paths
    include $site;
}
EOF
"$NGINX" -t -q -p "$NGX" -c "$NGX/nginx.conf" 2>"$NGX/check.log" || { cat "$NGX/check.log" >&2; exit 1; }
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -g "daemon off;" 2>>"$NGX/error.log" &
PIDS+=($!)
for _ in $(seq 50); do answers "$NGINX_PORT" && break; sleep 0.1; done
answers "$NGINX_PORT" || { echo "nginx did not start:" >&2; cat "$NGX/error.log" >&2; exit 1; }
echo "nginx on $EDGE: round robin over both, micro-cache from deploy/nginx-microcache.conf"
echo "worker: manage.py db_worker (pid $WORKER_PID)"
echo

# ---------------------------------------------------------------------------------------------
# The run.

FAILED=0
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "${SCALE_KEEP:-}" ] && export SCALE_LOG="$WORK/polls.json"
(cd "$ROOT" && timeout $((SECONDS_ + 180)) "$PY" bench/scale.py run "$EDGE" "http://127.0.0.1:$PORT1" \
  "http://127.0.0.1:$PORT2" "$SECONDS_" "$POLLERS") || FAILED=1

# Both servers answered readers through nginx, and the worker is still up.
for n in 1 2; do
  port_var="PORT$n"
  count="$(grep -c "127.0.0.1:${!port_var} " "$NGX/access.log" || true)"
  if [ "$count" -gt 0 ]; then echo "PASS  nginx sent $count requests to server $n"; else
    echo "FAIL  nginx sent no request to server $n"; FAILED=1; fi
done
if kill -0 "$WORKER_PID" 2>/dev/null; then echo "PASS  the task worker ran throughout"; else
  echo "FAIL  the task worker stopped: $(tail -n 3 "$WORK/worker.log")"; FAILED=1; fi
tracebacks="$(cat "$WORK"/gunicorn-*.log "$WORK/worker.log" | grep -c Traceback || true)"
if [ "$tracebacks" -eq 0 ]; then echo "PASS  no traceback in the servers' or the worker's logs"; else
  echo "FAIL  $tracebacks tracebacks in the logs"; FAILED=1; fi

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
echo
echo "Scale test, $(date +%Y-%m-%d), $(nproc) cores${cpu:+ ($cpu)}; load average before $LOAD_BEFORE, after $(cut -d' ' -f1-3 /proc/loadavg)"
echo "2 x gunicorn $("$GUNICORN" --version 2>&1 | awk '{ print $NF }' | tr -d ')') (2 sync workers each), db_worker, nginx $("$NGINX" -v 2>&1 | awk -F/ '{ print $2 }'); $STORAGE_LABEL"
[ "$FAILED" -eq 0 ] && echo "PASS" || echo "FAIL"
exit "$FAILED"
