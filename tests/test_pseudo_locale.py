"""Every word a reader sees comes through the translation machinery.

Each reader page is rendered in the pseudo-locale (tests/pseudo.py), where every catalogue lookup
comes back wrapped in ⟦…⟧, from data that is itself wrapped or made of digits: a word left over
is a word a template or a view wrote in plain English, which no translation will ever reach.
"""

import json
import re
import time
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.utils import timezone

from liveblogs.forms import render_token
from liveblogs.models import LivePage

from .factories import (
    make_callout,
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_series,
    make_update,
    make_video,
)
from .pseudo import pseudo, pseudo_locale, untranslated_text, untranslated_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def coverage():
    """A live page with everything a live page can show, a recap, a series and a reporter, all
    named in pseudo words."""
    series = make_series(name=pseudo("Storm"), slug="s1", description=pseudo("All of it"))
    ana = make_reporter(name=pseudo("Ana"), slug="r1", role=pseudo("Writer"), bio=pseudo("Bio"))
    ben = make_reporter(name=pseudo("Ben"), slug="r2")
    photo = make_photo(caption=pseudo("Water"), credit=pseudo("Ana"), alt_text=pseudo("Cars"))
    page = make_page(
        title=pseudo("Flood"), slug="p1", series=series, standfirst=pseudo("Rising"),
        lead_photo=photo,
    )
    now = timezone.now()
    for n in range(22):  # more than one batch: "Show older updates"
        make_update(live_page=page, headline=pseudo(f"Old {n}"), body=f"<p>{n}</p>",
                    published_at=now - timedelta(days=1, minutes=n), authors=[ana])
    make_update(
        live_page=page, headline=pseudo("Pinned"), body="<p>1</p>", pinned=True, authors=[ana, ben],
        published_at=now - timedelta(minutes=5),
    )
    make_update(
        live_page=page, headline=pseudo("Key"), body="<p>2</p>", key_event=True,
        authors=[ana, ben, make_reporter(name=pseudo("Cy"), slug="r3")],
        correction_note=pseudo("Fixed"), corrected_at=now, revised_at=now,
        video=make_video(title=pseudo("Aerial"), description=pseudo("River")),
        published_at=now - timedelta(minutes=3),
    )
    callout = make_callout(
        live_page=page, prompt=pseudo("Your street?"), deadline=now + timedelta(days=2)
    )
    make_update(live_page=page, headline=pseudo("Ask"), body="<p>3</p>", callout=callout,
                photos=[photo], published_at=now - timedelta(minutes=1))
    make_key_point(live_page=page, text=pseudo("Centres open"))
    recap = make_page(title=pseudo("Fire"), slug="p2", series=series, status=LivePage.Status.ENDED)
    make_update(live_page=recap, headline=pseudo("Out"), body="<p>4</p>", authors=[ana])
    return page


def rendered(client, path, **kwargs):
    with pseudo_locale():
        response = client.get(path, **kwargs)
    assert response.status_code in {200, 400, 404}, (path, response.status_code)
    return response.content.decode()


READER_PAGES = [
    "/",
    "/live/",
    "/live/?page=2",
    "/live/?page=banana",
    "/live/?page=99",
    "/live/?status=live&series=s1&reporter=r1",
    "/live/?from=not-a-date&to=2020-13-45",
    "/live/?q=12345",  # a search that finds nothing
    "/live/?q=1&series=s1",
    "/live/p1/",
    "/live/p1/?key=1",
    "/live/p2/",
    "/series/s1/",
    "/reporters/r1/",
    "/reporters/r2/",
    "/live/p1/ask/",
    "/live/p1/ask/thanks/",
    "/live/p2/ask/",  # coverage has ended
]


@pytest.mark.parametrize("path", READER_PAGES)
def test_every_word_of_a_reader_page_is_translated(client, coverage, path, settings):
    settings.ARCHIVE_PAGE_SIZE = 1  # two pages of results for the pagination's words
    html = rendered(client, path)
    assert untranslated_words(html) == []


def test_older_updates_and_the_permalink_are_translated(client, coverage):
    html = rendered(client, "/live/p1/")
    cursor = re.search(r'href="\?before=([\d-]+)"', html)[1]
    assert untranslated_words(rendered(client, f"/live/p1/?before={cursor}")) == []
    update = coverage.updates.get(key_event=True)
    assert untranslated_words(rendered(client, f"/live/p1/updates/{update.pk}/")) == []


def test_the_ask_form_its_errors_and_a_closed_callout_are_translated(client, coverage):
    callout = coverage.callouts.get()
    assert untranslated_words(rendered(client, f"/live/p1/ask/?callout={callout.pk}")) == []
    with pseudo_locale():
        response = client.post("/live/p1/ask/", {"body": ""})
    assert response.status_code == 400
    assert untranslated_words(response.content.decode()) == []
    callout.is_open = False
    callout.save()
    with pseudo_locale():
        response = client.post(f"/live/p1/ask/?callout={callout.pk}", {"body": pseudo("Hi")})
    assert untranslated_words(response.content.decode()) == []


def test_the_desks_mail_about_a_question_is_translated(
    client, coverage, settings, django_capture_on_commit_callbacks
):
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = {"body": pseudo("Why"), "name": pseudo("Sam"), "email": "s@example.org",
            "rendered": render_token(at=time.time() - 60), "website": ""}
    with pseudo_locale(), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/live/p1/ask/", sent)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert untranslated_text(message.subject) == []
    # The admin's address is a URL, not words.
    assert untranslated_text(re.sub(r"\S+://\S+", "", message.body)) == []


def test_what_live_updating_sends_is_translated(client, coverage):
    with pseudo_locale():
        data = json.loads(client.get("/live/p1/changes.json?since=0").content)
        error = json.loads(client.get("/live/p1/changes.json?since=x").content)
        missing = json.loads(client.get("/live/nope/changes.json?since=0").content)
    html = "".join(update["html"] for update in data["updates"]) + data.get("key_points_html", "")
    assert data["updates"] and untranslated_words(html) == []
    assert untranslated_text(error["error"]) == []
    assert untranslated_text(missing["error"]) == []


@pytest.mark.parametrize("path", ["/live/p1/feed/", "/live/p1/feed/atom/"])
def test_the_feeds_words_are_translated(client, coverage, path, settings):
    """The feeds' own words (titles, descriptions, bylines); dates are RFC formats, not words."""
    settings.LIVEBLOGS_PUBLISHER_NAME = pseudo("Courier")  # the newsroom's name: a setting
    xml = rendered(client, path)
    texts = []
    for element in ElementTree.fromstring(xml).iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in {"title", "subtitle", "description", "summary", "name", "author"}:
            texts.append(element.text or "")
    assert texts
    for text in texts:
        # Entries' descriptions are the updates' HTML: read as a page.
        assert untranslated_words(text) == [], text


def test_the_pseudo_locale_finds_a_word_left_in_english():
    """The check itself: a marked word passes, a plain one is found, markup splits nothing."""
    from django.template import engines

    template = engines["django"].from_string(
        '{% load i18n %}<h1>{% translate "Live now" %}</h1><p>Plain words '
        '{% blocktranslate %}Open until <time>9 EST</time>.{% endblocktranslate %}</p>'
        '<img alt="Left out" src="x.png">'
    )
    with pseudo_locale():
        html = template.render({})
    assert "⟦Live now⟧" in html
    assert untranslated_words(html) == ["Plain", "words", "Left", "out"]
