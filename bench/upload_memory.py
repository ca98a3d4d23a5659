"""Peak extra memory and time of one photo upload, for the decompression-bomb set and for ordinary
photos, as staff and as a reader (whose pixel limit is stricter).

Run from the project root:  .venv/bin/python bench/upload_memory.py

Each upload goes the whole way an upload goes: ``images.inspect_upload`` (the form's check), then,
if accepted, ``Photo.ingest()`` (clean master, every rendition, stored in a temporary folder). Each
runs in a fresh child process; memory is the child's peak resident set (``VmHWM``, reset just
before the work) minus its resident size at that moment, as in ``bench/photos.py``: Pillow's pixels
live outside Python's allocator, where tracemalloc does not see them.

The bombs are the ones an attacker sent: an all-zero 10000×10000 RGBA PNG (389 KB), a 16-bit
9000×9000 PNG, a progressive 10000×10000 JPEG, and a 629-byte JPEG whose header claims
10000×10000. Target: every one, accepted or refused, at most 150 MB extra.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from pathlib import Path

from photos import noisy_jpeg, reset_peak, status_mb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

TARGET_MB = 150


def png_zero_rgba(path, side=10_000):
    from PIL import Image

    Image.new("RGBA", (side, side)).save(path, "PNG", optimize=True)


def png_16bit(path, side=9_000, colour_type=2):
    """A 16-bit PNG of zeros (RGB, or grey with ``colour_type=0``), written row by row (Pillow
    writes no 16-bit RGB)."""

    def chunk(kind, data):
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    compressor = zlib.compressobj(9)
    samples = 3 if colour_type == 2 else 1
    row = bytes(1 + side * samples * 2)  # filter byte, then 2 bytes per sample
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = side.to_bytes(4, "big") * 2 + bytes([16, colour_type, 0, 0, 0])
    Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def jpeg_progressive(path, side=10_000):
    from PIL import Image

    Image.new("RGB", (side, side), (120, 130, 140)).save(path, "JPEG", progressive=True)


def jpeg_claiming(path, side=10_000):
    """A tiny real JPEG whose frame header is rewritten to claim ``side``×``side`` pixels."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(out, "JPEG", quality=20)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = side.to_bytes(2, "big") * 2
    Path(path).write_bytes(bytes(data))


def jpeg_scans(path, side=5_000, copies=3_000):
    """A grey progressive JPEG with one of its scans repeated: each is decoded over the whole
    image (the attacker's 290 KB file took 32 s)."""
    import io

    from PIL import Image

    from liveblogs.images import NEXT_MARKER

    out = io.BytesIO()
    Image.new("L", (side, side), 128).save(out, "JPEG", progressive=True)
    data = out.getvalue()
    start = data.index(b"\xff\xda", data.index(b"\xff\xda") + 2)
    end = NEXT_MARKER.search(data, start + 4).start()
    Path(path).write_bytes(data[:end] + data[start:end] * copies + data[end:])


def jpeg_colour_at_a_time(path, side=5_000):
    """A baseline JPEG, CMYK, a colour per scan: libjpeg keeps every coefficient, as for a
    progressive one (the attacker's 391 KB file took 205 MB from an anonymous reader)."""
    import django

    django.setup()  # the tests' factories module imports the models
    from tests.factories import colour_at_a_time_jpeg

    Path(path).write_bytes(colour_at_a_time_jpeg(side, components=4))


def png_many_chunks(path, count=2_000_000):
    """A small PNG with two million empty private chunks before its pixels: Pillow reads and
    keeps each (the attacker's 25 MB file: 265 MB, 17 s)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 32)).save(out, "PNG")
    data = out.getvalue()
    chunk = (0).to_bytes(4, "big") + b"teSt" + zlib.crc32(b"teSt").to_bytes(4, "big")
    idat = data.index(b"IDAT") - 4
    Path(path).write_bytes(data[:idat] + chunk * count + data[idat:])


def phone_jpeg(path, *, orientation=1):
    from PIL import Image

    noisy_jpeg((6000, 4000), path)
    if orientation != 1:
        with Image.open(path) as image:
            exif = image.getexif()
            exif[0x0112] = orientation
            image.save(path, "JPEG", quality=90, exif=exif)


def png_screenshot(path):
    from PIL import Image

    Image.linear_gradient("L").resize((3840, 2160)).convert("RGB").save(path, "PNG")


def encoded_photo(path, size, format, **options):
    """A noisy photo of ``size`` saved as ``format`` (WebP, HEIF)."""
    from PIL import Image

    if format == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    jpeg = Path(path).with_suffix(".source.jpg")
    noisy_jpeg(size, jpeg)
    with Image.open(jpeg) as image:
        image.save(path, format, **options)
    jpeg.unlink()


CASES = [
    ("PNG all-zero RGBA 10000² (bomb)", "png", png_zero_rgba),
    ("PNG 16-bit RGB 9000² (bomb)", "png", png_16bit),
    ("JPEG progressive 10000² (bomb)", "jpg", jpeg_progressive),
    ("JPEG 629 B claiming 10000² (bomb)", "jpg", jpeg_claiming),
    ("JPEG of 3,000 repeated scans (bomb)", "jpg", jpeg_scans),
    ("PNG of 2 million chunks (bomb)", "png", png_many_chunks),
    ("JPEG CMYK 5000², a colour a scan (bomb)", "jpg", jpeg_colour_at_a_time),
    # The largest of each costly kind that is still taken, at the default limits.
    ("PNG all-zero RGBA 4800² (taken)", "png", lambda path: png_zero_rgba(path, 4_800)),
    ("PNG 16-bit RGB 4800² (taken)", "png", lambda path: png_16bit(path, 4_800)),
    ("PNG 16-bit grey 4000² (taken)", "png", lambda path: png_16bit(path, 4_000, 0)),
    ("JPEG progressive 5700² (taken)", "jpg", lambda path: jpeg_progressive(path, 5_700)),
    ("WebP 4.4 MP (taken)", "webp", lambda path: encoded_photo(path, (2560, 1700), "WEBP")),
    ("JPEG 24 MP phone photo", "jpg", phone_jpeg),
    ("JPEG 24 MP, turned (EXIF 6)", "jpg", lambda path: phone_jpeg(path, orientation=6)),
    ("PNG 3840×2160 screenshot", "png", png_screenshot),
    ("WebP 16 MP", "webp", lambda path: encoded_photo(path, (4896, 3264), "WEBP", quality=85)),
    ("HEIC 12 MP phone photo", "heic", lambda path: encoded_photo(path, (4032, 3024), "HEIF")),
    ("HEIC 24 MP phone photo", "heic", lambda path: encoded_photo(path, (5712, 4284), "HEIF")),
]


# The child: one upload, measured ------------------------------------------------------------------


def child(path, who):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    media = tempfile.mkdtemp(prefix="liveblogs-bench-uploads-")
    os.environ["DJANGO_MEDIA_ROOT"] = media
    import django
    from django.conf import settings

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    warnings.filterwarnings("ignore", "No directory at")
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files import File

    from liveblogs import images
    from liveblogs.models import Photo

    from liveblogs.conf import settings as app_settings

    limit = app_settings.READER_MAX_PIXELS if who == "reader" else None
    reset_peak()
    before = status_mb("VmRSS")
    started = time.perf_counter()
    with open(path, "rb") as handle:
        upload = File(handle, name="upload")
        try:
            images.inspect_upload(upload, max_pixels=limit)
            Photo(image=upload).ingest()
            outcome = "accepted"
        except ValidationError as error:
            outcome = "refused: " + " ".join(error.messages)
    seconds = time.perf_counter() - started
    result = {"outcome": outcome, "seconds": seconds, "extra_mb": status_mb("VmHWM") - before}
    shutil.rmtree(media, ignore_errors=True)
    print(json.dumps(result))


# The parent ---------------------------------------------------------------------------------------


def measure(path, who):
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path), who],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    if result.returncode:
        return {"outcome": f"CRASHED: {result.stderr.strip().splitlines()[-1:]}", "seconds": 0,
                "extra_mb": float("nan")}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    workdir = Path(tempfile.mkdtemp(prefix="liveblogs-bench-uploads-"))
    print("One fresh child process per upload, pinned to one CPU; memory: peak RSS (VmHWM) "
          "minus RSS before the upload.\n")
    print(f"{'file':<36} {'size':>9} {'who':<7} {'time s':>7} {'extra MB':>9}  outcome")
    worst = 0.0
    try:
        for label, suffix, make in CASES:
            path = workdir / f"case.{suffix}"
            make(path)
            size = path.stat().st_size
            shown = f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.1f} KB"
            for who in ("staff", "reader"):
                result = measure(path, who)
                worst = max(worst, result["extra_mb"])
                print(f"{label:<36} {shown:>9} {who:<7} {result['seconds']:>7.2f} "
                      f"{result['extra_mb']:>9.0f}  {result['outcome'][:110]}")
                label = shown = ""
            path.unlink()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nWorst peak extra memory: {worst:.0f} MB (target ≤ {TARGET_MB} MB): "
          f"{'met' if worst <= TARGET_MB else 'NOT MET'}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main()
