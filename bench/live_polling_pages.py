"""Build the live pages bench/live_polling.sh measures: migrate, then one live page per size.

Run by the script (with its throwaway DATABASE_URL, DJANGO_MEDIA_ROOT and bench.settings), never
against a real database:  python bench/live_polling_pages.py 10 10000
Prints one line per page, ``<slug> <version>``: polling ``?since=<version - 1>`` asks for exactly
one changed update, the newest.
"""

import io
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
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


def photo(n):
    buffer = io.BytesIO()
    Image.new("RGB", (800, 533), (40 + n * 20, 90, 140)).save(buffer, "JPEG")
    return Photo.objects.create(
        image=ContentFile(buffer.getvalue(), name="bench.jpg"),
        caption=f"Bench photo {n}",
        credit="Bench/Wire",
        alt_text=f"Bench photo {n}",
    )


def body(n):
    return (
        f"<p>Paragraph one of update {n}.</p><p>And a <a href='https://example.org'>link</a>.</p>"
    )


def build(size, reporters, photos):
    """A live page with ``size`` published updates, as in bench/reader_pages.py (every third with
    two bylines, every fifth a photo); the newest is saved the way publishing saves it, so it
    carries the page's current version."""
    page = LivePage.objects.create(
        title=f"Bench page with {size} updates",
        slug=f"bench-{size}",
        status="live",
        standfirst="A page for measuring.",
        coverage_start=timezone.now() - timedelta(days=30),
    )
    start = timezone.now() - timedelta(minutes=size)
    updates = Update.objects.bulk_create(
        Update(
            live_page=page,
            headline=f"Update {n}",
            status="published",
            body=body(n),
            published_at=start + timedelta(minutes=n),
            key_event=n % 97 == 0,
        )
        for n in range(size - 1)
    )
    UpdateAuthor.objects.bulk_create(
        UpdateAuthor(update=u, reporter=reporters[(n + k) % len(reporters)], position=k)
        for n, u in enumerate(updates)
        for k in range(2 if n % 3 == 0 else 1)
    )
    UpdatePhoto.objects.bulk_create(
        UpdatePhoto(update=u, photo=photos[n % len(photos)])
        for n, u in enumerate(updates)
        if n % 5 == 0
    )
    newest = Update(
        live_page=page,
        headline=f"Update {size - 1}",
        status="published",
        body=body(size - 1),
        published_at=timezone.now(),
    )
    newest.save()
    # Each byline and photo added moves the version again and stamps the update with it.
    UpdateAuthor.objects.create(update=newest, reporter=reporters[0], position=0)
    UpdateAuthor.objects.create(update=newest, reporter=reporters[1], position=1)
    UpdatePhoto.objects.create(update=newest, photo=photos[0])
    page.refresh_from_db()
    newest.refresh_from_db()
    assert newest.page_version == page.version, (newest.page_version, page.version)
    return page


def main(sizes):
    call_command("migrate", verbosity=0)
    reporters = [
        Reporter.objects.create(name=f"Reporter {n}", slug=f"r{n}", role="Writer") for n in range(6)
    ]
    photos = [photo(n) for n in range(4)]
    pages = [build(size, reporters, photos) for size in sizes]
    # Planner statistics, as autovacuum would have gathered them on a live site by now: without
    # them PostgreSQL picks the wrong index for a freshly bulk-loaded table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for page in pages:
        print(page.slug, page.version, flush=True)


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [10, 10_000])
