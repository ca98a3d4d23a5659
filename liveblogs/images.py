"""Photos: checking uploads, cleaning them for storage, and the renditions readers are served.

Three steps, each usable on its own:

- ``inspect_upload(file)`` decodes an upload with Pillow (never trusting its name or content type)
  and refuses, in plain words, anything but a JPEG, PNG, WebP or HEIC photo within the size and
  pixel limits. Forms use it through ``forms.PhotoField``; ``Photo.save`` runs it for code that
  bypasses forms. It also reads the caption and credit an agency embedded (IPTC, XMP, EXIF).
- ``clean_master(upload)`` gives the bytes to store as the master: without GPS, serial numbers,
  owner names or any other metadata but copyright, credit and orientation. A JPEG is cleaned
  without re-encoding it, so it loses nothing; its orientation stays a tag, which every browser
  and photo tool applies, and the renditions readers are served are turned upright.

Memory. An upload is decoded within a budget (``MAX_DECODE_BYTES``), checked from the header
before any pixel is decoded (``check_memory``). A baseline JPEG, the phone's format, is decoded at
reduced scale (libjpeg's 1/2 to 1/8, ``Image.draft``), so its cost hardly grows with its size.
Nothing else can be reduced while decoding: a progressive JPEG (or a baseline one stored a colour
at a time, in several scans) holds every coefficient of the full image, and PNG, WebP and HEIC
are decoded in full. Their pixel limit follows from their bytes per
pixel. ``bench/upload_memory.py`` measures the bombs an attacker sent.
- ``make_renditions(master, ...)`` makes every width and format at once. A large JPEG is decoded
  once, at the smallest of libjpeg's 1/2, 1/4, 1/8 scales that still covers the widest rendition
  (``Image.draft``), and each width is resized from the next wider one, so a 24-megapixel photo is
  never decoded in full or resized from full size per width.

Renditions are stored through the photo field's storage (any Django backend: nothing here uses a
local path) and recorded on the ``Photo`` row, which is all a page needs to build its ``srcset``:
rendering a photo costs no query and no storage call.
"""

import io
import logging
import math
import os
import re
import warnings
import xml.etree.ElementTree as ET
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.sax.saxutils import escape, quoteattr

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from PIL import Image, IptcImagePlugin, JpegImagePlugin, UnidentifiedImageError, features
from PIL.PngImagePlugin import PngInfo

from .conf import settings

try:
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - pillow-heif is a dependency; a site may still leave it out
    HEIF_SUPPORT = False
else:
    # Phones send HEIC. Only the primary image is read: no thumbnails or depth maps.
    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    HEIF_SUPPORT = True

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# Pillow allocates large images in blocks, 16 MB by default. Once glibc has freed a block that
# size it keeps later ones in the process's heap instead of giving them back, so every photo
# decoded after the first adds to a worker's memory. Blocks over 32 MB, glibc's highest threshold,
# are always mapped and returned on free; small images still get small blocks.
Image.core.set_block_size(64 * MB)
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", *(["HEIF"] if HEIF_SUPPORT else []))
# What the file picker offers; the server decides by decoding, whatever the browser says.
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"
STORED_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}

# Metadata kept in stored files: who made the photo, who owns it, what it shows and when.
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
ORIENTATION, IMAGE_DESCRIPTION, ARTIST, COPYRIGHT = 0x0112, 0x010E, 0x013B, 0x8298
DATE_TIME_ORIGINAL = 0x9003

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def refuse(message, code):
    raise ValidationError(message, code=code)


def wrong_kind(what):
    return _("This file is %(what)s, not a photo. Upload a JPEG, PNG, WebP or HEIC photo.") % {
        "what": what
    }


# Checking uploads --------------------------------------------------------------------------------


@dataclass
class Embedded:
    """Words embedded in a photo by the camera or the agency (IPTC, XMP or EXIF)."""

    caption: str = ""
    byline: str = ""
    credit: str = ""
    source: str = ""
    copyright: str = ""
    date_taken: str = ""

    def suggested_credit(self):
        """A credit in the newsroom's form, “Jane Doe/Agency”, from what the file says."""
        agency = self.credit or self.source
        if self.byline and agency and agency.casefold() not in self.byline.casefold():
            return f"{self.byline}/{agency}"
        return self.byline or agency


@dataclass
class Upload:
    """An upload that decoded as a photo we accept."""

    data: bytes = field(repr=False)
    format: str
    width: int  # as readers see it, after orientation
    height: int
    orientation: int
    embedded: Embedded
    # A JPEG's pixels as the check decoded them, at reduced scale: enough for the first rendition
    # (``first_specs``), which ``Photo.ingest`` makes from them rather than decoding again.
    reduced: Image.Image | None = field(default=None, repr=False)


def inspect_upload(file, *, max_pixels=None):
    """Decode ``file`` and return what it is, or raise ``ValidationError`` saying what is wrong.

    ``max_pixels`` is the most width × height taken (``MAX_PIXELS`` unless given; readers' uploads
    get ``READER_MAX_PIXELS``). The size, the header's dimensions and the decoding's memory are
    checked before any pixel is decoded. The result is remembered on the file object, so a form
    and then ``Photo.save`` decode it once.
    """
    if (known := getattr(file, "_liveblogs_upload", None)) is not None:
        return known
    size = getattr(file, "size", None)
    if size == 0:
        refuse(_("This file is empty — the upload may not have finished. Try again."), "empty_file")
    if size is not None and size > settings.MAX_UPLOAD_BYTES:
        too_large(size)
    file.seek(0)
    data = file.read(settings.MAX_UPLOAD_BYTES + 1)
    file.seek(0)
    if not data:
        refuse(_("This file is empty — the upload may not have finished. Try again."), "empty_file")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        too_large(len(data))
    kind = sniff(data)
    if kind:
        refuse(kind, "not_a_photo")
    upload = decode(data, max_pixels or settings.MAX_PIXELS)
    try:
        file._liveblogs_upload = upload
    except AttributeError:  # pragma: no cover - a file object that takes no attributes
        pass
    return upload


def validate_photo_file(file):
    """The one upload validator (a Django validator: raises ``ValidationError``, returns None)."""
    inspect_upload(file)


def validate_reader_photo_file(file):
    """The same, with readers' stricter pixel limit: anyone can send one, unsigned."""
    inspect_upload(file, max_pixels=settings.READER_MAX_PIXELS)


def too_large(size):
    refuse(
        _("This file is %(size)s MB; a photo can be at most %(limit)s MB.")
        % {"size": f"{size / MB:.1f}", "limit": f"{settings.MAX_UPLOAD_BYTES / MB:g}"},
        "too_large",
    )


def megapixels(pixels, rounding=round):
    """“24” or “8.3”: a photo's size rounded up, a limit rounded down, so they never look equal."""
    value = pixels / 1e6
    places = 0 if value >= 10 else 1 if value >= 1 else 2
    return f"{rounding(value * 10**places) / 10**places:,g}"


def too_many_pixels(width=None, height=None, pixels=None, limit=None):
    limit = megapixels(limit or settings.MAX_PIXELS, math.floor)
    if width and height:
        message = _(
            "This photo is %(width)s × %(height)s pixels (%(mp)s megapixels); the most we take "
            "is %(limit)s megapixels."
        ) % {"width": f"{width:,}", "height": f"{height:,}", "limit": limit,
             "mp": megapixels(width * height, math.ceil)}
    elif pixels:
        message = _(
            "This photo is %(mp)s megapixels; the most we take is %(limit)s megapixels."
        ) % {"mp": megapixels(pixels, math.ceil), "limit": limit}
    else:
        message = _("This photo has too many pixels; the most we take is %(limit)s megapixels.") % {
            "limit": limit
        }
    refuse(message, "too_many_pixels")


def sniff(data):
    """A plain-words refusal for files that are plainly something else, or "" to try decoding."""
    head = data[:2048]
    if head.startswith(b"%PDF"):
        return wrong_kind(_("a PDF"))
    if head.startswith((b"GIF87a", b"GIF89a")):
        return wrong_kind(_("a GIF"))
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return wrong_kind(_("a TIFF or camera raw file"))
    if head.startswith(b"PK\x03\x04"):
        return wrong_kind(_("a ZIP archive or office document"))
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}:
            if not HEIF_SUPPORT:
                return _("This is a HEIC photo, which this site cannot read. Export it as JPEG.")
            return ""
        if brand in {b"avif", b"avis"}:
            return wrong_kind(_("an AVIF image"))
        return wrong_kind(_("a video"))
    if head.startswith(b"\x1aE\xdf\xa3") or (head[:4] == b"RIFF" and head[8:12] == b"AVI "):
        return wrong_kind(_("a video"))
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text) or (
        text.startswith(b"<!doctype svg")
    ):
        return wrong_kind(_("an SVG drawing"))
    if text.startswith((b"<!doctype html", b"<html")):
        return wrong_kind(_("a web page"))
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is still text.
            if error.start < len(head) - 4:
                return ""
        return wrong_kind(_("text"))
    return ""


def open_image(data):
    """Open ``data`` (reading its header only) with the accepted Pillow plugins alone.

    Our own limits are the ones that count: Pillow's decompression-bomb warning, raised for
    anything over 89 megapixels that we may well take, is kept out of the logs.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)


def decode(data, max_pixels):
    """Open ``data``, check its size, its data and the memory it needs, and decode it."""
    if data.startswith(PNG_SIGNATURE):
        check_png_chunks(data)  # before Pillow reads them, one by one
    try:
        image = open_image(data)
    except Image.DecompressionBombError as error:
        found = re.search(r"\((\d+) pixels\)", str(error))
        too_many_pixels(pixels=int(found[1]) if found else None, limit=max_pixels)
    except UnidentifiedImageError:
        if data.startswith((b"\xff\xd8\xff", b"\x89PNG")) or data[4:8] == b"ftyp" or (
            data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        ):
            # It starts like a photo we take but does not open: most often an unfinished upload.
            cut_off()
        refuse(
            _("This file is not a photo we can read. Upload a JPEG, PNG, WebP or HEIC photo."),
            "not_a_photo",
        )
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as error:
        refuse_broken(error)
    with image:
        # Phones' multi-picture JPEGs (a depth map or HDR gain map after the photo) open as MPO;
        # the photo is the first picture, an ordinary JPEG.
        kind = "JPEG" if image.format == "MPO" else image.format
        width, height = image.size
        if width * height > max_pixels:
            too_many_pixels(width, height, limit=max_pixels)
        if kind in {"PNG", "WEBP"} and getattr(image, "is_animated", False):
            refuse(_("This file is an animation; upload a still photo."), "animated")
        scans = check_jpeg_data(image, data) if kind == "JPEG" else 1
        check_memory(image, kind, scans)
        try:
            if kind == "JPEG":
                # Every byte of a JPEG is read even at 1/8 scale, so a cut-off file is still caught,
                # for a fraction of the work of a full decode.
                image.draft(None, checking_size(image))
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as error:
            refuse_broken(error)
        small = image.width * image.height <= REDUCED_MAX_PIXELS
        reduced = image.copy() if kind == "JPEG" and small else None
        exif = image.getexif()
        orientation = exif.get(ORIENTATION, 1) if kind != "HEIF" else 1
        if orientation not in range(1, 9):
            orientation = 1
        if orientation >= 5:
            width, height = height, width
        return Upload(
            data=data, format=kind, width=width, height=height, orientation=orientation,
            embedded=read_embedded(image, exif), reduced=reduced,
        )


# The most pixels of a JPEG decoded for the check that are kept for its first rendition (12 MB in
# RGB). A phone's photo decodes for it at an eighth or a quarter, far below; a narrow photo tall
# as a scrolling screenshot would not, and is checked at an eighth and decoded again instead.
REDUCED_MAX_PIXELS = 4_000_000


def checking_size(image):
    """The size to have libjpeg decode a JPEG at for the check: an eighth of it, or more if the
    first rendition needs more, so that rendition can be made from the same pixels. The cost is
    in reading every byte, which any scale does; an eighth or a quarter hardly differ."""
    width, height = image.size
    eighth = (max(1, width // 8), max(1, height // 8))
    turned = image.getexif().get(ORIENTATION, 1) in (5, 6, 7, 8)
    upright = (height, width) if turned else (width, height)
    first = first_specs(rendition_specs(*upright))
    scale = first[0][0] / upright[0] if first else 0
    wanted = (max(eighth[0], math.ceil(width * scale)), max(eighth[1], math.ceil(height * scale)))
    # libjpeg's scale: the smallest of 1/8, 1/4, 1/2 and 1 that still gives ``wanted``.
    reduction = next(
        (r for r in (8, 4, 2) if math.ceil(width / r) >= wanted[0]
         and math.ceil(height / r) >= wanted[1]),
        1,
    )
    if math.ceil(width / reduction) * math.ceil(height / reduction) > REDUCED_MAX_PIXELS:
        return eighth
    return wanted


def cut_off():
    refuse(_("This photo is cut off — the upload may not have finished. Try again."), "cut_off")


# Passes (scans) a JPEG's image may come in. libjpeg's progressive JPEGs have 10, mozjpeg's a few
# more; every scan is decoded over the whole image, so thousands of tiny ones cost minutes.
MAX_JPEG_SCANS = 64


def jpeg_scans(data):
    """How many scans a JPEG's (first) image has, and how many bytes of compressed data they
    hold, from its markers alone. Junk between segments is skipped, as libjpeg skips it."""
    scans = entropy = 0
    pos = 2
    while pos < len(data) - 1 and scans <= MAX_JPEG_SCANS:
        if data[pos] != 0xFF:
            pos = data.find(b"\xff", pos)
            if pos < 0:
                break
            continue
        marker = data[pos + 1]
        pos += 2
        if marker == 0xD9:
            break
        if marker in (0xFF, 0x00, 0x01) or 0xD0 <= marker <= 0xD7:
            pos -= 1 if marker == 0xFF else 0
            continue
        pos += int.from_bytes(data[pos : pos + 2], "big")
        if marker == 0xDA:  # start of scan: its compressed data runs to the next marker
            scans += 1
            found = NEXT_MARKER.search(data, pos)
            end = found.start() if found else len(data)
            entropy += end - pos
            pos = end
    return scans, entropy


def jpeg_blocks(image):
    """The 8×8 blocks of all components of a JPEG, from its frame header (Pillow's ``layer``:
    component id, horizontal and vertical sampling, quantisation table)."""
    width, height = image.size
    h_max = max(h for _id, h, _v, _table in image.layer)
    v_max = max(v for _id, _h, v, _table in image.layer)
    return sum(
        math.ceil(math.ceil(width * h / h_max) / 8) * math.ceil(math.ceil(height * v / v_max) / 8)
        for _id, h, v, _table in image.layer
    )


def check_jpeg_data(image, data):
    """Refuse a JPEG whose structure would cost far more to decode than a photo does: sampling
    factors the format does not allow, more scans than any encoder makes, or compressed data too
    small for the pixels its header claims. Returns its number of scans.

    Every 8×8 block of every component costs at least one bit of compressed data; libjpeg fills a
    shortfall with grey and says nothing, so a 629-byte file claiming 10,000 × 10,000 pixels would
    otherwise become a 100-megapixel photo with every rendition. Only the scans' own bytes count:
    a comment segment padding the file holds no pixels.
    """
    if not all(1 <= h <= 4 and 1 <= v <= 4 for _id, h, v, _table in image.layer):
        refuse(_("This photo is damaged and cannot be read. Try exporting it again."), "damaged")
    scans, entropy = jpeg_scans(data)
    if scans > MAX_JPEG_SCANS:
        refuse(
            _("This JPEG is made of more than %(limit)s passes (scans), which no camera or editor "
              "makes. Export it again as a standard JPEG.") % {"limit": MAX_JPEG_SCANS},
            "too_many_scans",
        )
    if entropy * 8 < jpeg_blocks(image):
        refuse(
            _("This photo is damaged: the file holds far fewer pixels than it says it has. Try "
              "exporting it again."),
            "damaged",
        )
    return scans


# Chunks a PNG may have: its pixels may come in many IDAT chunks, but a photo carries few others.
# Pillow keeps every chunk it does not know in memory, so two million tiny ones cost 265 MB.
MAX_PNG_CHUNKS, MAX_PNG_OTHER_CHUNKS = 20_000, 256


def check_png_chunks(data):
    """Refuse a PNG made of more chunks than any image editor writes, before Pillow reads them."""
    pos, chunks, others = 8, 0, 0
    while pos + 8 <= len(data):
        kind = data[pos + 4 : pos + 8]
        chunks += 1
        others += kind != b"IDAT"
        if chunks > MAX_PNG_CHUNKS or others > MAX_PNG_OTHER_CHUNKS:
            refuse(
                _("This PNG is made of too many pieces (chunks) to be a photo. Save it again "
                  "from an image editor, or as a JPEG."),
                "too_many_chunks",
            )
        if kind == b"IEND":
            return
        pos += 12 + int.from_bytes(data[pos : pos + 4], "big")


# Bytes per pixel of Pillow's images by mode ("RGB" is stored in four bytes, as "RGBA").
MODE_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# What the codecs hold besides Pillow's image while decoding in full, per pixel (measured with
# bench/upload_memory.py): libheif decodes into a buffer of its own, which Pillow then copies;
# Pillow reads WebP through libwebp's animation decoder, which keeps two canvases of its own and
# hands over a third copy; an RGBA one more besides (bench/upload_memory.py).
CODEC_BYTES = {"WEBP": 18, "HEIF": 3}


def decoding_bytes_per_pixel(image, kind, scans=1):
    """Memory per pixel of decoding ``image`` for checking, the master and renditions: 0 for a
    baseline JPEG in one scan, which is only ever decoded at reduced scale."""
    if kind == "JPEG":
        if not image.info.get("progressive") and scans <= 1:
            return 0
        # A JPEG in several scans — progressive, or a baseline one a colour at a time — makes
        # libjpeg keep every DCT coefficient (2 bytes) of every block until its last scan,
        # whatever the scale it is decoded at.
        return jpeg_blocks(image) * 64 * 2 / (image.width * image.height)
    # Renditions are made by bands (``resized_in_bands``): what counts is the decoded photo.
    return MODE_BYTES.get(image.mode, 4) + CODEC_BYTES.get(kind, 0)


def check_memory(image, kind, scans=1):
    """Refuse, before decoding, a photo that would take more than ``MAX_DECODE_BYTES`` to decode."""
    per_pixel = decoding_bytes_per_pixel(image, kind, scans)
    if not per_pixel or image.width * image.height * per_pixel <= settings.MAX_DECODE_BYTES:
        return
    values = {
        "mp": megapixels(image.width * image.height, math.ceil),
        "limit": megapixels(settings.MAX_DECODE_BYTES / per_pixel, math.floor),
    }
    if kind == "JPEG" and image.info.get("progressive"):
        message = _(
            "This photo is a progressive JPEG of %(mp)s megapixels; the most we take in that form "
            "is %(limit)s megapixels. Save it as a standard (baseline) JPEG, or smaller."
        ) % values
    elif kind == "JPEG":
        message = _(
            "This photo is a JPEG of %(mp)s megapixels stored a colour at a time; the most we "
            "take in that form is %(limit)s megapixels. Save it as a standard JPEG, or smaller."
        ) % values
    else:
        values["format"] = {"PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC"}.get(kind, kind)
        message = _(
            "This %(format)s photo is %(mp)s megapixels; the most we take as %(format)s is "
            "%(limit)s megapixels. Upload it as a JPEG, or smaller."
        ) % values
    refuse(message, "too_many_pixels")


def refuse_broken(error):
    if "truncated" in str(error).lower() or isinstance(error, EOFError):
        cut_off()
    refuse(_("This photo is damaged and cannot be read. Try exporting it again."), "damaged")


# Embedded words ----------------------------------------------------------------------------------


def read_embedded(image, exif):
    """Caption, byline, credit and copyright from IPTC, then XMP, then EXIF: the first that has it.

    Metadata that cannot be read is ignored: it never stops a photo from being accepted.
    """
    found = Embedded()
    for reader in (read_iptc, read_xmp, read_exif):
        try:
            values = reader(image, exif)
        except Exception:  # noqa: BLE001 - any malformed metadata is only metadata
            logger.info("Unreadable %s metadata ignored", reader.__name__, exc_info=True)
            continue
        for name, value in values.items():
            value = " ".join(str(value).split())
            if value and not getattr(found, name):
                setattr(found, name, value)
    return found


def iptc_text(value, utf8):
    if isinstance(value, list):
        value = b"; ".join(value)
    if utf8:
        return value.decode("utf-8", "replace")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def read_iptc(image, exif):
    if image.format != "JPEG":
        return {}
    info = IptcImagePlugin.getiptcinfo(image) or {}
    utf8 = b"\x1b%G" in (info.get((1, 90)) or b"")
    names = {"caption": (2, 120), "byline": (2, 80), "credit": (2, 110), "source": (2, 115),
             "copyright": (2, 116)}
    return {name: iptc_text(info[key], utf8) for name, key in names.items() if key in info}


def read_xmp(image, exif):
    raw = image.info.get("xmp") or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    start = raw.find(b"<x:xmpmeta")
    end = raw.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        start, end = raw.find(b"<rdf:RDF"), raw.rfind(b"</rdf:RDF>")
        if start < 0 or end < 0:
            return {}
        end += len(b"</rdf:RDF>")
    else:
        end += len(b"</x:xmpmeta>")
    packet = raw[start:end]
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return {}  # no entity tricks from an uploaded file
    root = ET.fromstring(packet)
    values = {}
    for description in root.iter(f"{{{RDF}}}Description"):
        for name in ("Credit", "Source"):
            if (value := description.get(f"{{{PHOTOSHOP}}}{name}")) is not None:
                values.setdefault(name.lower(), value)
        for element in description:
            name = {
                f"{{{DC}}}description": "caption", f"{{{DC}}}creator": "byline",
                f"{{{DC}}}rights": "copyright", f"{{{PHOTOSHOP}}}Credit": "credit",
                f"{{{PHOTOSHOP}}}Source": "source",
            }.get(element.tag)
            if name:
                values.setdefault(name, xmp_value(element))
    return values


def xmp_value(element):
    """A simple value, the default language of an rdf:Alt, or the items of an rdf:Seq/Bag."""
    items = list(element.iter(f"{{{RDF}}}li"))
    if not items:
        return element.text or ""
    if element.find(f"{{{RDF}}}Alt") is not None:
        default = [li for li in items if li.get(XML_LANG) == "x-default"]
        return (default or items)[0].text or ""
    return ", ".join(li.text for li in items if li.text)


def read_exif(image, exif):
    values = {"caption": exif.get(IMAGE_DESCRIPTION), "byline": exif.get(ARTIST),
              "copyright": exif.get(COPYRIGHT),
              "date_taken": exif.get_ifd(EXIF_IFD).get(DATE_TIME_ORIGINAL)}
    return {name: value for name, value in values.items() if isinstance(value, str)}


# The master --------------------------------------------------------------------------------------


@dataclass
class Master:
    """The file stored as the photo: upright and without personal metadata."""

    data: bytes = field(repr=False)
    extension: str
    width: int
    height: int


def kept_exif(embedded, orientation=1):
    """EXIF holding only who made the photo, who owns it, when, and which way up it goes."""
    exif = Image.Exif()
    if orientation != 1:
        exif[ORIENTATION] = orientation
    for tag, value in [(ARTIST, embedded.byline), (COPYRIGHT, embedded.copyright)]:
        # EXIF text is ASCII; names that are not go in the XMP alone.
        if value and value.isascii():
            exif[tag] = value
    if embedded.date_taken and embedded.date_taken.isascii():
        exif[EXIF_IFD] = {DATE_TIME_ORIGINAL: embedded.date_taken}
    return exif.tobytes() if len(exif) else b""


def kept_xmp(embedded):
    """A small XMP packet with the credit and copyright, in full Unicode."""
    properties = []
    if embedded.byline:
        properties.append(
            f"<dc:creator><rdf:Seq><rdf:li>{escape(embedded.byline)}</rdf:li></rdf:Seq></dc:creator>"
        )
    if embedded.copyright:
        properties.append(
            '<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(embedded.copyright)}</rdf:li></rdf:Alt></dc:rights>"
        )
    attributes = "".join(
        f" photoshop:{name}={quoteattr(value)}"
        for name, value in [("Credit", embedded.credit), ("Source", embedded.source)]
        if value
    )
    if not properties and not attributes:
        return b""
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" xmlns:dc="{DC}" xmlns:photoshop="{PHOTOSHOP}"{attributes}>'
        f"{''.join(properties)}</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def clean_master(upload):
    """The bytes to store for ``upload``: personal metadata gone; credit and orientation kept.

    JPEG, PNG and WebP are rewritten without decoding: their metadata segments or chunks are
    replaced, their compressed pixels copied byte for byte. So the master loses nothing, and is
    never turned (its orientation stays a tag); its ``width`` and ``height`` are the photo's as
    readers see it, upright. HEIC, which browsers cannot show, becomes a JPEG.
    """
    exif, xmp = kept_exif(upload.embedded, upload.orientation), kept_xmp(upload.embedded)
    rewrite = {"JPEG": rewrite_jpeg, "PNG": rewrite_png, "WEBP": rewrite_webp}.get(upload.format)
    if rewrite:
        try:
            data = rewrite(upload.data, exif=exif, xmp=xmp)
        except (ValueError, IndexError):
            # Bytes the decoder tolerates but we cannot walk: re-encoded below instead, which
            # decodes in full, so only within the memory budget.
            if upload.width * upload.height * 8 > settings.MAX_DECODE_BYTES:
                refuse(_("This photo is damaged and cannot be read. Try exporting it again."),
                       "damaged")
        else:
            return Master(data, STORED_EXTENSIONS[upload.format], upload.width, upload.height)
    with open_image(upload.data) as image:
        image.load()
        icc = image.info.get("icc_profile")
        out = io.BytesIO()
        if upload.format == "JPEG":
            # With the original's quantisation, so it keeps its quality and about its size.
            sampling = JpegImagePlugin.get_sampling(image)
            image.save(
                out, "JPEG", qtables=image.quantization, icc_profile=icc, exif=exif, xmp=xmp,
                **({"subsampling": sampling} if sampling != -1 else {}),
            )
        elif upload.format == "PNG":
            info = PngInfo()
            if xmp:
                info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"))
            image.save(out, "PNG", pnginfo=info, icc_profile=icc, exif=exif)
        elif upload.format == "WEBP":
            image.save(out, "WEBP", lossless=webp_is_lossless(upload.data), quality=90,
                       icc_profile=icc, exif=exif, xmp=xmp)
        else:
            # HEIC is stored as JPEG: browsers and feed readers cannot show HEIC.
            flattened = flatten(image) if image.mode != "RGB" else image
            flattened.save(out, "JPEG", quality=90, icc_profile=icc, exif=exif, xmp=xmp)
        extension = STORED_EXTENSIONS.get(upload.format, "jpg")
        return Master(out.getvalue(), extension, upload.width, upload.height)


def webp_is_lossless(data):
    """Whether a WebP file's image is lossless (a VP8L chunk) rather than lossy (VP8)."""
    pos = 12
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        if chunk in {b"VP8L", b"VP8 "}:
            return chunk == b"VP8L"
        pos += 8 + size + (size & 1)
    return False


# Segments kept from a JPEG's header: JFIF, the colour profile, Adobe's colour-transform flag.
KEPT_JPEG_SEGMENTS = {0xE0: (b"JFIF\x00",), 0xE2: (b"ICC_PROFILE\x00",), 0xEE: (b"Adobe",)}
# In entropy-coded data, 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; any other
# byte after it starts the next marker.
NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def rewrite_jpeg(data, *, exif=b"", xmp=b""):
    """``data`` with every APPn and comment segment dropped but those in ``KEPT_JPEG_SEGMENTS``,
    ``exif`` and ``xmp`` put in their place, and nothing after the image's end.

    The compressed image itself is copied byte for byte: no decoding, no loss. What comes after
    the end of the image (the extra pictures of “multi-picture” phone files, which carry their own
    EXIF, or anything appended) is dropped.
    """
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    header, body = [], []
    pos = 2
    ended = False
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError("JPEG marker expected")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            ended = True
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            body.append(bytes((0xFF, marker)))
            continue
        length = int.from_bytes(data[pos : pos + 2], "big")
        segment = data[pos - 2 : pos + length]
        pos += length
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            kept = KEPT_JPEG_SEGMENTS.get(marker)
            if kept and not body and segment[4:].startswith(kept):
                header.append(segment)
            continue
        body.append(segment)
        if marker == 0xDA:  # start of scan: its compressed data runs to the next marker
            found = NEXT_MARKER.search(data, pos)
            if found is None:
                raise ValueError("JPEG ends inside a scan")
            body.append(data[pos : found.start()])
            pos = found.start()
    if not ended:
        raise ValueError("JPEG has no end")
    ours = []
    if exif:
        ours.append(app1(exif))
    if xmp:
        ours.append(app1(b"http://ns.adobe.com/xap/1.0/\x00" + xmp))
    jfif = [s for s in header if s[1] == 0xE0]
    rest = [s for s in header if s[1] != 0xE0]
    return b"".join([b"\xff\xd8", *jfif, *ours, *rest, *body, b"\xff\xd9"])


def app1(payload):
    if len(payload) + 2 > 0xFFFF:
        return b""
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks kept from a PNG: the pixels and what says how to show them. Text, time, EXIF and any
# chunk we do not know are dropped.
KEPT_PNG_CHUNKS = {
    b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"pHYs", b"bKGD",
}


def png_chunk(kind, data):
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def rewrite_png(data, *, exif=b"", xmp=b""):
    """``data`` with only ``KEPT_PNG_CHUNKS``, and ``exif`` and ``xmp`` before the pixels.

    The compressed image data is copied as it is: no decoding, no loss.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG")
    kept, pos, ours_added = [PNG_SIGNATURE], len(PNG_SIGNATURE), False
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("PNG chunk runs past the end")
        if kind == b"IDAT" and not ours_added:
            if exif:
                kept.append(png_chunk(b"eXIf", exif.removeprefix(b"Exif\x00\x00")))
            if xmp:
                kept.append(png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp))
            ours_added = True
        if kind in KEPT_PNG_CHUNKS:
            kept.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            return b"".join(kept)
    raise ValueError("PNG has no end")


def rewrite_webp(data, *, exif=b"", xmp=b""):
    """``data`` with its EXIF and XMP chunks replaced by ``exif`` and ``xmp``; the image chunks
    (VP8, VP8L, ALPH) and colour profile are copied as they are: no decoding, no loss.

    Metadata needs the extended header (VP8X), whose flags say which chunks follow.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    chunks, pos = {}, 12
    order = []
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > len(data):
            raise ValueError("WebP chunk runs past the end")
        chunks.setdefault(kind, data[pos + 8 : pos + 8 + size])
        order.append(kind)
        pos = end
    image = [k for k in order if k in {b"ALPH", b"VP8 ", b"VP8L"}]
    if not image or b"ANIM" in chunks:
        raise ValueError("not a still WebP")
    if b"VP8X" in chunks:
        width = int.from_bytes(chunks[b"VP8X"][4:7], "little") + 1
        height = int.from_bytes(chunks[b"VP8X"][7:10], "little") + 1
    else:
        with open_image(data) as opened:
            width, height = opened.size
    alpha = b"ALPH" in chunks or (
        b"VP8L" in chunks and len(chunks[b"VP8L"]) > 4 and chunks[b"VP8L"][4] & 0x10
    )
    flags = (0x20 if b"ICCP" in chunks else 0) | (0x10 if alpha else 0)
    flags |= (0x08 if exif else 0) | (0x04 if xmp else 0)
    vp8x = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(
        3, "little"
    )

    def chunk(kind, payload):
        return kind + len(payload).to_bytes(4, "little") + payload + b"\x00" * (len(payload) & 1)

    body = b"".join([
        chunk(b"VP8X", vp8x),
        *([chunk(b"ICCP", chunks[b"ICCP"])] if b"ICCP" in chunks else []),
        *(chunk(kind, chunks[kind]) for kind in image),
        *([chunk(b"EXIF", exif.removeprefix(b"Exif\x00\x00"))] if exif else []),
        *([chunk(b"XMP ", xmp)] if xmp else []),
    ])
    return b"RIFF" + (len(body) + 4).to_bytes(4, "little") + b"WEBP" + body


def flatten(image, background=(255, 255, 255)):
    """An RGB copy of ``image``, transparent parts laid on white."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


# Renditions --------------------------------------------------------------------------------------

# What turns a picture upright, by its EXIF orientation (as ``ImageOps.exif_transpose``).
TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}

# Pillow format, MIME type, file extension and encoder options of each rendition format.
ENCODINGS = {
    "avif": ("AVIF", "image/avif", "avif", {"quality": 60, "speed": 8, "max_threads": 1}),
    # WebP method 1 takes a quarter of the time of the default (4), and a third less than 2, for
    # files no larger on our photos (bench/photos.py).
    "webp": ("WEBP", "image/webp", "webp", {"quality": 80, "method": 1}),
    "jpeg": ("JPEG", "image/jpeg", "jpg", {"quality": 82, "optimize": True}),
}
# From this width up, JPEGs are written without optimised Huffman tables: a second pass over the
# data that costs most at large widths, for files a tenth smaller that few readers fetch (the
# JPEG is the fallback of browsers without WebP; feeds and share cards take 1,280).
JPEG_OPTIMIZE_BELOW = 1280
# Renditions of one photo are encoded side by side on up to this many cores.
ENCODER_THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
# <source> elements come in this order: the browser takes the first type it reads.
SOURCE_ORDER = ("avif", "webp")


@dataclass
class Rendition:
    width: int
    height: int
    format: str
    data: bytes = field(repr=False)


def rendition_formats():
    """The configured formats this Pillow can write; JPEG, the fallback, always."""
    wanted = [f for f in settings.RENDITION_FORMATS if f in ENCODINGS]
    if "avif" in wanted and not features.check("avif"):
        wanted.remove("avif")
    return [*dict.fromkeys([*wanted, "jpeg"])]


# The tallest (or widest) rendition WebP can hold; a phone's scrolling screenshot can be taller.
MAX_RENDITION_SIDE = 16_383


def rendition_widths(width, height=None):
    """The configured widths narrower than the photo, and the photo's own width when it is no
    wider than the widest: renditions are never upscaled. For a photo so tall that a width's
    rendition would pass ``MAX_RENDITION_SIDE``, the widest that fits takes its place."""
    widths = sorted({int(w) for w in settings.RENDITION_WIDTHS if int(w) > 0})
    chosen = [w for w in widths if w < width]
    if not widths or width <= widths[-1]:
        chosen.append(width)
    if height and height * chosen[-1] > MAX_RENDITION_SIDE * width:
        fits = max(1, MAX_RENDITION_SIDE * width // height)
        chosen = sorted({min(w, fits) for w in chosen})
    return chosen


def rendition_specs(width, height=None):
    """Every (width, format) a photo ``width`` × ``height`` pixels should have."""
    return [(w, f) for w in rendition_widths(width, height) for f in rendition_formats()]


def first_specs(specs):
    """Of ``specs``, those made while the uploader waits: one width, the first a reader needs
    (``FIRST_RENDITION_WIDTH``, what a phone's screen picks from the live page's ``sizes``; the
    photo's widest if it is narrower), in WebP and JPEG. AVIF, slow to encode and read only by
    browsers that also read WebP, waits with the other widths for the background (``tasks.py``)."""
    widths = sorted({w for w, _format in specs})
    if not widths:
        return []
    wanted = settings.FIRST_RENDITION_WIDTH
    width = next((w for w in widths if w >= wanted), widths[-1])
    return [(w, f) for w, f in specs if w == width and f != "avif"] or [
        (w, f) for w, f in specs if w == width
    ]


def make_renditions(data, specs, *, reduced=None):
    """Encode ``specs`` ((width, format) pairs) from the stored master ``data``.

    Each rendition keeps the photo's aspect ratio. ``reduced`` is the photo's pixels already
    decoded at reduced scale (``Upload.reduced``): where they cover the widest of ``specs``,
    ``data`` is only opened for its header (orientation, colour profile, credits).
    """
    if not specs:
        return []
    widths = sorted({w for w, _ in specs}, reverse=True)
    with open_image(data) as image:
        # Masters keep their orientation as a tag (``clean_master``): readers get it applied.
        orientation = image.getexif().get(ORIENTATION, 1)
        if orientation not in range(1, 9):
            orientation = 1
        turned = orientation >= 5
        height, width = image.size if turned else image.size[::-1]
        pixels = image
        if reduced is not None and reduced.size[turned] >= widths[0]:
            pixels = reduced
        else:
            if image.format in {"JPEG", "MPO"}:
                # Libjpeg scales while decoding: 1/2, 1/4 or 1/8 of the pixels, as large as needed.
                wanted = (widths[0], max(1, widths[0] * height // width))
                image.draft(None, wanted[::-1] if turned else wanted)
            image.load()
        icc = image.info.get("icc_profile") if image.mode != "CMYK" else None
        embedded = read_embedded(image, image.getexif())
        has_alpha = pixels.mode in {"RGBA", "LA", "PA"} or (
            pixels.mode == "P" and "transparency" in pixels.info
        )
        mode = "RGBA" if has_alpha else "RGB"
        metadata = {"icc_profile": icc, "exif": kept_exif(embedded), "xmp": kept_xmp(embedded)}
        sizes = [(w, max(1, round(w * height / width))) for w in widths]
        # The widest rendition is made from the photo by bands (no full-size copy); then the
        # photo's pixels are let go before any encoding starts.
        w, h = sizes[0]
        current = resized_in_bands(pixels, (h, w) if turned else (w, h), mode)
        image.close()
    if orientation != 1:
        # Turned upright at the widest rendition: a copy of it, not of the photo.
        current = current.transpose(TURNS[orientation])
    # Pillow lets go of the GIL while it resizes and encodes: one width is encoded while the
    # next is resized. Each task has its own image; one image is never saved by two threads.
    with ThreadPoolExecutor(max_workers=ENCODER_THREADS) as pool:
        tasks = []
        for w, h in sizes:
            if current.size != (w, h):
                # From the previous, wider rendition: each step is a small reduction.
                current = current.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
            names = [f for size, f in specs if size == w]
            tasks.append(pool.submit(encode_all, current, w, h, names, metadata))
        return [rendition for task in tasks for rendition in task.result()]


def resized_in_bands(image, size, mode, rows=64):
    """``image`` in ``mode`` (RGB or RGBA) at ``size``, made a band of rows at a time.

    The same pixels as ``image.convert(mode).resize(size, LANCZOS)`` without their full-size
    copies: a converted mode is a copy, and Pillow copies a whole RGBA image to premultiply its
    alpha before resizing it. Each band takes the source rows the filter reaches beyond its edges
    (Lanczos: three output pixels each way), so the seams do not show.
    """
    width, height = image.size
    if (width, height) == size:  # a photo no wider than the widest rendition: small
        return image.copy() if image.mode == mode else image.convert(mode)
    scale = height / size[1]
    reach = math.ceil(3 * max(scale, 1)) + 1
    out = Image.new(mode, size)
    for top in range(0, size[1], rows):
        bottom = min(size[1], top + rows)
        y0, y1 = top * scale, bottom * scale
        first, last = max(0, math.floor(y0) - reach), min(height, math.ceil(y1) + reach)
        band = image.crop((0, first, width, last))
        if band.mode != mode:
            band = band.convert(mode)
        box = (0, y0 - first, width, y1 - first)
        out.paste(band.resize((size[0], bottom - top), Image.Resampling.LANCZOS, box=box), (0, top))
    return out


def encode_all(image, width, height, names, metadata):
    return [Rendition(width, height, name, encode(image, name, metadata)) for name in names]


def encode(image, name, metadata):
    pillow_format, _mime, _ext, options = ENCODINGS[name]
    if pillow_format == "JPEG" and image.mode != "RGB":
        image = flatten(image)
    if pillow_format == "JPEG" and image.width >= JPEG_OPTIMIZE_BELOW:
        options = {**options, "optimize": False}
    out = io.BytesIO()
    image.save(out, pillow_format, **options, **{k: v for k, v in metadata.items() if v})
    return out.getvalue()


def rendition_name(master_name, width, name):
    """Where a rendition is stored: beside its master, named by the master and the spec."""
    path = PurePosixPath(master_name)
    return str(path.with_name(f"{path.stem}_{width}w.{ENCODINGS[name][2]}"))


def store_renditions(storage, master_name, renditions):
    """Save ``renditions`` in ``storage`` and return their record for ``Photo.renditions``.

    If one cannot be saved, those already saved are deleted again before the error goes on.
    """
    record = []
    try:
        for rendition in renditions:
            stored = storage.save(
                rendition_name(master_name, rendition.width, rendition.format),
                ContentFile(rendition.data),
            )
            record.append({"width": rendition.width, "height": rendition.height,
                           "format": rendition.format, "name": stored})
    except Exception:
        for entry in record:
            storage.delete(entry["name"])
        raise
    return sorted(record, key=lambda r: (r["format"], r["width"]))


# Serving -----------------------------------------------------------------------------------------


class Picture:
    """What ``<picture>`` needs for one photo, from the renditions recorded on its row.

    Builds URLs with ``storage.url()`` only: no query and no call to the storage service. A
    photo readers have not been shown is private (``media.py``): its URLs are those of the view
    that serves it to signed-in staff.
    """

    # The fallback ``src`` for browsers that ignore ``srcset``: a width that suits most screens.
    FALLBACK_WIDTH = 1280

    def __init__(self, photo):
        self.photo = photo
        self.storage = default_storage if photo.public else None
        self.by_format = {}
        for entry in photo.renditions or ():
            self.by_format.setdefault(entry["format"], []).append(entry)
        for entries in self.by_format.values():
            entries.sort(key=lambda r: r["width"])

    def url(self, entry):
        return self.file_url(entry["name"])

    def file_url(self, name):
        if self.storage is not None:
            return self.storage.url(name)
        return reverse("liveblogs:photo_file", args=[self.photo.pk, PurePosixPath(name).name])

    def srcset(self, entries):
        return ", ".join(f"{self.url(e)} {e['width']}w" for e in entries)

    @cached_property
    def sources(self):
        return [
            {"type": ENCODINGS[name][1], "srcset": self.srcset(self.by_format[name])}
            for name in SOURCE_ORDER
            if self.by_format.get(name)
        ]

    @property
    def jpegs(self):
        return self.by_format.get("jpeg", [])

    @cached_property
    def srcset_jpeg(self):
        return self.srcset(self.jpegs)

    @cached_property
    def src(self):
        return self.jpeg_url(self.FALLBACK_WIDTH)

    def jpeg_url(self, max_width):
        """The widest JPEG rendition up to ``max_width``, else the narrowest, else the master."""
        if not self.jpegs:
            return self.file_url(self.photo.image.name) if self.photo.image else ""
        fitting = [e for e in self.jpegs if e["width"] <= max_width] or self.jpegs[:1]
        return self.url(fitting[-1])

    @cached_property
    def thumbnail_url(self):
        entries = self.by_format.get("webp") or self.jpegs
        return self.url(entries[0]) if entries else self.src

    @property
    def width(self):
        return self.jpegs[-1]["width"] if self.jpegs else self.photo.width

    @property
    def height(self):
        return self.jpegs[-1]["height"] if self.jpegs else self.photo.height
