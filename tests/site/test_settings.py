"""newsroom/settings.py reads the environment variables the README lists under "Configuration"."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "newsroom" / "settings.py"
CONTRACT = [
    "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
    "DJANGO_MEDIA_ROOT", "DJANGO_TIME_ZONE",
]
# Optional ones beyond the contract (README.md, "Configuration").
OPTIONAL = [
    "DJANGO_HTTPS", "DJANGO_SSL_REDIRECT", "DJANGO_HSTS_SECONDS", "DJANGO_HSTS_INCLUDE_SUBDOMAINS",
    "DJANGO_HSTS_PRELOAD", "DJANGO_PROXY_SSL_HEADER", "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DJANGO_CSP_MEDIA_ORIGINS", "DJANGO_DB_CONNECT_TIMEOUT", "DJANGO_LOG_LEVEL",
    "DJANGO_EMAIL_BACKEND", "DJANGO_EMAIL_HOST", "DJANGO_EMAIL_PORT", "DJANGO_EMAIL_HOST_USER",
    "DJANGO_EMAIL_HOST_PASSWORD", "DJANGO_EMAIL_USE_TLS", "DJANGO_DEFAULT_FROM_EMAIL",
    "DJANGO_TRUSTED_PROXIES", "DJANGO_S3_BUCKET", "DJANGO_S3_ENDPOINT_URL", "DJANGO_S3_REGION",
    "DJANGO_S3_ACCESS_KEY_ID", "DJANGO_S3_SECRET_ACCESS_KEY", "DJANGO_S3_CUSTOM_DOMAIN",
    "DJANGO_S3_PRIVATE_BUCKET", "DJANGO_S3_SIGNED_URL_SECONDS", "DJANGO_S3_PUBLIC_ACL",
]


@pytest.fixture
def load(monkeypatch):
    """Evaluate the settings module afresh with exactly the given variables set."""

    def load(**environ):
        for name in CONTRACT + OPTIONAL:
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


def test_the_embedded_setup_is_plain_http(load):
    for s in (load(), load(DJANGO_DEBUG="1")):
        assert s["SECURE_SSL_REDIRECT"] is False
        assert s["SESSION_COOKIE_SECURE"] is False and s["CSRF_COOKIE_SECURE"] is False
        assert s["SECURE_HSTS_SECONDS"] == 0
        assert "SECURE_PROXY_SSL_HEADER" not in s
        assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_https_turns_on_redirect_secure_cookies_and_hsts(load):
    s = load(DJANGO_HTTPS="1", DJANGO_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SESSION_COOKIE_SECURE"] is True and s["CSRF_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_HSTS_PRELOAD"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_production_is_https_unless_told_otherwise(load):
    production = {"DATABASE_URL": "postgres://news@db/live", "DJANGO_SECRET_KEY": "k" * 50}
    s = load(**production)
    assert s["SECURE_SSL_REDIRECT"] is True and s["SESSION_COOKIE_SECURE"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000 and s["SECURE_HSTS_PRELOAD"] is True
    s = load(**production, DJANGO_HTTPS="0")  # e.g. the test suite, which speaks plain http
    assert s["SECURE_SSL_REDIRECT"] is False and s["SECURE_HSTS_SECONDS"] == 0
    assert load(**production, DJANGO_DEBUG="1")["SECURE_SSL_REDIRECT"] is False


def test_each_https_setting_can_be_changed(load):
    s = load(
        DJANGO_HTTPS="1", DJANGO_SSL_REDIRECT="0", DJANGO_HSTS_SECONDS="3600",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="no", DJANGO_HSTS_PRELOAD="no",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://news.example.org, https://desk.example.org",
        DJANGO_CSP_MEDIA_ORIGINS="https://media.example-cdn.org",
    )
    assert s["SECURE_SSL_REDIRECT"] is False  # the proxy redirects
    assert s["SECURE_HSTS_SECONDS"] == 3600
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False and s["SECURE_HSTS_PRELOAD"] is False
    assert s["CSRF_TRUSTED_ORIGINS"] == ["https://news.example.org", "https://desk.example.org"]
    assert s["CSP_MEDIA_ORIGINS"] == ["https://media.example-cdn.org"]


def test_a_bad_number_stops_the_site(load):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_HSTS_SECONDS"):
        load(DJANGO_HSTS_SECONDS="a year")


def test_trusted_proxies_default_to_none_and_are_set_for_a_proxy_in_front(load):
    assert load()["LIVEBLOGS_TRUSTED_PROXIES"] == 0
    assert load(DJANGO_TRUSTED_PROXIES="1")["LIVEBLOGS_TRUSTED_PROXIES"] == 1
    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        load(DJANGO_TRUSTED_PROXIES="nginx")


def test_postgresql_connections_give_up_quickly(load):
    s = load(DATABASE_URL="postgres://news@db/live", DJANGO_SECRET_KEY="k" * 50)
    assert s["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 3
    assert s["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    s = load(
        DATABASE_URL="postgres://news@db/live", DJANGO_SECRET_KEY="k" * 50,
        DJANGO_DB_CONNECT_TIMEOUT="5",
    )
    assert s["DATABASES"]["default"]["OPTIONS"]["connect_timeout"] == 5


def test_email_goes_to_an_smtp_server_when_one_is_named(load):
    s = load(DJANGO_EMAIL_HOST="smtp.example.org", DJANGO_EMAIL_HOST_USER="desk",
             DJANGO_DEFAULT_FROM_EMAIL="desk@example.org")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_USE_TLS"]) == ("smtp.example.org", 587, True)
    assert s["DEFAULT_FROM_EMAIL"] == "desk@example.org"


def test_logs_go_to_standard_output(load):
    handler = load()["LOGGING"]["handlers"]["console"]
    assert handler["stream"] == "ext://sys.stdout"


def test_the_gunicorn_config_logs_to_standard_output_and_takes_its_workers_from_the_environment(
    monkeypatch,
):
    config = SETTINGS_FILE.parent.parent / "deploy" / "gunicorn.conf.py"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    c = runpy.run_path(str(config))
    assert c["wsgi_app"] == "newsroom.wsgi:application"
    assert c["workers"] == 3 and c["worker_class"] == "sync"
    assert c["accesslog"] == "-" and c["errorlog"] == "-"
    assert c["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert c["bind"] == ["127.0.0.1:8000"]
    # gunicorn itself accepts it and can load the application with it.
    import subprocess
    import sys

    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", str(config)], cwd=config.parent.parent,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_media_stays_on_local_files_without_a_bucket(load):
    s = load()
    assert s["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert s["STORAGES"]["liveblogs_private"]["BACKEND"].endswith("FileSystemStorage")
    assert "LIVEBLOGS_PRIVATE_SIGNED_URLS" not in s
    assert s["CSP_MEDIA_ORIGINS"] == []


def test_a_bucket_puts_public_and_private_media_on_object_storage(load):
    s = load(
        DJANGO_S3_BUCKET="courier-media", DJANGO_S3_ENDPOINT_URL="https://minio.internal:9000/",
        DJANGO_S3_REGION="eu-north-1", DJANGO_S3_ACCESS_KEY_ID="key",
        DJANGO_S3_SECRET_ACCESS_KEY="secret",
    )
    public, private = s["STORAGES"]["default"], s["STORAGES"]["liveblogs_private"]
    assert public["BACKEND"] == private["BACKEND"] == "liveblogs.s3.MediaStorage"
    for storage in (public, private):
        options = storage["OPTIONS"]
        assert options["bucket_name"] == "courier-media"
        assert options["endpoint_url"] == "https://minio.internal:9000"
        assert (options["region_name"], options["access_key"], options["secret_key"]) == (
            "eu-north-1", "key", "secret"
        )
        assert options["addressing_style"] == "path"
    # Public: plain addresses anyone may read. Private: under private/, signed for 5 minutes.
    assert public["OPTIONS"]["querystring_auth"] is False
    assert public["OPTIONS"]["default_acl"] == "public-read"
    assert public["OPTIONS"].get("location", "") == ""
    assert private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["querystring_expire"] == 300
    assert (private["OPTIONS"]["location"], private["OPTIONS"]["default_acl"]) == (
        "private", "private"
    )
    assert s["LIVEBLOGS_PRIVATE_SIGNED_URLS"] is True
    # Photos come from the bucket: the pages' policy allows it, and nothing else of the server.
    assert s["CSP_MEDIA_ORIGINS"] == ["https://minio.internal:9000/courier-media/"]


def test_credentials_left_out_come_from_boto3s_own_chain(load):
    options = load(DJANGO_S3_BUCKET="courier-media")["STORAGES"]["default"]["OPTIONS"]
    assert options["access_key"] is None and options["secret_key"] is None
    assert options["endpoint_url"] is None and options["addressing_style"] is None


def test_a_cdn_serves_public_files_and_a_private_bucket_the_rest(load):
    s = load(
        DJANGO_S3_BUCKET="courier-media", DJANGO_S3_CUSTOM_DOMAIN="media.example-cdn.org",
        DJANGO_S3_PRIVATE_BUCKET="courier-private", DJANGO_S3_SIGNED_URL_SECONDS="120",
        DJANGO_S3_REGION="eu-west-1", DJANGO_S3_PUBLIC_ACL="",
        DJANGO_CSP_MEDIA_ORIGINS="https://video.example-cdn.org",
    )
    public, private = s["STORAGES"]["default"], s["STORAGES"]["liveblogs_private"]
    assert public["OPTIONS"]["custom_domain"] == "media.example-cdn.org"
    assert public["OPTIONS"]["url_protocol"] == "https:"
    assert public["OPTIONS"]["default_acl"] is None  # the bucket's own policy decides
    # Signed addresses never go through the CDN, which would keep them for everyone.
    assert private["OPTIONS"].get("custom_domain") is None
    assert (private["OPTIONS"]["bucket_name"], private["OPTIONS"]["location"]) == (
        "courier-private", ""
    )
    assert private["OPTIONS"]["querystring_expire"] == 120
    assert s["CSP_MEDIA_ORIGINS"] == [
        "https://video.example-cdn.org", "https://media.example-cdn.org",
        "https://courier-private.s3.amazonaws.com", "https://courier-private.s3.eu-west-1.amazonaws.com",
    ]
    # A CDN (or a local proxy) at an address of its own, over http.
    s = load(DJANGO_S3_BUCKET="courier-media", DJANGO_S3_CUSTOM_DOMAIN="http://127.0.0.1:8145/")
    public = s["STORAGES"]["default"]["OPTIONS"]
    assert (public["custom_domain"], public["url_protocol"]) == ("127.0.0.1:8145", "http:")
    assert s["CSP_MEDIA_ORIGINS"][0] == "http://127.0.0.1:8145"
    s = load(DJANGO_S3_BUCKET="courier-media", DJANGO_S3_CUSTOM_DOMAIN="cdn.example.org/courier")
    assert s["CSP_MEDIA_ORIGINS"][0] == "https://cdn.example.org/courier/"
    with pytest.raises(ImproperlyConfigured, match="DJANGO_S3_SIGNED_URL_SECONDS"):
        load(DJANGO_S3_BUCKET="courier-media", DJANGO_S3_SIGNED_URL_SECONDS="five minutes")
