"""Small keyword-only factories: each makes one valid row, with whatever a test overrides."""

import io
import itertools
import math
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from liveblogs.models import (
    Callout,
    KeyPoint,
    LivePage,
    Photo,
    ReaderSubmission,
    Reporter,
    Series,
    Update,
    UpdateAuthor,
    UpdatePhoto,
    Video,
)

_numbers = itertools.count(1)


def jpeg_bytes(*, width=64, height=48, colour=(30, 90, 160)):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def box(kind, payload):
    """One ISO base media box: size, type, contents."""
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4_bytes(*, seconds=4, brand=b"isom", media=b"\x00" * 64, width=640, height=360,
              portrait=False):
    """A small but well-formed MP4 (or MOV, with ``brand=b"qt  "``): ftyp, moov with the movie
    header (its duration) and a video track's header (its size; ``portrait`` turns it a quarter,
    as a phone held upright records), mdat."""
    timescale = 1000
    mvhd = (
        bytes(4) + bytes(8) + timescale.to_bytes(4, "big") + (seconds * timescale).to_bytes(4, "big")
        + (0x00010000).to_bytes(4, "big") + (0x0100).to_bytes(2, "big") + bytes(10)
        + b"".join(v.to_bytes(4, "big") for v in (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000))
        + bytes(24) + (2).to_bytes(4, "big")
    )
    matrix = (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000) if portrait else (
        0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    tkhd = (
        bytes(4) + bytes(8) + (1).to_bytes(4, "big") + bytes(4) + (seconds * timescale).to_bytes(4, "big")
        + bytes(8) + bytes(8) + b"".join(v.to_bytes(4, "big", signed=True) for v in matrix)
        + (width << 16).to_bytes(4, "big") + (height << 16).to_bytes(4, "big")
    )
    sound = box(b"trak", box(b"tkhd", tkhd[:76] + bytes(8)))  # an audio track: no picture
    ftyp = box(b"ftyp", brand + (0x200).to_bytes(4, "big") + brand + b"iso2mp41")
    moov = box(b"moov", box(b"mvhd", mvhd) + sound + box(b"trak", box(b"tkhd", tkhd)))
    return ftyp + moov + box(b"mdat", media)


def ebml(element_id, payload):
    """One EBML element with an 8-byte size."""
    return element_id + (0x01 << 56 | len(payload)).to_bytes(8, "big") + payload


def webm_bytes(*, seconds=4, width=640, height=360):
    """A small but well-formed WebM: the EBML header (doctype webm), a Segment with a SeekHead,
    its Info (timecode scale 1 ms, duration), Tracks (a video track of ``width`` × ``height``)
    and a Cluster."""
    import struct

    header = ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x86", b"\x01") + ebml(b"\x42\x82", b"webm"))
    seek_head = ebml(b"\x11\x4d\x9b\x74", b"\xec\x81\x00")  # with a Void element inside
    info = ebml(b"\x15\x49\xa9\x66", ebml(b"\x2a\xd7\xb1", (1_000_000).to_bytes(3, "big"))
                + ebml(b"\x44\x89", struct.pack(">d", seconds * 1000.0)))
    video = ebml(b"\xe0", ebml(b"\xb0", width.to_bytes(2, "big")) + ebml(b"\xba", height.to_bytes(2, "big")))
    tracks = ebml(b"\x16\x54\xae\x6b", ebml(b"\xae", ebml(b"\xd7", b"\x01") + ebml(b"\x83", b"\x01") + video))
    cluster = ebml(b"\x1f\x43\xb6\x75", ebml(b"\xe7", b"\x00") + bytes(64))
    return header + ebml(b"\x18\x53\x80\x67", seek_head + info + tracks + cluster)


def colour_at_a_time_jpeg(side, components=3):
    """A baseline JPEG whose colours come in one scan each, as libjpeg may write them: a 1-bit
    Huffman code per table, and each 8×8 block two bits (no change of DC, end of block)."""

    def segment(marker, payload):
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload

    blocks = math.ceil(side / 8) ** 2
    scan = bytes(blocks * 2 // 8) + (b"\xff\x00" if blocks * 2 % 8 else b"")
    return b"".join([
        b"\xff\xd8",
        segment(0xDB, bytes(1) + bytes([1] * 64)),
        segment(0xC0, bytes([8]) + side.to_bytes(2, "big") * 2 + bytes([components])
                + b"".join(bytes([n + 1, 0x11, 0]) for n in range(components))),
        segment(0xC4, bytes([0x00, 1]) + bytes(15) + bytes([0])),
        segment(0xC4, bytes([0x10, 1]) + bytes(15) + bytes([0])),
        *(segment(0xDA, bytes([1, n + 1, 0, 0, 63, 0])) + scan for n in range(components)),
        b"\xff\xd9",
    ])


def make_user(*, username=None, password="pw-for-tests", **fields):
    username = username or f"user{next(_numbers)}"
    return get_user_model().objects.create_user(username=username, password=password, **fields)


def make_series(*, name=None, **fields):
    n = next(_numbers)
    return Series.objects.create(name=name or f"Series {n}", slug=fields.pop("slug", f"series-{n}"), **fields)


def make_reporter(*, name=None, **fields):
    n = next(_numbers)
    return Reporter.objects.create(
        name=name or f"Reporter {n}", slug=fields.pop("slug", f"reporter-{n}"), **fields
    )


def make_page(*, title=None, status=LivePage.Status.LIVE, desk=(), **fields):
    n = next(_numbers)
    page = LivePage.objects.create(
        title=title or f"Live page {n}", slug=fields.pop("slug", f"live-page-{n}"), status=status,
        **fields,
    )
    page.desk.set(desk)
    page.refresh_from_db()
    return page


def make_photo(*, caption="Flood water on Quay Street", credit="Ana Ruiz/Harbour Daily",
               alt_text="Brown water up to the doors of parked cars", **fields):
    return Photo.objects.create(
        image=ContentFile(jpeg_bytes(), name="upload.jpg"), caption=caption, credit=credit,
        alt_text=alt_text, **fields,
    )


def make_video(*, title="Aerial view of the river", **fields):
    fields.setdefault("url", "https://video.example.org/embed/123")
    fields.setdefault("duration", timedelta(minutes=1, seconds=52))
    return Video.objects.create(title=title, **fields)


def make_update(*, live_page=None, headline=None, status=Update.Status.PUBLISHED, authors=(),
                photos=(), **fields):
    live_page = live_page or make_page()
    if status == Update.Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    update = Update.objects.create(
        live_page=live_page, headline=headline or f"Update {next(_numbers)}", status=status,
        body=fields.pop("body", "<p>Water is rising.</p>"), **fields,
    )
    for position, reporter in enumerate(authors):
        UpdateAuthor.objects.create(update=update, reporter=reporter, position=position)
    for position, photo in enumerate(photos):
        UpdatePhoto.objects.create(update=update, photo=photo, position=position)
    return update


def make_key_point(*, live_page, text="Evacuation centres are open", position=0):
    return KeyPoint.objects.create(live_page=live_page, text=text, position=position)


def make_callout(*, live_page, prompt="Has the flood reached your street?", **fields):
    return Callout.objects.create(live_page=live_page, prompt=prompt, **fields)


def make_submission(*, live_page, **fields):
    fields.setdefault("body", "Is the bridge on Mill Road closed?")
    fields.setdefault("name", "Sam Reader")
    fields.setdefault("email", "sam@example.org")
    return ReaderSubmission.objects.create(live_page=live_page, **fields)
