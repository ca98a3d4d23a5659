"""/healthz for load balancers, and the quick 503 while the database is away (the other services
being away: test_degraded.py)."""

import logging

import pytest
from django.db import OperationalError, connection
from django.test import RequestFactory

from newsroom import views
from newsroom.middleware import RETRY_AFTER

from ..factories import make_page, make_update


def refuse_connection(*args, **kwargs):
    raise OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "Connection refused\n\tIs the server running on that host?"
    )


@pytest.fixture
def database_down(db):
    """Every new cursor fails the way psycopg does when PostgreSQL refuses connections; the
    database is back before the test database is rolled back."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "ensure_connection", refuse_connection)
        yield


def test_healthz_says_ok_when_database_and_cache_answer(client, db, django_assert_num_queries,
                                                        settings):
    # Tasks run at once: no queue to count (its depth: test_degraded.py).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_assert_num_queries(1):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "cache": "ok", "storage": "ok", "private_storage": "ok"
    }
    assert "no-store" in response["Cache-Control"]  # never kept by a proxy
    assert not response.cookies


def test_healthz_is_503_when_the_database_is_down(client, db, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable", "database": "OperationalError", "cache": "ok", "storage": "ok",
        "private_storage": "ok",
    }
    assert "no-store" in response["Cache-Control"]


def test_healthz_says_degraded_when_the_cache_is_down(client, db, monkeypatch):
    """Readers are still served from the database (test_degraded.py): a load balancer must not
    take every server out because the Redis they share is away."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views.cache, "set", refuse)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["cache"] == "ConnectionError"
    assert response.json()["database"] == "ok"


def test_healthz_answers_over_plain_http_when_https_is_required(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/live/").status_code == 301


def test_a_reader_page_is_a_quick_503_while_the_database_is_away(client, db, caplog):
    page = make_page()
    make_update(live_page=page, headline="Bridge reopens")
    assert client.get(page.get_absolute_url()).status_code == 200
    client.get(page.get_absolute_url())
    from django.core.cache import cache

    cache.clear()  # the page state is no longer cached: the view needs the database

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connection, "ensure_connection", refuse_connection)
        with caplog.at_level(logging.WARNING):
            response = client.get(page.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "back shortly" in text
    assert "Traceback" not in text and "OperationalError" not in text and "5432" not in text
    # One line in the log, naming the cause, without a traceback.
    records = [r for r in caplog.records if r.getMessage().startswith("Service Unavailable")]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "OperationalError" in records[0].getMessage()
    assert "\n" not in records[0].getMessage()

    # The database is back: the next request is answered, with nothing to restart.
    response = client.get(page.get_absolute_url())
    assert response.status_code == 200
    assert "Bridge reopens" in response.content.decode()


def test_polling_gets_a_json_503_while_the_database_is_away(client, db, database_down):
    response = client.get("/live/anything/changes.json?since=3")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["retry_after"] == RETRY_AFTER
    assert response["Retry-After"] == str(RETRY_AFTER)


def test_the_admin_is_a_503_too(client, db, database_down):
    client.cookies["sessionid"] = "x" * 32  # the session is read from the database
    response = client.get("/admin/")
    assert response.status_code == 503


def test_a_database_error_outside_a_view_is_a_503_not_a_500(db):
    request = RequestFactory().get("/live/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = views.server_error(request)
    assert response.status_code == 503 and response["Retry-After"] == str(RETRY_AFTER)


def test_other_errors_are_still_the_500_page(db):
    request = RequestFactory().get("/live/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = views.server_error(request)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_favicon_answers_with_the_sites_icon(client, db):
    from django.contrib.staticfiles import finders
    from PIL import Image

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/newsroom/favicon.ico"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    with Image.open(finders.find("newsroom/favicon.ico")) as icon:
        assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
