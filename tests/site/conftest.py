"""The site's tests: the demo newsroom in Chromium (Playwright), axe-core for accessibility."""

import functools
import io
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from newsroom.demo import pictures

from ..conftest import ON_CI, ROOT, migrated_rows

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the chromium fixture skips (or fails on CI) with the reason
    sync_playwright = None

if settings.ROOT_URLCONF != "newsroom.urls":
    raise pytest.UsageError(
        "The site's tests run under the site's settings: pytest --ds=tests.site_settings tests/site "
        "(make test does)."
    )

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


# Browser tests (test_browser.py, test_live_browser.py) ------------------------------------------
# Chromium is the system's (``apt-get install chromium``), never one Playwright downloads; axe-core
# comes from ``npm ci``. Without either, browser tests skip and say why, except on CI (``CI=true``).


def missing(reason):
    """Skip for a developer without the tool; fail on CI, which must never skip silently."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run on CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the whole module; every test opens its own context."""
    if not CHROMIUM.exists():
        missing(f"Debian's chromium is not installed at {CHROMIUM}; apt-get install chromium")
    if sync_playwright is None:
        missing("the playwright package is not installed; pip install -e '.[test]'")
    # Playwright's sync API runs an event loop in this thread, which makes Django refuse ORM
    # calls from the test (its guard against blocking an async server). Nothing async runs here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def quick_demo():
    """The demo's pictures drawn once per module rather than once per test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pictures, "draw", functools.cache(pictures.draw))
        yield


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory):
    """The demo as the module's first test loaded it, for the module's other tests."""
    return {"folder": tmp_path_factory.mktemp("demo")}


def load_demo(copy, settings):
    """Load the demo, or on SQLite copy back the one this module loaded first: its database
    (SQLite's backup API, a few milliseconds) and its files. Loading it, photos and renditions
    included, takes seconds; on the other databases each test still does."""
    from django.db import connection

    roots = [
        Path(settings.MEDIA_ROOT),
        Path(settings.STORAGES["liveblogs_private"]["OPTIONS"]["location"]),
    ]
    if connection.vendor == "sqlite" and "database" in copy:
        connection.ensure_connection()
        copy["database"].backup(connection.connection)
        for root in roots:
            shutil.copytree(copy["folder"] / root.name, root, dirs_exist_ok=True)
        return
    call_command("demo", "--force", stdout=io.StringIO())
    if connection.vendor == "sqlite":
        copy["database"] = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy["database"])
        for root in roots:
            shutil.copytree(root, copy["folder"] / root.name, dirs_exist_ok=True)


@pytest.fixture
def site(chromium, quick_demo, demo_copy, live_server, settings):
    """The demo newsroom on a live server (http://localhost:<port>, a secure context).

    Django's live server serves uploads itself, from the MEDIA_ROOT of the moment (conftest.py
    gives every test its own), so images load although the site serves media only with DEBUG.
    """
    # The demo resets two logins' passwords: a fast hasher saves a second per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A test without serialized_rollback may follow one whose flush took the groups the demo
    # gives its logins.
    migrated_rows()
    load_demo(demo_copy, settings)
    return live_server.url


@pytest.fixture
def axe_script():
    if not AXE.exists():
        missing(f"axe-core is not installed at {AXE.relative_to(ROOT)}; run npm ci")
    return AXE


@pytest.fixture
def new_page(chromium, request):
    """Open pages in fresh contexts (no cookies, no cache) and close them after the test.

    Pages run under the site's Content-Security-Policy, except in tests that inject axe-core:
    Playwright adds it as an inline script, which the policy blocks (newsroom/middleware.py).
    """
    contexts = []
    bypass_csp = "axe_script" in request.fixturenames

    def open_page(**options):
        context = chromium.new_context(**{"bypass_csp": bypass_csp, **options})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()

