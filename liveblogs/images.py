"""Photos: checking uploads, cleaning them for storage, and the renditions readers are served.

Three steps, each usable on its own:

- ``inspect_upload(file)`` decodes an upload with Pillow (never trusting its name or content type)
  and refuses, in plain words, anything but a JPEG, PNG, WebP or HEIC photo within the size and
  pixel limits. Forms use it through ``forms.PhotoField``; ``Photo.save`` runs it for code that
  bypasses forms. It also reads the caption and credit an agency embedded (IPTC, XMP, EXIF).
- ``clean_master(upload)`` gives the bytes to store as the master: upright (EXIF orientation
  applied), without GPS, serial numbers, owner names or any other metadata but copyright and credit.
  A JPEG that needs no turning is cleaned without re-encoding it, so it loses nothing.
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
import os
import re
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.sax.saxutils import escape, quoteattr

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, IptcImagePlugin, JpegImagePlugin, UnidentifiedImageError, features
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


def inspect_upload(file):
    """Decode ``file`` and return what it is, or raise ``ValidationError`` saying what is wrong.

    The result is remembered on the file object, so a form and then ``Photo.save`` decode it once.
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
    upload = decode(data)
    try:
        file._liveblogs_upload = upload
    except AttributeError:  # pragma: no cover - a file object that takes no attributes
        pass
    return upload


def validate_photo_file(file):
    """The one upload validator (a Django validator: raises ``ValidationError``, returns None)."""
    inspect_upload(file)


def too_large(size):
    refuse(
        _("This file is %(size)s MB; a photo can be at most %(limit)s MB.")
        % {"size": f"{size / MB:.1f}", "limit": f"{settings.MAX_UPLOAD_BYTES / MB:g}"},
        "too_large",
    )


def megapixels(pixels):
    return f"{pixels / 1e6:,.0f}" if pixels >= 10e6 else f"{pixels / 1e6:.2g}"


def too_many_pixels(width=None, height=None, pixels=None):
    limit = megapixels(settings.MAX_PIXELS)
    if width and height:
        message = _(
            "This photo is %(width)s × %(height)s pixels (%(mp)s megapixels); the most we take "
            "is %(limit)s megapixels."
        ) % {"width": f"{width:,}", "height": f"{height:,}", "mp": megapixels(width * height),
             "limit": limit}
    elif pixels:
        message = _(
            "This photo is %(mp)s megapixels; the most we take is %(limit)s megapixels."
        ) % {"mp": megapixels(pixels), "limit": limit}
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


def decode(data):
    """Open ``data`` with the accepted Pillow plugins only, check its size, and decode it."""
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is the one that counts; Pillow's warning adds nothing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        found = re.search(r"\((\d+) pixels\)", str(error))
        too_many_pixels(pixels=int(found[1]) if found else None)
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
        if width * height > settings.MAX_PIXELS:
            too_many_pixels(width, height)
        if kind in {"PNG", "WEBP"} and getattr(image, "is_animated", False):
            refuse(_("This file is an animation; upload a still photo."), "animated")
        try:
            if kind == "JPEG":
                # Every byte of a JPEG is read even at 1/8 scale, so a cut-off file is still caught,
                # for a fraction of the work of a full decode.
                image.draft(None, (max(1, width // 8), max(1, height // 8)))
            image.load()
        except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as error:
            refuse_broken(error)
        exif = image.getexif()
        orientation = exif.get(ORIENTATION, 1) if kind != "HEIF" else 1
        if orientation not in range(1, 9):
            orientation = 1
        if orientation >= 5:
            width, height = height, width
        return Upload(
            data=data, format=kind, width=width, height=height, orientation=orientation,
            embedded=read_embedded(image, exif),
        )


def cut_off():
    refuse(_("This photo is cut off — the upload may not have finished. Try again."), "cut_off")


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


def kept_exif(embedded):
    """EXIF holding only who made the photo, who owns it, what it shows and when."""
    exif = Image.Exif()
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
    """The bytes to store for ``upload``: upright, personal metadata gone, credit kept."""
    exif, xmp = kept_exif(upload.embedded), kept_xmp(upload.embedded)
    if upload.format == "JPEG" and upload.orientation == 1:
        try:
            data = rewrite_jpeg(upload.data, exif=exif, xmp=xmp)
        except (ValueError, IndexError):
            pass  # bytes libjpeg tolerates but we cannot walk: re-encoded below instead
        else:
            return Master(data, "jpg", upload.width, upload.height)
    with Image.open(io.BytesIO(upload.data), formats=ACCEPTED_FORMATS) as source:
        source.load()
        image = ImageOps.exif_transpose(source)
        icc = source.info.get("icc_profile")
        out = io.BytesIO()
        if upload.format == "JPEG":
            # Re-encoded only when it has to be turned: with the original's quantisation, so it
            # keeps its quality and about its size.
            sampling = JpegImagePlugin.get_sampling(source)
            image.save(
                out, "JPEG", qtables=source.quantization, icc_profile=icc, exif=exif, xmp=xmp,
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
        return Master(out.getvalue(), extension, image.width, image.height)


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


def flatten(image, background=(255, 255, 255)):
    """An RGB copy of ``image``, transparent parts laid on white."""
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


# Renditions --------------------------------------------------------------------------------------

# Pillow format, MIME type, file extension and encoder options of each rendition format.
ENCODINGS = {
    "avif": ("AVIF", "image/avif", "avif", {"quality": 60, "speed": 8, "max_threads": 1}),
    # WebP method 2 takes a third of the time of the default (4) for files about 5% larger.
    "webp": ("WEBP", "image/webp", "webp", {"quality": 80, "method": 2}),
    "jpeg": ("JPEG", "image/jpeg", "jpg", {"quality": 82, "optimize": True}),
}
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


def rendition_widths(width):
    """The configured widths narrower than the photo, and the photo's own width when it is no
    wider than the widest: renditions are never upscaled."""
    widths = sorted({int(w) for w in settings.RENDITION_WIDTHS if int(w) > 0})
    chosen = [w for w in widths if w < width]
    if not widths or width <= widths[-1]:
        chosen.append(width)
    return chosen


def rendition_specs(width):
    """Every (width, format) a photo ``width`` pixels wide should have."""
    return [(w, f) for w in rendition_widths(width) for f in rendition_formats()]


def make_renditions(data, specs):
    """Encode ``specs`` ((width, format) pairs) from the stored master ``data``.

    Each rendition keeps the photo's aspect ratio.
    """
    if not specs:
        return []
    widths = sorted({w for w, _ in specs}, reverse=True)
    with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
        # Masters are stored upright; a file stored before that may still need turning.
        turned = image.getexif().get(ORIENTATION, 1) in {5, 6, 7, 8}
        height, width = image.size if turned else image.size[::-1]
        if image.format in {"JPEG", "MPO"}:
            # Libjpeg scales while decoding: 1/2, 1/4 or 1/8 of the pixels, as large as needed.
            wanted = (widths[0], max(1, widths[0] * height // width))
            image.draft(None, wanted[::-1] if turned else wanted)
        image.load()
        ImageOps.exif_transpose(image, in_place=True)
        icc = image.info.get("icc_profile") if image.mode != "CMYK" else None
        embedded = read_embedded(image, image.getexif())
        has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
            image.mode == "P" and "transparency" in image.info
        )
        if has_alpha:
            current = image.convert("RGBA")
        elif image.mode != "RGB":
            current = image.convert("RGB")
        else:
            current = image
        metadata = {"icc_profile": icc, "exif": kept_exif(embedded), "xmp": kept_xmp(embedded)}
        # Pillow lets go of the GIL while it resizes and encodes: one width is encoded while the
        # next is resized. Each task has its own image; one image is never saved by two threads.
        with ThreadPoolExecutor(max_workers=ENCODER_THREADS) as pool:
            tasks = []
            for w in widths:
                h = max(1, round(w * height / width))
                if current.size != (w, h):
                    # From the previous, wider rendition: each step is a small reduction.
                    current = current.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
                names = [f for size, f in specs if size == w]
                tasks.append(pool.submit(encode_all, current, w, h, names, metadata))
            return [rendition for task in tasks for rendition in task.result()]


def encode_all(image, width, height, names, metadata):
    return [Rendition(width, height, name, encode(image, name, metadata)) for name in names]


def encode(image, name, metadata):
    pillow_format, _mime, _ext, options = ENCODINGS[name]
    if pillow_format == "JPEG" and image.mode != "RGB":
        image = flatten(image)
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

    Builds URLs with ``storage.url()`` only: no query and no call to the storage service.
    """

    # The fallback ``src`` for browsers that ignore ``srcset``: a width that suits most screens.
    FALLBACK_WIDTH = 1280

    def __init__(self, photo):
        self.photo = photo
        self.storage = photo.image.storage
        self.by_format = {}
        for entry in photo.renditions or ():
            self.by_format.setdefault(entry["format"], []).append(entry)
        for entries in self.by_format.values():
            entries.sort(key=lambda r: r["width"])

    def url(self, entry):
        return self.storage.url(entry["name"])

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
            return self.photo.image.url if self.photo.image else ""
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
