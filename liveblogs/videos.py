"""Video uploads: accepted by what their bytes are, never by their name or the type claimed.

A video is played from the media URL, so a file that is not one (a script, a web page) must never
be stored as one. ``inspect_video`` reads the container's structure, not just a magic number:

- MP4 and MOV (ISO base media): a ``ftyp`` box first, then well-formed top-level boxes to the end
  of the file, one of them the ``moov`` box that describes the movie.
- WebM: an EBML header whose document type is ``webm``, then a Segment.

It reads the file in small pieces (box headers only), so a large video costs no memory. The stored
name takes the suffix of what was found (``.mp4``, ``.mov``, ``.webm``), whatever the upload was
called, and the media server types files by that suffix.

The same walk reads what the page needs to show the video without a layout shift and to print
its length: the duration (MP4/MOV: the movie header ``mvhd``; WebM: the Segment's Info, its
Duration in TimecodeScale units) and the picture's size (MP4/MOV: the video track's header
``tkhd``, turned where its matrix turns it, as phones record portrait video; WebM: the video
track's PixelWidth and PixelHeight). These are fixed fields of the two formats, read with bounds
checks in Python, so no native media parser reads uploads (see README, "Video").

Captions are WebVTT files (``inspect_captions``): UTF-8 text that starts with ``WEBVTT``.
"""

import struct
from dataclasses import dataclass
from datetime import timedelta

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
    """An upload that is a video container we take, with what its headers say of it."""

    kind: str
    duration: timedelta | None = None
    width: int | None = None
    height: int | None = None

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
        kind = "mov" if head[8:12] == QUICKTIME_BRAND else "mp4"
        upload = VideoUpload(kind, **check_boxes(file, size))
    elif head.startswith(EBML_MAGIC):
        file.seek(0)
        segment_start = check_webm(file.read(4096))
        upload = VideoUpload("webm", **webm_metadata(file, size, segment_start))
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

    Only the 8- or 16-byte box headers are read; a box's contents are skipped with a seek, but
    for the movie box's headers (``movie_metadata``). Returns what those say.
    """
    position, found_movie, metadata = 0, False, {}
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
        if kind == b"moov" and not found_movie:
            header_length = 16 if int.from_bytes(header[:4], "big") == 1 else 8
            metadata = movie_metadata(file, position + header_length, position + length)
        found_movie = found_movie or kind == b"moov"
        position += length
    if not found_movie:
        refuse(
            _("This video has no description of its contents (“moov”); the upload may not have "
              "finished, or the file was not saved properly. Try exporting it again."),
            "no_movie",
        )
    return metadata


def child_boxes(file, start, end, limit=4096):
    """``(type, content start, content end)`` of the boxes between ``start`` and ``end``."""
    position = start
    while position + 8 <= end and limit:
        limit -= 1
        file.seek(position)
        header = file.read(16)
        length, kind = int.from_bytes(header[:4], "big"), header[4:8]
        offset = 8
        if length == 1 and len(header) == 16:
            length, offset = int.from_bytes(header[8:16], "big"), 16
        elif length == 0:
            length = end - position
        if length < offset or position + length > end:
            return
        yield kind, position + offset, position + length
        position += length


def movie_metadata(file, start, end):
    """Duration (``mvhd``) and picture size (the first video track's ``tkhd``) of a movie box."""
    metadata = {}
    for kind, content, content_end in child_boxes(file, start, end):
        if kind == b"mvhd":
            file.seek(content)
            data = file.read(min(32, content_end - content))
            if data[:1] == b"\x01" and len(data) >= 32:
                timescale, duration = struct.unpack(">IQ", data[20:32])
            elif len(data) >= 20:
                timescale, duration = struct.unpack(">II", data[12:20])
            else:
                continue
            if timescale and duration not in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
                metadata["duration"] = timedelta(seconds=round(duration / timescale, 3))
        elif kind == b"trak" and "width" not in metadata:
            for inner, inner_content, inner_end in child_boxes(file, content, content_end):
                if inner == b"tkhd":
                    file.seek(inner_content)
                    size = track_size(file.read(min(96, inner_end - inner_content)))
                    if size:
                        metadata["width"], metadata["height"] = size
    return metadata


def track_size(data):
    """A track header's picture size, turned by its matrix; None for a track with no picture."""
    matrix_at = 52 if data[:1] == b"\x01" else 40
    if len(data) < matrix_at + 44:
        return None
    a, b, _u, c, d = struct.unpack(">iiiii", data[matrix_at : matrix_at + 20])
    width, height = (value >> 16 for value in struct.unpack(">II", data[matrix_at + 36 : matrix_at + 44]))
    if not (width and height) or width > 16384 or height > 16384:
        return None
    return (height, width) if a == 0 and d == 0 and b and c else (width, height)


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
    return body_start + header_size


# WebM elements read for the duration and the picture's size.
INFO_ID, TRACKS_ID, TRACK_ENTRY_ID, VIDEO_ID = b"\x15\x49\xa9\x66", b"\x16\x54\xae\x6b", b"\xae", b"\xe0"
TIMECODE_SCALE_ID, DURATION_ID = b"\x2a\xd7\xb1", b"\x44\x89"
PIXEL_WIDTH_ID, PIXEL_HEIGHT_ID = b"\xb0", b"\xba"
CLUSTER_ID = b"\x1f\x43\xb6\x75"
# Info and Tracks are a few hundred bytes; more is not a file a camera or an editor made.
MAX_HEADER_ELEMENT = 64 * 1024


def ebml_elements(data, start=0, end=None):
    """``(id, content start, content end)`` of the EBML elements in ``data[start:end]``."""
    end = len(data) if end is None else end
    position = start
    while position < end:
        first = data[position]
        id_length = next((n for n in range(1, 5) if first & (0x80 >> (n - 1))), 0)
        if not id_length or position + id_length >= end:
            return
        element = data[position : position + id_length]
        size, size_length = read_ebml_size(data, position + id_length)
        content = position + id_length + size_length
        yield element, content, min(content + size, end)
        position = content + size


def webm_metadata(file, size, segment_start):
    """Duration and picture size from a WebM Segment's Info and Tracks.

    The Segment's top-level elements are walked by their headers (a Cluster, the video itself,
    is skipped with a seek); only Info and Tracks are read, and only when small.
    """
    file.seek(segment_start + 4)
    segment_size, size_length = read_ebml_size(file.read(8), 0)
    position = segment_start + 4 + size_length
    end = size if segment_size >= (1 << (7 * size_length)) - 1 else min(size, position + segment_size)
    metadata, scale = {}, 1_000_000
    for _ in range(64):
        if position + 2 > end or ("duration" in metadata and "width" in metadata):
            break
        file.seek(position)
        header = file.read(12)
        try:
            element, content, _content_end = next(ebml_elements(header, 0, len(header)))
        except (StopIteration, ValidationError):
            break
        length = read_ebml_size(header, len(element))[0]
        content_start = position + content
        if element in (INFO_ID, TRACKS_ID) and length <= MAX_HEADER_ELEMENT:
            file.seek(content_start)
            data = file.read(length)
            if element == INFO_ID:
                duration = None
                for child, start, stop in ebml_elements(data):
                    if child == TIMECODE_SCALE_ID and 0 < stop - start <= 8:
                        scale = int.from_bytes(data[start:stop], "big") or scale
                    elif child == DURATION_ID and stop - start in (4, 8):
                        duration = struct.unpack(">f" if stop - start == 4 else ">d", data[start:stop])[0]
                if duration and 0 < duration * scale / 1e9 < 10**7:
                    metadata["duration"] = timedelta(seconds=round(duration * scale / 1e9, 3))
            else:
                metadata.update(webm_track_size(data))
        elif element == CLUSTER_ID and "duration" in metadata:
            break
        position = content_start + length
    return metadata


def webm_track_size(data):
    for entry, start, stop in ebml_elements(data):
        if entry != TRACK_ENTRY_ID:
            continue
        for child, child_start, child_stop in ebml_elements(data, start, stop):
            if child != VIDEO_ID:
                continue
            values = {}
            for item, item_start, item_stop in ebml_elements(data, child_start, child_stop):
                if item in (PIXEL_WIDTH_ID, PIXEL_HEIGHT_ID) and 0 < item_stop - item_start <= 4:
                    values[item] = int.from_bytes(data[item_start:item_stop], "big")
            width, height = values.get(PIXEL_WIDTH_ID), values.get(PIXEL_HEIGHT_ID)
            if width and height and width <= 16384 and height <= 16384:
                return {"width": width, "height": height}
    return {}


# Captions -----------------------------------------------------------------------------------------

CAPTIONS_ACCEPT = "text/vtt,.vtt"


def inspect_captions(file):
    """Check a captions file: WebVTT (UTF-8 text starting with ``WEBVTT``), not too large."""
    size = file_size(file)
    if not size:
        raise ValidationError(_("This captions file is empty."), code="empty_file")
    if size > settings.MAX_CAPTIONS_BYTES:
        raise ValidationError(
            _("This captions file is %(size)s KB; captions can be at most %(limit)s KB.")
            % {"size": f"{size / 1024:,.0f}", "limit": f"{settings.MAX_CAPTIONS_BYTES / 1024:,.0f}"},
            code="too_large",
        )
    file.seek(0)
    data = file.read(settings.MAX_CAPTIONS_BYTES + 1)
    file.seek(0)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            _("This captions file is not UTF-8 text. Save it as WebVTT in UTF-8."),
            code="not_captions",
        ) from None
    text = text.removeprefix("\ufeff")
    if not (text.startswith("WEBVTT") and text[6:7] in ("", " ", "\t", "\n", "\r")):
        raise ValidationError(
            _("This is not a WebVTT captions file (it must start with “WEBVTT”). Subtitles in "
              "another format (SRT) can be converted to WebVTT."),
            code="not_captions",
        )
    if "\x00" in text:
        raise ValidationError(_("This captions file holds characters text cannot."), code="not_captions")


def validate_captions_file(file):
    if file:
        inspect_captions(file)
