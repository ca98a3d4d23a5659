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


def migrated_rows():
    """Make again what migrate made (content types, permissions, the two groups) when a
    transactional test's flush took it: such a test empties the database behind it, and with
    serialized_rollback (the browser tests) Django puts the rows back only when the next such
    test starts, not before the test xdist happens to send next."""
    if Group.objects.filter(name__in=[EDITORS, REPORTERS]).count() == 2:
        return
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    from liveblogs.roles import sync_roles

    if not ContentType.objects.exists():
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    sync_roles(apps)


@pytest.fixture(autouse=True)
def after_a_flush(request):
    """Every test with the database starts with what migrate made (``migrated_rows``)."""
    marker = request.node.get_closest_marker("django_db")
    if "db" in request.fixturenames or (marker and not marker.kwargs.get("transaction")):
        request.getfixturevalue("db")
        migrated_rows()


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


# Object storage (liveblogs/s3.py) -----------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API on 127.0.0.1 for this test process (moto's server mode, from the test
    extra), on a port the system picks; its address. Skipped, saying why, where it cannot start;
    on CI (``CI=true``) that fails instead, so the object storage tests never silently stop."""
    import logging

    try:
        from moto.server import ThreadedMotoServer
    except ImportError as error:
        reason = f"No S3 server for the object storage tests: moto[server] is missing ({error})."
        if ON_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


class Bucket:
    """One test's bucket on the S3 server, and what an anonymous browser gets from it."""

    def __init__(self, endpoint, name):
        import boto3

        self.endpoint, self.name = endpoint, name
        self.client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )
        self.client.create_bucket(Bucket=name)

    def storage_options(self, **options):
        """``OPTIONS`` of a ``liveblogs.s3.MediaStorage`` on this bucket."""
        return {
            "bucket_name": self.name, "endpoint_url": self.endpoint, "region_name": "us-east-1",
            "access_key": "testing", "secret_key": "testing", "addressing_style": "path",
            "signature_version": "s3v4",
            **options,
        }

    def keys(self, prefix=""):
        found = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"] for item in found)

    def head(self, key):
        return self.client.head_object(Bucket=self.name, Key=key)

    @staticmethod
    def fetch(url):
        """``(status, headers, body)`` of a plain GET, as a reader's browser would send it."""
        from urllib.error import HTTPError
        from urllib.request import urlopen

        try:
            with urlopen(url, timeout=10) as response:
                return response.status, response.headers, response.read()
        except HTTPError as error:
            return error.code, error.headers, error.read()


def use_s3(settings, bucket):
    """Store media on ``bucket`` as ``newsroom/settings.py`` does with ``DJANGO_S3_BUCKET``:
    public files at the top, readable by anyone; private ones under ``private/``, signed."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "liveblogs.s3.MediaStorage", "OPTIONS": bucket.storage_options(
            querystring_auth=False, default_acl="public-read",
        )},
        "liveblogs_private": {"BACKEND": "liveblogs.s3.MediaStorage",
                              "OPTIONS": bucket.storage_options(
            location="private", querystring_auth=True, querystring_expire=300,
            default_acl="private",
        )},
    }
    settings.LIVEBLOGS_PRIVATE_SIGNED_URLS = True
    return bucket


@pytest.fixture
def s3(settings, s3_server):
    """Media on a bucket of its own on the S3 server (``use_s3``)."""
    import uuid

    return use_s3(settings, Bucket(s3_server, f"newsroom-{uuid.uuid4().hex[:12]}"))


def role(name):
    """The Editors or Reporters group, made again if a transactional test's flush took it."""
    migrated_rows()
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
    """Each test starts with an empty cache (it may be the shared Redis in CI), and without what
    the process remembered of it for a second (liveblogs/memo.py)."""
    from django.core.cache import cache

    from liveblogs import memo

    for clear in (cache.clear, memo.clear):
        clear()
    yield
    for clear in (cache.clear, memo.clear):
        clear()


# Providers' answers for embeds (liveblogs/embeds.py) -----------------------------------------------
RECORDED = Path(__file__).resolve().parent / "recorded"


class RecordedWeb:
    """The embeds' HTTP layer in tests: answers recorded as files in ``tests/recorded/``, by the
    start of the address asked; anything else fails the test. ``answers`` maps an address prefix
    to bytes, a file name in ``tests/recorded/``, or an exception to raise (a timeout, a refusal).
    ``asked`` lists every address asked, in order."""

    def __init__(self):
        self.answers, self.asked = {}, []

    def urlopen(self, request, timeout=None):
        import io
        from contextlib import nullcontext

        url = request.full_url
        self.asked.append(url)
        for prefix, answer in self.answers.items():
            if url.startswith(prefix):
                if isinstance(answer, BaseException):
                    raise answer
                if isinstance(answer, str):
                    answer = (RECORDED / answer).read_bytes()
                return nullcontext(io.BytesIO(answer))
        raise AssertionError(f"A test asked the network for {url}")


@pytest.fixture(autouse=True)
def recorded_web(monkeypatch):
    """No test reaches the network: providers answer from recorded files, or the test fails."""
    from liveblogs import embeds

    web = RecordedWeb()
    monkeypatch.setattr(embeds, "urlopen", web.urlopen)
    monkeypatch.setattr(embeds, "host_addresses", lambda host: {"93.184.215.14"})
    return web
