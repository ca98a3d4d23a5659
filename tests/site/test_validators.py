"""What third-party checkers say of the demo newsroom's pages: the Nu HTML checker (vnu), a
structured data extractor (extruct), feed readers' parser (feedparser).

vnu comes pinned from npm (``vnu-jar`` in package.json, installed by ``npm ci``) and runs on the
machine's Java, once for every page (it is a JVM: a start per page would cost seconds each).
Without Java or the jar the check skips and says why; on CI (``CI=true``) it fails instead.
"""

import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import extruct
import feedparser
import pytest
from django.core.management import call_command
from django.urls import reverse

from liveblogs.models import LivePage, ReaderSubmission, Reporter, Series, Update

from ..conftest import ROOT
from .conftest import missing

pytestmark = pytest.mark.django_db

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture
def demo(quick_demo):
    call_command("demo", "--force", stdout=io.StringIO())
    live = LivePage.objects.get(status=LivePage.Status.LIVE, slug="kestrel-river-flood-alder-falls")
    return {
        "live": live,
        "recap": LivePage.objects.filter(status=LivePage.Status.ENDED).first(),
        "update": Update.objects.visible().filter(live_page=live).newest_first().first(),
        "series": Series.objects.get(slug="kestrel-valley-floods"),
        "reporter": Reporter.objects.filter(is_active=True, updates__status="published").first(),
    }


def signed_in(client, username):
    client.login(username=username, password="demo")
    return client


def pages_readers_see(client, demo):
    live, recap, update = demo["live"], demo["recap"], demo["update"]
    pages = {
        "home": "/",
        "archive": "/live/",
        "archive, searched": "/live/?q=river",
        "archive, searched and filtered": f"/live/?q=flood&status=ended&series={demo['series'].slug}",
        "archive, nothing found": "/live/?q=zeppelin",
        "live page": live.get_absolute_url(),
        "live page, key events": live.get_absolute_url() + "?key=1",
        "recap": recap.get_absolute_url(),
        "permalink": update.get_absolute_url(),
        "series": demo["series"].get_absolute_url(),
        "reporter": demo["reporter"].get_absolute_url(),
    }
    pages["ask"] = reverse("liveblogs:ask", kwargs={"slug": live.slug})
    pages["thank-you"] = reverse("liveblogs:ask_thanks", kwargs={"slug": live.slug})
    return {name: client.get(path) for name, path in pages.items()}


def pages_the_newsroom_sees(client, demo):
    live = demo["live"]
    from django.contrib.auth import get_user_model

    from liveblogs.permissions import policy

    reporter_client = signed_in(client.__class__(), "reporter")
    own = policy.updates_editable_by(get_user_model().objects.get(username="reporter")).first()
    filing = {
        "filing": reporter_client.get(reverse("liveblogs:file")),
        "my updates": reporter_client.get(reverse("liveblogs:my_updates")),
    }
    if own:
        filing["filing, an edit"] = reporter_client.get(reverse("liveblogs:edit_update", args=[own.pk]))
        filing["filed"] = reporter_client.get(reverse("liveblogs:filed", args=[own.pk]))
    editor = signed_in(client.__class__(), "editor")
    update = demo["update"]
    submission = ReaderSubmission.objects.first()
    admin = {
        "admin home": editor.get(reverse("admin:index")),
        "admin, live page": editor.get(reverse("admin:liveblogs_livepage_change", args=[live.pk])),
        "admin, desk": editor.get(reverse("admin:liveblogs_livepage_desk", args=[live.pk])),
        "admin, update": editor.get(reverse("admin:liveblogs_update_change", args=[update.pk])),
        "admin, revisions": editor.get(
            reverse("admin:liveblogs_update_change", args=[update.pk]).replace("change/", "revisions/")
        ),
    }
    if submission:
        admin["admin, reader submission"] = editor.get(
            reverse("admin:liveblogs_readersubmission_change", args=[submission.pk])
        )
    return {**filing, **admin}


def vnu_messages(documents):
    """vnu's messages for each document, in one run: {name: [message, ...]}."""
    java = shutil.which("java")
    if java is None:
        missing("Java is not installed: the Nu HTML checker (vnu) needs it; apt-get install default-jre")
    if not VNU.exists():
        missing(f"vnu is not installed at {VNU.relative_to(ROOT)}; run npm ci")
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for n, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"page-{n}.html"
            path.write_text(html)
            names[path.name] = name
        if os.environ.get("VNU_KEEP"):  # to read what vnu read, where its line numbers point
            shutil.copytree(folder, os.environ["VNU_KEEP"], dirs_exist_ok=True)
        result = subprocess.run(
            [java, "-jar", str(VNU), "--format", "json", "--exit-zero-always", *map(str, sorted(
                Path(folder).glob("*.html")))],
            capture_output=True, text=True, timeout=300,
        )
    report = json.loads(result.stderr)
    found = {name: [] for name in documents}
    for message in report["messages"]:
        found[names[message["url"].rpartition("/")[2]]].append(message)
    return found


def describe(messages):
    return "\n".join(
        f"  {m['type']}{'/' + m['subType'] if m.get('subType') else ''} line {m.get('lastLine')}:"
        f" {m['message']}  [{m.get('extract', '').strip()[:80]}]"
        for m in messages
    )


def test_nu_html_checker_finds_no_errors(client, demo):
    """Every reader page and every page of ours the newsroom uses: 0 errors (one vnu run)."""
    responses = {**pages_readers_see(client, demo), **pages_the_newsroom_sees(client, demo)}
    for name, response in responses.items():
        assert response.status_code == 200, (name, response.status_code)
    found = vnu_messages({name: r.content.decode() for name, r in responses.items()})
    errors = {name: [m for m in ms if m["type"] == "error"] for name, ms in found.items()}
    assert not any(errors.values()), "\n".join(
        f"{name}:\n{describe(ms)}" for name, ms in errors.items() if ms
    )
    # The permalink's outline: the update is the page's article, headed by its headline.
    permalink_warnings = [m["message"] for m in found["permalink"]]
    assert not [w for w in permalink_warnings if "heading" in w or "h1" in w], permalink_warnings


def json_ld(response):
    data = extruct.extract(
        response.content.decode(), base_url="http://testserver/", syntaxes=["json-ld", "opengraph"],
        uniform=True,
    )
    return data


def test_structured_data_holds_what_search_engines_ask(client, demo, settings):
    settings.LIVEBLOGS_PUBLISHER_NAME = "The Valley Courier"
    live, update = demo["live"], demo["update"]
    (posting,) = json_ld(client.get(live.get_absolute_url()))["json-ld"]
    assert posting["@type"] == "LiveBlogPosting"
    url = f"http://testserver{live.get_absolute_url()}"
    assert posting["url"] == url and posting["mainEntityOfPage"]["@id"] == url
    assert posting["publisher"]["name"] == "The Valley Courier"
    assert posting["publisher"]["logo"]["url"] == "http://testserver/static/liveblogs/publisher-logo.png"
    assert {author["@type"] for author in posting["author"]} == {"Person"}
    assert all(author["name"] and author["url"] for author in posting["author"])
    assert "coverageEndTime" not in posting
    for moment in [posting["coverageStartTime"], posting["dateModified"],
                   *(p["datePublished"] for p in posting["liveBlogUpdate"])]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", moment), moment
    assert all(p["headline"] and p["datePublished"] for p in posting["liveBlogUpdate"])

    # A recap ended without an end time still says when coverage ended.
    recap = demo["recap"]
    LivePage.objects.filter(pk=recap.pk).update(coverage_end=None)
    (posting,) = json_ld(client.get(recap.get_absolute_url()))["json-ld"]
    assert posting["coverageEndTime"]

    data = json_ld(client.get(update.get_absolute_url()))
    (article,) = data["json-ld"]
    permalink = f"http://testserver{update.get_absolute_url()}"
    assert article["@type"] == "BlogPosting"
    assert article["url"] == permalink == article["mainEntityOfPage"]["@id"]
    assert data["opengraph"][0]["og:url"] == permalink
    assert article["publisher"]["logo"]["url"]


@pytest.mark.parametrize("path", ["/", "/live/", "series", "reporter"])
def test_lists_have_description_canonical_and_open_graph(client, demo, path):
    path = {"series": demo["series"].get_absolute_url(),
            "reporter": demo["reporter"].get_absolute_url()}.get(path, path)
    html = client.get(path).content.decode()
    assert f'<link rel="canonical" href="http://testserver{path}">' in html
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    (og,) = json_ld(client.get(path))["opengraph"]
    assert og["og:url"] == f"http://testserver{path}" and og["og:title"]


@pytest.mark.parametrize("feed", ["liveblogs:feed", "liveblogs:feed_atom"])
def test_feeds_parse_without_bozo(client, demo, feed):
    response = client.get(reverse(feed, kwargs={"slug": demo["live"].slug}))
    parsed = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) > 3


def test_robots_txt_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()
    assert "Disallow: /live/" not in response.content.decode()
