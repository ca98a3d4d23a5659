"""Reader pages at 10, 1,000 and 10,000 updates: median CPU and wall time, queries and bytes per
request, in three states measured side by side (interleaved):

- kept: what almost every request finds, the page's answer for its version kept in the cache;
- changed: the first request after a change (the page's version moved), made from the updates'
  kept HTML and structured data;
- cold: the cache emptied before each request (the first reader after a restart, or a site
  without a cache).

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
from liveblogs.models import LivePage, Update  # noqa: E402

SIZES = [10, 1_000, 10_000]
REQUESTS = 30


STATES = ["kept", "changed", "cold"]


def timed(client, path, state, page):
    if state == "changed":
        LivePage.objects.filter(pk=page.pk).bump_version()  # a change no update shows
    elif state == "cold":
        cache.clear()
        memo.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    return response, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(client, path, page):
    """The three states interleaved, so all see the same machine: median (CPU, wall) of each,
    and the queries and bytes of a kept and a changed request."""
    client.get(path)  # warm the template cache
    runs = {state: [] for state in STATES}
    for _ in range(REQUESTS):
        for state in STATES:
            response, wall, cpu = timed(client, path, state, page)
            assert response.status_code == 200, (path, response.status_code)
            runs[state].append((cpu, wall))
    counts = {}
    for state in ["changed", "kept"]:
        if state == "changed":
            LivePage.objects.filter(pk=page.pk).bump_version()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counts[state] = len(queries)
    medians = {
        state: tuple(statistics.median(run[which] for run in runs[state]) for which in (0, 1))
        for state in STATES
    }
    return medians, counts, len(response.content)


def main():
    call_command("migrate", verbosity=0)
    reporters, photos = make_reporters(), make_photos(4)
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"{'':24}{'CPU ms (wall ms)':^36}{'queries':^16}")
    print(f"{'updates':>8}  {'request':<14}" + "".join(f"{state:>12}" for state in STATES)
          + f"{'kept':>8}{'changed':>8} {'bytes':>9}")
    for size in SIZES:
        page = build_page(size, reporters, photos, bulk=size - 1)
        LivePage.objects.filter(pk=page.pk).bump_version()  # as if edited once since the import
        since = LivePage.objects.get(pk=page.pk).version
        # The newest update published as the desk does: a poll at the version before it gets it.
        Update.objects.create(live_page=page, headline="The newest", body="<p>Just in.</p>",
                              status="published")
        middle = Update.objects.filter(live_page=page).order_by("published_at", "pk")[size // 2]
        for label, path in [
            ("live page", page.get_absolute_url()),
            ("older (cursor)", f"{page.get_absolute_url()}?before={middle.cursor}"),
            ("key events", f"{page.get_absolute_url()}?key=1"),
            ("permalink", middle.get_absolute_url()),
            # The poll after one update: what readers' browsers ask after each publish.
            ("changes.json", f"{page.get_absolute_url()}changes.json?since={since}"),
            # A reader whose version the page no longer knows: the latest batch again, in full.
            ("changes (all)", f"{page.get_absolute_url()}changes.json?since=999999999"),
            ("archive", "/live/"),
        ]:
            medians, counts, size_bytes = measure(client, path, page)
            cells = "".join(f"{cpu:>5.1f} ({wall:>4.1f})" for cpu, wall in medians.values())
            print(f"{size:>8}  {label:<14}{cells}{counts['kept']:>8}{counts['changed']:>8}"
                  f" {size_bytes:>9,}")
    print(f"\n(median of {REQUESTS} requests in each state, the three interleaved; the archive"
          " lists every bench page made so far)")


if __name__ == "__main__":
    main()
