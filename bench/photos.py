"""Photo ingest and renditions for a 24 MP and a 12 MP JPEG: time and peak extra memory, against a
naive Pillow pipeline and against the encoder settings before issue #18, measured in the same run;
then the request time of uploading and publishing a 24 MP photo, with the renditions beyond the
first left to the task queue and with every one made in the request.

Run from the project root:  .venv/bin/python bench/photos.py  (--quick: the 24 MP photo only)

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
- rendition set with the encoders as before #18 (WebP method 2, every JPEG with optimised
  Huffman tables), then each change alone (WebP method 1; JPEG unoptimised from 1,280 pixels
  wide): "ours" has both. The files' total size is printed beside each.
- first rendition: what ``Photo.ingest`` makes while the uploader waits (640 pixels, WebP and
  JPEG; ``images.first_specs``), and ingest with every rendition, as it was before the rest
  moved to the task queue.
- request: a reporter's phone uploads the photo (``POST /file/photos/``) and publishes an update
  with it (``POST /file/``), through Django's test client on a throwaway SQLite database: with a
  task queue (django-tasks' DummyBackend: the renditions task is only enqueued, as with
  django-tasks-db and a worker), and with tasks run at once (the immediate backend of the
  embedded setup: every rendition made in the request). Wall time of the two requests.

Each case runs in a fresh child process pinned to one CPU, five times, in each of two rounds with
the cases interleaved (so before and after share the machine's mood); the time is the best run
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
ROUNDS = 2
PHOTOS = [("24 MP", (6000, 4000)), ("12 MP", (4000, 3000))]
CASES = [
    "check", "ingest", "ingest-all", "first", "before", "webp-m1", "jpeg-unoptimised", "ours",
    "naive", "ours+avif",
]
LABELS = {
    "check": "check upload",
    "ingest": "ingest now (check, clean, first rendition, store)",
    "ingest-all": "ingest with every rendition (before)",
    "first": "first rendition (640 WebP + JPEG)",
    "before": "rendition set, encoders before #18",
    "webp-m1": "  … with WebP method 1 only",
    "jpeg-unoptimised": "  … with JPEG unoptimised ≥ 1280 only",
    "ours": "rendition set, ours (both)",
    "naive": "rendition set, naive",
    "ours+avif": "rendition set, ours, with AVIF too",
}
REQUEST_CASES = {"queue": "upload + publish, rest queued (worker)",
                 "immediate": "upload + publish, every rendition in it"}
TARGET_SECONDS, TARGET_MB, TARGET_RATIO, TARGET_REQUEST = 1.0, 100, 2.0, 1.0


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
    if case in REQUEST_CASES:
        settings.DATABASES["default"]["NAME"] = os.path.join(media, "bench.sqlite3")
        settings.ALLOWED_HOSTS = ["testserver"]
        settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"
                                      if case == "queue" else
                                      "django_tasks.backends.immediate.ImmediateBackend"}}
    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from PIL import Image

    from liveblogs import images
    from liveblogs.models import Photo

    if case in {"before", "webp-m1"}:
        images.JPEG_OPTIMIZE_BELOW = 10**9  # every JPEG optimised, as before
    if case in {"before", "jpeg-unoptimised"}:
        images.ENCODINGS["webp"][3]["method"] = 2

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

    def ingest_all(data):
        # Photo.ingest as it was: every rendition while the uploader waits.
        upload = images.inspect_upload(ContentFile(data, name="bench.jpg"))
        master = images.clean_master(upload)
        storage = storages["liveblogs_private"]
        name = storage.save("photos/bench.jpg", ContentFile(master.data))
        specs = images.rendition_specs(master.width, master.height)
        images.store_renditions(storage, name, images.make_renditions(master.data, specs))

    def first(data):
        with Image.open(io.BytesIO(data)) as image:
            width = image.width
        images.make_renditions(data, images.first_specs(images.rendition_specs(width)))

    work = {"check": check, "ingest": ingest, "ingest-all": ingest_all, "first": first,
            "naive": naive}.get(case, ours)
    if case in REQUEST_CASES:
        work = requests_of_a_phone()
    # Load every plugin and codec on a small photo first, so the figures are the work alone.
    small = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 150)).save(small, "JPEG")
    work(small.getvalue())
    data = Path(path).read_bytes()
    reset_peak()
    before = status_mb("VmRSS")
    seconds, cpu = [], []
    for _ in range(RUNS):
        started, started_cpu = time.perf_counter(), time.process_time()
        work(data)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    result = {"seconds": min(seconds), "median": statistics.median(seconds), "cpu": min(cpu),
              "extra_mb": status_mb("VmHWM") - before}
    if case in {"before", "webp-m1", "jpeg-unoptimised", "ours"}:
        with Image.open(io.BytesIO(data)) as image:
            width = image.width
        made = images.make_renditions(data, images.rendition_specs(width))
        result["kb"] = sum(len(r.data) for r in made) / 1024
    shutil.rmtree(media, ignore_errors=True)
    print(json.dumps(result))


def requests_of_a_phone():
    """A reporter who may publish, on a live page's desk, signed in: returns what their phone
    does with a photo, upload then publish, as one function for the timer."""
    import re

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client

    from liveblogs.models import LivePage, Reporter

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench-reporter", password="not-used")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["add_update", "change_update", "publish_update", "add_photo"]
    ))
    page = LivePage.objects.create(title="Bench", slug="bench", status=LivePage.Status.LIVE)
    page.desk.add(Reporter.objects.create(name="Bench Reporter", slug="bench-reporter", user=user))
    client = Client()
    client.force_login(user)

    def upload_and_publish(data):
        form = client.get("/file/").content.decode()
        key = re.search(r'name="filing_key" value="([^"]*)"', form)[1]
        uploaded = client.post("/file/photos/", {
            "image": SimpleUploadedFile("IMG_0001.jpg", data, content_type="image/jpeg")
        })
        assert uploaded.status_code == 200, uploaded.content[:300]
        pk = uploaded.json()["id"]
        published = client.post("/file/", {
            "filing_key": key, "live_page": page.pk, "action": "publish",
            "headline": "The quay at noon", "body": "Water over the quay.", "photos": [pk],
            f"photo-{pk}-caption": "The quay", f"photo-{pk}-credit": "Bench Reporter/Newsroom",
            f"photo-{pk}-alt_text": "Water over the quay",
        })
        assert published.status_code == 302, published.content[:300]

    return upload_and_publish


# The parent: the photos, the table, the verdict ---------------------------------------------------


def measure(case, path):
    result = subprocess.run(
        [sys.executable, __file__, "--child", case, str(path)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    if result.returncode:
        raise SystemExit(f"{case} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def best_of(rounds):
    """One figure per case from its rounds: the best time, the median of the medians, the
    largest memory (the conservative one)."""
    return {"seconds": min(r["seconds"] for r in rounds),
            "median": statistics.median(r["median"] for r in rounds),
            "cpu": min(r["cpu"] for r in rounds),
            "extra_mb": max(r["extra_mb"] for r in rounds),
            **({"kb": rounds[0]["kb"]} if "kb" in rounds[0] else {})}


def print_row(name, label, result):
    size = f"{result['kb']:>9,.0f}" if "kb" in result else ""
    print(f"{name:<24} {label:<52} {result['seconds']:>6.2f} {result['median']:>6.2f} "
          f"{result['cpu']:>6.2f} {result['extra_mb']:>7.0f} {size:>9}")


def main(quick=False):
    from PIL import features

    cases = [c for c in CASES if c != "ours+avif" or features.check("avif")]
    photos = PHOTOS[:1] if quick else PHOTOS
    workdir = Path(tempfile.mkdtemp(prefix="liveblogs-bench-photos-"))
    cpu = sorted(os.sched_getaffinity(0))
    print(f"One CPU per case (of {len(cpu)} here); time: best of {RUNS} runs in each of {ROUNDS} "
          "rounds, the cases interleaved (the median of the rounds' medians beside it); memory: "
          "peak RSS (VmHWM) of a fresh child process per case, minus its RSS before the work "
          "(the larger of the rounds); KB: the rendition set's files. CPU s: the best run's "
          "processor time, what the work costs one core whatever else the machine runs; wall "
          "time also counts the waits for a core shared with others.")
    print("Load average before: {:.2f} {:.2f} {:.2f}\n".format(*os.getloadavg()))
    print(f"{'photo':<24} {'case':<52} {'wall s':>6} {'median':>6} {'CPU s':>6} {'peak MB':>7} "
          f"{'KB':>9}")
    verdicts = []
    for label, size in photos:
        path = workdir / f"{label.replace(' ', '')}.jpg"
        noisy_jpeg(size, path)
        name = f"{label} {size[0]}×{size[1]} {path.stat().st_size / 2**20:.1f} MB"
        rounds = {case: [] for case in cases}
        for _round in range(ROUNDS):
            for case in cases:
                rounds[case].append(measure(case, path))
        results = {case: best_of(rounds[case]) for case in cases}
        for case in cases:
            print_row(name, LABELS[case], results[case])
            name = ""
        ours, naive, before = results["ours"], results["naive"], results["before"]
        ratio = naive["cpu"] / ours["cpu"]
        print(f"{'':<24} {'naive ÷ ours (CPU)':<52} {ratio:>6.1f}×")
        print(f"{'':<24} {'before #18 ÷ ours (CPU)':<52} {before['cpu'] / ours['cpu']:>6.2f}×"
              f"   files {ours['kb'] / before['kb'] - 1:+.0%}")
        if label == "24 MP":
            request = {}
            for _round in range(ROUNDS):
                for case in REQUEST_CASES:
                    request.setdefault(case, []).append(measure(case, path))
            request = {case: best_of(found) for case, found in request.items()}
            print()
            for case, what in REQUEST_CASES.items():
                print_row("", what, request[case])
            verdicts = [
                (f"full rendition set ≤ {TARGET_SECONDS:g} s of one core (CPU)",
                 f"{ours['cpu']:.2f} s", ours["cpu"] <= TARGET_SECONDS),
                (f"peak extra memory ≤ {TARGET_MB} MB", f"{ours['extra_mb']:.0f} MB",
                 ours["extra_mb"] <= TARGET_MB),
                (f"≥ {TARGET_RATIO:g}× faster than naive", f"{ratio:.1f}×", ratio >= TARGET_RATIO),
                (f"upload + publish < {TARGET_REQUEST:g} s of request time (CPU)",
                 f"{request['queue']['cpu']:.2f} s",
                 request["queue"]["cpu"] < TARGET_REQUEST),
            ]
        print()
    print("Targets for the 24 MP photo:")
    for what, figure, met in verdicts:
        print(f"  {what:<52} {figure:>8}  {'met' if met else 'NOT MET'}")
    shutil.rmtree(workdir, ignore_errors=True)
    print("Load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
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
        main(quick="--quick" in sys.argv)
