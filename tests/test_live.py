"""The polling protocol, /live/<slug>/changes.json, as readers' browsers and caches use it."""

import gzip
import json
import re
import time
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.utils import timezone

from liveblogs.models import LivePage, Update

from .factories import (
    make_callout,
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return make_page(slug="harbour-flood")


def version_of(page):
    return LivePage.objects.values_list("version", flat=True).get(pk=page.pk)


def poll(client, page, since, **headers):
    return client.get(f"/live/{page.slug}/changes.json", {"since": since}, headers=headers)


def test_nothing_new_is_a_tiny_answer(client, page):
    make_update(live_page=page)
    response = poll(client, page, version_of(page))
    assert response.json() == {
        "version": version_of(page), "status": "live", "poll_interval": 10,
        "updated": response.json()["updated"], "updates": [], "withdrawn": [],
    }
    assert len(response.content) < 200


def test_a_new_update_arrives_rendered_by_the_page_partial(client, page):
    reporter = make_reporter(name="Ana Ruiz")
    since = version_of(page)
    update = make_update(live_page=page, headline="Bridge shut", authors=[reporter], key_event=True)
    data = poll(client, page, since).json()
    assert data["version"] == version_of(page) > since
    (item,) = data["updates"]
    assert item["id"] == update.pk and item["key_event"] is True and item["pinned"] is False
    assert item["published_at"] == update.published_at.isoformat()
    assert f'<article id="update-{update.pk}"' in item["html"] and "Ana Ruiz" in item["html"]
    # The very same markup as the page shows.
    page_html = client.get(f"/live/{page.slug}/").content.decode()
    article = re.search(rf'<article id="update-{update.pk}".*?</article>', page_html, re.S)[0]
    assert article in item["html"]


def test_a_callout_in_an_update_arrives_open_as_the_page_shows_it(client, page):
    callout = make_callout(live_page=page)
    since = version_of(page)
    update = make_update(live_page=page, callout=callout)
    (item,) = poll(client, page, since).json()["updates"]
    page_html = client.get(f"/live/{page.slug}/").content.decode()
    article = re.search(rf'<article id="update-{update.pk}".*?</article>', page_html, re.S)[0]
    assert f"/live/{page.slug}/ask/?callout={callout.pk}" in article
    assert "Callout closed" not in item["html"] and article in item["html"]


def test_edits_come_again_and_withdrawals_come_as_ids(client, editor, page):
    kept = make_update(live_page=page, headline="Old headline")
    gone = make_update(live_page=page)
    since = version_of(page)
    kept.headline = "New headline"
    kept.save()
    gone.withdraw(by=editor)
    data = poll(client, page, since).json()
    assert [u["id"] for u in data["updates"]] == [kept.pk]
    assert "New headline" in data["updates"][0]["html"]
    assert data["withdrawn"] == [gone.pk]


def test_drafts_and_submitted_updates_never_appear(client, page):
    since = version_of(page)
    make_update(live_page=page, headline="Secret draft", status=Update.Status.DRAFT)
    make_update(live_page=page, headline="Secret submitted", status=Update.Status.SUBMITTED)
    for asked in [0, since]:
        body = poll(client, page, asked).content.decode()
        assert "Secret" not in body


def test_pinning_moves_both_updates(client, editor, page):
    old = make_update(live_page=page, pinned=True)
    new = make_update(live_page=page)
    since = version_of(page)
    new.pin(by=editor)
    data = poll(client, page, since).json()
    assert {u["id"]: u["pinned"] for u in data["updates"]} == {old.pk: False, new.pk: True}


def test_key_points_come_only_when_they_changed(client, page):
    make_update(live_page=page)
    since = version_of(page)
    make_update(live_page=page)
    assert "key_points_html" not in poll(client, page, since).json()
    make_key_point(live_page=page, text="Schools are closed")
    data = poll(client, page, since).json()
    assert "Schools are closed" in data["key_points_html"]


def test_since_zero_gives_the_latest_twenty(client, page):
    start = timezone.now() - timedelta(hours=2)
    Update.objects.bulk_create(
        Update(live_page=page, headline=f"U{n}", status="published", published_at=start + timedelta(minutes=n))
        for n in range(30)
    )
    make_key_point(live_page=page)
    data = poll(client, page, 0).json()
    assert [u["id"] for u in data["updates"]][0] == Update.objects.get(headline="U29").pk
    assert len(data["updates"]) == 20 and "reset" not in data or data["reset"] is False
    assert data["older_url"].startswith(f"/live/{page.slug}/?before=")
    assert "key_points_html" in data


def test_a_version_from_the_future_resets(client, page):
    make_update(live_page=page)
    data = poll(client, page, version_of(page) + 50).json()
    assert data["reset"] is True and len(data["updates"]) == 1


def test_a_reader_far_behind_is_reset_rather_than_sent_everything(client, page):
    make_update(live_page=page)
    since = version_of(page)
    for _ in range(25):
        make_update(live_page=page)
    data = poll(client, page, since).json()
    assert data["reset"] is True and len(data["updates"]) == 20


@pytest.mark.parametrize("since", ["", "abc", "-1", "1.5", "1e3"])
def test_a_malformed_since_is_400(client, page, since):
    response = poll(client, page, since)
    assert response.status_code == 400 and "since" in response.json()["error"]


def test_unknown_and_draft_pages_are_404(client):
    draft = make_page(slug="embargoed", status=LivePage.Status.DRAFT)
    make_update(live_page=draft, headline="Secret")
    assert client.get("/live/nope/changes.json?since=0").status_code == 404
    response = client.get("/live/embargoed/changes.json?since=0")
    assert response.status_code == 404 and "Secret" not in response.content.decode()


def test_an_ended_page_tells_readers_to_stop(client, page):
    since = version_of(page)
    page.end()
    data = poll(client, page, since).json()
    assert data["status"] == "ended" and data["poll_interval"] is None


# Caching: what a CDN in front can do with it.

def test_cacheable_by_anyone_while_live_and_longer_once_ended(client, editor, page):
    client.force_login(editor)
    response = poll(client, page, 0)
    assert response["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    assert not response.cookies and "Cookie" not in response.get("Vary", "")
    page.end()
    ended = poll(client, page, 0)["Cache-Control"]
    assert "public" in ended and "max-age=3600" in ended


def test_revalidation_is_304_and_costs_at_most_one_query(client, page, django_assert_max_num_queries):
    make_update(live_page=page)
    since = version_of(page)
    etag = poll(client, page, since)["ETag"]
    cache.clear()
    with django_assert_max_num_queries(1):
        response = poll(client, page, since, if_none_match=etag)
    assert response.status_code == 304
    assert response["Cache-Control"].startswith("public")
    make_update(live_page=page)
    assert poll(client, page, since, if_none_match=etag).status_code == 200


def test_every_reader_at_one_version_gets_the_same_etag(client, page):
    make_update(live_page=page)
    make_update(live_page=page)
    since = version_of(page) - 1
    assert poll(client, page, since)["ETag"] == poll(client, page, since)["ETag"]
    assert poll(client, page, since)["ETag"] != poll(client, page, since - 1)["ETag"]


@pytest.mark.parametrize("count", [10, 1000, 10000])
def test_full_poll_costs_a_fixed_number_of_queries(client, page, django_assert_num_queries, count):
    start = timezone.now() - timedelta(days=10)
    Update.objects.bulk_create(
        Update(live_page=page, headline=f"U{n}", status="published", published_at=start + timedelta(seconds=n))
        for n in range(count)
    )
    make_update(live_page=page)  # bulk_create moved no version
    since = version_of(page)
    make_update(live_page=page, authors=[make_reporter()], photos=[make_photo()])
    make_key_point(live_page=page)
    # page state, changed updates (shown and withdrawn) with bylines and photos (embeds only for
    # a body that shows some: none here), key points
    with django_assert_num_queries(5):
        data = poll(client, page, since).json()
    assert len(data["updates"]) == 1


# One source of truth: every path that changes what readers see reaches the poll.

def test_admin_save_reaches_readers(client, editor_client, page):
    update = make_update(live_page=page, headline="Before")
    since = version_of(page)
    editor_client.post(
        f"/admin/liveblogs/update/{update.pk}/change/",
        {
            "live_page": page.pk, "headline": "After", "body": "<p>x</p>", "video": "",
            "status": "published", "published_at_0": "2026-11-20", "published_at_1": "10:00:00",
            "correction_note": "", "corrected_at_0": "", "corrected_at_1": "",
            "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
            "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
            "revision": update.revision,
        },
    )
    assert "After" in poll(client, page, since).json()["updates"][0]["html"]


def test_admin_bulk_action_reaches_readers(client, editor_client, page):
    draft = make_update(live_page=page, status=Update.Status.SUBMITTED, headline="From the field")
    since = version_of(page)
    editor_client.post(
        "/admin/liveblogs/update/", {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk]}
    )
    assert [u["id"] for u in poll(client, page, since).json()["updates"]] == [draft.pk]


def test_key_points_edited_in_the_admin_reach_readers(client, editor_client, page):
    since = version_of(page)
    editor_client.post(
        f"/admin/liveblogs/livepage/{page.pk}/change/",
        {
            "title": page.title, "slug": page.slug, "series": "", "standfirst": "", "status": "live",
            "coverage_start_0": "2026-11-20", "coverage_start_1": "08:00:00",
            "coverage_end_0": "", "coverage_end_1": "", "time_zone": "America/Toronto",
            "language": "en", "lead_photo": "", "lead_video": "", "needs_approval": "on",
            "key_points-TOTAL_FORMS": 1, "key_points-INITIAL_FORMS": 0,
            "key_points-0-position": 1, "key_points-0-text": "Boil-water advisory lifted",
            "key_points-0-link": "",
            "callouts-TOTAL_FORMS": 0, "callouts-INITIAL_FORMS": 0,
        },
    )
    assert "Boil-water advisory lifted" in poll(client, page, since).json()["key_points_html"]


def test_ending_the_page_and_changing_lead_media_reach_readers(client, page):
    since = version_of(page)
    page.lead_photo = make_photo()
    page.save()
    assert poll(client, page, since).json()["version"] > since
    page.end()
    assert poll(client, page, since).json()["status"] == "ended"


def test_the_answer_for_a_version_is_made_once_for_every_reader(client, page, django_assert_num_queries):
    make_update(live_page=page)
    since = version_of(page)
    make_update(live_page=page, headline="News")
    first = poll(client, page, since)
    with django_assert_num_queries(0):  # the next reader: page state and answer from the cache
        second = poll(client, page, since)
    assert second.content == first.content and "News" in second.content.decode()
    make_update(live_page=page, headline="More news")
    assert "More news" in poll(client, page, since).content.decode()  # a new version, a new answer


def test_unicode_digits_are_not_a_version(client, page):
    assert poll(client, page, "²").status_code == 400
    assert poll(client, page, "9" * 30).status_code == 400


def test_every_version_from_the_future_shares_one_answer(client, page):
    make_update(live_page=page)
    ahead = version_of(page) + 1
    assert poll(client, page, ahead).content == poll(client, page, ahead + 1000).content
    assert cache.get(f"liveblogs:changes:{page.pk}:{version_of(page)}:ahead") is not None


def test_the_answer_is_compressed_once_for_readers_who_take_gzip(client, page, monkeypatch):
    make_update(live_page=page, headline="Ferry resumes")
    compressed = []
    real = gzip.compress
    monkeypatch.setattr(gzip, "compress", lambda data, **kw: compressed.append(1) or real(data, **kw))
    plain = poll(client, page, 0)
    packed = poll(client, page, 0, accept_encoding="gzip, deflate, br")
    again = poll(client, page, 0, accept_encoding="gzip")
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)
    assert again.content == packed.content and len(compressed) == 1
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    # One ETag per form, and each revalidates.
    assert packed["ETag"] != plain["ETag"]
    assert poll(client, page, 0, accept_encoding="gzip", if_none_match=packed["ETag"]).status_code == 304
    assert poll(client, page, 0, if_none_match=plain["ETag"]).status_code == 304


def test_a_second_of_polls_touches_neither_the_shared_cache_nor_the_database(
    client, page, monkeypatch, django_assert_num_queries
):
    make_update(live_page=page)
    now_at = version_of(page)
    since = now_at - 1
    first = poll(client, page, since)
    poll(client, page, now_at)
    asked = []
    real_get = cache.get
    monkeypatch.setattr(cache, "get", lambda *a, **kw: asked.append(a[0]) or real_get(*a, **kw))
    with django_assert_num_queries(0):
        assert poll(client, page, since).content == first.content
        assert poll(client, page, now_at).status_code == 200
    assert asked == []
    # A second later the process asks the shared cache again.
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 1.5)
    poll(client, page, since)
    assert asked


def test_a_change_made_here_is_seen_here_at_once(client, page):
    before = version_of(page)
    poll(client, page, before)  # the state is remembered for a second
    make_update(live_page=page, headline="Bridge reopens")
    answer = poll(client, page, before).json()
    assert answer["version"] > before
    assert [u["id"] for u in answer["updates"]]
