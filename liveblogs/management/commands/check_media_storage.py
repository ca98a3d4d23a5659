"""Check the media storages as readers and staff will meet them: public files readable by anyone,
private ones by nobody without a signature."""

import io
import uuid
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from PIL import Image

from liveblogs import media
from liveblogs.conf import settings


def fetch(url):
    """``(status, headers)`` of a plain GET, without credentials, as a browser sends it."""
    try:
        with urlopen(url, timeout=10) as response:
            response.read()
            return response.status, response.headers
    except HTTPError as error:
        return error.code, error.headers
    except (URLError, OSError) as error:
        raise CommandError(f"{url} cannot be reached: {getattr(error, 'reason', error)}") from None


class Command(BaseCommand):
    help = (
        "Store a small photo in the public and the private media storage, fetch each as a "
        "reader's browser would, and delete them. Fails (status 1), saying what is wrong, if the "
        "public one cannot be read or the private one can be read without a signature."
    )

    def handle(self, *args, **options):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (30, 90, 160)).save(out, "JPEG")
        data = out.getvalue()
        name = f"checks/{uuid.uuid4().hex}.jpg"
        stored = []
        try:
            for label, storage in (("public", default_storage), ("private", media.private_storage)):
                stored.append((storage, storage.save(name, ContentFile(data))))
                with storage.open(stored[-1][1], "rb") as file:
                    if file.read() != data:
                        raise CommandError(f"The {label} storage gave back other bytes.")
                backend = type(getattr(storage, "_wrapped", storage))  # not the lazy wrapper
                self.stdout.write(
                    f"{label}: {backend.__module__}.{backend.__name__} stores and reads files."
                )
            self.check_public(stored[0][1])
            self.check_private(stored[1][1])
        finally:
            for storage, stored_name in stored:
                storage.delete(stored_name)
        if any(storage.exists(stored_name) for storage, stored_name in stored):
            raise CommandError("A checked file is still there after being deleted.")
        self.stdout.write("Both storages delete files. Media storage is ready.")

    def check_public(self, name):
        url = default_storage.url(name)
        if not urlsplit(url).scheme:
            self.stdout.write(f"public: {url} is served by this site's web server (not checked).")
            return
        status, headers = fetch(url)
        if status != 200:
            raise CommandError(f"Readers cannot fetch public files: {url} answers {status}.")
        if headers.get("Content-Type") != "image/jpeg":
            raise CommandError(
                f"{url} is served as {headers.get('Content-Type')!r}, not image/jpeg: files must "
                "be typed as they are stored (liveblogs.s3.MediaStorage)."
            )
        self.stdout.write(
            f"public: readers fetch {url} (Cache-Control: {headers.get('Cache-Control', 'none')})."
        )

    def check_private(self, name):
        url = media.private_storage.url(name)
        parts = urlsplit(url)
        if not parts.scheme:
            self.stdout.write(f"private: {url} is served to staff by the app only (not checked).")
            return
        unsigned = parts._replace(query="").geturl()
        refused, _headers = fetch(unsigned)
        if refused == 200:
            raise CommandError(
                f"Private files can be read without a signature: {unsigned} answers 200. "
                "Keep them out of public reach (DJANGO_S3_PRIVATE_BUCKET, the bucket's policy)."
            )
        if not settings.PRIVATE_SIGNED_URLS:
            raise CommandError(
                "The private storage has addresses of its own, but staff are not sent to them: "
                "set LIVEBLOGS_PRIVATE_SIGNED_URLS."
            )
        status, _headers = fetch(url)
        if status != 200:
            raise CommandError(
                f"Staff cannot fetch private files: the signed address answers {status}."
            )
        self.stdout.write(f"private: answers {refused} without a signature, 200 with one.")
