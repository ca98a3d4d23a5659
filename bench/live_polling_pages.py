"""Build the live pages bench/live_polling.sh measures: migrate, then one live page per size.

Run by the script (with its throwaway DATABASE_URL, DJANGO_MEDIA_ROOT and bench.settings), never
against a real database:  python bench/live_polling_pages.py 10 10000
Prints one line per page, ``<slug> <version>``: polling ``?since=<version - 1>`` asks for exactly
one changed update, the newest.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.content import body, build_page, make_photos, make_reporters  # noqa: E402
from liveblogs.models import Update, UpdateAuthor, UpdatePhoto  # noqa: E402


def build(size, reporters, photos):
    """A live page with ``size`` published updates, as in bench/reader_pages.py; the newest is
    saved the way publishing saves it, so it carries the page's current version."""
    page = build_page(size, reporters, photos, bulk=size - 1)
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
    reporters, photos = make_reporters(), make_photos(4, size=(800, 533))
    pages = [build(size, reporters, photos) for size in sizes]
    # Planner statistics, as autovacuum would have gathered them on a live site by now: without
    # them PostgreSQL picks the wrong index for a freshly bulk-loaded table.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for page in pages:
        print(page.slug, page.version, flush=True)


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [10, 10_000])
