"""When a service the site shares is away: what readers, reporters and monitoring get.

Each is simulated as production meets it: Redis and the storage at an address nothing answers
(a closed port on 127.0.0.1, a folder that cannot be made), PostgreSQL refusing connections as
psycopg reports it (test_health.py's ``refuse_connection``; the test database itself must stay).

- PostgreSQL away: every page and every POST is a quick 503 with Retry-After; a reporter's words
  stay in the filing form's copy in the browser (test_filing_browser.py).
- Redis away: readers' pages and polls are answered from the database; the reader form's
  per-address limit cannot be counted, so it fails closed: a 503 that keeps the reader's words.
- Storage away: uploads are refused with a message and the words around them are kept; pages
  still render.
- /healthz names each, and is a 503 only without the database.
"""

import socket
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tasks import task

from liveblogs.forms import render_token
from liveblogs.models import Photo, ReaderSubmission
from newsroom.middleware import RETRY_AFTER

from ..conftest import role
from ..factories import jpeg_bytes, make_page, make_reporter, make_update, make_user
from .test_health import refuse_connection

pytestmark = pytest.mark.django_db


def closed_port():
    """A port on 127.0.0.1 that nothing listens on: bound for a moment, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def page():
    page = make_page(title="Harbour flood", slug="harbour-flood")
    make_update(live_page=page, headline="Sea wall holds at high tide")
    return page


@pytest.fixture
def reporter(page):
    from liveblogs.roles import REPORTERS

    user = make_user(username="rita")
    user.groups.add(role(REPORTERS))
    page.desk.add(make_reporter(name="Rita Field", user=user))
    return user


@pytest.fixture
def redis_away(settings):
    """The site's Redis cache (newsroom/cache.py) at an address where nothing answers."""
    pytest.importorskip("redis")
    settings.CACHES = {"default": {
        "BACKEND": "newsroom.cache.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}
    from django.core.cache import cache

    yield cache


@pytest.fixture
def storage_away(settings, tmp_path):
    """Both photo storages in a folder that cannot be made (its parent is a file)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage's folder should be")
    settings.MEDIA_ROOT = blocker / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": blocker / "media"}},
        "liveblogs_private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                              "OPTIONS": {"location": blocker / "private",
                                          "base_url": "/private-media/"}},
    }


# Redis away -------------------------------------------------------------------------------------


def test_readers_pages_and_polls_answer_from_the_database_while_redis_is_away(client, page,
                                                                             redis_away):
    page.refresh_from_db()
    started = time.monotonic()
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert "Sea wall holds at high tide" in response.content.decode()
    poll = client.get(f"{page.get_absolute_url()}changes.json?since=0")
    assert poll.status_code == 200
    assert poll.json()["version"] == page.version
    assert "Sea wall holds at high tide" in poll.json()["updates"][0]["html"]
    assert client.get("/live/").status_code == 200
    # One failed connection, then the process stops trying for a few seconds: no request pays
    # a timeout per cache call.
    assert time.monotonic() - started < 3
    assert redis_away.unavailable == "ConnectionError"


def test_a_readers_question_is_refused_with_their_words_kept_while_redis_is_away(client, page,
                                                                                 redis_away):
    words = "Is the ferry to Gull Island still running tonight?"
    response = client.post(f"{page.get_absolute_url()}ask/", {
        "body": words, "name": "Sam Reader", "email": "sam@example.org",
        "rendered": render_token(at=time.time() - 60), "website": "",
    }, REMOTE_ADDR="203.0.113.7")
    # The limit cannot be counted: closed, not open, and nothing half-kept.
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "could not be sent just now" in html
    assert words in html and "sam@example.org" in html  # ready to send again
    assert not ReaderSubmission.objects.exists()


def test_healthz_says_degraded_not_down_while_redis_is_away(client, db, redis_away):
    response = client.get("/healthz")
    assert response.status_code == 200  # a load balancer keeps the server: readers are served
    assert response.json()["status"] == "degraded"
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ConnectionError"


# PostgreSQL away --------------------------------------------------------------------------------


def test_a_reporters_post_is_a_503_with_retry_after_while_the_database_is_away(client, reporter):
    client.force_login(reporter)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "ensure_connection", refuse_connection)
        response = client.post("/file/", {"headline": "Ferry cancelled", "body": "Wind.",
                                          "action": "submit"})
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "has not been saved" in html  # the reporter knows to send it again


def test_healthz_is_503_only_for_the_database(client, db):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "ensure_connection", refuse_connection)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert response.json()["status"] == "unavailable"
    assert "tasks" not in response.json()  # the queue is in the database too


# Storage away -----------------------------------------------------------------------------------


def test_an_upload_is_refused_with_a_clear_message_while_the_storage_is_away(client, reporter,
                                                                             storage_away):
    client.force_login(reporter)
    upload = SimpleUploadedFile("IMG_0042.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/file/photos/", {"image": upload})
    assert response.status_code == 400
    assert "photo store is not answering" in response.json()["error"]
    assert "IMG_0042.jpg" in response.json()["error"]
    assert not Photo.objects.exists()


def test_the_filing_form_keeps_the_words_when_its_photo_cannot_be_stored(client, reporter, page,
                                                                         storage_away):
    client.force_login(reporter)
    upload = SimpleUploadedFile("IMG_0042.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/file/", {
        "live_page": page.pk, "headline": "Ferry cancelled for the night",
        "body": "The last boat stays in harbour.", "action": "submit", "new_photos": [upload],
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "photo store is not answering" in html
    assert 'value="Ferry cancelled for the night"' in html
    assert "The last boat stays in harbour." in html


def test_the_admins_photo_form_keeps_the_words_when_the_photo_cannot_be_stored(client, page,
                                                                              storage_away):
    from liveblogs.roles import EDITORS

    editor = make_user(username="eda", is_staff=True)
    editor.groups.add(role(EDITORS))
    client.force_login(editor)
    upload = SimpleUploadedFile("IMG_0042.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/admin/liveblogs/photo/add/", {
        "image": upload, "caption": "Sandbags at the ferry ramp", "credit": "Rita Field",
        "alt_text": "Volunteers pass sandbags along a line beside the ferry ramp.",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "photo store is not answering" in html
    assert "Sandbags at the ferry ramp</textarea>" in html
    assert 'value="Rita Field"' in html
    assert "Volunteers pass sandbags along a line beside the ferry ramp." in html
    assert not Photo.objects.exists()


def test_pages_still_render_while_the_storage_is_away(client, page, storage_away):
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert "Sea wall holds at high tide" in response.content.decode()


def test_healthz_names_the_storage_that_is_away(client, db, storage_away):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["storage"] == "not writable"
    assert response.json()["private_storage"] == "not writable"


def test_an_object_store_that_does_not_answer_refuses_uploads_with_the_message(
    client, reporter, settings
):
    pytest.importorskip("storages", reason="django-storages is not installed")
    settings.STORAGES = {
        **settings.STORAGES,
        "liveblogs_private": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": "newsroom", "endpoint_url": f"http://127.0.0.1:{closed_port()}",
            "access_key": "test", "secret_key": "test", "region_name": "us-east-1",
            "client_config": __import__("botocore.config").config.Config(
                connect_timeout=1, retries={"max_attempts": 0}),
        }},
    }
    client.force_login(reporter)
    upload = SimpleUploadedFile("IMG_0042.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post("/file/photos/", {"image": upload})
    assert response.status_code == 400
    assert "photo store is not answering" in response.json()["error"]
    response = client.get("/healthz")
    assert response.json()["private_storage"] == "EndpointConnectionError"


# Monitoring -------------------------------------------------------------------------------------


@task()
def waiting_task(photo_id):  # pragma: no cover  (never run here: it only waits in the queue)
    return photo_id



def test_healthz_reports_the_task_queue_depth(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert client.get("/healthz").json()["tasks"] == {"waiting": 0, "oldest_waiting_seconds": 0}
    for photo_id in (1, 2, 3):
        waiting_task.enqueue(photo_id)
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["tasks"]["waiting"] == 3
    assert 0 <= health["tasks"]["oldest_waiting_seconds"] < 60


def test_the_503_page_tells_whoever_sent_something_to_send_it_again():
    from django.template.loader import render_to_string

    assert "has not been saved" in render_to_string("503.html", {"sent": True})
    assert "has not been saved" not in render_to_string("503.html", {})
