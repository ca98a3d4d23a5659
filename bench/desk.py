"""The live desk's weight: what an editor's browser fetches to open it, first and on a repeat visit.

Run from the project root:  .venv/bin/python bench/desk.py

The demo is loaded into a throwaway SQLite database; the desk of its live page is fetched as its
editor, then every stylesheet and script it names (following ES module imports), each read from
the static files and gzipped (level 6, about what WhiteNoise and nginx send). On a repeat visit the
static files come from the browser's cache (WhiteNoise serves them with hashed names for ten
years), so only the page itself travels, and then one poll every few seconds.
"""

import gzip
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="liveblogs-bench-desk-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="newsroom.settings", DJANGO_DEBUG="1",
    DATABASE_URL=f"sqlite:///{WORK / 'db.sqlite3'}", DJANGO_MEDIA_ROOT=str(WORK / "media"),
)


def main():
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.test import Client

    from liveblogs.models import LivePage

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0, stdout=io.StringIO())
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="editor"))
    page = LivePage.objects.filter(status="live").first()
    html = client.get(f"/admin/liveblogs/livepage/{page.pk}/desk/").content
    poll = client.get(f"/admin/liveblogs/livepage/{page.pk}/desk/changes.json",
                      # A poll a minute after the demo was written: nothing new.
                      {"since": time.time() + 60, "key_points": page.key_points_version}).content

    def static_path(url):
        return url.split("/static/", 1)[1].split("?")[0]

    assets, queue = {}, re.findall(rb"(?:href|src)=\"(/static/[^\"]+\.(?:css|js))\"", html)
    while queue:
        name = static_path(queue.pop().decode())
        if name in assets:
            continue
        found = finders.find(name)
        data = Path(found).read_bytes()
        assets[name] = data
        if name.endswith(".js"):  # ES module imports, relative to the importing file
            for imported in re.findall(rb'(?:import|from)\s*["\'](\.[^"\']+)["\']', data):
                target = os.path.normpath(os.path.join(os.path.dirname(name), imported.decode()))
                queue.append(f"/static/{target}".encode())

    def size(data):
        return len(data), len(gzip.compress(data, 6))

    rows = [("the desk's HTML", *size(html))]
    for kind in ("css", "js"):
        raw = sum(size(d)[0] for n, d in assets.items() if n.endswith(kind))
        packed = sum(size(d)[1] for n, d in assets.items() if n.endswith(kind))
        count = sum(1 for n in assets if n.endswith(kind))
        rows.append((f"{count} {kind.upper()} files", raw, packed))
    first = sum(r[2] for r in rows)
    print(f"{'what':<28} {'bytes':>10} {'gzipped':>10}")
    for what, raw, packed in rows:
        print(f"{what:<28} {raw:>10,} {packed:>10,}")
    print(f"{'first visit, in all':<28} {sum(r[1] for r in rows):>10,} {first:>10,}")
    print(f"{'repeat visit (HTML only)':<28} {rows[0][1]:>10,} {rows[0][2]:>10,}")
    print(f"{'one poll, nothing new':<28} {len(poll):>10,} {len(gzip.compress(poll, 6)):>10,}")
    for who, prefix in (("ours", "liveblogs/"), ("django-prose-editor's", "django_prose_editor/"),
                        ("Django admin's", "admin/")):
        names = [n for n in sorted(assets) if n.startswith(prefix)]
        packed = sum(size(assets[n])[1] for n in names)
        print(f"\nOf the static files, {who}: {packed:,} bytes gzipped in {len(names)} files")
        print("  " + ", ".join(names))


if __name__ == "__main__":
    main()
