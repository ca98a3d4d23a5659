"""Before and after, in one run, on a database ``bench/search.py`` kept (``BENCH_KEEP=1``): the
PostgreSQL search of a common word ranked in full (as ``liveblogs/search.py`` was, loaded from
the file named by ``BEFORE``) and among its newest ``RANKED_MATCHES``, interleaved; median and p95
ms of the count, the first twelve and their excerpts; and the photos a publish syncs, the
page's (``sync_public``, as before) and the update's own (``sync_public_for``).

    BENCH_KEEP=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_x BEFORE=/path/to/old/search.py \\
        .venv/bin/python bench/search_capped.py
"""

import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("DJANGO_HTTPS", "0")

import django  # noqa: E402

django.setup()

from liveblogs import search  # noqa: E402
from liveblogs.models import LivePage, SearchEntry  # noqa: E402

spec = importlib.util.spec_from_file_location("liveblogs.search_before", os.environ["BEFORE"])
before = importlib.util.module_from_spec(spec)
spec.loader.exec_module(before)
QUERIES = {"common word": "council", "rare word": "zeppelin", "phrase": '"water main"'}
REQUESTS = 30


def once(module, query):
    started = time.perf_counter()
    found = module.Search(LivePage.objects.cards(), query, narrowed=False)
    total = found.count()
    shown = found[0:12]
    return (time.perf_counter() - started) * 1000, total, [e.pk for e in shown]


print(f"{SearchEntry.objects.count():,} search entries; load average"
      f" {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
print(f"{'query':<12} {'before':>8} {'p95':>6} {'after':>8} {'p95':>6}  matches before / after")
for label, query in QUERIES.items():
    runs = {before: [], search: []}
    for _ in range(REQUESTS):
        for module in (before, search):
            ms, total, ids = once(module, query)
            runs[module].append(ms)
            totals = runs.setdefault(("total", module), (total, ids))
    (old_total, old_ids), (new_total, new_ids) = runs[("total", before)], runs[("total", search)]
    if old_total <= search.RANKED_MATCHES:
        assert old_ids == new_ids, (label, "the same results when not capped")
    p95 = lambda t: statistics.quantiles(t, n=20)[18]  # noqa: E731
    print(f"{label:<12} {statistics.median(runs[before]):>8.1f} {p95(runs[before]):>6.1f}"
          f" {statistics.median(runs[search]):>8.1f} {p95(runs[search]):>6.1f}"
          f"  {old_total} / {new_total}{' (more: capped)' if old_total > new_total else ''}")

# What a publish spends keeping the public storage in step (Update.save): the whole page's photos
# and every photo shown anywhere (``sync_public``, before) or the update's own (after).
from django.db import transaction  # noqa: E402

from liveblogs.models import Photo, Update  # noqa: E402

update = Update.objects.filter(status="published").order_by("-pk").first()
timings = {"page": [], "update": []}
for _ in range(REQUESTS):
    with transaction.atomic():
        started = time.perf_counter()
        Photo.objects.sync_public([update.live_page_id])
        timings["page"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        Photo.objects.sync_public_for(update)
        timings["update"].append((time.perf_counter() - started) * 1000)
print(f"\nPhotos synced after a publish, median ms: the page's (before)"
      f" {statistics.median(timings['page']):.2f}, the update's (after)"
      f" {statistics.median(timings['update']):.2f}")
