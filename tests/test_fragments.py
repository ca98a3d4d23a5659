"""Updates' HTML is kept per version (liveblogs/fragments.py): what readers get after any change
they should see is never the HTML from before it, on the page, the permalink or changes.json."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from liveblogs.models import LivePage

from .factories import make_callout, make_page, make_photo, make_reporter, make_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    page = make_page(slug="harbour-flood", time_zone="America/Toronto")
    reporter = make_reporter(name="Ana Ruiz", role="Harbour reporter")
    photo = make_photo(caption="Water on Quay Street")
    update = make_update(live_page=page, headline="Quay Street closed", authors=[reporter],
                         photos=[photo])
    return page, update, reporter, photo


def shown(client, update):
    """The update's HTML as the live page, its permalink and a fresh poll show it."""
    page_html = client.get(f"/live/{update.live_page.slug}/").content.decode()
    permalink = client.get(update.get_absolute_url()).content.decode()
    poll = json.loads(client.get(f"/live/{update.live_page.slug}/changes.json?since=0").content)
    polled = next(u["html"] for u in poll["updates"] if u["id"] == update.pk)
    return page_html, permalink, polled


def everywhere(client, update, text):
    return all(text in html for html in shown(client, update))


def test_the_same_html_is_served_until_something_changes(client, story):
    _page, update, _reporter, _photo = story
    first = shown(client, update)
    assert shown(client, update) == first


def test_an_edit_is_never_served_stale(client, story):
    _page, update, _reporter, _photo = story
    assert everywhere(client, update, "Quay Street closed")
    update.headline = "Quay Street reopens"
    update.save()
    assert everywhere(client, update, "Quay Street reopens")
    assert not any("Quay Street closed" in html for html in shown(client, update))


def test_a_caption_change_reaches_every_copy(client, story):
    _page, update, _reporter, photo = story
    assert everywhere(client, update, "Water on Quay Street")
    photo.caption = "Sandbags on Quay Street"
    photo.save()
    assert everywhere(client, update, "Sandbags on Quay Street")


def test_a_byline_change_reaches_every_copy(client, story):
    _page, update, reporter, _photo = story
    assert everywhere(client, update, "Ana Ruiz")
    reporter.name = "Ana Ruiz-Moreno"
    reporter.role = "Chief reporter"
    reporter.save()
    assert everywhere(client, update, "Ana Ruiz-Moreno")
    assert everywhere(client, update, "Chief reporter")


def test_pinning_shows_the_flag(client, story, editor):
    _page, update, _reporter, _photo = story
    assert not everywhere(client, update, "is-pinned")
    update.pin(by=editor)
    assert everywhere(client, update, "is-pinned")


def test_ending_coverage_closes_the_callout_inside_updates(client, story):
    page, update, _reporter, _photo = story
    update.callout = make_callout(live_page=page)
    update.save()
    assert everywhere(client, update, "Share your story")
    page.status = LivePage.Status.ENDED
    page.save()
    assert everywhere(client, update, "This callout has closed")


def test_a_callout_deadline_passing_closes_it_without_a_change(client, story, monkeypatch):
    page, update, _reporter, _photo = story
    update.callout = make_callout(live_page=page, deadline=timezone.now() + timedelta(hours=1))
    update.save()
    assert everywhere(client, update, "Share your story")
    # Nothing is saved when a deadline passes, so no version moves: the HTML kept before must
    # not be served after it.
    # (A poll's whole answer is kept a minute per version, CHANGES_CACHE_SECONDS: the page and
    # the permalink are asked here.)
    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    page_html, permalink, _polled = shown(client, update)
    assert "This callout has closed" in page_html and "This callout has closed" in permalink


def test_the_time_zone_is_part_of_the_key(client, story):
    page, update, _reporter, _photo = story
    before = shown(client, update)[0]
    LivePage.objects.filter(pk=page.pk).update(time_zone="Europe/Paris")
    after = shown(client, update)[0]
    assert before != after
    assert re.search(r'datetime="[^"]+\+0[12]:00"', after)  # Paris, winter or summer


# The whole answer of the live page and of a permalink is kept per page version too
# (caching.kept_per_version).


def test_the_next_reader_gets_the_kept_answer_whatever_tags_the_link_carries(
    client, story, django_assert_num_queries
):
    page, _update, _reporter, _photo = story
    first = client.get("/live/harbour-flood/")
    with django_assert_num_queries(0):
        tagged = client.get("/live/harbour-flood/?utm_source=social&fbclid=abc")
    assert tagged.content == first.content
    assert tagged["Content-Type"] == first["Content-Type"]
    assert tagged["ETag"] == first["ETag"]


def test_key_events_and_older_batches_are_not_the_page(client, story):
    page, update, _reporter, _photo = story
    client.get("/live/harbour-flood/")
    key_only = client.get("/live/harbour-flood/?key=1").content.decode()
    assert "Quay Street closed" not in key_only  # not a key event
    # A cursor is whatever a reader types: such requests are made each time, never kept.
    older = f"/live/harbour-flood/?before={update.cursor}"
    client.get(older)
    with CaptureQueriesContext(connection) as queries:
        client.get(older)
    assert any("liveblogs_update" in query["sql"] for query in queries.captured_queries)


def test_each_host_gets_its_own_links(client, story, settings):
    settings.ALLOWED_HOSTS = ["testserver", "news.example.org"]
    client.get("/live/harbour-flood/")
    other = client.get("/live/harbour-flood/", headers={"host": "news.example.org"})
    assert 'href="http://news.example.org/live/harbour-flood/"' in other.content.decode()
    assert "http://testserver/" not in other.content.decode()


def test_a_page_callout_deadline_ends_the_kept_answer(client, story, monkeypatch):
    page, _update, _reporter, _photo = story
    make_callout(live_page=page, deadline=timezone.now() + timedelta(minutes=30))
    assert "Has the flood reached your street?" in client.get("/live/harbour-flood/").content.decode()
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "Has the flood reached" not in client.get("/live/harbour-flood/").content.decode()


def test_a_typed_parameter_makes_no_new_entry(client, story, django_assert_num_queries):
    client.get("/live/harbour-flood/")
    # The view reads ?key= as "1" or not: any other value is the page itself, kept once.
    with django_assert_num_queries(0):
        assert client.get("/live/harbour-flood/?key=x%20y").status_code == 200
