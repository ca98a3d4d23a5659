"""How uploaded files are served: so that nothing under the media URL can ever run.

Photos and videos are checked by their bytes before they are stored (``images.py``,
``videos.py``) and stored under a suffix of what they are. Serving is the second line: a file is
typed by its suffix from a short allow-list, never sniffed (``nosniff``), and answered with a
policy that forbids it scripts, plugins and even its own origin (``sandbox``), should a browser be
told to open it as a page. Anything not on the list is a download.

The same rules are written for nginx in ``deploy/nginx-microcache.conf`` and for object storage
in the README ("Serving uploads"); ``serve`` is the embedded setup's (``make run``).
"""

from pathlib import PurePosixPath

from django.views.static import serve as django_serve

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
