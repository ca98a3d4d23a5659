"""Video that plays in the page: duration and size read from the uploaded file, captions checked as
WebVTT and served as text/vtt, the player with its poster and captions, and what search engines
and share cards are told of it."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from liveblogs.media import serve
from liveblogs.models import Video

from .factories import make_page, make_photo, make_update, mp4_bytes, webm_bytes

pytestmark = pytest.mark.django_db

CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:04.000\nWater over the Quay Street wall — “it came fast”.\n".encode()


def video_form(name, data, **fields):
    return {
        "title": "Clip", "description": "", "url": "", "poster": "", "duration": "",
        "captions_language": "en",
        "file": SimpleUploadedFile(name, data, content_type="video/mp4"), **fields,
    }


@pytest.mark.parametrize("data, duration, size", [
    (mp4_bytes(seconds=112, width=1280, height=720), timedelta(minutes=1, seconds=52), (1280, 720)),
    # A phone held upright: the track is 1920 × 1080, turned a quarter by its matrix.
    (mp4_bytes(seconds=4, width=1920, height=1080, portrait=True), timedelta(seconds=4), (1080, 1920)),
    (mp4_bytes(seconds=3725, brand=b"qt  "), timedelta(hours=1, minutes=2, seconds=5), (640, 360)),
    (webm_bytes(seconds=65, width=854, height=480), timedelta(seconds=65), (854, 480)),
])
def test_duration_and_size_are_read_from_the_file_not_typed(editor_client, data, duration, size):
    # The editor typed 1:52 for a file of another length: the file wins.
    response = editor_client.post(reverse("admin:liveblogs_video_add"),
                                  video_form("clip.mp4", data, duration="0:01:52"))
    assert response.status_code == 302
    video = Video.objects.get()
    assert video.duration == duration
    assert (video.width, video.height) == size


def test_a_player_url_keeps_its_typed_duration(editor_client):
    response = editor_client.post(reverse("admin:liveblogs_video_add"), {
        **video_form("x", b""), "file": "", "url": "https://vimeo.com/76979871", "duration": "0:01:52"})
    assert response.status_code == 302
    assert Video.objects.get().duration == timedelta(minutes=1, seconds=52)


def test_a_file_without_a_duration_says_none_rather_than_a_guess():
    # A movie header whose duration is "unknown" (all ones), as some live recorders leave it.
    data = mp4_bytes(seconds=4)
    at = data.index(b"mvhd") + 4 + 16
    data = data[:at] + b"\xff\xff\xff\xff" + data[at + 4:]
    video = Video.objects.create(title="Live", file=ContentFile(data, name="live.mp4"),
                                 duration=timedelta(minutes=9))
    assert video.duration is None and video.duration_display() == ""


@pytest.mark.parametrize("name, data, message", [
    ("subs.srt", b"1\n00:00:00,000 --> 00:00:04,000\nWater\n", "not a WebVTT captions file"),
    ("subs.vtt", "WEBVTT\n\nÉcluse".encode("latin-1"), "not UTF-8 text"),
    ("subs.vtt", b"", "empty"),
    ("subs.vtt", b"WEBVTT\n" + b"x" * (512 * 1024), "captions can be at most 512 KB"),
    ("subs.vtt", b"WEBVTTX\n", "not a WebVTT captions file"),
    ("subs.vtt", b"<html><script>alert(1)</script>", "not a WebVTT captions file"),
])
def test_captions_that_are_not_webvtt_are_refused(editor_client, name, data, message):
    response = editor_client.post(reverse("admin:liveblogs_video_add"), video_form(
        "clip.mp4", mp4_bytes(), captions=SimpleUploadedFile(name, data, content_type="text/vtt")))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Video.objects.exists()


def test_captions_are_stored_as_vtt_and_served_as_text_vtt(editor_client, settings):
    response = editor_client.post(reverse("admin:liveblogs_video_add"), video_form(
        "clip.mp4", mp4_bytes(),
        captions=SimpleUploadedFile("notes.txt", b"\xef\xbb\xbf" + CAPTIONS, content_type="text/plain"),
        captions_language="fr"))
    assert response.status_code == 302
    video = Video.objects.get()
    assert video.captions.name.startswith("captions/") and video.captions.name.endswith(".vtt")
    served = serve(RequestFactory().get("/media/" + video.captions.name), video.captions.name,
                   document_root=settings.MEDIA_ROOT)
    assert served["Content-Type"] == "text/vtt"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).endswith(CAPTIONS)


@pytest.fixture
def uploaded(db):
    poster = make_photo(alt_text="The quay from above")
    video = Video.objects.create(
        title="The quay at noon", description="Filmed from the footbridge.",
        file=ContentFile(mp4_bytes(seconds=112, width=1280, height=720), name="clip.mp4"),
        captions=ContentFile(CAPTIONS, name="c.vtt"), captions_language="fr", poster=poster,
    )
    page = make_page(slug="quay-flood")
    update = make_update(live_page=page, video=video, headline="The quay at noon")
    return video, update


def test_the_video_plays_in_the_page_with_its_poster_and_captions(client, uploaded):
    _, update = uploaded
    html = client.get(update.live_page.get_absolute_url()).content.decode()
    video = Video.objects.get()  # its poster went public with the update
    player = re.search(r"<video [^>]*>.*?</video>", html, re.S).group(0)
    tag = player.split(">", 1)[0]
    assert 'controls preload="none"' in tag
    assert 'width="1280" height="720"' in tag
    assert f'poster="{video.poster.picture.jpeg_url(1280)}"' in tag and ".jpg" in tag
    assert f'<source src="{video.file.url}" type="video/mp4">' in player
    assert f'<track kind="captions" src="{video.captions.url}" srclang="fr" label="' in player
    assert "Duration 1:52" in html


def test_json_ld_and_share_tags_describe_the_uploaded_video(client, uploaded):
    _, update = uploaded
    html = client.get(update.get_absolute_url()).content.decode()
    video = Video.objects.get()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["video"] == {
        "@type": "VideoObject",
        "name": "The quay at noon",
        "description": "Filmed from the footbridge.",
        "uploadDate": data["video"]["uploadDate"],
        "contentUrl": "http://testserver" + video.file.url,
        "duration": "PT1M52S",
        "thumbnailUrl": "http://testserver" + video.poster.jpeg_url,
        "width": 1280,
        "height": 720,
    }
    assert data["video"]["uploadDate"].startswith(str(video.created_at.year))
    assert f'<meta property="og:video" content="http://testserver{video.file.url}">' in html
    assert '<meta property="og:video:type" content="video/mp4">' in html
    assert '<meta property="og:video:width" content="1280">' in html
    page = client.get(update.live_page.get_absolute_url()).content.decode()
    posting = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert posting["liveBlogUpdate"][0]["video"]["duration"] == "PT1M52S"


@pytest.mark.parametrize("seconds, iso", [(0, "PT0S"), (4, "PT4S"), (112, "PT1M52S"), (3725, "PT1H2M5S"), (3600, "PT1H")])
def test_iso_durations(seconds, iso):
    assert Video(duration=timedelta(seconds=seconds)).iso_duration() == iso
