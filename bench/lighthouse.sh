#!/usr/bin/env bash
# Lighthouse's SEO and Best Practices scores of the archive, a live page and a recap, served with
# the production settings: gunicorn (2 workers) with WhiteNoise for the collected static files
# (compressed, hashed names), DJANGO_DEBUG=0, on plain http at 127.0.0.1 (DJANGO_HTTPS=0), the
# demo newsroom in a throwaway SQLite file. Uploads are served by bench/urls.py as the embedded
# setup serves them (production has nginx or object storage do it).
#
#   bench/lighthouse.sh        (from anywhere; about a minute a page)
#
# Lighthouse 12 comes from npm through npx (downloaded once into npm's cache; never part of
# `make test`) and drives Debian's /usr/bin/chromium. LIGHTHOUSE_PORT (8181) changes the port.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${LIGHTHOUSE_PORT:-8181}"
WORK="$(mktemp -d /tmp/liveblogs-lighthouse.XXXXXX)"
GUNICORN_PID=""
cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null && wait "$GUNICORN_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=bench.settings DJANGO_DEBUG=0 DJANGO_HTTPS=0 \
  DJANGO_SECRET_KEY=lighthouse-only-secret-key-not-used-anywhere-else-0123456789 \
  DATABASE_URL="sqlite:///$WORK/db.sqlite3" DJANGO_MEDIA_ROOT="$WORK/media" \
  DJANGO_ALLOWED_HOSTS=127.0.0.1
cd "$ROOT"
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py demo --force >/dev/null  # throwaway logins on 127.0.0.1 only
pages="$(.venv/bin/python manage.py shell -v0 -c "
from liveblogs.models import LivePage
print(LivePage.objects.filter(status='live').first().get_absolute_url(),
      LivePage.objects.filter(status='ended').first().get_absolute_url())")"
read -r LIVE RECAP <<<"$(tail -n1 <<<"$pages")"
.venv/bin/gunicorn newsroom.wsgi -b "127.0.0.1:$PORT" -w 2 --log-level warning &
GUNICORN_PID=$!
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/live/" && break; sleep 0.2; done

printf '%-44s %5s %14s\n' page seo best-practices
for path in /live/ "$LIVE" "$RECAP"; do
  out="$WORK/report.json"
  # From the throwaway folder: npx run inside the project (its package.json, node_modules)
  # exits without a word.
  (cd "$WORK" && npx --yes lighthouse@12 "http://127.0.0.1:$PORT$path" --quiet --output=json --output-path="$out" \
    --only-categories=seo,best-practices --chrome-path=/usr/bin/chromium \
    --chrome-flags="--headless=new --no-sandbox" >/dev/null 2>"$WORK/lighthouse.log") \
    || { cat "$WORK/lighthouse.log" >&2; exit 1; }
  .venv/bin/python - "$out" "$path" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
categories = report["categories"]
print(f"{sys.argv[2]:<44} {categories['seo']['score'] * 100:5.0f} {categories['best-practices']['score'] * 100:14.0f}")
for category in categories.values():
    for ref in category["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            print(f"    {category['id']}: {audit['id']}: {audit['title']}")
PY
done
