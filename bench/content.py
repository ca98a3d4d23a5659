"""Bench content shared by the benchmarks: import it after django.setup().

A live page of a given size, its updates bulk-created (every third with two bylines, every fifth
with a photo, every 97th a key event), with reporters and photos to go with them.
"""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from liveblogs.models import LivePage, Photo, Reporter, Update, UpdateAuthor, UpdatePhoto


def make_photos(count, *, size=(1600, 1067)):
    photos = []
    for n in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", size, (40 + n * 20, 90, 140)).save(buffer, "JPEG")
        photos.append(
            Photo.objects.create(
                image=ContentFile(buffer.getvalue(), name="bench.jpg"),
                caption=f"Bench photo {n}", credit="Bench/Wire", alt_text=f"Bench photo {n}",
            )
        )
    return photos


def make_reporters(count=6):
    return [
        Reporter.objects.create(name=f"Reporter {n}", slug=f"r{n}", role="Writer")
        for n in range(count)
    ]


def body(n):
    return f"<p>Paragraph one of update {n}.</p><p>And a <a href='https://example.org'>link</a>.</p>"


def build_page(size, reporters, photos, *, bulk=None):
    """A live page named for ``size`` with ``bulk`` (default ``size``) published updates, a minute
    apart and ending now, created in bulk: no version moves, as after an import."""
    bulk = size if bulk is None else bulk
    page = LivePage.objects.create(
        title=f"Bench page with {size} updates", slug=f"bench-{size}", status="live",
        standfirst="A page for measuring.", coverage_start=timezone.now() - timedelta(days=30),
    )
    start = timezone.now() - timedelta(minutes=size)
    updates = Update.objects.bulk_create(
        Update(live_page=page, headline=f"Update {n}", status="published", body=body(n),
               published_at=start + timedelta(minutes=n), key_event=n % 97 == 0)
        for n in range(bulk)
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
    return page
