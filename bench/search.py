"""The archive's search at 10,000 and 100,000 updates on 1,000 pages: median and p95 of a search
request for a common word, a rare word and a phrase; and what indexing adds to writing an update.

Run from the project root:
    .venv/bin/python bench/search.py                      # SQLite (FTS5), a throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/search.py
The PostgreSQL run makes a throwaway database beside the one named (``test_<name>``) and drops it.
Requests go through Django's test client in this process, so the figures are the application's
own cost (the query, the excerpts, the template), with no network or server.

Words: each body draws 40 words from a Zipf-like vocabulary of 5,000, and a few planted ones:
"council" in one update in ten (common), "zeppelin" in one in ten thousand (rare), the phrase
"water main" in one in a hundred (phrase), "water" alone in one in twenty.
"""

import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_HTTPS", "0")
WORKDIR = Path(tempfile.mkdtemp(prefix="liveblogs-bench-search-"))
os.environ["DJANGO_MEDIA_ROOT"] = str(WORKDIR / "media")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not os.environ.get("DATABASE_URL"):
    # A file, as the embedded setup has it (an in-memory database would flatter SQLite).
    settings.DATABASES["default"]["TEST"] = {"NAME": str(WORKDIR / "bench.sqlite3")}
settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
warnings.filterwarnings("ignore", "No directory at")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from liveblogs import search  # noqa: E402
from liveblogs.models import LivePage, Reporter, Update, UpdateAuthor  # noqa: E402

PAGES = 1_000
STEPS = [10, 100]  # updates per page: 10,000 then 100,000 in all
REQUESTS = 40
WRITES = 60
QUERIES = {"common word": "council", "rare word": "zeppelin", "phrase": '"water main"'}

rng = random.Random(2029)
SYLLABLES = ["ka", "lo", "mi", "re", "su", "ta", "ne", "po", "vi", "da", "go", "ber", "ston", "ly"]
VOCABULARY = sorted({
    "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)
})[:5000]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def body(n):
    words = rng.choices(VOCABULARY, WEIGHTS, k=40)
    if n % 10 == 0:
        words[3] = "council"
    if n % 10_000 == 7:
        words[5] = "zeppelin"
    if n % 100 == 1:
        words[8:8] = ["water", "main"]
    elif n % 20 == 2:
        words[8] = "water"
    return f"<p>{' '.join(words[:20])}.</p><p>{' '.join(words[20:])}.</p>"


def add_updates(pages, per_page, start_at):
    """``per_page`` published updates on each page, bulk-created (and indexed, as an import is)."""
    now = timezone.now()
    n = start_at
    for page in pages:
        batch = []
        for _ in range(per_page):
            batch.append(Update(
                live_page=page, headline=f"{rng.choice(VOCABULARY).title()} {rng.choice(VOCABULARY)}",
                body=body(n), status="published", published_at=now - timedelta(minutes=n),
            ))
            n += 1
        Update.objects.bulk_create(batch)
    return n


def measure_search(query):
    """Median and p95 ms of the search alone: the count, the first twelve, their excerpts."""
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        found = search.Search(LivePage.objects.cards(), query, narrowed=False)  # as /live/?q=
        found.count()
        found[0:12]
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def measure(client, query):
    path = "/live/"
    client.get(path, {"q": query})  # warm the template cache
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(path, {"q": query})
        timings.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(path, {"q": query})
    return (
        statistics.median(timings), statistics.quantiles(timings, n=20)[18], len(queries),
        response.content.decode().split("</h2>")[1].count('class="search-result"'),
    )


def write_cost(page, reporter):
    """Median ms to publish one update with a byline, as the desk does, and the part of it spent
    writing search entries (timed around ``index_updates`` and ``index_pages``)."""
    spent = []
    originals = search.index_updates, search.index_pages

    def timed(function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent.append((time.perf_counter() - started) * 1000)
        return wrapper

    search.index_updates, search.index_pages = map(timed, originals)
    timings, indexing = [], []
    try:
        for n in range(WRITES):
            spent.clear()
            started = time.perf_counter()
            update = Update.objects.create(
                live_page=page, headline=f"Written {n}", body=body(n), status="published",
            )
            UpdateAuthor.objects.create(update=update, reporter=reporter)
            timings.append((time.perf_counter() - started) * 1000)
            indexing.append(sum(spent))
    finally:
        search.index_updates, search.index_pages = originals
    return statistics.median(timings), statistics.median(indexing)


def main():
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        vendor = connection.vendor + (f" ({search.backend(connection)})" if connection.vendor == "sqlite" else "")
        print(f"Search benchmark on {vendor}, {connection.Database.__name__}")
        pages = [
            LivePage.objects.create(
                title=f"{rng.choice(VOCABULARY).title()} {rng.choice(VOCABULARY)} {p}",
                slug=f"bench-{p}", status="live" if p % 10 == 0 else "ended",
                standfirst=" ".join(rng.choices(VOCABULARY, WEIGHTS, k=15)),
                coverage_start=timezone.now() - timedelta(days=p),
            )
            for p in range(PAGES)
        ]
        client = Client(HTTP_HOST="127.0.0.1")
        reporter = Reporter.objects.create(name="Bench Reporter", slug="bench-reporter")
        print(
            f"{'updates':>8}  {'query':<12} {'search: median':>14} {'p95':>6}"
            f" {'request: median':>15} {'p95':>6} {'queries':>7} {'matches':>8}"
        )
        n, per_page = 0, 0
        for step in STEPS[: int(os.environ.get("BENCH_STEPS", len(STEPS)))]:
            started = time.perf_counter()
            n = add_updates(pages, step - per_page, n)
            per_page = step
            built = time.perf_counter() - started
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE liveblogs_searchentry")
            for label, query in QUERIES.items():
                median, p95, queries, _shown = measure(client, query)
                alone, alone_p95 = measure_search(query)
                found = search.Search(LivePage.objects.cards(), query)
                # PostgreSQL counts so many at most (search.MAX_RANKED), then says "more than".
                total = f">{search.MAX_RANKED}" if found.newest_first else found.count()
                print(
                    f"{n:>8}  {label:<12} {alone:>14.1f} {alone_p95:>6.1f}"
                    f" {median:>15.1f} {p95:>6.1f} {queries:>7} {total:>8}"
                )
            print(f"          (built and indexed in {built:.0f} s)")
        writing, indexing = write_cost(pages[0], reporter)
        print(
            f"\nPublishing an update with a byline (median of {WRITES}): {writing:.1f} ms, of which"
            f" writing its search entry {indexing:.2f} ms"
        )
        print(
            f"(ms, median and p95 of {REQUESTS}: the search alone (count, first 12, excerpts), and"
            " the whole request of /live/?q=… through Django's test client, 12 results shown)"
        )
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"Kept the database: {test_name}")
        else:
            connection.creation.destroy_test_db(test_name, verbosity=0)


if __name__ == "__main__":
    main()
