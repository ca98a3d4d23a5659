import functools
import io
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from liveblogs.roles import EDITORS, REPORTERS
from newsroom.demo import pictures

from .factories import make_reporter, make_user

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the chromium fixture skips (or fails on CI) with the reason
    sync_playwright = None

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ON_CI = os.environ.get("CI") == "true"


def use_media_root(settings, folder):
    """Store uploads in ``folder`` (public) and ``<folder>-private`` (photos readers have not
    been shown): another installation's, say."""
    settings.MEDIA_ROOT = folder
    settings.STORAGES = {
        **settings.STORAGES,
        "liveblogs_private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder.with_name(f"{folder.name}-private"),
                        "base_url": "/private-media/"},
        },
    }
    return folder


def stored_files(settings):
    """Every file stored, public and private."""
    private = Path(settings.STORAGES["liveblogs_private"]["OPTIONS"]["location"])
    return sorted(
        p for root in (Path(settings.MEDIA_ROOT), private) for p in root.rglob("*") if p.is_file()
    )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads in tests go to temporary folders, never the project's media/ or media-private/."""
    return use_media_root(settings, tmp_path / "media")


@pytest.fixture
def editor(db):
    user = make_user(username="ed", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def reporter_user(db):
    """A reporter with a login, in the Reporters group, on no desk yet."""
    user = make_user(username="rita")
    user.groups.add(Group.objects.get(name=REPORTERS))
    make_reporter(name="Rita Field", user=user)
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run without collectstatic, so no manifest of hashed names exists."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (it may be the shared Redis in CI)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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


@pytest.fixture
def site(chromium, quick_demo, live_server, settings):
    """The demo newsroom on a live server (http://localhost:<port>, a secure context).

    Django's live server serves uploads itself, from the MEDIA_ROOT of the moment (conftest.py
    gives every test its own), so images load although the site serves media only with DEBUG.
    """
    # The demo resets two logins' passwords: a fast hasher saves a second per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("demo", "--force", stdout=io.StringIO())
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
