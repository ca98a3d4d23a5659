"""Reader pages at 10, 1,000 and 10,000 updates: median time, queries and bytes per request.

Run from the project root:  .venv/bin/python bench/reader_pages.py
It builds its own throwaway SQLite database and media folder; nothing of the project's is touched.
Requests go through Django's test client in this process (no network, no server), so the figures
are the application's own cost: views, queries, templates.
"""

import io
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
WORKDIR = Path(tempfile.mkdtemp(prefix="liveblogs-bench-"))
os.environ["DJANGO_MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.DATABASES["default"]["NAME"] = WORKDIR / "bench.sqlite3"
# Static files are not collected here; production serves them from WhiteNoise, not from views.
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image  # noqa: E402

from liveblogs.models import (  # noqa: E402
    LivePage,
    Photo,
    Reporter,
    Update,
    UpdateAuthor,
    UpdatePhoto,
)

SIZES = [10, 1_000, 10_000]
REQUESTS = 30


def photo(n):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1067), (40 + n * 20, 90, 140)).save(buffer, "JPEG")
    return Photo.objects.create(
        image=ContentFile(buffer.getvalue(), name="bench.jpg"), caption=f"Bench photo {n}",
        credit="Bench/Wire", alt_text=f"Bench photo {n}",
    )


def build(size, reporters, photos):
    """A live page with ``size`` published updates: every third has two bylines, every fifth a photo."""
    page = LivePage.objects.create(
        title=f"Bench page with {size} updates", slug=f"bench-{size}", status="live",
        standfirst="A page for measuring.", coverage_start=timezone.now() - timedelta(days=30),
    )
    start = timezone.now() - timedelta(minutes=size)
    updates = Update.objects.bulk_create(
        Update(live_page=page, headline=f"Update {n}", status="published",
               body=f"<p>Paragraph one of update {n}.</p><p>And a <a href='https://example.org'>link</a>.</p>",
               published_at=start + timedelta(minutes=n), key_event=n % 97 == 0)
        for n in range(size)
    )
    UpdateAuthor.objects.bulk_create(
        UpdateAuthor(update=u, reporter=reporters[(n + k) % len(reporters)], position=k)
        for n, u in enumerate(updates) for k in range(2 if n % 3 == 0 else 1)
    )
    UpdatePhoto.objects.bulk_create(
        UpdatePhoto(update=u, photo=photos[n % len(photos)]) for n, u in enumerate(updates) if n % 5 == 0
    )
    return page


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
    reporters = [Reporter.objects.create(name=f"Reporter {n}", slug=f"r{n}", role="Writer") for n in range(6)]
    photos = [photo(n) for n in range(4)]
    client = Client(HTTP_HOST="127.0.0.1")
    print(f"{'updates':>8}  {'page':<13} {'median ms':>9} {'queries':>7} {'HTML bytes':>10}")
    for size in SIZES:
        page = build(size, reporters, photos)
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
