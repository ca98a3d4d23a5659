"""Video uploads: accepted by what their bytes are, never by their name or the type claimed.

A video is played from the media URL, so a file that is not one (a script, a web page) must never
be stored as one. ``inspect_video`` reads the container's structure, not just a magic number:

- MP4 and MOV (ISO base media): a ``ftyp`` box first, then well-formed top-level boxes to the end
  of the file, one of them the ``moov`` box that describes the movie.
- WebM: an EBML header whose document type is ``webm``, then a Segment.

It reads the file in small pieces (box headers only), so a large video costs no memory. The stored
name takes the suffix of what was found (``.mp4``, ``.mov``, ``.webm``), whatever the upload was
called, and the media server types files by that suffix.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .conf import settings

MB = 1024 * 1024

# Suffix and Content-Type of each container we take.
KINDS = {
    "mp4": ("mp4", "video/mp4"),
    "mov": ("mov", "video/quicktime"),
    "webm": ("webm", "video/webm"),
}
# What the file picker offers; the server decides by reading the file.
ACCEPT = "video/mp4,video/webm,video/quicktime,.mp4,.m4v,.webm,.mov"
# QuickTime's brand; every other ISO brand (isom, mp41, mp42, avc1, M4V …) is served as MP4.
QUICKTIME_BRAND = b"qt  "
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
SEGMENT_ID = b"\x18\x53\x80\x67"
DOCTYPE_ID = b"\x42\x82"


@dataclass(frozen=True)
class VideoUpload:
    """An upload that is a video container we take."""

    kind: str

    @property
    def suffix(self):
        return KINDS[self.kind][0]

    @property
    def content_type(self):
        return KINDS[self.kind][1]


def refuse(message=None, code="not_a_video"):
    raise ValidationError(
        message or _("This file is not a video we can play. Upload an MP4, WebM or MOV video."),
        code=code,
    )


def inspect_video(file):
    """What ``file`` (a Django ``File`` or any binary file object) is, or ``ValidationError``.

    The result is remembered on the file object, so a form and then ``Video.save`` read it once.
    """
    if (known := getattr(file, "_liveblogs_video", None)) is not None:
        return known
    size = file_size(file)
    if not size:
        refuse(_("This file is empty — the upload may not have finished. Try again."), "empty_file")
    if size > settings.MAX_VIDEO_BYTES:
        refuse(
            _("This file is %(size)s MB; a video can be at most %(limit)s MB.")
            % {"size": f"{size / MB:,.0f}", "limit": f"{settings.MAX_VIDEO_BYTES / MB:,.0f}"},
            "too_large",
        )
    file.seek(0)
    head = file.read(64)
    if head[4:8] == b"ftyp":
        upload = VideoUpload("mov" if head[8:12] == QUICKTIME_BRAND else "mp4")
        check_boxes(file, size)
    elif head.startswith(EBML_MAGIC):
        file.seek(0)
        check_webm(file.read(4096))
        upload = VideoUpload("webm")
    else:
        refuse()
    file.seek(0)
    try:
        file._liveblogs_video = upload
    except AttributeError:  # pragma: no cover - a file object that takes no attributes
        pass
    return upload


def validate_video_file(file):
    """The video upload validator (a Django validator: raises ``ValidationError``, returns None)."""
    if file:
        inspect_video(file)


def file_size(file):
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
    return size


def check_boxes(file, size):
    """Walk the top-level boxes of an MP4 or MOV file: each must fit the file, and one be ``moov``.

    Only the 8- or 16-byte box headers are read; a box's contents are skipped with a seek.
    """
    position, found_movie = 0, False
    while position < size:
        file.seek(position)
        header = file.read(16)
        if len(header) < 8:
            cut_off()
        length, kind = int.from_bytes(header[:4], "big"), header[4:8]
        if not (kind.isascii() and all(32 <= byte < 127 for byte in kind)):
            refuse()
        if length == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                cut_off()
            length = int.from_bytes(header[8:16], "big")
            if length < 16:
                refuse()
        elif length == 0:  # the last box runs to the end of the file
            length = size - position
        elif length < 8:
            refuse()
        if position + length > size:
            cut_off()
        found_movie = found_movie or kind == b"moov"
        position += length
    if not found_movie:
        refuse(
            _("This video has no description of its contents (“moov”); the upload may not have "
              "finished, or the file was not saved properly. Try exporting it again."),
            "no_movie",
        )


def cut_off():
    refuse(_("This video is cut off — the upload may not have finished. Try again."), "cut_off")


def read_ebml_size(data, position):
    """An EBML variable-length size at ``position``: (value, length in bytes)."""
    if position >= len(data):
        refuse()
    first = data[position]
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            value = first & (0xFF >> length)
            for byte in data[position + 1 : position + length]:
                value = (value << 8) | byte
            if position + length > len(data):
                refuse()
            return value, length
    refuse()


def check_webm(head):
    """An EBML header that says ``webm``, followed by a Segment."""
    header_size, length = read_ebml_size(head, 4)
    body_start = 4 + length
    body = head[body_start : body_start + header_size]
    if len(body) < header_size:
        refuse()
    doctype = None
    position = 0
    while position + 2 < len(body):
        element = body[position : position + 2]
        # Every element of the EBML header has a two-byte id.
        value_size, size_length = read_ebml_size(body, position + 2)
        value_start = position + 2 + size_length
        if element == DOCTYPE_ID:
            doctype = body[value_start : value_start + value_size].rstrip(b"\x00")
        position = value_start + value_size
    if doctype != b"webm":
        refuse()
    if head[body_start + header_size : body_start + header_size + 4] != SEGMENT_ID:
        refuse()
