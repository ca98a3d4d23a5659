"""The site on object storage as its settings build it from ``DJANGO_S3_*`` (newsroom/settings.py),
against the S3 server of the tests (``s3_server``): readers' photos come from the bucket, and the
pages' Content-Security-Policy lets them in, and no other address of that server."""

import re
import runpy
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from liveblogs.roles import EDITORS

from ..conftest import Bucket, role
from ..factories import make_page, make_photo, make_update, make_user

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "newsroom" / "settings.py"


@pytest.fixture
def site_on_s3(settings, s3_server, monkeypatch, db):
    """The site's settings evaluated with a bucket on the test S3 server, applied to this test."""
    bucket = Bucket(s3_server, f"courier-{uuid.uuid4().hex[:12]}")
    for name, value in {
        "DJANGO_S3_BUCKET": bucket.name,
        "DJANGO_S3_ENDPOINT_URL": s3_server,
        "DJANGO_S3_REGION": "us-east-1",
        "DJANGO_S3_ACCESS_KEY_ID": "testing",
        "DJANGO_S3_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    site = runpy.run_path(str(SETTINGS_FILE))
    settings.STORAGES = {
        **settings.STORAGES,
        "default": site["STORAGES"]["default"],
        "liveblogs_private": site["STORAGES"]["liveblogs_private"],
    }
    settings.LIVEBLOGS_PRIVATE_SIGNED_URLS = site["LIVEBLOGS_PRIVATE_SIGNED_URLS"]
    settings.CSP_MEDIA_ORIGINS = site["CSP_MEDIA_ORIGINS"]
    return bucket


def allowed(policy, directive, url):
    """Whether ``url`` matches a source of the policy's ``directive`` (host, port and path
    prefix, as browsers match them)."""
    sources = dict(part.split(" ", 1) for part in policy.split("; "))[directive].split()
    return any(
        "://" in source and url.startswith(source if source.endswith("/") else source + "/")
        for source in sources
    )


def test_readers_photos_come_from_the_bucket_and_the_policy_lets_them_in(site_on_s3):
    page = make_page(slug="harbour-flood")
    photo = make_photo()
    make_update(live_page=page, photos=[photo])
    response = Client().get("/live/harbour-flood/")
    html, policy = response.content.decode(), response["Content-Security-Policy"]
    urls = {
        candidate.strip().split(" ")[0]
        for srcset in re.findall(r'srcset="([^"]+)"', html)
        for candidate in srcset.split(",")
    }
    urls = {url for url in urls if url.startswith("http")}
    assert len(urls) >= 2
    for url in urls:
        assert url.startswith(f"{site_on_s3.endpoint}/{site_on_s3.name}/photos/"), url
        assert allowed(policy, "img-src", url), (url, policy)
        status, headers, _body = Bucket.fetch(url)
        assert status == 200 and headers["Content-Type"] in {"image/webp", "image/jpeg"}
    # The policy names the bucket, not the whole server: another bucket there is not let in.
    endpoint = urlsplit(site_on_s3.endpoint)
    assert not allowed(policy, "img-src", f"{endpoint.scheme}://{endpoint.netloc}/other/x.jpg")


def test_the_desk_sees_a_private_photo_through_a_signed_address_the_policy_allows(site_on_s3):
    editor = make_user(username="ed", is_staff=True)
    editor.groups.add(role(EDITORS))
    photo = make_photo()
    client = Client()
    client.force_login(editor)
    response = client.get(photo.original_url)
    assert response.status_code == 302
    signed = response["Location"]
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert allowed(policy, "img-src", signed)
    assert Bucket.fetch(signed)[0] == 200
    assert Bucket.fetch(signed.split("?")[0])[0] == 403
