"""newsroom/settings.py reads the environment variables of DESIGN.md's contract."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parent.parent / "newsroom" / "settings.py"
CONTRACT = [
    "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
    "DJANGO_MEDIA_ROOT", "DJANGO_TIME_ZONE",
]


@pytest.fixture
def load(monkeypatch):
    """Evaluate the settings module afresh with exactly the given variables set."""

    def load(**environ):
        for name in CONTRACT:
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS_FILE))

    return load


def test_defaults_are_the_embedded_setup(load):
    s = load()
    assert s["DEBUG"] is False
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(s["DATABASES"]["default"]["NAME"]).endswith("db.sqlite3")
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["MEDIA_ROOT"] == SETTINGS_FILE.parent.parent / "media"
    assert s["TIME_ZONE"] == "America/Toronto" and s["USE_TZ"] is True
    assert "127.0.0.1" in s["ALLOWED_HOSTS"]


@pytest.mark.parametrize("value, debug", [("1", True), ("true", True), ("off", False), ("", False)])
def test_debug_is_on_only_when_asked(load, value, debug):
    assert load(DJANGO_DEBUG=value)["DEBUG"] is debug


def test_a_misspelt_debug_value_stops_the_site(load):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        load(DJANGO_DEBUG="maybe")


def test_database_url_selects_postgresql(load):
    s = load(DATABASE_URL="postgres://news:pw@db.internal:5433/live", DJANGO_SECRET_KEY="k" * 50)
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"]) == ("live", "news", "db.internal", 5433)


def test_production_database_requires_a_secret_key(load):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load(DATABASE_URL="postgres://news@db/live")


def test_redis_url_selects_the_shared_cache(load):
    cache = load(REDIS_URL="redis://cache:6379/2")["CACHES"]["default"]
    assert cache["BACKEND"] == "newsroom.cache.RedisCache"  # Django's, reusing its client
    assert cache["LOCATION"] == "redis://cache:6379/2"


def test_hosts_media_time_zone_and_secret(load, tmp_path):
    s = load(
        DJANGO_ALLOWED_HOSTS="news.example.org, www.news.example.org",
        DJANGO_MEDIA_ROOT=str(tmp_path),
        DJANGO_TIME_ZONE="Europe/Oslo",
        DJANGO_SECRET_KEY="a-real-secret",
    )
    assert s["ALLOWED_HOSTS"] == ["news.example.org", "www.news.example.org"]
    assert s["MEDIA_ROOT"] == tmp_path
    assert s["TIME_ZONE"] == "Europe/Oslo"
    assert s["SECRET_KEY"] == "a-real-secret"


def test_static_files_are_hashed_and_compressed_in_production(load):
    assert "whitenoise" in load()["STORAGES"]["staticfiles"]["BACKEND"]
    assert load(DJANGO_DEBUG="1")["STORAGES"]["staticfiles"]["BACKEND"].endswith(
        "StaticFilesStorage"
    )


def test_the_redis_cache_reuses_one_client_and_works():
    import socket

    from newsroom.cache import RedisCache

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = RedisCache("redis://127.0.0.1:6379/15", {})
    assert cache._cache.get_client() is cache._cache.get_client()
    cache.set("liveblogs-test", {"version": 3})
    assert cache.get("liveblogs-test") == {"version": 3}
    cache.delete("liveblogs-test")
