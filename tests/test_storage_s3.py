"""Media on S3-compatible object storage (liveblogs/s3.py), against a real S3 API on 127.0.0.1
(moto's server mode, ``s3_server`` in conftest.py): what is stored where, what anyone can read
from the bucket, and what only staff can, through a signed address that expires.

Every URL is fetched from the S3 server as a reader's browser would: no credentials.
"""

import io
import re
import uuid
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from liveblogs import media
from liveblogs.models import LivePage, Photo, Update, Video
from liveblogs.roles import EDITORS, REPORTERS

from .factories import (
    jpeg_bytes,
    make_page,
    make_photo,
    make_reporter,
    make_submission,
    make_update,
    make_user,
    mp4_bytes,
)

pytestmark = pytest.mark.django_db

PUBLIC_CACHE = "public, max-age=31536000, immutable"


@pytest.fixture
def editor():
    user = make_user(username="ed", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    make_reporter(name="Eda Desk", user=user)
    return user


@pytest.fixture
def rita():
    user = make_user(username="rita")
    user.groups.add(Group.objects.get(name=REPORTERS))
    make_reporter(name="Rita Field", user=user)
    return user


def upload(name="IMG_0042.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(width=1400, height=1000), content_type="image/jpeg")


def image_urls(html):
    """Every photo address of a page: ``src`` and each candidate of each ``srcset`` (of images,
    not of scripts)."""
    urls = re.findall(r'<(?:img|source|video)\b[^>]*\ssrc="([^"]+)"', html)
    for srcset in re.findall(r'srcset="([^"]+)"', html):
        urls += [candidate.strip().split(" ")[0] for candidate in srcset.split(",")]
    return [url.replace("&amp;", "&") for url in urls if "/static/" not in url]


def assert_private(s3, photo):
    """The photo's every file is in the bucket under ``private/``, and nobody without a
    signature can read one."""
    names = photo.stored_names()
    assert len(names) > 2
    assert {f"private/{name}" for name in names} <= set(s3.keys("private/"))
    for name in names:
        status, _headers, _body = s3.fetch(f"{s3.endpoint}/{s3.name}/private/{name}")
        assert status == 403, name


def assert_staff_only(client, s3, photo, editor):
    """Staff get the photo's files through the permission-checked view, which sends them to a
    signed address that expires; anyone else is turned away before any address is made."""
    client.logout()
    assert client.get(photo.original_url)["Location"].startswith("/accounts/login/")
    client.force_login(editor)
    for name in photo.stored_names():
        response = client.get(f"/file/photos/{photo.pk}/{PurePosixPath(name).name}")
        assert response.status_code == 302
        assert response["Cache-Control"] == "private, no-store"
        signed = response["Location"]
        assert signed.startswith(f"{s3.endpoint}/{s3.name}/private/{name}?")
        assert int(parse_qs(urlsplit(signed).query)["X-Amz-Expires"][0]) == 300
        status, headers, body = s3.fetch(signed)
        assert status == 200
        assert headers["Content-Type"] == media.media_headers(name)["Content-Type"]
        assert headers["Cache-Control"] == "private, max-age=3600"
        assert body[:4] in {b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb", b"\xff\xd8\xff\xe1", b"RIFF"}


def assert_served_to_readers(client, page, photo):
    """The reader page's every photo address is the bucket's (no signature), and answers a
    plain GET with the photo, its type, and a year's caching; the original is never among them."""
    html = client.get(page.get_absolute_url()).content.decode()
    urls = image_urls(html)
    names = {r["name"] for r in photo.renditions}
    assert len(urls) >= len(names) > 2
    assert not any("/file/photos/" in url or "X-Amz" in url for url in urls)
    assert photo.image.name not in html
    served = set()
    for url in urls:
        status, headers, body = client_fetch(url)
        assert status == 200, url
        name = urlsplit(url).path.split("/", 2)[2]
        assert (
            headers["Content-Type"]
            == {".webp": "image/webp", ".jpg": "image/jpeg"}[PurePosixPath(name).suffix]
        )
        assert headers["Cache-Control"] == PUBLIC_CACHE
        assert body[:2] == b"\xff\xd8" or body[:4] == b"RIFF"
        served.add(name)
    assert served <= names | {photo.image.name} and photo.image.name not in served


def client_fetch(url):
    from .conftest import Bucket

    return Bucket.fetch(url)


# Uploads -----------------------------------------------------------------------------------------


def test_a_photo_filed_from_the_field_is_private_in_the_bucket(client, s3, rita, editor):
    client.force_login(rita)
    answer = client.post("/file/photos/", {"image": upload()})
    assert answer.status_code == 200
    photo = Photo.objects.get(pk=answer.json()["id"])
    assert not photo.public
    assert s3.keys() == s3.keys("private/")  # nothing outside private/ at all
    assert_private(s3, photo)
    # Its own reporter sees it in the form; its addresses there are the view's, not the bucket's.
    assert f"/file/photos/{photo.pk}/" in answer.json()["html"]
    assert s3.endpoint not in answer.json()["html"]
    assert_staff_only(client, s3, photo, editor)
    # A reporter who did not upload it gets nothing, not even a signed address.
    client.force_login(make_user(username="other"))
    assert client.get(photo.original_url).status_code == 404


def test_a_photo_sent_with_the_filing_form_is_private_in_the_bucket(client, s3, rita, editor):
    page = make_page(title="Kestrel River flood", needs_approval=True)
    page.desk.add(rita.reporter)
    client.force_login(rita)
    form = client.get("/file/").content.decode()
    fields = dict(
        re.findall(r'<input type="hidden" name="(filing_key|revision)" value="([^"]*)"', form)
    )
    fields["live_page"] = page.pk
    response = client.post(
        "/file/",
        {
            **fields,
            "action": "draft",
            "headline": "Pictures first",
            "body": "",
            "new_photos": [upload()],
        },
    )
    assert response.status_code == 302
    photo = Update.objects.get().photos.get()
    assert s3.keys() == s3.keys("private/")
    assert_private(s3, photo)
    assert_staff_only(client, s3, photo, editor)


def test_a_photo_from_the_desk_is_public_once_its_update_is(client, s3, editor):
    page = make_page(title="Harbour flood", slug="harbour-flood")
    client.force_login(editor)
    photo = Photo.objects.get(pk=client.post("/file/photos/", {"image": upload()}).json()["id"])
    assert_private(s3, photo)
    response = client.post(
        reverse("admin:liveblogs_livepage_desk_new", args=[page.pk]),
        {
            "headline": "Bridge reopens",
            "body": "<p>The bridge reopened at noon.</p>",
            "action": "publish",
            "filing_key": str(uuid.uuid4()),
            "photos": [photo.pk],
            f"photo-{photo.pk}-caption": "The bridge",
            f"photo-{photo.pk}-credit": "Ana Ruiz/Courier",
            f"photo-{photo.pk}-alt_text": "Cars crossing the reopened bridge",
        },
    )
    assert response.json()["ok"]
    photo.refresh_from_db()
    assert photo.public
    # The renditions, and only they, are copied out of private/.
    assert s3.keys() == sorted([*s3.keys("private/"), *(r["name"] for r in photo.renditions)])
    for entry in photo.renditions:
        head = s3.head(entry["name"])
        assert head["CacheControl"] == PUBLIC_CACHE
        assert head["ContentType"] == {"webp": "image/webp", "jpeg": "image/jpeg"}[entry["format"]]
    client.logout()
    assert_served_to_readers(client, page, photo)
    # The original stays private.
    assert s3.fetch(f"{s3.endpoint}/{s3.name}/private/{photo.image.name}")[0] == 403


def test_a_photo_added_in_the_admin_is_stored_in_the_bucket(client, s3, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:liveblogs_photo_add"),
        {
            "image": upload("harbour.jpg"),
            "caption": "The harbour at dawn",
            "credit": "Ana Ruiz/Courier",
            "alt_text": "Boats moored in still water",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = Photo.objects.get()
    assert photo.image.name.startswith("photos/") and "harbour" not in photo.image.name
    assert_private(s3, photo)
    assert_staff_only(client, s3, photo, editor)


def test_a_readers_photo_is_never_public(client, s3, editor):
    page = make_page()
    photo = make_photo(caption="My cellar")
    make_submission(live_page=page, photo=photo)
    make_update(live_page=page, headline="Answered")  # a published update, without the photo
    photo.refresh_from_db()
    assert not photo.public
    assert_private(s3, photo)
    html = client.get(page.get_absolute_url()).content.decode()
    assert s3.name not in html and "My cellar" not in html
    assert_staff_only(client, s3, photo, editor)


def test_a_video_and_anything_not_on_the_allow_list_is_typed_by_us(client, s3, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:liveblogs_video_add"),
        {
            "title": "Clip",
            "description": "",
            "url": "",
            "poster": "",
            "duration": "",
            "file": SimpleUploadedFile("clip.js", mp4_bytes(), content_type="text/javascript"),
        },
    )
    assert response.status_code == 302
    video = Video.objects.get()
    status, headers, body = s3.fetch(video.file.url)
    assert status == 200 and body == mp4_bytes()
    assert headers["Content-Type"] == "video/mp4" and headers["Cache-Control"] == PUBLIC_CACHE
    # Whatever else ends up in the bucket is a download, never a page or a script.
    for name, data in [
        ("videos/page.html", b"<script>alert(1)</script>"),
        ("videos/exec.js", b"alert(1)"),
        ("videos/drawing.svg", b"<svg/>"),
    ]:
        stored = default_storage.save(name, ContentFile(data))
        status, headers, _body = s3.fetch(default_storage.url(stored))
        assert status == 200
        assert headers["Content-Type"] == "application/octet-stream", name
        assert headers["Content-Disposition"] == "attachment", name


def test_a_videos_captions_on_the_bucket_are_asked_for_across_origins(client, s3, settings):
    captions = b"WEBVTT\n\n00:00.000 --> 00:04.000\nWater over the wall.\n"
    video = Video.objects.create(
        title="Harbour cam",
        file=ContentFile(mp4_bytes(), name="c.mp4"),
        captions=ContentFile(captions, name="c.vtt"),
    )
    page = make_page(slug="harbour")
    make_update(live_page=page, video=video)
    html = client.get("/live/harbour/").content.decode()
    # A track from another origin loads only as a CORS request, which the player must ask for.
    assert 'crossorigin="anonymous"' in html
    assert f'src="{video.captions.url}"' in html
    status, headers, body = s3.fetch(video.captions.url)
    assert (status, headers["Content-Type"], body) == (200, "text/vtt", captions)
    # Served by the site itself, the same player asks nothing special.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    video = Video.objects.create(
        title="Quay cam",
        file=ContentFile(mp4_bytes(), name="q.mp4"),
        captions=ContentFile(captions, name="q.vtt"),
    )
    make_update(live_page=page, video=video)
    html = client.get("/live/harbour/").content.decode()
    assert html.count("<video") == 2 and html.count('crossorigin="anonymous"') == 1


def test_going_public_copies_inside_the_storage_service(s3, monkeypatch):
    from liveblogs.s3 import MediaStorage

    photo = make_photo()
    private = {
        r["name"]: s3.client.get_object(Bucket=s3.name, Key=f"private/{r['name']}")
        for r in photo.renditions
    }

    def no_download(self, name, mode="rb"):
        raise AssertionError(f"{name} was downloaded to be copied")

    monkeypatch.setattr(MediaStorage, "_open", no_download)
    make_update(photos=[photo])
    photo.refresh_from_db()
    assert photo.public
    for name, original in private.items():
        status, headers, body = s3.fetch(default_storage.url(name))
        assert status == 200 and body == original["Body"].read()
        assert headers["Cache-Control"] == PUBLIC_CACHE


def test_readers_get_public_files_from_the_cdn_and_staff_private_ones_from_the_bucket(
    client, s3, settings, editor
):
    public = settings.STORAGES["default"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **public,
            "OPTIONS": {**public["OPTIONS"], "custom_domain": "media.example-cdn.org"},
        },
    }
    page = make_page(slug="harbour")
    photo = make_photo()
    make_update(live_page=page, photos=[photo])
    photo.refresh_from_db()
    urls = image_urls(client.get("/live/harbour/").content.decode())
    assert urls and all(url.startswith("https://media.example-cdn.org/photos/") for url in urls)
    # What the CDN fetches from its origin, the bucket, at the same path.
    for url in urls:
        assert s3.fetch(f"{s3.endpoint}/{s3.name}{urlsplit(url).path}")[0] == 200
    # A signed address is never the CDN's, which would keep it for everyone.
    client.force_login(editor)
    assert client.get(photo.original_url)["Location"].startswith(f"{s3.endpoint}/{s3.name}/")


# Going private again, and deletion ---------------------------------------------------------------


def test_a_withdrawn_updates_photo_is_no_longer_readable(
    client, s3, editor, django_capture_on_commit_callbacks
):
    page = make_page()
    photo = make_photo()
    update = make_update(live_page=page, photos=[photo])
    photo.refresh_from_db()
    public = [r["name"] for r in photo.renditions]
    assert photo.public and all(s3.fetch(default_storage.url(n))[0] == 200 for n in public)
    with django_capture_on_commit_callbacks(execute=True):
        update.withdraw(by=editor)
    photo.refresh_from_db()
    assert not photo.public
    assert s3.keys() == s3.keys("private/")
    for name in public:
        assert s3.fetch(f"{s3.endpoint}/{s3.name}/{name}")[0] in {403, 404}
    assert_private(s3, photo)
    # Published again, it is public again, at the same addresses.
    with django_capture_on_commit_callbacks(execute=True):
        Update.objects.get(pk=update.pk).publish(by=editor)
    assert all(s3.fetch(default_storage.url(name))[0] == 200 for name in public)


def test_deleting_a_photo_deletes_its_objects(client, s3, django_capture_on_commit_callbacks):
    photo = make_photo()
    update = make_update(photos=[photo])
    photo.refresh_from_db()
    assert photo.public and s3.keys("photos/") and s3.keys("private/")
    with django_capture_on_commit_callbacks(execute=True):
        update.delete()
        client.force_login(make_user(username="admin", is_staff=True, is_superuser=True))
        response = client.post(
            reverse("admin:liveblogs_photo_delete", args=[photo.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert s3.keys() == []


def test_a_replaced_image_leaves_no_object_behind(s3, django_capture_on_commit_callbacks):
    photo = make_photo()
    make_update(photos=[photo])
    photo.refresh_from_db()
    old = [*photo.stored_names()]
    with django_capture_on_commit_callbacks(execute=True):
        photo.image = ContentFile(jpeg_bytes(colour=(200, 0, 0)), name="new.jpg")
        photo.save()
    # New bytes, new names: a year's caching of the old addresses never shows the new photo.
    assert not set(old) & set(photo.stored_names())
    assert s3.keys() == sorted(
        [*(f"private/{n}" for n in photo.stored_names()), *(r["name"] for r in photo.renditions)]
    )


def test_renditions_made_later_go_to_the_bucket(s3, settings):
    settings.LIVEBLOGS_RENDITION_WIDTHS = (320,)
    photo = make_photo()
    make_update(photos=[photo])
    photo.refresh_from_db()
    assert {r["width"] for r in photo.renditions} == {64}  # the factory's photo is 64 px wide
    assert photo.make_renditions() == 0
    assert all(s3.fetch(default_storage.url(r["name"]))[0] == 200 for r in photo.renditions)


# A recap moved to another installation -----------------------------------------------------------


def test_a_recap_travels_from_one_bucket_to_another(client, s3, settings, s3_server, tmp_path):
    from .conftest import Bucket, use_s3

    lead = make_photo(caption="Waves over the sea wall", alt_text="Grey waves on a stone wall")
    boats = make_photo(caption="Boats pulled up the ramp", alt_text="Fishing boats on a ramp")
    page = make_page(title="Storm hits the harbour", slug="harbour-storm", lead_photo=lead)
    clip = Video.objects.create(title="Harbour cam", file=ContentFile(mp4_bytes(), name="c.mp4"))
    make_update(live_page=page, headline="Port closes", photos=[boats])
    make_update(live_page=page, headline="The harbour at dusk", video=clip)
    page.end()
    archive = tmp_path / "recap.zip"
    call_command("export_livepage", "harbour-storm", "-o", str(archive), stdout=io.StringIO())

    # Another installation: its own bucket, none of the rows.
    LivePage.objects.all().delete()
    Update.objects.all().delete()
    Video.objects.all().delete()
    Photo.objects.all().delete()
    other = use_s3(settings, Bucket(s3_server, f"other-{uuid.uuid4().hex[:12]}"))
    assert other.keys() == []
    call_command("import_livepage", str(archive), stdout=io.StringIO())

    page = LivePage.objects.get(slug="harbour-storm")
    html = client.get(page.get_absolute_url()).content.decode()
    for text in ["Waves over the sea wall", "Boats pulled up the ramp", "Harbour cam"]:
        assert text in html
    urls = image_urls(html)
    assert urls and all(url.startswith(f"{other.endpoint}/{other.name}/") for url in urls)
    assert all(client_fetch(url)[0] == 200 for url in urls)
    for photo in Photo.objects.all():
        assert_private(other, photo)
    video = Video.objects.get()
    assert video.file.url in html.replace("&amp;", "&")
    assert client_fetch(video.file.url)[2] == mp4_bytes()


# Checking a deployment ---------------------------------------------------------------------------


def test_check_media_storage_passes_on_a_bucket_set_up_as_the_site_does(s3):
    out = io.StringIO()
    call_command("check_media_storage", stdout=out)
    assert "Media storage is ready." in out.getvalue()
    assert "private: answers 403 without a signature, 200 with one." in out.getvalue()
    assert s3.keys() == []  # it leaves nothing behind


def test_check_media_storage_fails_when_private_files_are_public(s3, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "liveblogs_private": {
            "BACKEND": "liveblogs.s3.MediaStorage",
            "OPTIONS": s3.storage_options(location="private", default_acl="public-read"),
        },
    }
    with pytest.raises(CommandError, match="Private files can be read without a signature"):
        call_command("check_media_storage", stdout=io.StringIO())
    assert s3.keys() == []


def test_check_media_storage_on_local_folders_checks_what_it_can(db):
    out = io.StringIO()
    call_command("check_media_storage", stdout=out)
    assert "served by this site's web server (not checked)" in out.getvalue()
    assert "Media storage is ready." in out.getvalue()
