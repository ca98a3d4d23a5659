"""Photo ingest and renditions for a 24 MP and a 12 MP JPEG: time and peak extra memory, against a
naive Pillow pipeline measured in the same run.

Run from the project root:  .venv/bin/python bench/photos.py

The photos are generated here: noise over a gradient, saved as JPEG at quality 90. Noise is the
worst case for a JPEG decoder and for every encoder after it; real photos are faster.

Cases:
- check upload: ``images.inspect_upload`` (sniff, open, decode at 1/8 scale to catch a cut-off
  file).
- ingest: ``Photo.ingest()`` as an upload gets it: check, clean master, every rendition, and storing
  them all (FileSystemStorage in a temporary folder; no database).
- rendition set, ours: ``images.make_renditions`` for every width and format the settings ask
  for, from the JPEG's bytes: decoded once at reduced scale (``Image.draft``), each width resized
  from the next wider one.
- rendition set, naive: the textbook way: decode in full, then LANCZOS from full size for each
  width. Same widths, same encoders and settings, so the difference is decoding and resizing.

Each case runs in a fresh child process pinned to one CPU, five times; the time is the best run
(the one least disturbed by whatever else the machine is doing), the median is printed beside it.
Memory is sampled from the operating system, not tracemalloc (Pillow allocates pixels outside
Python's allocator, where tracemalloc does not see them): the child's peak resident set size
(``VmHWM``, reset just before the work through ``/proc/self/clear_refs``) minus its resident size
at that moment.
"""

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

RUNS = 5
PHOTOS = [("24 MP", (6000, 4000)), ("12 MP", (4000, 3000))]
CASES = ["check", "ingest", "ours", "naive", "ours+avif"]
LABELS = {
    "check": "check upload",
    "ingest": "ingest (check, clean, renditions, store)",
    "ours": "rendition set, ours",
    "naive": "rendition set, naive",
    "ours+avif": "rendition set, ours, with AVIF too",
}
TARGET_SECONDS, TARGET_MB, TARGET_RATIO = 1.0, 100, 2.0


def noisy_jpeg(size, path):
    from PIL import Image

    width, height = size
    noise = Image.merge("RGB", [Image.effect_noise(size, 80) for _ in range(3)])
    ramp = Image.linear_gradient("L").resize(size)
    base = Image.merge("RGB", [ramp, ramp.transpose(Image.Transpose.ROTATE_180), ramp])
    Image.blend(noise, base, 0.5).save(path, "JPEG", quality=90)


# The child: one case, measured --------------------------------------------------------------------


def status_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024  # kB
    raise LookupError(field)


def reset_peak():
    """Start the peak-RSS count again from here (Linux 4.0+), so the warm-up does not count.

    Without it, ``VmHWM`` still beats ``ru_maxrss``: that one survives fork and exec, so a child
    would report its parent's peak.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def child(case, path):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    media = tempfile.mkdtemp(prefix="liveblogs-bench-photos-")
    os.environ["DJANGO_MEDIA_ROOT"] = media
    import django
    from django.conf import settings

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    warnings.filterwarnings("ignore", "No directory at")
    if case == "ours+avif":
        settings.LIVEBLOGS_RENDITION_FORMATS = ("avif", "webp", "jpeg")
    django.setup()
    from django.core.files.base import ContentFile
    from PIL import Image

    from liveblogs import images
    from liveblogs.models import Photo

    def naive(data):
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            specs = images.rendition_specs(image.width)
            for width in sorted({w for w, _ in specs}, reverse=True):
                size = (width, round(width * image.height / image.width))
                resized = image.resize(size, Image.Resampling.LANCZOS)
                for _, name in [s for s in specs if s[0] == width]:
                    images.encode(resized, name, {})

    def ours(data):
        with Image.open(io.BytesIO(data)) as image:
            width = image.width
        images.make_renditions(data, images.rendition_specs(width))

    def check(data):
        images.inspect_upload(ContentFile(data, name="bench.jpg"))

    def ingest(data):
        Photo(image=ContentFile(data, name="bench.jpg")).ingest()

    work = {"check": check, "ingest": ingest, "ours": ours, "naive": naive, "ours+avif": ours}[case]
    # Load every plugin and codec on a small photo first, so the figures are the work alone.
    small = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 150)).save(small, "JPEG")
    work(small.getvalue())
    data = Path(path).read_bytes()
    reset_peak()
    before = status_mb("VmRSS")
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work(data)
        seconds.append(time.perf_counter() - started)
    result = {"seconds": min(seconds), "median": statistics.median(seconds),
              "extra_mb": status_mb("VmHWM") - before}
    shutil.rmtree(media, ignore_errors=True)
    print(json.dumps(result))


# The parent: the photos, the table, the verdict ---------------------------------------------------


def measure(case, path):
    result = subprocess.run(
        [sys.executable, __file__, "--child", case, str(path)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    if result.returncode:
        raise SystemExit(f"{case} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    from PIL import features

    cases = [c for c in CASES if c != "ours+avif" or features.check("avif")]
    workdir = Path(tempfile.mkdtemp(prefix="liveblogs-bench-photos-"))
    cpu = sorted(os.sched_getaffinity(0))
    print(f"One CPU per case (of {len(cpu)} here); time: best of {RUNS} runs (median beside it); "
          "memory: peak RSS (VmHWM) of a fresh child process per case, minus its RSS before the "
          "work.\n")
    print(f"{'photo':<26} {'case':<42} {'time s':>7} {'median':>7} {'peak extra MB':>14}")
    verdicts = []
    for label, size in PHOTOS:
        path = workdir / f"{label.replace(' ', '')}.jpg"
        noisy_jpeg(size, path)
        name = f"{label} {size[0]}×{size[1]} {path.stat().st_size / 2**20:.1f} MB"
        results = {}
        for case in cases:
            results[case] = measure(case, path)
            print(f"{name:<26} {LABELS[case]:<42} {results[case]['seconds']:>7.2f} "
                  f"{results[case]['median']:>7.2f} {results[case]['extra_mb']:>14.0f}")
            name = ""
        ours, naive = results["ours"], results["naive"]
        ratio = naive["seconds"] / ours["seconds"]
        print(f"{'':<26} {'naive ÷ ours':<42} {ratio:>6.1f}×\n")
        if label == "24 MP":
            verdicts = [
                (f"full rendition set ≤ {TARGET_SECONDS:g} s on one core",
                 f"{ours['seconds']:.2f} s", ours["seconds"] <= TARGET_SECONDS),
                (f"peak extra memory ≤ {TARGET_MB} MB", f"{ours['extra_mb']:.0f} MB",
                 ours["extra_mb"] <= TARGET_MB),
                (f"≥ {TARGET_RATIO:g}× faster than naive", f"{ratio:.1f}×", ratio >= TARGET_RATIO),
            ]
    print("Targets for the 24 MP photo:")
    for what, figure, met in verdicts:
        print(f"  {what:<40} {figure:>8}  {'met' if met else 'NOT MET'}")
    shutil.rmtree(workdir, ignore_errors=True)
    print("\nWidths:", ", ".join(map(str, _settings_widths())),
          "(never upscaled); formats: WebP and JPEG" + (
              "; the AVIF row is for comparison (off by default)" if "ours+avif" in cases else ""))


def _settings_widths():
    import django
    from django.conf import settings

    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    django.setup()
    from liveblogs.conf import settings as app_settings

    return app_settings.RENDITION_WIDTHS


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        main()
