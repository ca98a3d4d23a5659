"""How uploaded files are stored and served: nothing private in public, nothing served can run.

Private first. A photo's files (the original and its renditions) are stored in the *private*
storage (``private_storage``: ``STORAGES["liveblogs_private"]``, by default a folder beside the
media folder that no URL serves). Staff see them through ``photo_file``, a view that checks who is
asking. Only when readers are shown the photo (an update that shows it is published, a public
page leads with it, a byline shows it) are its renditions copied to the public storage
(``Photo.publish_files``), at long-lived public URLs. The original never is. Readers' photos are
never shown, so never public.

Photos and videos are checked by their bytes before they are stored (``images.py``,
``videos.py``) and stored under a suffix of what they are. Serving is the second line: a file is
typed by its suffix from a short allow-list, never sniffed (``nosniff``), and answered with a
policy that forbids it scripts, plugins and even its own origin (``sandbox``), should a browser be
told to open it as a page. Anything not on the list is a download.

The same rules are written for nginx in ``deploy/nginx-microcache.conf`` and, on object storage,
on each object as it is stored (``s3.MediaStorage``, README "Media on object storage"); ``serve``
is the embedded setup's (``make run``).
"""

from pathlib import Path, PurePosixPath

from django.conf import settings as django_settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _
from django.views.static import serve as django_serve

from .conf import settings

# The STORAGES alias of files readers may not see.
PRIVATE_STORAGE = "liveblogs_private"

try:  # object storage through django-storages (boto3), where the site uses it
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    BotoCoreError = ClientError = OSError
# What a storage raises when it cannot store a file: a folder full or gone, an object store that
# does not answer or refuses. An upload that meets one is refused with a message, never a 500.
STORAGE_UNAVAILABLE = (OSError, BotoCoreError, ClientError)
STORAGE_UNAVAILABLE_MESSAGE = _(
    "The photo store is not answering just now, so this photo was not kept. Your words are safe: "
    "add the photo again in a minute."
)


class PrivateStorage(LazyObject):
    """``STORAGES["liveblogs_private"]`` if the site has one (a private bucket, a folder), else a
    folder beside ``MEDIA_ROOT`` named ``<media>-private``, which no URL serves."""

    def _setup(self):
        if PRIVATE_STORAGE in django_settings.STORAGES:
            self._wrapped = storages[PRIVATE_STORAGE]
        else:
            media = Path(django_settings.MEDIA_ROOT or "media").resolve()
            self._wrapped = FileSystemStorage(
                location=media.with_name(f"{media.name}-private"), base_url="/private-media/"
            )


private_storage = PrivateStorage()


def get_private_storage():
    """The photo field's storage (a callable, so migrations name it, not a path)."""
    return private_storage


@receiver(setting_changed)
def storages_changed(setting, **kwargs):
    if setting in {"STORAGES", "MEDIA_ROOT"}:
        private_storage._wrapped = empty


def copy_file(source, target, name):
    """Copy the stored file ``name`` from ``source`` to ``target`` under the same name (a photo's
    renditions going public): inside the object storage service when both are on it
    (``s3.MediaStorage.copy_within``), else through the app; a file already there stays."""
    copy_within = getattr(target, "copy_within", None)
    if copy_within is not None and copy_within(source, name):
        return
    if target.exists(name):
        return
    with source.open(name, "rb") as file:
        stored = target.save(name, file)
    if stored != name:  # a storage that renames rather than overwrites
        raise RuntimeError(f"{target} stored {name} as {stored}.")


# The only types served as what they are; everything else is application/octet-stream, attached.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".vtt": "text/vtt",
}
# A document opened from the media URL gets no script, no plugin, no form, no origin.
MEDIA_POLICY = "sandbox; default-src 'none'"


def media_headers(name):
    """The headers a stored file ``name`` is served with: its type from ``MEDIA_TYPES``, or a
    download for anything else."""
    content_type = MEDIA_TYPES.get(PurePosixPath(name).suffix.lower())
    headers = {
        "Content-Type": content_type or "application/octet-stream",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": MEDIA_POLICY,
    }
    if content_type is None:
        headers["Content-Disposition"] = "attachment"
    return headers


def serve(request, path, document_root=None):
    """Serve a stored file from ``document_root`` with ``media_headers``: the embedded setup's
    media server (``make run``), in place of ``django.views.static.serve``. Production serves
    media from nginx or object storage, with the same headers."""
    response = django_serve(request, path, document_root=document_root)
    response.headers.pop("Content-Disposition", None)  # "inline; filename=…" from FileResponse
    for header, value in media_headers(path).items():
        response[header] = value
    # Django guesses an encoding from ``.gz`` and the like: the bytes go as they are stored.
    response.headers.pop("Content-Encoding", None)
    return response


def private_response(request, storage, name):
    """A private file for someone allowed to see it: sent to the storage's signed URL, which
    expires, where the storage signs them (``LIVEBLOGS_PRIVATE_SIGNED_URLS``, object storage);
    handed to nginx to send where the site says so (``LIVEBLOGS_PRIVATE_ACCEL_REDIRECT``, an
    ``internal`` location over the private folder); else streamed from the storage. Never kept
    by a shared cache."""
    from django.http import FileResponse, HttpResponse, HttpResponseRedirect

    if settings.PRIVATE_SIGNED_URLS:
        # The object carries its own type and disposition (``liveblogs.s3``). The address is
        # good for one person a few minutes: not even their browser keeps the redirect.
        response = HttpResponseRedirect(storage.url(name))
        response["Cache-Control"] = "private, no-store"
        return response
    if prefix := settings.PRIVATE_ACCEL_REDIRECT:
        response = HttpResponse()
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name
    else:
        response = FileResponse(storage.open(name, "rb"))
        response.headers.pop("Content-Disposition", None)
    for header, value in media_headers(name).items():
        response[header] = value
    response["Cache-Control"] = "private, max-age=3600"
    return response
