"""The archive and the other lists of page cards at 1,000 and 111,000 published updates: median
CPU and wall time, queries and bytes of ``/live/``, its second page, ``/`` and a series page.

Run from the project root:
    .venv/bin/python bench/archive.py                      # SQLite, a throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/archive.py
The PostgreSQL run makes a throwaway database beside the one named (``test_<name>``) and drops it.
Requests go through Django's test client in this process: the application's own cost.

A card shows its page's number of published updates; counting them for every public page before
the newest twelve are chosen would make the archive cost what the whole newsroom has published.
The figures should not move between the two sizes.
"""

import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_HTTPS", "0")
WORKDIR = Path(tempfile.mkdtemp(prefix="liveblogs-bench-archive-"))
os.environ["DJANGO_MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not os.environ.get("DATABASE_URL"):
    settings.DATABASES["default"]["TEST"] = {"NAME": str(WORKDIR / "bench.sqlite3")}
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from liveblogs.models import LivePage, Series, Update  # noqa: E402

PAGES = 100
STEPS = [10, 1_110]  # published updates per page: 1,000 then 111,000 in all
REQUESTS = 30


def add_updates(pages, per_page):
    now = timezone.now()
    for page in pages:
        Update.objects.bulk_create(
            Update(live_page=page, headline=f"Update {n}", body="<p>Words.</p>",
                   status="published", published_at=now - timedelta(minutes=n))
            for n in range(per_page)
        )


def measure(client, path):
    """Warm (each page's update count kept for its version: what almost every request finds)
    and cold (the cache emptied first) requests interleaved; medians of CPU, wall and SQL ms."""
    client.get(path)  # warm the template cache
    runs = {False: [], True: []}
    for _ in range(REQUESTS):
        for cold in (False, True):
            if cold:
                cache.clear()
            spent = []

            def timed(execute, sql, params, many, context):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent.append(time.perf_counter() - started)

            with connection.execute_wrapper(timed):
                wall, cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                wall = (time.perf_counter() - wall) * 1000
                cpu = (time.process_time() - cpu) * 1000
            assert response.status_code == 200, (path, response.status_code)
            runs[cold].append((cpu, wall, sum(spent) * 1000))
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    medians = [statistics.median(run[n] for run in runs[cold]) for cold in (False, True) for n in range(3)]
    return (*medians, len(queries), len(response.content))


def main():
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(f"Archive benchmark on {connection.vendor}, {PAGES} public pages, median of"
              f" {REQUESTS} requests each (SQL ms: time in the driver's execute, which on SQLite leaves out fetching the rows; warm: update counts kept; cold: cache emptied; queries: warm);"
              f" load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        series = Series.objects.create(name="Bench series", slug="bench-series")
        pages = [
            LivePage.objects.create(
                title=f"Bench page {p}", slug=f"bench-{p}", series=series if p % 2 else None,
                status="live" if p % 10 == 0 else "ended", standfirst="A page for measuring.",
                coverage_start=timezone.now() - timedelta(days=p),
            )
            for p in range(PAGES)
        ]
        client = Client(HTTP_HOST="127.0.0.1")
        print(f"{'updates':>8}  {'list':<16}{'CPU ms':>7} {'wall ms':>8} {'SQL ms':>7}"
              f" {'cold CPU':>8} {'wall':>6} {'SQL':>6} {'queries':>7} {'bytes':>8}")
        per_page = 0
        for step in STEPS:
            add_updates(pages, step - per_page)
            per_page = step
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE liveblogs_update")
            total = PAGES * per_page
            for label, path in [
                ("archive", "/live/"),
                ("archive page 2", "/live/?page=2"),
                ("archive, recaps", "/live/?status=ended"),
                ("home", "/"),
                ("series", "/series/bench-series/"),
            ]:
                cpu, wall, sql, cold_cpu, cold_wall, cold_sql, queries, size = measure(client, path)
                print(f"{total:>8}  {label:<16}{cpu:>7.1f} {wall:>8.1f} {sql:>7.1f}"
                      f" {cold_cpu:>8.1f} {cold_wall:>6.1f} {cold_sql:>6.1f} {queries:>7} {size:>8,}")
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
