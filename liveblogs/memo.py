"""A second of memory in each process, in front of the shared cache.

Most polls ask a page's state (its version) and, when it moved, the same answer as every other
reader at their version. Both live in the shared cache (Redis in production), one round trip each;
keeping what this process last read for at most ``PROCESS_MEMO_SECONDS`` (1 s) means most polls
touch neither Redis nor the database. A change made through this process forgets its entries at
once (``forget``); another server's change reaches this one within the second, well inside the
5 s that readers' browsers and shared caches already keep a poll's answer. Nothing here outlives
a second.
"""

import threading
import time

from .conf import settings


class ProcessMemo:
    """A small dict of values that expire after ``PROCESS_MEMO_SECONDS``, at most ``size`` of
    them (the oldest go first), safe to share between a process's threads."""

    def __init__(self, size):
        self.size = size
        self.entries = {}
        self.lock = threading.Lock()

    def get(self, key):
        found = self.entries.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def set(self, key, value):
        seconds = settings.PROCESS_MEMO_SECONDS
        if seconds <= 0:
            return
        with self.lock:
            if len(self.entries) >= self.size:
                now = time.monotonic()
                self.entries = {k: v for k, v in self.entries.items() if v[0] >= now}
                while len(self.entries) >= self.size:
                    self.entries.pop(next(iter(self.entries)))
            self.entries[key] = (time.monotonic() + seconds, value)

    def forget(self, keys):
        with self.lock:
            for key in keys:
                self.entries.pop(key, None)

    def clear(self):
        with self.lock:
            self.entries.clear()


# Pages' states by their shared cache key, and polls' answers by theirs.
states = ProcessMemo(size=1024)
answers = ProcessMemo(size=1024)


def clear():
    """Forget everything this process remembers (tests and benchmarks start from nothing)."""
    states.clear()
    answers.clear()
