"""Production settings pass Django's own deployment check; security headers on every page;
static files hashed and compressed by WhiteNoise."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.test import Client

from newsroom.middleware import PERMISSIONS_POLICY, content_security_policy

from ..factories import make_page, make_update

ROOT = Path(__file__).resolve().parents[2]
# Where the test client's pages take their scripts and styles from (STATIC_URL on its host).
STATIC = "http://testserver/static/"
# Our scripts' translated words: a view (liveblogs:javascript_catalog), not a static file.
CATALOG = "http://testserver/i18n/"

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DATABASE_URL": "postgres://news:pw@db.internal:5432/live",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "DJANGO_MEDIA_ROOT": "/srv/newsroom/media",
    "DJANGO_TIME_ZONE": "America/Toronto",
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


def test_the_contract_variables_alone_pass_the_deployment_check():
    """Debug off, a secret key, hosts and a database: nothing more is needed to be secure."""
    names = ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL")
    contract = {name: PRODUCTION[name] for name in names}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **contract)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_check_notices_a_production_site_without_https():
    without = {**PRODUCTION, "DJANGO_HTTPS": "0"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **without)
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


# Headers ------------------------------------------------------------------------------------------


def test_every_reader_page_has_the_policy_and_still_no_cookie(client, db):
    page = make_page(slug="bridge")
    update = make_update(live_page=page)
    for path in ["/", "/live/", "/live/bridge/", f"/live/bridge/updates/{update.pk}/",
                 "/live/bridge/changes.json?since=0", "/live/bridge/feed/", "/sitemap.xml",
                 "/robots.txt"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == content_security_policy(
            code=STATIC, scripts=CATALOG), path
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert not response.cookies, path
        assert "Cookie" not in response.get("Vary", ""), path


def test_the_policy_allows_no_inline_script_or_style():
    policy = dict(part.split(" ", 1) for part in content_security_policy(code=STATIC).split("; "))
    assert policy["default-src"] == "'self'"
    # Code comes from the static files only: nothing under /media/ can be loaded as a script.
    assert policy["script-src"] == STATIC
    assert policy["style-src"] == STATIC
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'" and policy["form-action"] == "'self'"
    assert "unsafe" not in content_security_policy()


def test_photos_may_come_from_the_media_storage(client, db, settings):
    settings.CSP_MEDIA_ORIGINS = ["https://media.example-cdn.org"]
    policy = Client().get("/")["Content-Security-Policy"]
    assert "img-src 'self' https://media.example-cdn.org data: blob:" in policy
    assert "media-src 'self' https://media.example-cdn.org" in policy
    assert f"script-src {STATIC} {CATALOG};" in policy


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
    admin = content_security_policy(
        code=STATIC, scripts=f"{CATALOG} http://testserver/admin/jsi18n/")
    assert client.get("/admin/login/")["Content-Security-Policy"] == admin
    assert editor_client.get("/admin/")["Content-Security-Policy"] == admin
    # No inline style in the admin either (its styles are liveblogs/admin.css); its scripts are
    # files, but for the translated strings our catalogue and Django's jsi18n write.
    assert f"style-src {STATIC};" in admin and "unsafe" not in admin
    assert f"script-src {STATIC} {CATALOG} http://testserver/admin/jsi18n/;" in admin
    assert client.get("/live/nowhere/")["Content-Security-Policy"] == content_security_policy(
        code=STATIC, scripts=CATALOG)


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


def test_collectstatic_hashes_the_names_the_live_pages_modules_import(db, settings, tmp_path):
    """The live page's one module imports the others by relative address: in production those
    addresses are hashed names too, so an entry and its modules are cached, and change, together."""
    backend = "newsroom.whitenoise_storage.CompressedManifestStaticFilesStorage"  # production's
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": backend}}
    call_command("collectstatic", "--noinput", verbosity=0)
    hashed = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    entry = "/static/" + hashed["liveblogs/livepage.js"]

    browser = Client()
    page = make_page(slug="quay-fire")
    assert f'<script type="module" src="{entry}"></script>' in browser.get(
        page.get_absolute_url()
    ).content.decode()
    imports = re.findall(r'import\s*"([^"]+)"', browser.get(entry).getvalue().decode())
    assert [urljoin(entry, url) for url in imports] == [
        "/static/" + hashed[f"liveblogs/livepage/{name}.js"] for name in ("share", "older", "live")
    ]
    for url in imports:
        response = browser.get(urljoin(entry, url))
        assert response.status_code == 200 and "immutable" in response["Cache-Control"]

    # The editors' editor imports django-prose-editor's bundle the same way (no import map).
    prose = "/static/" + hashed["liveblogs/prose.js"]
    [bundle] = re.findall(r'from\s*"([^"]+)"', browser.get(prose).getvalue().decode())
    assert urljoin(prose, bundle) == "/static/" + hashed["django_prose_editor/editor.js"]
    assert browser.get(urljoin(prose, bundle)).status_code == 200


# In Chromium: nothing any page does is blocked by the policy --------------------------------------

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(
    `${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def watched(new_page):
    """A desktop page that records CSP violations, console warnings about policies, and
    script errors; ``check()`` asserts there were none on the page it shows."""
    page = new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(WATCH_CSP)
    problems = []
    page.on("console", lambda m: (
        ("Content Security Policy" in m.text or "Permissions-Policy" in m.text
         or "Permissions policy" in m.text)
        and problems.append(f"console: {m.text}")
    ))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def check(what):
        violations = page.evaluate("() => window.__csp")
        seen, problems[:] = list(problems), []
        assert violations == [] and seen == [], (what, violations, seen)

    page.check = check
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reader_pages_work_under_the_policy(site, watched):
    from liveblogs.models import LivePage, Update

    live = LivePage.objects.get(slug="kestrel-river-flood-alder-falls")
    update = Update.objects.visible().filter(live_page=live).first()
    recap = LivePage.objects.filter(status=LivePage.Status.ENDED).first()
    reporter = update.authors.first()
    paths = ["/", "/live/", live.get_absolute_url(), update.get_absolute_url(),
             recap.get_absolute_url(), reporter.get_absolute_url(),
             live.series.get_absolute_url(), f"{live.get_absolute_url()}ask/"]
    for path in paths:
        response = watched.goto(site + path)
        assert response.status == 200, path
        assert f"script-src {site}/static/ {site}/i18n/;" in response.headers["content-security-policy"]
        watched.wait_for_load_state("networkidle")
        # Every image drawn (renditions, the data: favicon) and the stylesheet applied.
        broken = watched.evaluate(
            "() => Array.from(document.images).filter(i => i.complete && !i.naturalWidth)"
            ".map(i => i.src)"
        )
        assert broken == [], (path, broken)
        assert watched.evaluate(
            "() => getComputedStyle(document.querySelector('.skip-link')).position"
        ) == "absolute", path
        watched.check(path)
    # The live page's script runs: the share links are wired and a poll goes out.
    watched.goto(site + live.get_absolute_url())
    with watched.expect_response(lambda r: "changes.json" in r.url, timeout=20_000) as poll:
        pass
    assert poll.value.status in (200, 304)
    watched.check("live page polling")


def sign_in(page, site, username, next_path, login_path="/admin/login/"):
    page.goto(f"{site}{login_path}?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", os.environ.get("DEMO_PASSWORD") or "demo")
    page.locator("form button, form [type=submit]").first.click()
    page.wait_for_url(f"{site}{next_path}")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_works_under_the_policy(site, watched):
    from liveblogs.models import LivePage, Update

    live = LivePage.objects.get(slug="kestrel-river-flood-alder-falls")
    update = Update.objects.visible().filter(live_page=live).first()
    page = watched
    sign_in(page, site, "editor", "/admin/")
    page.check("/admin/")
    for path in ["/admin/liveblogs/update/", "/admin/liveblogs/livepage/",
                 f"/admin/liveblogs/update/{update.pk}/change/", "/admin/liveblogs/photo/"]:
        assert page.goto(site + path).status == 200, path
        page.wait_for_load_state("networkidle")
        page.check(path)

    # The live page's change form: calendar and clock, autocomplete, inlines.
    page.goto(f"{site}/admin/liveblogs/livepage/{live.pk}/change/")
    page.locator("#calendarlink0").click()
    assert page.locator("#calendarbox0").is_visible()
    page.locator("#calendarbox0 .calendar-shortcuts a").first.click()  # Yesterday / Today
    assert not page.locator("#calendarbox0").is_visible()
    page.locator("#clocklink0").click()
    assert page.locator("#clockbox0").is_visible()
    page.locator("#clockbox0 .timelist a").first.click()  # Now
    assert page.locator("#id_coverage_start_1").input_value() != ""

    page.locator("#id_series + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-dropdown .select2-search__field").fill("Kes")
    results = page.locator(".select2-results__option:not(.loading-results)")
    results.first.wait_for()
    assert "Kestrel" in results.first.inner_text()
    page.keyboard.press("Escape")

    rows = page.locator("#key_points-group tbody tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#key_points-group .add-row a").click()
    assert rows.count() == before + 1
    page.check("live page change form")

    # A new page: the slug fills itself from the title (prepopulated fields, a JSON data block).
    page.goto(f"{site}/admin/liveblogs/livepage/add/")
    page.locator("#id_title").press_sequentially("Dam inspection")
    assert page.locator("#id_slug").input_value() == "dam-inspection"
    page.check("live page add form")

    # An update's form: autocomplete in the inlines too.
    page.goto(f"{site}/admin/liveblogs/update/add/")
    page.locator("#bylines-group .add-row a").click()
    page.locator("#bylines-group .select2-selection").last.click()
    page.locator(".select2-container--open .select2-dropdown .select2-search__field").fill("a")
    page.locator(".select2-results__option:not(.loading-results)").first.wait_for()
    page.keyboard.press("Escape")
    page.check("update add form")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_filing_page_works_under_the_policy(site, watched, tmp_path):
    """/file/ with a photo sent by XHR and previewed before the update is filed."""
    from django.conf import settings
    from django.shortcuts import resolve_url
    from PIL import Image

    sign_in(watched, site, "reporter", "/file/", login_path=resolve_url(settings.LOGIN_URL))
    watched.wait_for_load_state("networkidle")
    watched.check("/file/")
    photo = tmp_path / "street.jpg"
    Image.new("RGB", (1200, 800), (90, 120, 150)).save(photo, "JPEG")
    with watched.expect_response(lambda r: "/file/photos/" in r.url) as upload:
        watched.locator("input[type=file]").first.set_input_files(str(photo))
    assert upload.value.status < 400
    watched.locator("[name$='-alt_text']").first.wait_for()
    watched.wait_for_load_state("networkidle")
    watched.check("/file/ after a photo upload")


def test_debug_error_pages_keep_their_inline_styles(client, db, settings):
    """Django's technical 404 and 500 pages (DEBUG only) are inline style and script."""
    settings.DEBUG = True
    assert "Content-Security-Policy" not in client.get("/live/nowhere/")
    assert "Content-Security-Policy" in client.get("/live/")


def test_the_pages_take_code_from_the_static_files_only(client, db):
    policy = dict(
        part.split(" ", 1) for part in client.get("/live/")["Content-Security-Policy"].split("; ")
    )
    for directive in ("style-src", "font-src"):
        assert policy[directive] == "http://testserver/static/", directive
    # Scripts: the static files, and the view that writes our translated words.
    assert policy["script-src"] == f"http://testserver/static/ {CATALOG}"
    assert not any(
        "http://testserver/media/exec.js".startswith(source)
        for source in policy["script-src"].split()
    )
    # Behind an unknown host name, no code at all rather than a guess.
    assert "script-src 'none'" in content_security_policy(code="'none'")
