"""Reader pages at 10, 1,000 and 10,000 updates: median CPU and wall time, queries and bytes per
request, with the updates' HTML kept (warm: what almost every request finds) and with the cache
emptied before each request (cold: the first reader after a change, or a site without a cache).

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

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.content import build_page, make_photos, make_reporters  # noqa: E402
from liveblogs import memo  # noqa: E402
from liveblogs.models import Update  # noqa: E402

SIZES = [10, 1_000, 10_000]
REQUESTS = 30


def timed(client, path, cold):
    if cold:
        cache.clear()
        memo.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    return response, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(client, path):
    """Warm and cold requests interleaved, so both see the same machine."""
    client.get(path)  # warm the template cache
    runs = {True: [], False: []}
    for _ in range(REQUESTS):
        for cold in (False, True):
            response, wall, cpu = timed(client, path, cold)
            assert response.status_code == 200, (path, response.status_code)
            runs[cold].append((cpu, wall))
    with CaptureQueriesContext(connection) as queries:
        client.get(path)

    def median(cold, which):
        return statistics.median(run[which] for run in runs[cold])

    return (median(False, 0), median(False, 1), median(True, 0), median(True, 1), len(queries),
            len(response.content))


def main():
    call_command("migrate", verbosity=0)
    reporters, photos = make_reporters(), make_photos(4)
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"{'updates':>8}  {'page':<14}{'CPU ms':>7} {'wall ms':>7} {'cold CPU':>8} "
          f"{'cold wall':>9} {'queries':>7} {'HTML bytes':>10}")
    for size in SIZES:
        page = build_page(size, reporters, photos)
        middle = Update.objects.filter(live_page=page).order_by("published_at", "pk")[size // 2]
        for label, path in [
            ("live page", page.get_absolute_url()),
            ("older (cursor)", f"{page.get_absolute_url()}?before={middle.cursor}"),
            ("key events", f"{page.get_absolute_url()}?key=1"),
            # A reader whose version the page no longer knows: the latest batch again, in full.
            ("changes.json", f"{page.get_absolute_url()}changes.json?since={page.version + 1}"),
            ("archive", "/live/"),
        ]:
            cpu, wall, cold_cpu, cold_wall, queries, size_bytes = measure(client, path)
            print(f"{size:>8}  {label:<14}{cpu:>7.1f} {wall:>7.1f} {cold_cpu:>8.1f} "
                  f"{cold_wall:>9.1f} {queries:>7} {size_bytes:>10,}")
    print(f"\n(median of {REQUESTS} requests each, warm and cold interleaved; queries are a warm"
          " request's; the archive lists every bench page made so far)")


if __name__ == "__main__":
    main()
