"""The site's settings (newsroom/settings.py) as its tests run them: each pytest-xdist worker
with its own Redis database, so one worker's ``cache.clear()`` never empties another's
(pytest-django gives each its own test database)."""

import os

from newsroom.settings import *  # noqa: F403
from newsroom.settings import CACHES

if os.environ.get("REDIS_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    base, _, number = os.environ["REDIS_URL"].rpartition("/")
    worker = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw") or 0)
    CACHES = {"default": {**CACHES["default"], "LOCATION": f"{base}/{int(number or 0) + worker}"}}

# Tasks run at once here too, as in the embedded setup, whatever DATABASE_URL says (CI sets it,
# which would otherwise queue them for a worker no test runs). The tests of the queue and its
# worker (test_tasks.py) switch to the database backend themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# On SQLite the site's tests use a database file, as the site does, not Django's default of one
# in memory: a live server shares an in-memory database's one connection between its threads, so
# a poll could read an editor's publish half done (the page's new version, not yet the update that
# carries it) and keep that answer. With a file, each thread has its own connection.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"newsroom-site-tests-{os.getpid()}.sqlite3")
    }
