"""Photos: what uploads are refused and why, what is stored, and what readers are served.

Files are made here, in memory, with Pillow, plus the nasty ones by hand: text named .jpg, a PDF,
an SVG, a cut-off JPEG, a PNG declaring absurd dimensions and a PNG decompression bomb. Storage is
Django's InMemoryStorage, a stand-in for remote object storage: nothing may rely on a local path.
"""

import io
import math
import re
import zlib
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile, ImageOps, features

from liveblogs import images
from liveblogs.forms import PhotoForm
from liveblogs.media import private_storage
from liveblogs.models import LivePage, Photo

from .factories import colour_at_a_time_jpeg, make_page, make_photo, make_reporter, make_update

pytestmark = pytest.mark.django_db

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
ORIENTATION, ARTIST, COPYRIGHT = 0x0112, 0x013B, 0x8298
CAMERA_OWNER_NAME, BODY_SERIAL_NUMBER = 0xA430, 0xA431
# Strings that must not survive into any stored file.
PERSONAL = [b"Owner Q. Person", b"SN-4471-XK", b"GPSLatitude", b"Rue des Secrets"]


@pytest.fixture(autouse=True)
def storage(settings):
    """Every photo in these tests goes to InMemoryStorage, which has no local path to lean on."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "liveblogs_private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    # Photos are stored privately, until readers are shown them (liveblogs/media.py).
    return private_storage


def stored_names(storage, folder=""):
    folders, files = storage.listdir(folder)
    names = [f"{folder}/{name}" if folder else name for name in files]
    for sub in folders:
        names += stored_names(storage, f"{folder}/{sub}" if folder else sub)
    return sorted(names)


def read(storage, name):
    with storage.open(name, "rb") as file:
        return file.read()


# Files ------------------------------------------------------------------------------------------


def two_tone(width, height, mode="RGB"):
    """Red on the left, blue on the right: which way up it is shows in the pixels."""
    image = Image.new(mode, (width, height), (200, 30, 30) + ((255,) if mode == "RGBA" else ()))
    image.paste((30, 30, 200) + ((255,) if mode == "RGBA" else ()), (width // 2, 0, width, height))
    return image


def personal_exif(orientation=1):
    """EXIF as a phone writes it: where, which camera and whose, plus a credit worth keeping."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[ARTIST] = "Jane Doe"
    exif[COPYRIGHT] = "(c) Harbour Daily"
    exif[EXIF_IFD] = {
        0x9003: "2029:03:20 07:15:00",
        CAMERA_OWNER_NAME: "Owner Q. Person",
        BODY_SERIAL_NUMBER: "SN-4471-XK",
    }
    exif[GPS_IFD] = {1: "N", 2: (44.0, 38.0, 51.0), 3: "W", 4: (63.0, 34.0, 31.0)}
    return exif


XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
    photoshop:Credit="Valley Wire" exif:GPSLatitude="44,38.85N"
    Iptc4xmpCore:Location="Rue des Secrets">
   <dc:description><rdf:Alt>
    <rdf:li xml:lang="fr">Les pompiers au quai</rdf:li>
    <rdf:li xml:lang="x-default">Firefighters on the quay at dawn</rdf:li>
   </rdf:Alt></dc:description>
   <dc:creator><rdf:Seq><rdf:li>Lee Marsh</rdf:li></rdf:Seq></dc:creator>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""


def jpeg(width=640, height=480, *, exif=None, xmp=None, quality=85, image=None):
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    if xmp is not None:
        options["xmp"] = xmp.encode()
    (image or two_tone(width, height)).save(out, "JPEG", quality=quality, **options)
    return out.getvalue()


def with_iptc(jpeg_bytes, fields, *, utf8=True):
    """``jpeg_bytes`` with an IPTC block (an APP13 Photoshop 8BIM segment) right after SOI."""
    iim = b"\x1c\x01\x5a\x00\x03\x1b%G" if utf8 else b""  # 1:90 coded character set: UTF-8
    for (record, dataset), value in fields:
        value = value.encode("utf-8" if utf8 else "latin-1")
        iim += bytes([0x1C, record, dataset]) + len(value).to_bytes(2, "big") + value
    padding = b"\x00" * (len(iim) % 2)
    resource = b"8BIM\x04\x04\x00\x00" + len(iim).to_bytes(4, "big") + iim + padding
    payload = b"Photoshop 3.0\x00" + resource
    segment = b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg_bytes[:2] + segment + jpeg_bytes[2:]


def encoded(image, format, **options):
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def png_chunk(kind, data):
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def png(width, height, idat):
    """A one-bit greyscale PNG saying it is ``width`` × ``height``, whatever ``idat`` holds."""
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def bomb_png(width=12_000, height=10_000):
    """A small file that decodes to 120 megapixels: rows of zeros compress a thousand to one."""
    squash = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    rows = b"".join(squash.compress(row) for _ in range(height)) + squash.flush()
    return png(width, height, rows)


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def submit(data, name="photo.jpg", content_type="image/jpeg", **fields):
    """The photo form as an editor, a reporter or a reader sends it."""
    values = {"caption": "", "credit": "", "alt_text": "", **fields}
    return PhotoForm(values, {"image": upload(data, name, content_type)})


# Refused uploads ---------------------------------------------------------------------------------

SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
    b'height="10"><script>alert(1)</script></svg>'
)
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def cut_off_jpeg():
    data = jpeg(800, 600, image=Image.effect_noise((800, 600), 60).convert("RGB"))
    return data[: len(data) * 2 // 3]


CUT_OFF = "This photo is cut off — the upload may not have finished."
BAD_FILES = {
    "text named .jpg": (lambda: b"Water is rising on Quay Street.\nMore soon.\n",
                        "This file is text, not a photo."),
    "pdf": (lambda: PDF, "This file is a PDF, not a photo."),
    "svg": (lambda: SVG, "This file is an SVG drawing, not a photo."),
    "gif": (lambda: encoded(Image.new("P", (8, 8)), "GIF"), "This file is a GIF, not a photo."),
    "truncated jpeg": (cut_off_jpeg, CUT_OFF),
    "jpeg header only": (lambda: jpeg()[:300], CUT_OFF),
    "huge dimensions": (
        lambda: png(100_000, 100_000, zlib.compress(b"\x00" * 64)),
        "This photo is 10,000 megapixels; the most we take is 100 megapixels.",
    ),
    "bomb png": (
        bomb_png,
        "This photo is 12,000 × 10,000 pixels (120 megapixels); the most we take is 100 "
        "megapixels.",
    ),
    "zero bytes": (lambda: b"", "This file is empty — the upload may not have finished."),
    "random bytes": (
        lambda: bytes(range(256)) * 8,
        "This file is not a photo we can read. Upload a JPEG, PNG, WebP or HEIC photo.",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_gets_a_plain_error_and_nothing_is_stored(kind, storage):
    make_data, message = BAD_FILES[kind]
    form = submit(make_data(), caption="Quay", credit="Ana Ruiz/Harbour Daily", alt_text="A quay")
    assert not form.is_valid()
    assert message in form.errors["image"][0], form.errors["image"]
    assert not Photo.objects.exists()
    assert stored_names(storage) == []


@pytest.mark.parametrize("kind", ["huge dimensions", "bomb png"])
def test_too_many_pixels_are_refused_before_any_pixel_is_decoded(kind, monkeypatch):
    def no_decoding(image):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    make_data, message = BAD_FILES[kind]
    form = submit(make_data())
    assert not form.is_valid()
    assert message in form.errors["image"][0]


def test_the_size_and_pixel_limits_are_settings(settings):
    settings.LIVEBLOGS_MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    big = jpeg(1600, 1200, image=Image.effect_noise((1600, 1200), 90).convert("RGB"), quality=100)
    assert len(big) > 2 * 1024 * 1024
    form = submit(big)
    assert not form.is_valid()
    error = form.errors["image"][0]
    assert re.search(r"This file is \d+\.\d MB; a photo can be at most 2 MB\.", error)

    settings.LIVEBLOGS_MAX_PIXELS = 100 * 100
    form = submit(jpeg(200, 100))
    assert not form.is_valid()
    assert "200 × 100 pixels" in form.errors["image"][0]
    assert submit(jpeg(100, 100)).is_valid()


# Decompression bombs and memory ---------------------------------------------------------------
# The bench (bench/upload_memory.py) measures the attacker's full-size files; these tests show the
# mechanism on small ones, with the memory budget lowered to match.


def claiming_jpeg(side=10_000):
    """The attacker's file: a tiny real JPEG whose frame header claims ``side`` × ``side``."""
    data = bytearray(jpeg(16, 16, quality=20))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = side.to_bytes(2, "big") * 2
    return bytes(data)


def test_a_jpeg_claiming_pixels_its_data_cannot_hold_is_refused_undecoded(monkeypatch, storage):
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: pytest.fail("decoded"))
    data = claiming_jpeg()
    assert len(data) < 1000
    form = submit(data, alt_text="Grey")
    assert not form.is_valid()
    assert form.errors["image"] == [
        "This photo is damaged: the file holds far fewer pixels than it says it has. Try "
        "exporting it again."
    ]
    assert stored_names(storage) == []


def sixteen_bit_png(side):
    squash = zlib.compressobj(9)
    row = bytes(1 + side * 6)
    idat = b"".join(squash.compress(row) for _ in range(side)) + squash.flush()
    header = side.to_bytes(4, "big") * 2 + bytes([16, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(
        b"IEND", b"")


MEMORY_BOMBS = {
    # 600 × 600 RGBA: 1.4 MB decoded, over the lowered budget of 1 MB.
    "all-zero RGBA PNG": (lambda: encoded(Image.new("RGBA", (600, 600)), "PNG"),
                          "This PNG photo is 0.36 megapixels; the most we take as PNG is 0.26 "
                          "megapixels. Upload it as a JPEG, or smaller."),
    "16-bit PNG": (lambda: sixteen_bit_png(600), "This PNG photo is 0.36 megapixels"),
    "progressive JPEG": (
        lambda: encoded(two_tone(800, 800), "JPEG", progressive=True),
        "This photo is a progressive JPEG of 0.64 megapixels; the most we take in that form is "
        "0.34 megapixels. Save it as a standard (baseline) JPEG, or smaller.",
    ),
    "WebP": (lambda: encoded(two_tone(600, 600), "WEBP"), "the most we take as WebP is"),
    # What libjpeg keeps for it is what it keeps for a progressive one: every coefficient (4:4:4
    # here, so twice the 4:2:0 one above).
    "baseline JPEG a colour at a time": (
        lambda: colour_at_a_time_jpeg(800),
        "This photo is a JPEG of 0.64 megapixels stored a colour at a time; the most we take in "
        "that form is 0.17 megapixels. Save it as a standard JPEG, or smaller.",
    ),
}


@pytest.mark.parametrize("kind", MEMORY_BOMBS)
def test_photos_that_cannot_be_decoded_at_reduced_scale_get_a_memory_budget(
    kind, settings, monkeypatch, storage
):
    settings.LIVEBLOGS_MAX_DECODE_BYTES = 1024 * 1024
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: pytest.fail("decoded"))
    make_data, message = MEMORY_BOMBS[kind]
    form = submit(make_data(), alt_text="Grey")
    assert not form.is_valid()
    assert message in form.errors["image"][0]
    assert stored_names(storage) == []


def test_a_baseline_jpeg_is_decoded_at_reduced_scale_whatever_the_budget(settings, storage):
    # 1,600 × 1,200 is 7.7 MB decoded in full, but never decoded in full.
    settings.LIVEBLOGS_MAX_DECODE_BYTES = 1024 * 1024
    photo = submit(jpeg(1600, 1200), alt_text="Two colours").save()
    assert (photo.width, photo.height) == (1600, 1200)
    assert len(photo.renditions) == 10


@pytest.mark.parametrize("format", ["PNG", "WEBP"])
def test_png_and_webp_masters_keep_their_pixel_data_byte_for_byte(format, storage):
    source = encoded(two_tone(800, 600), format, exif=personal_exif())
    photo = submit(source, alt_text="Two colours").save()
    stored = read(storage, photo.image.name)
    # The compressed pixels: PNG's IDAT chunk, lossy WebP's VP8 chunk (size little-endian).
    start = source.index({"PNG": b"IDAT", "WEBP": b"VP8 "}[format])
    size = int.from_bytes(source[start + 4 : start + 8], "little" if format == "WEBP" else "big")
    assert source[start : start + 8 + size] in stored
    assert b"SN-4471-XK" not in stored
    with Image.open(io.BytesIO(stored)) as image, Image.open(io.BytesIO(source)) as original:
        assert image.tobytes() == original.tobytes()
        assert image.getexif()[ARTIST] == "Jane Doe"


def repeated_scans(copies):
    """A small progressive JPEG with one of its scans repeated ``copies`` times: each is decoded
    over the whole image, so thousands cost minutes (the attacker's 290 KB file took 32 s)."""
    data = encoded(Image.new("L", (400, 400), 128), "JPEG", progressive=True)
    start = data.index(b"\xff\xda", data.index(b"\xff\xda") + 2)  # the second scan
    end = images.NEXT_MARKER.search(data, start + 2 + int.from_bytes(data[start + 2:start + 4],
                                                                     "big")).start()
    return data[:end] + data[start:end] * copies + data[end:]


def test_a_jpeg_of_thousands_of_scans_is_refused_undecoded(monkeypatch, storage):
    data = repeated_scans(500)
    assert images.jpeg_scans(data)[0] > 64
    assert images.jpeg_scans(encoded(two_tone(400, 400), "JPEG", progressive=True))[0] <= 10
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: pytest.fail("decoded"))
    form = submit(data, alt_text="Grey")
    assert not form.is_valid()
    assert "more than 64 passes (scans)" in form.errors["image"][0]


def test_padding_does_not_make_a_claimed_size_pass(storage):
    # The 629-byte file again, with a 300 KB comment segment: comments hold no pixels.
    data = claiming_jpeg(5000)
    padded = data[:2] + b"".join(
        b"\xff\xfe" + (65535).to_bytes(2, "big") + bytes(65533) for _ in range(5)
    ) + data[2:]
    form = submit(padded, alt_text="Grey")
    assert not form.is_valid()
    assert "holds far fewer pixels than it says it has" in form.errors["image"][0]


def test_impossible_sampling_factors_are_refused_not_a_crash(storage):
    data = bytearray(jpeg(16, 16))
    sof = data.index(b"\xff\xc0")
    for component in range(3):
        data[sof + 11 + 3 * component] = 0x00  # horizontal and vertical sampling 0
    form = submit(bytes(data), alt_text="Grey")
    assert not form.is_valid()
    assert "damaged" in form.errors["image"][0]


def test_a_png_of_countless_chunks_is_refused_before_pillow_reads_them(monkeypatch, storage):
    source = encoded(two_tone(40, 30), "PNG")
    filler = png_chunk(b"teSt", b"") * 300
    idat = source.index(b"IDAT") - 4
    form = submit(source[:idat] + filler + source[idat:], alt_text="Two colours")
    assert not form.is_valid()
    assert "too many pieces (chunks)" in form.errors["image"][0]
    assert submit(source[:idat] + png_chunk(b"teSt", b"") * 10 + source[idat:],
                  alt_text="Two colours").is_valid()


def test_a_very_tall_screenshot_gets_renditions_that_fit(settings, storage):
    # WebP holds at most 16,383 pixels a side: the widest rendition narrows to fit.
    settings.LIVEBLOGS_RENDITION_WIDTHS = (320, 640)
    photo = submit(encoded(Image.new("RGB", (600, 17_000), (20, 40, 60)), "PNG"),
                   alt_text="A long thread").save()
    assert {(r["width"], r["height"]) for r in photo.renditions if r["format"] == "webp"} == {
        (320, 9067), (578, 16377)}


def test_readers_photos_have_a_stricter_pixel_limit(settings):
    from liveblogs.forms import AskForm

    from .factories import make_callout

    settings.LIVEBLOGS_READER_MAX_PIXELS = 100 * 100
    data = jpeg(200, 100)
    assert submit(data, alt_text="Staff may").is_valid()
    callout = make_callout(live_page=make_page(), ask_photo=True)
    form = AskForm({"body": "Water in the cellar"}, {"photo": upload(data)}, callout=callout)
    assert not form.is_valid()
    assert form.errors["photo"] == [
        "This photo is 200 × 100 pixels (0.02 megapixels); the most we take is 0.01 megapixels."
    ]


def test_pillows_bomb_warning_never_reaches_the_logs(monkeypatch, storage):
    # Pillow warns over MAX_IMAGE_PIXELS (89 megapixels); our own limits are the ones that count.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2_000)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        photo = submit(jpeg(50, 50), alt_text="Two colours").save()
        photo.make_renditions()
    assert photo.renditions


def test_the_name_and_content_type_are_not_believed(storage):
    # A PDF named and typed as a JPEG is refused; a PNG named .jpg is stored as the PNG it is.
    form = submit(PDF, name="photo.jpg", content_type="image/jpeg")
    assert "This file is a PDF, not a photo." in form.errors["image"][0]
    form = submit(encoded(two_tone(300, 200), "PNG"), name="photo.jpg", content_type="image/jpeg",
                  alt_text="Two colours")
    photo = form.save()
    assert photo.image.name.endswith(".png")
    assert Image.open(io.BytesIO(read(storage, photo.image.name))).format == "PNG"


def test_stored_names_are_made_by_the_server(storage):
    form = submit(jpeg(), name="../../../etc/cron.d/evil name.php.jpg", alt_text="A quay")
    photo = form.save()
    assert re.fullmatch(r"photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", photo.image.name)
    stem = photo.image.name.removesuffix(".jpg")
    for name in stored_names(storage):
        assert name == photo.image.name or re.fullmatch(rf"{stem}_\d+w\.(jpg|webp|avif)", name)
        assert "evil" not in name and ".." not in name


# Accepted uploads --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("format", "options", "stored_as"),
    [
        ("JPEG", {}, "JPEG"),
        ("PNG", {}, "PNG"),
        ("WEBP", {"quality": 90}, "WEBP"),
        ("WEBP", {"lossless": True}, "WEBP"),
    ],
)
def test_jpeg_png_and_webp_are_taken(format, options, stored_as, storage):
    form = submit(encoded(two_tone(900, 600), format, **options), alt_text="Two colours")
    assert form.is_valid(), form.errors
    photo = form.save()
    assert (photo.width, photo.height) == (900, 600)
    master = Image.open(io.BytesIO(read(storage, photo.image.name)))
    assert master.format == stored_as and master.size == (900, 600)


def test_a_transparent_png_keeps_its_transparency_in_webp_and_lies_on_white_in_jpeg(storage):
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (0, 0, 200, 300))
    photo = submit(encoded(image, "PNG"), alt_text="A red half").save()
    webp, jpg = (
        Image.open(io.BytesIO(read(storage, r["name"])))
        for format in ("webp", "jpeg") for r in photo.renditions
        if r["width"] == 400 and r["format"] == format
    )
    assert webp.mode == "RGBA" and webp.getpixel((300, 150))[3] == 0
    assert jpg.mode == "RGB" and jpg.getpixel((300, 150)) == (255, 255, 255)


def test_heic_from_a_phone_is_taken_and_stored_as_jpeg(storage):
    pytest.importorskip("pillow_heif", reason="pillow-heif is not installed")
    if not images.HEIF_SUPPORT:
        pytest.skip("pillow-heif cannot be registered here")
    data = encoded(two_tone(640, 480), "HEIF", quality=80, exif=personal_exif().tobytes())
    form = submit(data, name="IMG_0042.HEIC", content_type="image/heic", alt_text="Two colours")
    assert form.is_valid(), form.errors
    photo = form.save()
    assert photo.image.name.endswith(".jpg") and (photo.width, photo.height) == (640, 480)
    for name in stored_names(storage):
        stored = read(storage, name)
        assert not any(secret in stored for secret in PERSONAL), name
        assert Image.open(io.BytesIO(stored)).getexif().get_ifd(GPS_IFD) == {}


# What is stored ----------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [1, 6], ids=["upright", "turned"])
@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_gps_and_personal_metadata_are_gone_from_every_stored_file(format, orientation, storage):
    source = encoded(two_tone(800, 600), format, exif=personal_exif(orientation),
                     **({"xmp": XMP.encode()} if format != "PNG" else {}))
    form = submit(source, alt_text="Two colours")
    assert form.is_valid(), form.errors
    photo = form.save()
    names = stored_names(storage)
    assert photo.image.name in names and len(names) == 1 + len(photo.renditions) >= 5
    for name in names:
        stored = read(storage, name)
        assert not any(secret in stored for secret in PERSONAL), name
        exif = Image.open(io.BytesIO(stored)).getexif()
        assert exif.get_ifd(GPS_IFD) == {}, name
        assert CAMERA_OWNER_NAME not in exif.get_ifd(EXIF_IFD), name
        # Renditions are upright; the master keeps the camera's orientation as a tag, applied
        # by every browser and photo tool (it is stored without decoding, so it loses nothing).
        turned = orientation if name == photo.image.name else 1
        assert exif.get(ORIENTATION, 1) == turned, name
        # Who made it and who owns it stay with the picture (the XMP's creator comes first).
        assert exif[ARTIST] == ("Jane Doe" if format == "PNG" else "Lee Marsh"), name
        assert exif[COPYRIGHT] == "(c) Harbour Daily", name


def test_an_upright_jpeg_is_stored_without_re_encoding(storage):
    source = jpeg(800, 600, exif=personal_exif(), quality=70)
    photo = submit(source, alt_text="Two colours").save()
    stored = Image.open(io.BytesIO(read(storage, photo.image.name)))
    original = Image.open(io.BytesIO(source))
    assert stored.tobytes() == original.tobytes()
    assert stored.quantization == original.quantization


@pytest.mark.parametrize("kind", ["multi-picture", "appended"])
def test_phone_extras_after_the_image_are_dropped(kind, storage):
    # Phones put a depth map or HDR gain map after the photo ("multi-picture" JPEG, which Pillow
    # opens as MPO); other files have things appended. Either may carry its own EXIF.
    if kind == "multi-picture":
        data = encoded(two_tone(320, 240), "MPO", save_all=True, exif=personal_exif(),
                       append_images=[Image.new("L", (160, 120))])
        assert Image.open(io.BytesIO(data)).format == "MPO"
    else:
        data = jpeg(320, 240) + jpeg(64, 48, exif=personal_exif())
    photo = submit(data, alt_text="Two colours").save()
    stored = read(storage, photo.image.name)
    assert stored.endswith(b"\xff\xd9") and stored.count(b"\xff\xd8") == 1
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    assert b"SN-4471-XK" not in stored and b"MPF\x00" not in stored


@pytest.mark.parametrize("format", ["JPEG", "PNG", "WEBP"])
def test_exif_orientation_is_applied(format, storage):
    # Orientation 6: the camera was turned a quarter clockwise; shown upright, left becomes top.
    source = encoded(two_tone(600, 400), format, exif=personal_exif(orientation=6))
    photo = submit(source, alt_text="Two colours").save()
    assert (photo.width, photo.height) == (400, 600)
    for name in stored_names(storage):
        # The master shows upright as browsers show it: with its orientation tag applied.
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(read(storage, name)))).convert("RGB")
        width, height = image.size
        assert height > width, name
        top = image.getpixel((width // 2, height // 10))
        bottom = image.getpixel((width // 2, height * 9 // 10))
        assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0], name


# Words embedded by agencies ----------------------------------------------------------------------

IPTC_FIELDS = [
    ((2, 120), "Rescue crews reach Orchard Lane as the water drops"),
    ((2, 80), "José Núñez"),
    ((2, 110), "Valley Wire"),
    ((2, 115), "Valley Wire Service"),
    ((2, 116), "© 2029 Valley Wire"),
    ((2, 90), "Rue des Secrets"),
]


def test_a_blank_caption_and_credit_are_filled_from_iptc(storage):
    photo = submit(with_iptc(jpeg(), IPTC_FIELDS), alt_text="A boat").save()
    assert photo.caption == "Rescue crews reach Orchard Lane as the water drops"
    assert photo.credit == "José Núñez/Valley Wire"
    # The credit and copyright stay in the file, in XMP; the city does not.
    master = read(storage, photo.image.name)
    assert "José Núñez".encode() in master and "© 2029 Valley Wire".encode() in master
    assert b"Rue des Secrets" not in master


def test_iptc_in_latin_1_is_read_too():
    data = with_iptc(jpeg(), [((2, 120), "Crue à Québec"), ((2, 110), "Agence Fleuve")], utf8=False)
    photo = submit(data, alt_text="A river").save()
    assert (photo.caption, photo.credit) == ("Crue à Québec", "Agence Fleuve")


def test_a_blank_caption_and_credit_are_filled_from_xmp():
    photo = submit(jpeg(xmp=XMP), alt_text="Firefighters").save()
    assert photo.caption == "Firefighters on the quay at dawn"
    assert photo.credit == "Lee Marsh/Valley Wire"


def test_what_the_editor_typed_wins_over_what_the_file_says():
    photo = submit(with_iptc(jpeg(xmp=XMP), IPTC_FIELDS), caption="Our own caption",
                   credit="Ana Ruiz/Harbour Daily", alt_text="A boat").save()
    assert (photo.caption, photo.credit) == ("Our own caption", "Ana Ruiz/Harbour Daily")


def test_a_photo_without_embedded_words_is_left_blank():
    photo = submit(jpeg(), alt_text="Two colours").save()
    assert (photo.caption, photo.credit) == ("", "")


def test_xmp_with_entities_is_ignored_not_expanded():
    evil = XMP.replace("<x:xmpmeta", '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><x:xmpmeta').replace(
        "Lee Marsh", "&a;"
    )
    photo = submit(jpeg(xmp=evil), alt_text="Firefighters").save()
    assert "aaaa" not in photo.credit


# Renditions ---------------------------------------------------------------------------------------


def test_renditions_have_every_width_in_webp_and_jpeg(storage):
    photo = submit(jpeg(2400, 1600), alt_text="Two colours").save()
    expected = [(w, round(w * 1600 / 2400)) for w in (320, 640, 960, 1280, 1920)]
    for format, pillow_format in [("webp", "WEBP"), ("jpeg", "JPEG")]:
        made = [r for r in photo.renditions if r["format"] == format]
        assert [(r["width"], r["height"]) for r in made] == expected
        for rendition in made:
            image = Image.open(io.BytesIO(read(storage, rendition["name"])))
            assert image.format == pillow_format
            assert image.size == (rendition["width"], rendition["height"])


def test_renditions_are_never_upscaled():
    photo = submit(jpeg(700, 350), alt_text="Two colours").save()
    assert sorted({r["width"] for r in photo.renditions}) == [320, 640, 700]
    small = make_photo()  # 64 × 48
    assert {(r["width"], r["height"]) for r in small.renditions} == {(64, 48)}


def test_avif_is_made_when_asked_for_and_pillow_writes_it(settings, storage):
    if not features.check("avif"):
        pytest.skip("this Pillow cannot write AVIF")
    settings.LIVEBLOGS_RENDITION_FORMATS = ("avif", "webp", "jpeg")
    photo = submit(jpeg(700, 350), alt_text="Two colours").save()
    avif = [r for r in photo.renditions if r["format"] == "avif"]
    assert [r["width"] for r in avif] == [320, 640, 700]
    assert Image.open(io.BytesIO(read(storage, avif[0]["name"]))).format == "AVIF"
    assert '<source type="image/avif"' in images_html(photo)


def test_widths_are_a_setting(settings):
    settings.LIVEBLOGS_RENDITION_WIDTHS = [200, 400]
    photo = submit(jpeg(900, 600), alt_text="Two colours").save()
    assert sorted({r["width"] for r in photo.renditions}) == [200, 400]


def test_a_large_jpeg_is_decoded_once_at_reduced_scale(monkeypatch):
    # 4,000 pixels wide: libjpeg can decode it at half size, which still covers 1,920.
    data = jpeg(4000, 2000, quality=60)
    resized_from = []
    real_resize = Image.Image.resize

    def resize(image, size, *args, **kwargs):
        resized_from.append(image.size)
        return real_resize(image, size, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "resize", resize)
    made = images.make_renditions(data, images.rendition_specs(4000))
    # The widest rendition is made from the half-size decode by bands of rows, each the full
    # 2,000 pixels wide; the others each from the next wider rendition.
    bands = [size for size in resized_from if size[0] == 2000]
    assert len(bands) > 1 and all(height < 200 for _width, height in bands)
    assert resized_from[len(bands):] == [(1920, 960), (1280, 640), (960, 480), (640, 320)]
    assert {(r.width, r.format) for r in made} == {
        (w, f) for w in (320, 640, 960, 1280, 1920) for f in ("webp", "jpeg")
    }


def test_replacing_the_image_makes_new_renditions_and_moves_the_version(storage):
    photo = make_photo(alt_text="Two colours")
    page = make_page(lead_photo=photo)
    before = LivePage.objects.get(pk=page.pk).version
    old = {r["name"] for r in photo.renditions}
    form = PhotoForm(
        {"caption": photo.caption, "credit": photo.credit, "alt_text": photo.alt_text},
        {"image": upload(jpeg(800, 400))},
        instance=photo,
    )
    form.save()
    photo.refresh_from_db()
    assert {r["width"] for r in photo.renditions} == {320, 640, 800}
    assert not old & {r["name"] for r in photo.renditions}
    assert LivePage.objects.get(pk=page.pk).version > before


def test_editing_the_words_leaves_the_files_alone(storage):
    photo = make_photo()
    names = stored_names(storage)
    form = PhotoForm({"caption": "New caption", "credit": photo.credit, "alt_text": "New alt"},
                     instance=photo)
    assert form.is_valid(), form.errors
    form.save()
    assert stored_names(storage) == names


def test_photos_stored_before_renditions_get_them(storage):
    photo = make_photo()
    Photo.objects.filter(pk=photo.pk).update(renditions=[])
    photo.refresh_from_db()
    assert photo.make_renditions() == 2
    photo.refresh_from_db()
    assert {(r["width"], r["format"]) for r in photo.renditions} == {(64, "webp"), (64, "jpeg")}
    assert photo.make_renditions() == 0


def test_nothing_is_left_in_storage_when_renditions_fail(storage, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(images, "encode", broken)
    with pytest.raises(OSError):
        make_photo()
    assert stored_names(storage) == []


def test_no_local_path_is_used(media_root):
    make_photo()
    assert not Path(media_root).exists() or not any(Path(media_root).rglob("*.*"))


# What readers are served --------------------------------------------------------------------------


def images_html(photo):
    from django.template.loader import render_to_string

    return render_to_string("liveblogs/_photo.html", {"photo": photo})


def test_a_photo_is_served_as_picture_with_webp_first_and_a_jpeg_fallback():
    photo = submit(jpeg(1600, 1000), alt_text="Two colours", caption="Quay", credit="Ana").save()
    photo.publish_files()  # as when an update showing it is published
    html = images_html(photo)
    url = default_storage.url
    webp, jpg = (
        ", ".join(f"{url(r['name'])} {r['width']}w" for r in photo.renditions if r["format"] == f)
        for f in ("webp", "jpeg")
    )
    assert "960w" in webp and "1600w" in jpg
    sizes = 'sizes="(min-width: 48rem) 736px, 100vw"'
    assert f'<picture><source type="image/webp" srcset="{webp}" {sizes}><img src=' in html
    fallback = next(r for r in photo.renditions if r["format"] == "jpeg" and r["width"] == 1280)
    assert (
        f'<img src="{url(fallback["name"])}" srcset="{jpg}" {sizes} alt="Two colours" '
        'width="1600" height="1000" loading="lazy" decoding="async"></picture>'
    ) in html


def test_the_lead_photo_is_fetched_first_and_the_rest_lazily(client):
    lead = make_photo(alt_text="The lead photo")
    page = make_page(slug="harbour-flood", lead_photo=lead)
    make_update(live_page=page, photos=[make_photo(alt_text="In an update")])
    html = client.get("/live/harbour-flood/").content.decode()
    pictures = re.findall(r"<picture>.*?</picture>", html, re.S)
    assert len(pictures) == 2
    assert 'alt="The lead photo"' in pictures[0] and 'fetchpriority="high"' in pictures[0]
    assert 'loading="lazy"' not in pictures[0]
    assert 'alt="In an update"' in pictures[1] and 'loading="lazy"' in pictures[1]
    for picture in pictures:
        assert '<source type="image/webp" srcset="/media/photos/' in picture
        assert re.search(r'<img src="/media/\S+_64w\.jpg" srcset="\S+_64w\.jpg 64w"', picture)
        assert 'width="64" height="48"' in picture


def test_cards_posters_and_headshots_are_pictures_too(client):
    make_page(title="River flood", lead_photo=make_photo(alt_text="Sandbags"))
    html = client.get("/live/").content.decode()
    assert re.search(
        r'<picture><source type="image/webp" srcset="\S+ 64w" sizes="\(min-width: 36rem\) 12rem, '
        r'20rem"><img class="page-card-image" src="\S+_64w\.jpg"',
        html,
    )
    make_reporter(slug="ana-ruiz", headshot=make_photo(alt_text="Ana Ruiz"))
    html = client.get("/reporters/ana-ruiz/").content.decode()
    assert re.search(
        r'<picture><source type="image/webp" srcset="\S+ 64w" sizes="120px">'
        r'<img class="headshot" src="\S+_64w\.jpg" srcset="\S+ 64w" sizes="120px" alt="Ana Ruiz" '
        r'width="120" height="120"', html
    )


def test_serving_a_photo_costs_no_storage_call(client, monkeypatch):
    page = make_page(slug="harbour-flood", lead_photo=make_photo())
    make_update(live_page=page, photos=[make_photo(), make_photo()])

    def no_storage_calls(*args, **kwargs):
        raise AssertionError("the storage was called while rendering a page")

    for method in ["open", "exists", "size", "listdir", "save", "get_modified_time"]:
        monkeypatch.setattr(InMemoryStorage, method, no_storage_calls)
    response = client.get("/live/harbour-flood/")
    assert response.status_code == 200
    assert response.content.decode().count("<picture>") == 3


def test_feeds_and_share_cards_point_at_a_jpeg_rendition(client):
    photo = make_photo(alt_text="Quay")
    make_page(slug="harbour-flood", lead_photo=photo)
    html = client.get("/live/harbour-flood/").content.decode()
    assert photo.jpeg_url.endswith("_64w.jpg")
    photo.refresh_from_db()  # public now: readers are shown it
    assert f'<meta property="og:image" content="http://testserver{photo.jpeg_url}"' in html


def test_a_photo_without_renditions_falls_back_to_its_file():
    photo = make_photo(alt_text="Old photo")
    Photo.objects.filter(pk=photo.pk).update(renditions=[])
    photo.refresh_from_db()
    html = images_html(photo)
    assert f'<img src="{photo.original_url}" alt="Old photo" width="64" height="48"' in html
    assert "<source" not in html
    photo.publish_files()  # shown to readers: the file itself goes public
    url = default_storage.url(photo.image.name)
    assert f'<img src="{url}" alt="Old photo"' in images_html(photo)
    assert default_storage.exists(photo.image.name)


def test_one_validator_for_every_form():
    # The admin's photo form uses the field; the filing and reader forms will reuse it.
    from liveblogs.admin import PhotoAdmin
    from liveblogs.forms import PhotoField

    assert PhotoAdmin.form is PhotoForm
    assert isinstance(PhotoForm.base_fields["image"], PhotoField)
    assert images.validate_photo_file in PhotoForm.base_fields["image"].validators
    assert images.validate_photo_file(ContentFile(jpeg(), name="x.jpg")) is None


def test_a_jpeg_with_stray_bytes_between_segments_is_still_stored_clean(storage):
    # Libjpeg skips junk between segments (with a warning); the clean copy is re-encoded instead.
    data = jpeg(320, 240, exif=personal_exif())
    start = data.index(b"\xff\xdb")  # the first quantisation table
    photo = submit(data[:start] + b"\x00\x00junk" + data[start:], alt_text="Two colours").save()
    stored = read(storage, photo.image.name)
    assert b"SN-4471-XK" not in stored
    assert Image.open(io.BytesIO(stored)).size == (320, 240)


@pytest.mark.django_db
def test_make_renditions_command_fills_in_what_photos_lack():
    import io as _io

    from django.core.management import call_command

    from liveblogs.models import Photo

    from .factories import make_photo

    photo = make_photo()
    Photo.objects.filter(pk=photo.pk).update(renditions=[])  # as stored before renditions existed
    out = _io.StringIO()
    call_command("make_renditions", stdout=out)
    photo.refresh_from_db()
    assert photo.renditions and f"Made {len(photo.renditions)} renditions for 1 photos." in out.getvalue()
    out = _io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "Made 0 renditions for 0 photos." in out.getvalue()
