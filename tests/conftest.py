"""Fixtures for every test, the app's and the site's: uploads in temporary folders, an empty
cache, the two roles. The site's browser fixtures are in tests/site/conftest.py."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from liveblogs.roles import EDITORS, REPORTERS

from .factories import make_reporter, make_user

ROOT = Path(__file__).resolve().parent.parent
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


def role(name):
    """The Editors or Reporters group. A migration makes them; a transactional test (the browser
    tests) flushes the database after itself, so a test that follows one makes them again. With
    serialized_rollback the flush skips post_migrate (the rows come back only when the next such
    test starts), so the permissions they are made of are made again first."""
    if not Group.objects.filter(name=name).exists():
        from django.apps import apps
        from django.core.management.sql import emit_post_migrate_signal

        from liveblogs.roles import sync_roles

        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
        sync_roles(apps)
    return Group.objects.get(name=name)


@pytest.fixture
def editor(db):
    user = make_user(username="ed", is_staff=True)
    user.groups.add(role(EDITORS))
    return user


@pytest.fixture
def reporter_user(db):
    """A reporter with a login, in the Reporters group, on no desk yet."""
    user = make_user(username="rita")
    user.groups.add(role(REPORTERS))
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
