"""Production settings pass Django's own deployment check; security headers on every page;
static files hashed and compressed by WhiteNoise."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from newsroom.middleware import PERMISSIONS_POLICY, content_security_policy

from .factories import make_page, make_update

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "postgres://news:pw@db.internal:5432/live",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_MEDIA_ROOT": "/srv/newsroom/media",
    "DJANGO_TIME_ZONE": "America/Toronto",
    "DJANGO_HTTPS": "1",
    "DJANGO_HSTS_PRELOAD": "1",
    "DJANGO_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.org",
}


def manage(*args, **environ):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL",
                                                                     "REDIS_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**env, **environ},
        capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_the_deployment_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_deployment_check_notices_a_production_site_without_https():
    without = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_HTTPS"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **without)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


# Headers ------------------------------------------------------------------------------------------


def test_every_reader_page_has_the_policy_and_still_no_cookie(client, db):
    page = make_page(slug="bridge")
    update = make_update(live_page=page)
    for path in ["/", "/live/", "/live/bridge/", f"/live/bridge/updates/{update.pk}/",
                 "/live/bridge/changes.json?since=0", "/live/bridge/feed/", "/sitemap.xml"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == content_security_policy(), path
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert not response.cookies, path
        assert "Cookie" not in response.get("Vary", ""), path


def test_the_policy_allows_no_inline_script_or_style():
    policy = dict(part.split(" ", 1) for part in content_security_policy().split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in content_security_policy()


def test_photos_may_come_from_the_media_storage(client, db, settings):
    settings.CSP_MEDIA_ORIGINS = ["https://media.example-cdn.org"]
    policy = Client().get("/")["Content-Security-Policy"]
    assert "img-src 'self' https://media.example-cdn.org data: blob:" in policy
    assert "media-src 'self' https://media.example-cdn.org" in policy
    assert "script-src 'self';" in policy


def test_pages_carry_no_inline_script(client, db):
    """What the policy would block, were it there: a <script> without src that is not data."""
    page = make_page(slug="bridge")
    make_update(live_page=page)
    for path in ["/", "/live/", "/live/bridge/", "/admin/login/"]:
        html = client.get(path).content.decode()
        for tag in html.split("<script")[1:]:
            opening = tag.split(">", 1)[0]
            assert " src=" in opening or 'type="application/ld+json"' in opening or (
                'type="application/json"' in opening
            ), (path, opening)
        assert " style=" not in html, path
        assert "<style" not in html, path


def test_the_admin_and_errors_have_the_policy(client, db, editor_client):
    assert "script-src 'self'" in client.get("/admin/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in editor_client.get("/admin/")["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/live/nowhere/")["Content-Security-Policy"]


def test_https_settings_redirect_and_send_hsts(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/live/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/live/"
    response = client.get("/live/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


# Static files -------------------------------------------------------------------------------------


def test_collectstatic_makes_hashed_compressed_files_whitenoise_serves(db, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)

    css = list((tmp_path / "static" / "liveblogs").glob("liveblogs.*.css"))
    assert len(css) == 1 and len(css[0].name.split(".")[1]) == 12  # liveblogs.<hash>.css
    assert css[0].with_name(css[0].name + ".gz").exists()
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert list((tmp_path / "static" / "admin" / "js").glob("core.*.js.gz"))

    # A fresh client loads the middleware again, so WhiteNoise sees the files just collected.
    browser = Client()
    html = browser.get("/live/").content.decode()
    assert f"/static/liveblogs/{css[0].name}" in html
    response = browser.get(f"/static/liveblogs/{css[0].name}", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] in {"gzip", "br"}
    assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response[
        "Cache-Control"
    ]
