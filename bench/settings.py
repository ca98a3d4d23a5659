"""The newsroom's settings, for benchmarks only: everything from ``newsroom.settings`` (so the
same environment variables apply), plus a bare /hello/ view to measure the server's own ceiling.

    DJANGO_SETTINGS_MODULE=bench.settings gunicorn newsroom.wsgi
"""

import warnings

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Benchmarks collect no static files; the pages measured render none of their URLs either way.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
warnings.filterwarnings("ignore", "No directory at")
