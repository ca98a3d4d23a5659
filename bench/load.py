"""The helpers of bench/load.sh, run with its throwaway DATABASE_URL and bench.settings:

    python bench/load.py setup                      migrate, build the page; prints its version
    python bench/load.py publish SECONDS OUT LABEL  publish an update a second; one line each to OUT
    python bench/load.py follow APP SECONDS SEEN V  a reader polling from version V; what it got
    python bench/load.py verify APP OUT SEEN        every update in OUT is on the page and in SEEN
    python bench/load.py probe URL SECONDS OUT      a request every 0.1 s: time, status, duration
    python bench/load.py fault PROBE PG ACCESS       what the probe and gunicorn saw of the outage

Never against a real database: ``setup`` empties the one it is given.
"""

import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

SLUG = "load-test"


def django_setup():
    import django

    django.setup()


# setup ------------------------------------------------------------------------------------------


def setup():
    django_setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from bench.content import build_page, make_photos, make_reporters

    call_command("migrate", verbosity=0)
    page = build_page(100, make_reporters(), make_photos(4, size=(800, 533)))
    page.slug = SLUG
    page.save(update_fields=["slug"])
    get_user_model().objects.create_user("load-editor", is_staff=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    page.refresh_from_db()
    print(page.version)


# publish ----------------------------------------------------------------------------------------


def publish(seconds, out, label):
    """One update a second, published as the admin publishes (``Update.publish``). A publish the
    database refuses (it is restarting) is tried again until it is in: nothing is skipped."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, close_old_connections, connection, transaction

    from liveblogs.models import LivePage, Reporter, Update, UpdateAuthor

    editor = get_user_model().objects.get(username="load-editor")
    page = LivePage.objects.get(slug=SLUG)
    reporter = Reporter.objects.order_by("pk").first()
    start = time.monotonic()
    retries = 0
    with open(out, "w") as log:
        for n in range(int(seconds)):
            time.sleep(max(0.0, start + n - time.monotonic()))
            headline = f"{label} update {n}"
            while True:
                try:
                    # A retry finds the update when the commit went in but its answer was lost.
                    update = Update.objects.filter(live_page=page, headline=headline).first()
                    if update is None:
                        with transaction.atomic():
                            update = Update(live_page=page, headline=headline,
                                            body=f"<p>Published {n} s into the run.</p>")
                            update.save()
                            UpdateAuthor.objects.create(update=update, reporter=reporter)
                            update.publish(by=editor)
                    elif update.status != Update.Status.PUBLISHED:
                        update.publish(by=editor)
                    update.refresh_from_db()
                    break
                except DatabaseError as error:
                    retries += 1
                    print(f"publish {n}: {type(error).__name__}, trying again", file=sys.stderr)
                    connection.close()
                    close_old_connections()
                    time.sleep(0.25)
            log.write(f"{update.pk} {update.page_version} {time.monotonic() - start:.2f}\n")
            log.flush()
    print(f"published {int(seconds)} updates, {retries} retries", file=sys.stderr)


# verify -----------------------------------------------------------------------------------------


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read().decode()


def follow(app, seconds, out, since):
    """A reader's browser under the load: holds the page at version ``since`` (from before the
    first publish), polls changes.json every second from the version it holds, as livepage.js
    does, and writes down every update it was given."""
    deadline = time.time() + float(seconds)
    since, seen, polls, failures = int(since), set(), 0, 0
    while time.time() < deadline:
        try:
            _status, body = get(f"{app}/live/{SLUG}/changes.json?since={since}")
            data = json.loads(body)
            seen |= {u["id"] for u in data["updates"]}
            since = data["version"]
            polls += 1
        except (OSError, ValueError):
            failures += 1  # 503 while the database is away: back off, as the page does
            time.sleep(1)
        time.sleep(1)
    Path(out).write_text("".join(f"{pk}\n" for pk in sorted(seen)))
    print(f"reader: {polls} polls, {failures} failed, {len(seen)} updates received",
          file=sys.stderr)


def verify(app, out, followed):
    """Every published update is on the live page (following "Show older updates") and reached
    the polling reader (``follow``)."""
    published = [line.split() for line in Path(out).read_text().splitlines() if line.strip()]
    ids = {int(pk) for pk, _version, _at in published}
    on_page = set()
    url = f"{app}/live/{SLUG}/"
    for _ in range(100):
        _status, html = get(url)
        on_page |= {int(pk) for pk in re.findall(r'<article id="update-(\d+)"', html)}
        more = re.search(r'<a class="button" rel="next" href="([^"]+)"', html)
        if not more or ids <= on_page:
            break
        url = f"{app}/live/{SLUG}/{more.group(1).replace('&amp;', '&')}"
    missing_page = sorted(ids - on_page)
    received = {int(line) for line in Path(followed).read_text().split()}
    missing_poll = sorted(ids - received)
    print(f"published {len(ids)}; on the live page {len(ids) - len(missing_page)}; "
          f"received by the polling reader {len(ids) - len(missing_poll)}")
    if missing_page or missing_poll:
        print(f"FAIL  missing on the page: {missing_page}; not received by polling: "
              f"{missing_poll}")
        return 1
    return 0


# probe and fault ----------------------------------------------------------------------------------


def probe(url, seconds, out):
    """A reader that needs the database (the live page is rendered from it), every 0.1 s."""
    deadline = time.time() + float(seconds)
    with open(out, "w") as log:
        while time.time() < deadline:
            started = time.time()
            retry_after = body_start = ""
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    status = response.status
                    response.read()
            except urllib.error.HTTPError as error:
                status = error.code
                retry_after = error.headers.get("Retry-After", "")
                body_start = error.read(2000).decode(errors="replace")
            except OSError as error:
                status = f"error:{type(error).__name__}"
            took = time.time() - started
            traceback = "traceback" if "Traceback" in body_start else ""
            log.write(f"{started:.3f} {status} {took * 1000:.1f} {retry_after or '-'} "
                      f"{traceback or '-'}\n")
            log.flush()
            time.sleep(max(0.0, 0.1 - took))


ACCESS_LINE = re.compile(r'\[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) \S+ (\d+)ms')


def served(access_log, pg_down, pg_up):
    """What gunicorn's access log says of the outage: how long each 503 took in the worker,
    when the first and the last were answered, and how many polls were answered anyway (from the
    shared cache), in whole seconds after PostgreSQL went away."""
    from datetime import datetime

    times, ats, answered = [], [], 0
    for line in Path(access_log).read_text(errors="replace").splitlines():
        match = ACCESS_LINE.search(line)
        if not match:
            continue
        at = datetime.strptime(match.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp()
        if match.group(4) == "503":
            times.append(int(match.group(5)))
            ats.append(at)
        elif match.group(4) == "200" and pg_down - 1 < at < pg_up - 1:
            answered += 1
    if not times:
        print("gunicorn answered no 503")
        return
    times.sort()
    print(f"gunicorn answered {len(times)} requests 503, taking {times[len(times) // 2]} ms "
          f"(median), {times[int(len(times) * 0.99)]} ms (p99), {times[-1]} ms (slowest) in "
          f"the worker; the first at {min(ats) - pg_down:+.0f} s, the last at "
          f"{max(ats) - pg_down:+.0f} s; meanwhile {answered} polls answered 200 from Redis")


def fault(probe_log, pg_log, access_log):
    """How the app behaved around the outage. ``pg_log`` has a line ``<time> up|down`` every
    0.1 s from pg_isready: PostgreSQL was away from its first "down" to the next "up"."""
    checks = [line.split() for line in Path(pg_log).read_text().splitlines() if line.strip()]
    pg_down = next(float(at) for at, state in checks if state == "down")
    pg_up = next(float(at) for at, state in checks if state == "up" and float(at) > pg_down)
    rows = []
    for line in Path(probe_log).read_text().splitlines():
        at, status, ms, retry_after, traceback = line.split()
        rows.append((float(at), status, float(ms), retry_after, traceback))
    print(f"PostgreSQL refused connections for {pg_up - pg_down:.1f} s (pg_isready every 0.1 s)")
    served(access_log, pg_down, pg_up)
    failed = [r for r in rows if r[1] != "200"]
    statuses = {}
    for r in rows:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    print(f"probe (the live page every 0.1 s, rendered from the database): {len(rows)} requests, "
          f"statuses {statuses}")
    if failed:
        times = sorted(r[2] for r in failed)
        print(f"  its failed requests, round trip behind the 200 pollers: median "
              f"{times[len(times) // 2]:.0f} ms, slowest {times[-1]:.0f} ms; Retry-After "
              f"{sorted({r[3] for r in failed if r[1] == '503'})}; tracebacks in bodies: "
              f"{sum(r[4] == 'traceback' for r in failed)}")
    # Times relative to pg_isready's first "up", which itself lags a little on a busy machine.
    last_failure = max((r[0] + r[2] / 1000 for r in failed), default=pg_up)
    recovered = min(
        (r[0] + r[2] / 1000 for r in rows if r[1] == "200" and r[0] + r[2] / 1000 > last_failure),
        default=None,
    )
    first_ok = recovered
    if failed:
        print(f"  last 503 answered {last_failure - pg_up:+.1f} s after PostgreSQL was back "
              f"(pg_isready), the next answer a 200 at {recovered - pg_up:+.1f} s"
              if recovered else "  no 200 after the last 503")
    bad = [r for r in failed if r[1] != "503"]
    if bad:
        print(f"FAIL  answers other than 200 and 503: {sorted({r[1] for r in bad})}")
    if first_ok is None:
        print("FAIL  the app did not keep answering 200 once PostgreSQL was back")
        return 1
    with_retry_after = all(r[3] != "-" for r in failed)
    ok = not bad and with_retry_after and not any(r[4] == "traceback" for r in failed)
    return 0 if ok else 1


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "setup":
        setup()
    elif command == "publish":
        publish(float(args[0]), *args[1:])
    elif command == "follow":
        follow(*args)
    elif command == "verify":
        sys.exit(verify(*args))
    elif command == "probe":
        probe(*args)
    elif command == "fault":
        sys.exit(fault(*args))
    else:
        sys.exit(__doc__)
