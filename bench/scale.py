"""The helpers of bench/scale.sh, run with its throwaway DATABASE_URL and bench.settings:

    python bench/scale.py setup                     migrate, build the live page, make the editor
    python bench/scale.py run EDGE A B SECONDS N    N readers polling through EDGE (nginx) for
                                                    SECONDS while an editor publishes through A and
                                                    B in turn; a photo uploaded through A is
                                                    fetched through B; checks and figures

Readers follow the poll protocol as liveblogs/static/liveblogs/livepage/live.js does: the live
page's version and interval from the page itself, then ``changes.json?since=V`` every interval the
server sends, with the If-None-Match a browser's cache would add, and back-off on errors. Each
reader is one keep-alive connection in one asyncio loop (no client library); every request has a
timeout and every loop a deadline. Never against a real database: ``setup`` migrates and writes.
"""

import asyncio
import gzip
import http.client
import http.cookies
import io
import json
import os
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

SLUG = "scale-test"
EDITOR, PASSWORD = "scale-editor", "scale-bench-password-4921"
# The poll answer's max-age while live (liveblogs/polling.py): how stale a cached answer may be.
MAX_AGE = 5
MEMO_SECONDS = 1
NGINX_ROUNDING = 1
PUBLISH_EVERY = float(os.environ.get("SCALE_PUBLISH_EVERY", 3))
REQUEST_TIMEOUT = 10


def django_setup():
    import django

    django.setup()


def setup():
    django_setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bench.content import build_page, make_photos, make_reporters

    call_command("migrate", verbosity=0)
    page = build_page(30, make_reporters(), make_photos(2, size=(800, 533)))
    page.slug = SLUG
    page.save(update_fields=["slug"])
    get_user_model().objects.create_superuser(EDITOR, "scale@example.org", PASSWORD)
    page.refresh_from_db()
    print(page.pk, page.version)


# An editor's browser: one cookie jar, any server ---------------------------------------------


class Editor:
    """Signs in once (through one server) and then uses the same session on every server: the
    session lives in the shared database, so any app server knows the editor."""

    def __init__(self):
        self.cookies = {}

    def request(self, base, method, path, body=None, headers=None):
        url = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=REQUEST_TIMEOUT)
        try:
            headers = {
                "Host": "127.0.0.1",
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                **(headers or {}),
            }
            if "csrftoken" in self.cookies:
                headers.setdefault("X-CSRFToken", self.cookies["csrftoken"])
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in http.cookies.SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, data
        finally:
            conn.close()

    def sign_in(self, base):
        self.request(base, "GET", "/admin/login/")
        form = urllib.parse.urlencode({
            "username": EDITOR, "password": PASSWORD, "next": "/admin/",
            "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
        })
        status, _, _ = self.request(base, "POST", "/admin/login/", form,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"The editor could not sign in through {base} ({status}).")

    def publish(self, base, page_id, headline, photo=None):
        """Publish an update from the live desk's composer, as its script sends it."""
        fields = {
            "action": "publish", "headline": headline, "filing_key": str(uuid.uuid4()),
            "body": f"<p>{headline}: the count goes on through the night.</p>",
        }
        if photo:
            fields.update({
                "photos": photo, f"photo-{photo}-caption": "Counting at the town hall.",
                f"photo-{photo}-credit": "Scale Bench/The Valley Courier",
                f"photo-{photo}-alt_text": "Volunteers counting ballots at long tables",
            })
        status, _, data = self.request(
            base, "POST", f"/admin/liveblogs/livepage/{page_id}/desk/updates/",
            urllib.parse.urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = json.loads(data) if data.startswith(b"{") else {}
        if status != 200 or not answer.get("ok"):
            raise RuntimeError(f"publish through {base}: {status} {data[:300]!r}")
        return answer["update"]["id"]

    def upload_photo(self, base):
        """A photo picked in /file/, sent as the filing form's script sends it."""
        from PIL import Image

        picture = io.BytesIO()
        Image.new("RGB", (2400, 1600), (40, 90, 140)).save(picture, "JPEG", quality=85)
        boundary = uuid.uuid4().hex
        body = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"count.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        ).encode() + picture.getvalue() + f"\r\n--{boundary}--\r\n".encode()
        kind = f"multipart/form-data; boundary={boundary}"
        status, _, data = self.request(base, "POST", "/file/photos/", body, {"Content-Type": kind})
        if status != 200:
            raise RuntimeError(f"upload through {base}: {status} {data[:300]!r}")
        return json.loads(data)["photo"]


def fetch(url, headers=None):
    """GET an absolute URL (the edge, an app server or the object storage): status, body."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
    try:
        host = parts.netloc if parts.hostname != "127.0.0.1" else "127.0.0.1"
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# Readers ----------------------------------------------------------------------------------------


async def http_get(reader, writer, path, headers):
    """One GET on a kept-alive connection: status, headers (lower-case names), body."""
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split()[1])
    got = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            got[name.strip().lower()] = value.strip()
    body = b""
    if status not in (204, 304):
        if got.get("transfer-encoding") == "chunked":
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await reader.readexactly(int(got.get("content-length", 0)))
    if got.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return status, got, body


async def follow(n, edge, changes_url, version, interval, until, log):
    """One reader's live page, polling as live.js does until ``until`` (a monotonic time)."""
    host, port = urllib.parse.urlsplit(edge).hostname, urllib.parse.urlsplit(edge).port
    since, failures, etags = version, 0, {}
    conn = None
    # Readers arrive over the first interval, not all at the same instant.
    await asyncio.sleep(random.uniform(0, interval))
    while time.monotonic() < until:
        path = f"{changes_url}?since={since}"
        headers = {"Accept-Encoding": "gzip"}
        if path in etags:  # the browser's own cache revalidates what it holds for this URL
            headers["If-None-Match"] = etags[path]
        start = time.monotonic()
        try:
            if conn is None:
                conn = await asyncio.wait_for(asyncio.open_connection(host, port), REQUEST_TIMEOUT)
            status, got, body = await asyncio.wait_for(http_get(*conn, path, headers),
                                                       REQUEST_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            took = time.monotonic() - start
            log.append((n, start, took, "error", type(error).__name__, None, ()))
            if conn:
                conn[1].close()
            conn, failures = None, failures + 1
        else:
            took = time.monotonic() - start
            if got.get("connection", "").lower() == "close":
                conn[1].close()
                conn = None
            if status == 304:
                log.append((n, start, took, 304, got.get("x-cache-status"), since, ()))
                failures = 0
            elif status == 200:
                data = json.loads(body)
                if "etag" in got:
                    etags = {path: got["etag"]}  # the cache keeps the answer for the URL asked
                ids = tuple(u["id"] for u in data["updates"])
                log.append((n, start, took, 200, got.get("x-cache-status"), data["version"], ids))
                if data.get("poll_interval"):
                    interval = data["poll_interval"]
                since, failures = data["version"], 0
                if data["status"] != "live":
                    break
            else:
                log.append((n, start, took, status, got.get("x-cache-status"), None, ()))
                failures += 1
        delay = interval
        if failures:
            delay = min(delay * 2**failures, max(300, delay))
        wait = min(delay - (time.monotonic() - start), until - time.monotonic())
        await asyncio.sleep(max(0.0, wait))
    if conn:
        conn[1].close()


async def readers(edge, changes_url, version, interval, count, until, log):
    await asyncio.gather(*(follow(n, edge, changes_url, version, interval, until, log)
                           for n in range(count)))


def publisher(editor, servers, page_id, seconds, published, problems):
    """An update every PUBLISH_EVERY seconds, through each app server in turn."""
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        base = servers[n % len(servers)]
        try:
            sent = time.monotonic()
            update_id = editor.publish(base, page_id, f"Count update {n} via server {n % 2 + 1}")
            published.append((update_id, sent, time.monotonic(), base))
        except Exception as error:  # reported as a failed check, not a traceback mid-run
            problems.append(str(error))
        n += 1
        time.sleep(max(0.0, start + n * PUBLISH_EVERY - time.monotonic()))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(edge, a, b, seconds, count):
    django_setup()
    from liveblogs.models import LivePage

    failed = []

    def check(ok, what):
        print(f"{'PASS' if ok else 'FAIL'}  {what}")
        if not ok:
            failed.append(what)

    page = LivePage.objects.get(slug=SLUG)
    editor = Editor()
    editor.sign_in(a)

    # The live page as a reader's browser loads it, through the edge.
    status, html = fetch(f"{edge}/live/{SLUG}/")
    html = html.decode()
    version = int(re.search(r'data-version="(\d+)"', html).group(1))
    interval = int(re.search(r'data-poll-interval="(\d+)"', html).group(1))
    changes_url = re.search(r'data-changes-url="([^"]+)"', html).group(1)
    check(status == 200, f"live page through nginx: {status}, version {version}, "
                         f"poll every {interval} s at {changes_url}")

    # A photo uploaded through one server is served through the other.
    photo = editor.upload_photo(a)
    thumb = photo["thumbnail"]
    thumb_url = thumb if "://" in thumb else f"{b}{thumb}"
    if "://" in thumb:
        (got, data), answer = fetch(thumb), {}
    else:
        got, answer, data = editor.request(b, "GET", urllib.parse.urlsplit(thumb_url).path)
    if got in (302, 303) and answer.get("Location"):
        # On object storage, staff get a private photo from a signed address of the bucket,
        # signed for its host and port as written.
        location = answer["Location"]
        got, data = fetch(location, {"Host": urllib.parse.urlsplit(location).netloc})
    check(got == 200 and (data[:2] == b"\xff\xd8" or data[:4] == b"RIFF"),
          f"photo {photo['id']} uploaded through server 1 is served through server 2 ({got}, "
          f"{len(data)} bytes)")

    # Readers poll while the editor publishes through each server in turn; the readers go on for
    # one interval plus the cache's max-age after the last update, the time it may take to reach
    # them.
    log, published, problems = [], [], []
    tail = interval + MAX_AGE + 2
    until = time.monotonic() + seconds + tail
    thread = threading.Thread(target=publisher,
                              args=(editor, [a, b], page.pk, seconds, published, problems))
    started = time.monotonic()
    thread.start()
    asyncio.run(readers(edge, changes_url, version, interval, count, until, log))
    thread.join(timeout=REQUEST_TIMEOUT * 2)
    elapsed = time.monotonic() - started

    if os.environ.get("SCALE_LOG"):  # every poll and publish, for a closer look
        Path(os.environ["SCALE_LOG"]).write_text(json.dumps({"polls": log, "published": published}))

    # Figures.
    answered = [entry for entry in log if entry[3] in (200, 304)]
    latencies = [entry[2] * 1000 for entry in answered]
    statuses = {}
    for entry in log:
        statuses[entry[3]] = statuses.get(entry[3], 0) + 1
    cache = {}
    for entry in answered:
        cache[entry[4]] = cache.get(entry[4], 0) + 1
    print(f"readers: {count} for {seconds} s (+{tail} s for the last update to arrive): "
          f"{len(log)} polls, {len(log) / elapsed:.1f} requests/s, "
          f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms")
    print(f"  answers: {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items(), key=str))}; "
          f"nginx: {', '.join(f'{k}: {v}' for k, v in sorted(cache.items(), key=str))}")
    took = [(done - sent) * 1000 for _, sent, done, _ in published]
    if took:
        print(f"  publishing from the desk: p50 {statistics.median(took):.0f} ms, "
              f"max {max(took):.0f} ms per update")
    check(not problems, f"editor published {len(published)} updates, through each server in turn"
                        + (f"; refused: {problems[:3]}" if problems else ""))
    check(statuses.keys() <= {200, 304}, "every poll answered 200 or 304")

    # No reader ever sees the version go backwards.
    regressions = 0
    last = {}
    for n, _, _, _, _, seen, _ in sorted(log, key=lambda e: (e[0], e[1])):
        if seen is None:
            continue
        if seen < last.get(n, 0):
            regressions += 1
        last[n] = max(seen, last.get(n, 0))
    print(f"version regressions: {regressions}")
    check(regressions == 0, "no reader ever saw the version go backwards")

    # Every update reaches every reader within one interval plus max-age of being published.
    first_seen = {}
    for n, start, took, _, _, _, ids in log:
        for update_id in ids:
            key = (n, update_id)
            first_seen[key] = min(first_seen.get(key, float("inf")), start + took)
    lost, late, delays = 0, 0, []
    # One interval (the reader's next poll) plus max-age (how old a cached answer may be), plus
    # the second nginx may add to it (it keeps expiry times in whole seconds) and the second an
    # app process may keep a page's state (liveblogs/memo.py) after another server changed it.
    limit = interval + MAX_AGE + NGINX_ROUNDING + MEMO_SECONDS
    readers_seen = {entry[0] for entry in log}
    for update_id, _, done, _ in published:
        for n in readers_seen:
            at = first_seen.get((n, update_id))
            if at is None:
                lost += 1
                continue
            delays.append(at - done)
            if at - done > limit:
                late += 1
    print(f"lost updates: {lost} (of {len(published)} updates x {len(readers_seen)} readers); "
          f"late (> {limit} s): {late}; publish to reader: p50 "
          f"{statistics.median(delays) if delays else 0:.1f} s, "
          f"p99 {percentile(delays, 99) if delays else 0:.1f} s, "
          f"max {max(delays, default=0):.1f} s; "
          f"over {interval + MAX_AGE} s: {sum(d > interval + MAX_AGE for d in delays)}")
    check(lost == 0 and len(readers_seen) == count, f"every update reached all {count} readers")
    check(late == 0, f"each within one poll interval plus the cache's max-age, whole seconds in "
                     f"nginx, plus the process memo ({interval} + {MAX_AGE} + {NGINX_ROUNDING} + "
                     f"{MEMO_SECONDS} s)")

    # A photo published through server 2: its renditions, made by whoever makes them (the task
    # worker where renditions are background work), appear on the page through the edge.
    update_id = editor.publish(b, page.pk, "The count in pictures", photo=photo["id"])
    deadline = time.monotonic() + 60
    urls = []
    while time.monotonic() < deadline:
        _, _, body = editor.request(a, "GET", f"/live/{SLUG}/updates/{update_id}/")
        body = body.decode()
        srcset = re.findall(r'srcset="([^"]+)"', body)
        urls = sorted({part.strip().split()[0] for s in srcset for part in s.split(",")})
        answers = [fetch(u if "://" in u else f"{edge}{u}")[0] for u in urls]
        if urls and all(code == 200 for code in answers):
            break
        time.sleep(0.5)
    check(bool(urls) and all(fetch(u if "://" in u else f"{edge}{u}")[0] == 200 for u in urls),
          f"the published photo's {len(urls)} renditions are served through nginx")
    print(f"  task queue: {queue_summary()}")
    return 1 if failed else 0


def queue_summary():
    """What the task worker did, by status: proof that it ran, where tasks were queued."""
    from django.conf import settings
    from django.db.models import Count

    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return f"no queue ({backend})"
    from django_tasks_db.models import DBTaskResult

    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("pk")))
    return ", ".join(f"{k.lower()} {v}" for k, v in sorted(counts.items())) or \
        "empty (nothing on this branch enqueues a task yet)"


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["help"]
    if command == "setup":
        setup()
    elif command == "run":
        edge, a, b, seconds, count = args
        sys.exit(run(edge, a, b, int(seconds), int(count)))
    else:
        print(__doc__)
        sys.exit(2)
