#!/usr/bin/env bash
# The polling endpoint (/live/<slug>/changes.json?since=<version>) behind gunicorn, and behind the
# nginx micro-cache of deploy/nginx-microcache.conf: requests/s and p99 latency, and checks that the
# cache does what README.md says (HIT, pass-through for editors, a new update visible within ~6 s).
#
#   bench/live_polling.sh       (from anywhere; about two minutes)
#
# BENCH_APP_PORT, BENCH_NGINX_PORT and BENCH_REDIS_DB (9) choose ports and a Redis database for a
# shared machine. Each figure is the median of BENCH_ROUNDS (3) wrk runs of BENCH_DURATION (5s), the rows of one
# page size taken in turn, so that a neighbour's burst of CPU on a shared machine hits the poll and
# its /hello/ ceiling alike rather than one of them.
#
# It needs wrk, ab (apache2-utils) and nginx, and the project's .venv (`make run` or
# `pip install -e ".[site,test]"`). It makes its own throwaway database (PostgreSQL on
# 127.0.0.1:5432 when it answers, else SQLite), uses Redis on 127.0.0.1:6379 when it answers, talks
# to 127.0.0.1 only, and stops and removes everything it started on exit. Prints PASS/FAIL per
# check and exits non-zero on any FAIL. The throughput targets are reported, not enforced: they
# depend on the machine.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
NGINX_CONF_SRC="$ROOT/deploy/nginx-microcache.conf"
DURATION="${BENCH_DURATION:-5s}"
ROUNDS="${BENCH_ROUNDS:-3}"
WRK_ARGS=(-t2 -c32 -d"$DURATION" --latency)
WRK_PREFIX=(env)  # `taskset -c 0` for the pinned rows
SIZES=(10 10000)

# ---------------------------------------------------------------------------------------------
# Tools

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v ab >/dev/null || missing+=(apache2-utils)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing: ${missing[*]}. On Debian or Ubuntu:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 2
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if [ ! -x "$PY" ] || [ ! -x "$GUNICORN" ]; then
  echo "No $ROOT/.venv with gunicorn: run  make run  or  pip install -e \".[site,test]\"  first." >&2
  exit 2
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# ---------------------------------------------------------------------------------------------
# Everything started below is stopped here, whatever happens.

WORK="$(mktemp -d "${TMPDIR:-/tmp}/liveblogs-polling-XXXXXX")"
GUNICORN_PID=""
NGINX_PID=""
PG_DB=""

# shellcheck disable=SC2317  # stop and cleanup run from the EXIT trap
stop() {  # stop <pid>: TERM, up to 5 s to finish, then KILL
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

pg() {  # pg <SQL>: run one statement on the server's maintenance database
  "$PY" - "$1" <<'EOF'
import sys, psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3) as conn:
    conn.execute(sys.argv[1])
EOF
}

# shellcheck disable=SC2317
cleanup() {
  local status=$?
  set +e
  [ -n "$NGINX_PID" ] && stop "$NGINX_PID"
  [ -n "$GUNICORN_PID" ] && stop "$GUNICORN_PID"
  [ -n "$PG_DB" ] && pg "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)"
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# A throwaway site: database, media, settings (bench.settings adds the bare /hello/ view).

export DJANGO_SETTINGS_MODULE=bench.settings
export DJANGO_DEBUG=0
export DJANGO_HTTPS=0  # production settings over plain http on 127.0.0.1
DJANGO_SECRET_KEY="bench-only-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_MEDIA_ROOT="$WORK/media"
unset DATABASE_URL REDIS_URL

if answers 5432 && pg "SELECT 1" 2>/dev/null; then
  PG_DB="liveblogs_bench_$$"
  pg "CREATE DATABASE $PG_DB"
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB"
  DB_LABEL="PostgreSQL"
else
  export DATABASE_URL="sqlite:///$WORK/bench.sqlite3"
  DB_LABEL="SQLite"
fi
# A database number of its own: the bench's keys never meet the test suite's (CI uses /1).
if answers 6379 && "$PY" -c 'import redis; redis.Redis(host="127.0.0.1", socket_timeout=2).ping()' 2>/dev/null; then
  export REDIS_URL="redis://127.0.0.1:6379/${BENCH_REDIS_DB:-9}"
  CACHE_LABEL="Redis"
else
  CACHE_LABEL="local-memory cache (no Redis)"
fi

echo "Building live pages with ${SIZES[*]} published updates ($DB_LABEL, $CACHE_LABEL)..."
declare -A VERSION
while read -r slug version; do
  VERSION[$slug]="$version"
done < <(cd "$ROOT" && "$PY" bench/live_polling_pages.py "${SIZES[@]}")
for size in "${SIZES[@]}"; do
  [ -n "${VERSION[bench-$size]:-}" ] || { echo "Building bench-$size failed" >&2; exit 1; }
done

# ---------------------------------------------------------------------------------------------
# gunicorn newsroom.wsgi, as in production: 2 workers of the default (sync) class.

APP_PORT="${BENCH_APP_PORT:-$(free_port)}"
APP="http://127.0.0.1:$APP_PORT"
# Recent gunicorn opens a control socket in ~/.gunicorn by default; two servers would share it.
no_control=()
gunicorn_help="$("$GUNICORN" --help 2>&1 || true)"
[[ $gunicorn_help == *--no-control-socket* ]] && no_control=(--no-control-socket)
(cd "$ROOT" && exec "$GUNICORN" newsroom.wsgi --workers 2 --worker-class sync \
  --bind "127.0.0.1:$APP_PORT" --error-logfile "$WORK/gunicorn.log" --log-level warning \
  "${no_control[@]}") &
GUNICORN_PID=$!
for _ in $(seq 100); do
  curl -fs -o /dev/null "$APP/hello/" && break
  kill -0 "$GUNICORN_PID" 2>/dev/null || break
  sleep 0.1
done
curl -fs -o /dev/null "$APP/hello/" || { echo "gunicorn did not start:" >&2; cat "$WORK/gunicorn.log" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# nginx: deploy/nginx-microcache.conf as documented, with this run's ports and folders swapped in
# for its EDIT lines, inside a minimal nginx.conf.

NGX="$WORK/nginx"
mkdir -p "$NGX/cache" "$NGX/tmp" "$WORK/static/liveblogs"
NGINX_PORT="${BENCH_NGINX_PORT:-$(free_port)}"
EDGE="http://127.0.0.1:$NGINX_PORT"
site="$NGX/liveblogs.conf"
cp "$NGINX_CONF_SRC" "$site"
swap() {  # swap <text> <replacement>: exactly one line of the deployed file must change
  local count
  count="$(grep -cF -- "$1" "$site" || true)"
  [ "$count" -ge 1 ] || { echo "deploy/nginx-microcache.conf no longer has '$1'; update bench/live_polling.sh" >&2; exit 1; }
  sed -i "s#$1#$2#g" "$site"
}
swap "/var/cache/nginx/liveblogs" "$NGX/cache"
swap "server 127.0.0.1:8000;" "server 127.0.0.1:$APP_PORT;"
swap "listen 80;" "listen 127.0.0.1:$NGINX_PORT;"
swap "/srv/newsroom/staticfiles/" "$WORK/static/"
swap "/srv/newsroom/media/" "$WORK/media/"
swap "/srv/newsroom/media-private/" "$WORK/media-private/"
temp_paths="client_body_temp_path $NGX/tmp/body; proxy_temp_path $NGX/tmp/proxy;"
nginx_build="$("$NGINX" -V 2>&1 || true)"
for module in fastcgi uwsgi scgi; do
  [[ $nginx_build == *--without-http_${module}_module* ]] ||
    temp_paths+=" ${module}_temp_path $NGX/tmp/$module;"
done
# Run as root, nginx would hand its workers to "nobody", who cannot read this private folder.
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
mime=""
[ -r /etc/nginx/mime.types ] && mime="include /etc/nginx/mime.types;"
cat >"$NGX/nginx.conf" <<EOF
$user_line
worker_processes auto;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
    $mime
    default_type application/octet-stream;
    access_log off;
    $temp_paths
    include $site;
}
EOF
"$NGINX" -t -q -p "$NGX" -c "$NGX/nginx.conf" 2>"$NGX/check.log" || { cat "$NGX/check.log" >&2; exit 1; }
"$NGINX" -p "$NGX" -c "$NGX/nginx.conf" -g "daemon off;" 2>>"$NGX/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do
  answers "$NGINX_PORT" && break
  sleep 0.1
done
answers "$NGINX_PORT" || { echo "nginx did not start:" >&2; cat "$NGX/error.log" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Checks: PASS/FAIL lines; any FAIL makes the exit status 1.

FAILED=0
check() {  # check <description> <command...>
  local what="$1"
  shift
  if "$@"; then
    echo "PASS  $what"
  else
    echo "FAIL  $what"
    FAILED=1
  fi
}
header() {  # header <file> <name>: the value of one response header
  awk -v name="$2" 'BEGIN { IGNORECASE = 1 } tolower($1) == tolower(name) ":" {
    sub(/^[^:]*:[ \t]*/, ""); sub(/\r$/, ""); print; exit }' "$1"
}
status_of() { awk 'NR == 1 { print $2 }' "$1"; }
poll_url() {  # poll_url <size>: the poll that asks for the page's newest update only
  local version="${VERSION[bench-$1]}"
  echo "/live/bench-$1/changes.json?since=$((version - 1))"
}
json() {  # json <file> <python expression on the parsed body d>; "?" if it is not JSON
  "$PY" -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(eval(sys.argv[2]))
except Exception:
    print("?")' "$1" "$2"
}
fetch() {  # fetch <name> <url> [curl args]: headers to $WORK/<name>.h, body to $WORK/<name>.b
  local name="$1" url="$2"
  shift 2
  curl -s -D "$WORK/$name.h" -o "$WORK/$name.b" "$@" "$url"
}

echo
echo "Origin (gunicorn on 127.0.0.1:$APP_PORT):"
declare -A ETAG ETAG_GZ
for size in "${SIZES[@]}"; do
  fetch full "$APP$(poll_url "$size")"
  ETAG[$size]="$(header "$WORK/full.h" ETag)"
  check "$size updates: full poll is 200 with exactly the one changed update" \
    [ "$(status_of "$WORK/full.h")" = 200 -a "$(json "$WORK/full.b" 'len(d["updates"])')" = 1 \
    -a "$(json "$WORK/full.b" 'd["version"]')" = "${VERSION[bench-$size]}" ]
  fetch notmod "$APP$(poll_url "$size")" -H "If-None-Match: ${ETAG[$size]}"
  check "$size updates: same poll with If-None-Match ${ETAG[$size]} is 304" \
    [ "$(status_of "$WORK/notmod.h")" = 304 ]
  # The gzip answer is made once per version and has an ETag of its own.
  fetch fullgz "$APP$(poll_url "$size")" -H "Accept-Encoding: gzip"
  ETAG_GZ[$size]="$(header "$WORK/fullgz.h" ETag)"
  check "$size updates: gzip poll is gzip ($(header "$WORK/fullgz.h" Content-Encoding)), ETag ${ETAG_GZ[$size]}" \
    [ "$(header "$WORK/fullgz.h" Content-Encoding)" = gzip ]
done
check "poll is cacheable by anyone: Cache-Control $(header "$WORK/full.h" Cache-Control)" \
  grep -qiE '^cache-control:.*public.*max-age=5' "$WORK/full.h"
# shellcheck disable=SC2016  # $1 is for the inner bash
check "poll sets no cookie and does not vary on Cookie" \
  bash -c '! grep -qiE "^set-cookie:|^vary:.*cookie" "$1"' _ "$WORK/full.h"

echo
echo "nginx micro-cache (127.0.0.1:$NGINX_PORT, deploy/nginx-microcache.conf):"
URL10="$EDGE$(poll_url 10)"
fetch edge1 "$URL10"
fetch edge2 "$URL10"
check "first request is a MISS ($(header "$WORK/edge1.h" X-Cache-Status)), the next a HIT ($(header "$WORK/edge2.h" X-Cache-Status))" \
  [ "$(header "$WORK/edge1.h" X-Cache-Status)" = MISS -a "$(header "$WORK/edge2.h" X-Cache-Status)" = HIT ]
fetch edge304 "$URL10" -H "If-None-Match: $(header "$WORK/edge2.h" ETag)"
check "If-None-Match is answered 304 from the cache ($(header "$WORK/edge304.h" X-Cache-Status))" \
  [ "$(status_of "$WORK/edge304.h")" = 304 -a "$(header "$WORK/edge304.h" X-Cache-Status)" = HIT ]
fetch edgegz "$URL10" -H "Accept-Encoding: gzip"
check "JSON is gzipped for readers who accept it (Content-Encoding: $(header "$WORK/edgegz.h" Content-Encoding))" \
  [ "$(header "$WORK/edgegz.h" Content-Encoding)" = gzip ]
fetch edgecookie "$URL10" -H "Cookie: sessionid=bench"
check "a signed-in editor (sessionid cookie) bypasses the cache ($(header "$WORK/edgecookie.h" X-Cache-Status))" \
  [ "$(header "$WORK/edgecookie.h" X-Cache-Status)" = BYPASS ]
fetch edgeadmin "$EDGE/admin/login/"
check "/admin/ goes straight to the app (status $(status_of "$WORK/edgeadmin.h"), $(header "$WORK/edgeadmin.h" X-Cache-Status))" \
  [ "$(status_of "$WORK/edgeadmin.h")" = 200 -a "$(header "$WORK/edgeadmin.h" X-Cache-Status)" = BYPASS ]
printf 'body{}\n' >"$WORK/static/liveblogs/bench.0123456789ab.css"
fetch edgestatic "$EDGE/static/liveblogs/bench.0123456789ab.css"
check "hashed static file served from disk, immutable ($(header "$WORK/edgestatic.h" Cache-Control))" \
  [ "$(status_of "$WORK/edgestatic.h")" = 200 -a \
    "$(header "$WORK/edgestatic.h" Cache-Control)" = "public, max-age=31536000, immutable" ]

if [ "$FAILED" -ne 0 ]; then
  echo "Some checks failed; not measuring." >&2
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# Measurements. Every run sends Accept-Encoding: gzip, as browsers do.

declare -A RPS P99 RPS_RUNS P99_RUNS
measure() {  # measure <key> <expected status> <url> [headers as -H "...", for curl and wrk]
  local key="$1" expected="$2" url="$3"
  shift 3
  local out="$WORK/wrk-$key.txt" status
  # wrk counts any 2xx or 3xx as success: make sure this URL answers what the row claims.
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Accept-Encoding: gzip" "$@" "$url")"
  if [ "$status" != "$expected" ]; then
    echo "FAIL  $key: $url answered $status, not $expected"
    FAILED=1
  fi
  "${WRK_PREFIX[@]}" wrk "${WRK_ARGS[@]}" -H "Accept-Encoding: gzip" "$@" "$url" >"$out"
  # Any error answer spoils the row. A few socket timeouts when the machine is busy do not; more
  # than one request in a thousand does.
  if grep -q "Non-2xx or 3xx responses" "$out" || awk '/ requests in / { total = $1 }
      /Socket errors/ { gsub(/,/, ""); errors = $4 + $6 + $8 + $10 }
      END { exit !(errors * 1000 > total) }' "$out"; then
    echo "FAIL  wrk $key: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' ')"
    FAILED=1
  elif grep -q "Socket errors" "$out"; then
    echo "note  wrk $key: $(grep -E 'requests in|Socket errors' "$out" | tr -s ' ' | paste -sd ';')"
  fi
  local rps p99
  rps="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
  p99="$(awk '$1 == "99%" {
    v = $2; unit = v; gsub(/[0-9.]/, "", unit); sub(/[a-z]+$/, "", v)
    print (unit == "us" ? v / 1000 : unit == "s" ? v * 1000 : unit == "m" ? v * 60000 : v) }' "$out")"
  RPS_RUNS[$key]+="$rps "
  P99_RUNS[$key]+="$p99 "
  printf '  %-12s %10.1f req/s  p99 %8.1f ms\n' "$key" "$rps" "$p99"
}
median() {  # median <numbers separated by spaces>
  # shellcheck disable=SC2086  # one word per number
  printf '%s\n' $1 | sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

echo
echo "Measuring: $ROUNDS rounds of wrk ${WRK_ARGS[*]} per row..."
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for size in "${SIZES[@]}"; do
  for _ in $(seq "$ROUNDS"); do
    measure "full-$size" 200 "$APP$(poll_url "$size")"
    measure "304-$size" 304 "$APP$(poll_url "$size")" -H "If-None-Match: ${ETAG_GZ[$size]}"
    measure "hello-$size" 200 "$APP/hello/"
  done
done
BIG="${SIZES[-1]}"
curl -s -o /dev/null "$EDGE$(poll_url "$BIG")"  # fill the cache
STATIC_FILE="$EDGE/static/liveblogs/bench.0123456789ab.css"
for _ in $(seq "$ROUNDS"); do
  measure "nginx-$BIG" 200 "$EDGE$(poll_url "$BIG")"
  # What nginx and wrk can do on this machine at all: a 7-byte file from disk, no cache, no app.
  measure "ceiling" 200 "$STATIC_FILE"
  # wrk on one core (one thread), leaving the other to nginx, where taskset exists.
  if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    WRK_PREFIX=(taskset -c 0) WRK_ARGS=(-t1 -c32 -d"$DURATION" --latency)
    measure "nginx-pinned" 200 "$EDGE$(poll_url "$BIG")"
    measure "ceiling-pinned" 200 "$STATIC_FILE"
    WRK_PREFIX=(env) WRK_ARGS=(-t2 -c32 -d"$DURATION" --latency)
  fi
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
for key in "${!RPS_RUNS[@]}"; do
  RPS[$key]="$(median "${RPS_RUNS[$key]}")"
  P99[$key]="$(median "${P99_RUNS[$key]}")"
done
# ab counts a 304 as "Non-2xx"; what matters is that none failed.
ab -q -n 2000 -c 16 -H "Accept-Encoding: gzip" -H "If-None-Match: ${ETAG_GZ[$BIG]}" \
  "$APP$(poll_url "$BIG")" >"$WORK/ab.txt" 2>&1 || true
AB_RPS="$(awk '/^Requests per second:/ { print $4 }' "$WORK/ab.txt")"
AB_P99="$(awk '$1 == "99%" { print $2 }' "$WORK/ab.txt")"
AB_FAILED="$(awk '/^Failed requests:/ { print $3 }' "$WORK/ab.txt")"
AB_304="$(awk '/^Non-2xx responses:/ { print $3 }' "$WORK/ab.txt")"
if [ "${AB_FAILED:-x}" != 0 ] || [ "${AB_304:-0}" != 2000 ]; then
  echo "FAIL  ab: ${AB_FAILED:-?} failed, ${AB_304:-0} of 2000 answered 304"
  FAILED=1
fi

# ---------------------------------------------------------------------------------------------
# Last (it changes the data measured): a new update, published the way the admin publishes
# (Update.save moves the page's version), must reach readers through the cache once the cached
# answer's 5 s are up.
fetch before "$URL10"
old_version="$(json "$WORK/before.b" 'd["version"]')"
new_version="$(cd "$ROOT" && "$PY" manage.py shell -v 0 -c 'from liveblogs.models import LivePage, Update; page = LivePage.objects.get(slug="bench-10"); Update(live_page=page, headline="Published during the bench", body="<p>New.</p>", status="published").save(); page.refresh_from_db(); print(page.version)' | tail -n 1)"
published_at="$EPOCHREALTIME"
# The bound: the 5 s of max-age, plus up to 1 s because nginx keeps expiry times in whole seconds;
# the first reader after that gets the old answer while nginx refreshes it, the next the new one.
# Hence 6 s, and half a second for this loop's own pace. Without Redis each app process may keep
# the page's old version up to STATE_CACHE_SECONDS (5) more.
limit=6.5
[ -n "${REDIS_URL:-}" ] || limit=11.5
seen="never"
for _ in $(seq 200); do  # every ~0.15 s, for up to 20 s
  fetch after "$URL10"
  elapsed="$(awk -v a="$published_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  if [ "$(json "$WORK/after.b" 'd["version"]')" = "$new_version" ]; then
    seen="after $elapsed s"
    break
  fi
  awk -v e="$elapsed" 'BEGIN { exit !(e > 20) }' && break
  sleep 0.1
done
check "an update published in the database (version $old_version -> $new_version) is served through nginx $seen (limit $limit s)" \
  awk -v s="${elapsed}" -v l="$limit" -v seen="$seen" 'BEGIN { exit !(seen != "never" && s <= l) }'

# ---------------------------------------------------------------------------------------------
# Report

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
echo
echo "Polling benchmark, $(date +%Y-%m-%d), $(nproc) cores${cpu:+ ($cpu)}"
echo "gunicorn $("$GUNICORN" --version 2>&1 | awk '{ print $NF }' | tr -d ')'), 2 sync workers; $DB_LABEL; $CACHE_LABEL;" \
  "$("$NGINX" -v 2>&1 | sed 's/.*: //')"
echo "wrk ${WRK_ARGS[*]} with Accept-Encoding: gzip on the same machine; median of $ROUNDS runs per row"
echo "load average before measuring $LOAD_BEFORE, after $LOAD_AFTER"
echo
printf '| %-8s | %-44s | %9s | %10s |\n' updates request req/s "p99 ms"
printf '| %-8s | %-44s | %9s | %10s |\n' -------: -------------------------------------------- --------: ---------:
thousands() { echo "$1" | sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta'; }
row() { printf '| %8s | %-44s | %9.0f | %10.1f |\n' "$1" "$2" "${RPS[$3]}" "${P99[$3]}"; }
for size in "${SIZES[@]}"; do
  label="$(thousands "$size")"
  row "$label" "full poll, one changed update (200)" "full-$size"
  row "$label" "same poll with If-None-Match (304)" "304-$size"
  row "$label" "bare /hello/ view (the server's ceiling)" "hello-$size"
done
row "$(thousands "$BIG")" "full poll via the nginx micro-cache (HIT)" "nginx-$BIG"
row "" "a 7-byte static file from nginx (ceiling)" "ceiling"
if [ -n "${RPS[nginx-pinned]:-}" ]; then
  row "$(thousands "$BIG")" "micro-cache HIT, wrk -t1 pinned to core 0" "nginx-pinned"
  row "" "static file, wrk -t1 pinned to core 0" "ceiling-pinned"
fi
printf '| %8s | %-44s | %9.0f | %10s |\n' "$(thousands "$BIG")" "304 poll, ab -n 2000 -c 16 (cross-check)" "$AB_RPS" "$AB_P99"
echo

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "met" : "NOT met") }'; }
for size in "${SIZES[@]}"; do
  r="$(ratio "${RPS[full-$size]}" "${RPS[hello-$size]}")"
  echo "poll/hello at $size updates:  $r (target >= 0.85: $(verdict "$r" 0.85))"
  r="$(ratio "${RPS[304-$size]}" "${RPS[hello-$size]}")"
  echo "304/hello at $size updates:   $r (target >= 0.85: $(verdict "$r" 0.85))"
done
r="$(ratio "${RPS[nginx-$BIG]}" "${RPS[full-$BIG]}")"
echo "nginx-cached/origin full poll at $BIG updates: ${r}x (target >= 40x: $(verdict "$r" 40))"
echo "nginx-cached/static file (how near the cache is to what nginx and wrk do here at all):" \
  "$(ratio "${RPS[nginx-$BIG]}" "${RPS[ceiling]}")"
if [ -n "${RPS[nginx-pinned]:-}" ]; then
  r="$(ratio "${RPS[nginx-pinned]}" "${RPS[full-$BIG]}")"
  echo "pinned: nginx-cached/origin ${r}x, nginx-cached/static file" \
    "$(ratio "${RPS[nginx-pinned]}" "${RPS[ceiling-pinned]}")"
fi

exit "$FAILED"
