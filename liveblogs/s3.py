"""Media on S3-compatible object storage (AWS S3, Cloudflare R2, MinIO, Ceph …) through
django-storages: the storage backend a site names in ``STORAGES`` (see README, "Media on object
storage", and how ``newsroom/settings.py`` builds both storages from ``DJANGO_S3_*``).

The bucket serves the files itself, so what ``media.media_headers`` says a file is served as is
written on the object when it is stored: its type from the allow-list of what we store (our names
carry the suffix of the decoded format), anything else a download. Nothing stored can be served as
a page or a script, whatever its name.

Two storages of this class, set up differently:

- the public one (``default``): renditions readers are shown, videos, embeds' thumbnails; plain
  URLs (no signature, so a CDN keeps one copy for everyone), readable by anyone, cached for a year
  (a stored name never gets other bytes: a changed photo is stored under a new name);
- the private one (``liveblogs_private``): originals, photos readers have not been shown, readers'
  own. Never readable without a signature; staff are sent to a signed URL that expires
  (``media.private_response``).
"""

from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from . import media

# A public file's name never gets other bytes (a replaced photo is stored anew, under a new name),
# so browsers and CDNs may keep it for a year without asking again.
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
# A private file is for one signed-in person's browser, never a shared cache.
PRIVATE_CACHE_CONTROL = "private, max-age=3600"


class MediaStorage(S3Storage):
    """``S3Storage`` that types each object by ``media.media_headers``, never by guessing, and
    says how long it may be cached: a year when its URLs are public (``querystring_auth`` off),
    by the one browser it was signed for otherwise. ``object_parameters`` given in ``OPTIONS``
    (a ``CacheControl`` of the site's own) win over the latter."""

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        parameters.setdefault(
            "CacheControl", PRIVATE_CACHE_CONTROL if self.querystring_auth else PUBLIC_CACHE_CONTROL
        )
        headers = media.media_headers(name)
        parameters["ContentType"] = headers["Content-Type"]
        if disposition := headers.get("Content-Disposition"):
            parameters["ContentDisposition"] = disposition
        else:
            parameters.pop("ContentDisposition", None)
        return parameters

    def copy_within(self, source, name):
        """Copy ``name`` from ``source`` into this storage inside the service, as an object of
        this storage (its type, caching and ACL): nothing passes through the app, one request.
        Only between buckets the same account reaches on the same service; returns False
        otherwise, for the caller to copy the bytes itself."""
        if not isinstance(source, MediaStorage) or (
            source.endpoint_url,
            source.access_key,
            source.region_name,
        ) != (self.endpoint_url, self.access_key, self.region_name):
            return False
        self.bucket.meta.client.copy_object(
            Bucket=self.bucket_name,
            Key=self._normalize_name(clean_name(name)),
            CopySource={
                "Bucket": source.bucket_name,
                "Key": source._normalize_name(clean_name(name)),
            },
            # The private object's caching must not come along: this storage's is written.
            MetadataDirective="REPLACE",
            **self._get_write_parameters(name),
        )
        return True
