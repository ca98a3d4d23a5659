"""What publishing an update spends keeping the public storage in step with what readers see,
before and after, interleaved in one run: ``Photo.objects.sync_public`` for the update's page
(before: its photos, and every photo shown anywhere to tell which are still shown) against
``sync_public_for`` (after: the update's own photos and video poster, checked with EXISTS).

Run from the project root:
    .venv/bin/python bench/publish_photos.py                      # SQLite, a throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/publish_photos.py
A newsroom of 200 pages of 100 published updates, one in five with a photo (20,000 updates,
4,000 photos shown); a new update with a photo on the first page, published and withdrawn again.
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
WORKDIR = Path(tempfile.mkdtemp(prefix="liveblogs-bench-photos-"))
os.environ["DJANGO_MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not os.environ.get("DATABASE_URL"):
    settings.DATABASES["default"]["TEST"] = {"NAME": str(WORKDIR / "bench.sqlite3")}
warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from liveblogs.models import LivePage, Photo, Update, UpdatePhoto  # noqa: E402

PAGES, PER_PAGE, RUNS = 200, 100, 30


def main():
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        now = timezone.now()
        photos = Photo.objects.bulk_create(
            Photo(image=f"bench/{n}.jpg", caption=f"Photo {n}", alt_text="A photo", public=True)
            for n in range(PAGES * PER_PAGE // 5 + 1)
        )
        pages = []
        for p in range(PAGES):
            page = LivePage.objects.create(title=f"Page {p}", slug=f"p{p}", status="live",
                                           coverage_start=now - timedelta(days=p))
            pages.append(page)
            updates = Update.objects.bulk_create(
                Update(live_page=page, headline=f"U{n}", body="<p>b</p>", status="published",
                       published_at=now - timedelta(minutes=n))
                for n in range(PER_PAGE)
            )
            UpdatePhoto.objects.bulk_create(
                UpdatePhoto(update=u, photo=photos[(p * PER_PAGE + n) // 5])
                for n, u in enumerate(updates) if n % 5 == 0
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        update = Update.objects.create(live_page=pages[0], headline="New", body="<p>b</p>",
                                       status="draft", published_at=now)
        UpdatePhoto.objects.create(update=update, photo=photos[-1])
        Update.objects.filter(pk=update.pk).update(status="published")
        timings = {"before": [], "after": []}
        for _ in range(RUNS):
            started = time.perf_counter()
            Photo.objects.sync_public([pages[0].pk])
            timings["before"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            Photo.objects.sync_public_for(update)
            timings["after"].append((time.perf_counter() - started) * 1000)
        if os.environ.get("SHOW"):
            from django.test.utils import CaptureQueriesContext
            with CaptureQueriesContext(connection) as queries:
                Photo.objects.sync_public_for(update)
            for query in queries.captured_queries:
                print(query["time"], query["sql"][:3000])
        print(f"{connection.vendor}: {Update.objects.count():,} updates, {Photo.objects.count():,}"
              f" photos; load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        print(f"photos synced by a publish, median of {RUNS} ms: the page's and every shown"
              f" photo (before) {statistics.median(timings['before']):.2f},"
              f" the update's own (after) {statistics.median(timings['after']):.2f}")
    finally:
        connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
