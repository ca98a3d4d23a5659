"""Reader pages at 10, 1,000 and 10,000 updates: median time, queries and bytes per request.

Run from the project root:  .venv/bin/python bench/reader_pages.py
It builds its own throwaway SQLite database and media folder; nothing of the project's is touched.
Requests go through Django's test client in this process (no network, no server), so the figures
are the application's own cost: views, queries, templates.
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
WORKDIR = Path(tempfile.mkdtemp(prefix="liveblogs-bench-"))
os.environ["DJANGO_MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = WORKDIR / "bench.sqlite3"
# Static files are not collected here; production serves them from WhiteNoise, not from views.
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.content import build_page, make_photos, make_reporters  # noqa: E402
from liveblogs.models import Update  # noqa: E402

SIZES = [10, 1_000, 10_000]
REQUESTS = 30


def measure(client, path):
    client.get(path)  # warm the template cache
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200, (path, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return statistics.median(timings), len(queries), len(response.content)


def main():
    call_command("migrate", verbosity=0)
    reporters, photos = make_reporters(), make_photos(4)
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"{'updates':>8}  {'page':<13} {'median ms':>9} {'queries':>7} {'HTML bytes':>10}")
    for size in SIZES:
        page = build_page(size, reporters, photos)
        for label, path in [
            ("live page", page.get_absolute_url()),
            ("older (cursor)", f"{page.get_absolute_url()}?before={Update.objects.filter(live_page=page).order_by('published_at', 'pk')[size // 2].cursor}"),
            ("key events", f"{page.get_absolute_url()}?key=1"),
            ("archive", "/live/"),
        ]:
            ms, queries, size_bytes = measure(client, path)
            print(f"{size:>8}  {label:<14}{ms:>9.1f} {queries:>7} {size_bytes:>10,}")
    print(f"\n(median of {REQUESTS} requests each; the archive lists every bench page made so far)")


if __name__ == "__main__":
    main()
