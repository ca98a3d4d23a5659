"""The live page and the update permalink as readers, browsers, caches and search engines see them."""

import json
import posixpath
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from liveblogs import memo
from liveblogs.models import LivePage, Update

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

pytestmark = pytest.mark.django_db


def many_updates(page, count, **fields):
    """``count`` published updates a minute apart, newest last; bulk, as a long night leaves them."""
    start = timezone.now() - timedelta(minutes=count)
    Update.objects.bulk_create(
        Update(live_page=page, headline=f"Update number {n}", body=f"<p>Text {n}</p>",
               status=Update.Status.PUBLISHED, published_at=start + timedelta(minutes=n), **fields)
        for n in range(count)
    )


def article_ids(html):
    return [int(pk) for pk in re.findall(r'<article id="update-(\d+)"', html)]


def structured_data(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])


@pytest.fixture
def page():
    return make_page(title="Harbour flood", slug="harbour-flood", standfirst="The river rose overnight.")


def get(client, path, **headers):
    return client.get(path, headers=headers)


def test_first_twenty_updates_then_show_older(client, page):
    many_updates(page, 45)
    html = get(client, "/live/harbour-flood/").content.decode()
    first = article_ids(html)
    assert len(first) == 20
    cursor = re.search(r'href="\?before=([\d-]+)"[^>]*>Show older updates', html)[1]
    second_html = get(client, f"/live/harbour-flood/?before={cursor}").content.decode()
    second = article_ids(second_html)
    assert len(second) == 20 and not set(first) & set(second)
    cursor = re.search(r'href="\?before=([\d-]+)"', second_html)[1]
    third_html = get(client, f"/live/harbour-flood/?before={cursor}").content.decode()
    assert len(article_ids(third_html)) == 5
    assert "Show older updates" not in third_html
    headlines = [Update.objects.get(pk=pk).headline for pk in first + second + article_ids(third_html)]
    assert headlines == [f"Update number {n}" for n in range(44, -1, -1)]


def test_updates_at_the_same_minute_are_neither_lost_nor_repeated(client, page):
    same_time = timezone.now() - timedelta(hours=1)
    Update.objects.bulk_create(
        Update(live_page=page, headline=f"Tie {n}", status="published", published_at=same_time)
        for n in range(25)
    )
    html = get(client, "/live/harbour-flood/").content.decode()
    cursor = re.search(r'before=([\d-]+)', html)[1]
    rest = get(client, f"/live/harbour-flood/?before={cursor}").content.decode()
    assert len(set(article_ids(html)) | set(article_ids(rest))) == 25


def test_a_garbled_cursor_shows_the_newest_updates(client, page):
    many_updates(page, 3)
    response = get(client, "/live/harbour-flood/?before=banana")
    assert response.status_code == 200 and len(article_ids(response.content.decode())) == 3


def test_older_pages_use_keyset_paging_not_offset(client, page, django_assert_max_num_queries):
    many_updates(page, 30)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        get(client, "/live/harbour-flood/?before=9999999999999999-1")
    assert not any("OFFSET" in q["sql"] for q in queries.captured_queries)


def test_key_events_are_listed_near_the_top_and_filterable(client, page):
    many_updates(page, 25)
    old_key = make_update(live_page=page, headline="Evacuation ordered", key_event=True,
                          published_at=timezone.now() - timedelta(days=1))
    new_key = make_update(live_page=page, headline="River crests", key_event=True)
    html = get(client, "/live/harbour-flood/").content.decode()
    nav = html[html.index('class="key-events"'):]
    nav = nav[: nav.index("</nav>")]
    assert f'href="#update-{new_key.pk}"' in nav  # on this page: a plain anchor
    assert f'href="?key=1#update-{old_key.pk}"' in nav  # further down: the key-events view
    key_html = get(client, "/live/harbour-flood/?key=1").content.decode()
    assert article_ids(key_html) == [new_key.pk, old_key.pk]
    assert "Show all updates" in key_html


def test_the_page_shows_everything_a_live_page_has(client, page):
    page.series = make_series(name="Storm season", slug="storm-season")
    poster = make_photo(alt_text="A rescue boat at dawn")
    page.lead_video = make_video(title="On the water", duration=timedelta(seconds=112), poster=poster)
    page.save()
    make_key_point(live_page=page, text="Schools are closed")
    html = get(client, "/live/harbour-flood/").content.decode()
    assert '<a href="/series/storm-season/">Storm season</a>' in html
    assert '<span class="badge badge-live">Live</span>' in html
    assert html.count("<h1") == 1 and "<h1>Harbour flood</h1>" in html
    assert "The river rose overnight." in html
    assert "Updated <time datetime=" in html
    assert "On the water" in html and "Duration 1:52" in html and 'alt="A rescue boat at dawn"' in html
    assert "The Latest" in html and "Schools are closed" in html


def test_a_recap_says_so(client):
    make_page(slug="old-storm", status=LivePage.Status.ENDED,
              coverage_start=timezone.now() - timedelta(days=30),
              coverage_end=timezone.now() - timedelta(days=28))
    html = get(client, "/live/old-storm/").content.decode()
    assert '<span class="badge badge-recap">Recap</span>' in html
    assert "badge-live" not in html


def test_update_markup(client, page):
    ana = make_reporter(name="Ana Ruiz", role="Senior writer", slug="ana-ruiz")
    update = make_update(live_page=page, headline="Bridge shut", authors=[ana], key_event=True,
                         correction_note="An earlier version named the wrong bridge.",
                         corrected_at=timezone.now(), photos=[make_photo(alt_text="A closed bridge")])
    html = get(client, "/live/harbour-flood/").content.decode()
    article = html[html.index(f'<article id="update-{update.pk}"'):]
    article = article[: article.index("</article>")]
    assert "Bridge shut" in article and "Key event" in article
    assert '<a class="byline" href="/reporters/ana-ruiz/">Ana Ruiz</a> <span class="role">Senior writer</span>' in article
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', article)
    assert "<figure" in article and 'alt="A closed bridge"' in article and "<figcaption>" in article
    assert "An earlier version named the wrong bridge." in article
    assert f'class="share" href="/live/harbour-flood/updates/{update.pk}/"' in article


def test_callout_box_shows_the_open_callout(client, page, settings):
    make_callout(live_page=page, prompt="Has the water reached your street?")
    make_callout(live_page=page, prompt="Closed question", is_open=False)
    html = get(client, "/live/harbour-flood/").content.decode()
    assert "We want to hear from you" in html and "Has the water reached your street?" in html
    assert "Closed question" not in html


def test_structured_data_describes_a_live_blog(client, page, settings):
    settings.LIVEBLOGS_PUBLISHER_NAME = "The Valley Courier"
    ana = make_reporter(name="Ana Ruiz")
    update = make_update(live_page=page, headline="Bridge shut", authors=[ana], photos=[make_photo()])
    data = structured_data(get(client, "/live/harbour-flood/").content.decode())
    assert data["@type"] == "LiveBlogPosting"
    assert data["headline"] == "Harbour flood" and data["description"] == "The river rose overnight."
    assert "coverageStartTime" in data and "coverageEndTime" not in data
    assert data["publisher"]["name"] == "The Valley Courier"
    (posting,) = data["liveBlogUpdate"]
    assert posting["@type"] == "BlogPosting" and posting["headline"] == "Bridge shut"
    assert posting["url"] == f"http://testserver/live/harbour-flood/#update-{update.pk}"
    assert posting["author"][0]["name"] == "Ana Ruiz"
    assert posting["articleBody"] == "Water is rising."
    assert posting["image"].startswith("http://testserver/media/photos/")
    assert {"datePublished", "dateModified"} <= set(posting)


def test_structured_data_of_a_recap_has_its_end(client, page):
    page.end()
    data = structured_data(get(client, "/live/harbour-flood/").content.decode())
    assert "coverageEndTime" in data


def test_structured_data_cannot_close_the_script(client, page):
    make_update(live_page=page, headline="</script><script>alert(1)</script>")
    html = get(client, "/live/harbour-flood/").content.decode()
    assert "<script>alert(1)" not in html
    assert structured_data(html)["liveBlogUpdate"][0]["headline"].startswith("</script>")


def test_share_tags_and_canonical(client, page):
    page.lead_photo = make_photo(alt_text="Flooded quay")
    page.save()
    html = get(client, "/live/harbour-flood/?key=1").content.decode()
    assert '<link rel="canonical" href="http://testserver/live/harbour-flood/">' in html
    assert '<meta property="og:title" content="Harbour flood">' in html
    assert '<meta property="og:image" content="http://testserver/media/photos/' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_permalink_page(client, page):
    update = make_update(live_page=page, headline="Bridge shut", body="<p>The <b>bridge</b> is shut.</p>")
    html = get(client, f"/live/harbour-flood/updates/{update.pk}/").content.decode()
    assert '<h1 class="update-headline"' in html and html.count("<h1") == 1
    assert f'<link rel="canonical" href="http://testserver/live/harbour-flood/updates/{update.pk}/">' in html
    assert '<meta property="og:title" content="Bridge shut">' in html
    assert '<meta property="og:description" content="The bridge is shut.">' in html
    assert f'href="/live/harbour-flood/#update-{update.pk}"' in html
    assert structured_data(html)["isPartOf"]["url"] == "http://testserver/live/harbour-flood/"


def test_permalink_of_an_update_on_another_page_is_not_found(client, page):
    update = make_update(live_page=make_page(slug="other"))
    assert get(client, f"/live/harbour-flood/updates/{update.pk}/").status_code == 404


# HTTP: what caches and browsers are told.

def test_reader_pages_set_no_cookie_and_do_not_vary_on_it(client, page, editor):
    update = make_update(live_page=page)
    client.force_login(editor)  # even a signed-in editor gets the shared, anonymous page
    for path in ["/live/harbour-flood/", f"/live/harbour-flood/updates/{update.pk}/"]:
        response = get(client, path)
        assert not response.cookies, path
        assert "Cookie" not in response.get("Vary", ""), path
        assert "public" in response["Cache-Control"], path


def test_live_pages_are_cached_briefly_and_recaps_for_longer(client, page):
    live = get(client, "/live/harbour-flood/")["Cache-Control"]
    page.end()
    recap = get(client, "/live/harbour-flood/")["Cache-Control"]
    assert "max-age=30" in live and "max-age=3600" in recap


def test_revalidation_answers_304_until_the_version_moves(client, page, django_assert_num_queries):
    first = get(client, "/live/harbour-flood/")
    etag, last_modified = first["ETag"], first["Last-Modified"]
    with django_assert_num_queries(0):  # the version comes from the shared cache
        again = get(client, "/live/harbour-flood/", if_none_match=etag)
    assert again.status_code == 304 and "public" in again["Cache-Control"]
    cache.clear()
    memo.states.clear()  # as on another server, or a second later
    with django_assert_num_queries(1):  # or, on a miss, from one indexed query
        assert get(client, "/live/harbour-flood/", if_none_match=etag).status_code == 304
    assert get(client, "/live/harbour-flood/", if_modified_since=last_modified).status_code == 304
    make_update(live_page=page)
    changed = get(client, "/live/harbour-flood/", if_none_match=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_unknown_and_draft_pages_are_404_without_caching_headers(client):
    make_page(slug="embargoed", status=LivePage.Status.DRAFT)
    for path in ["/live/nope/", "/live/embargoed/"]:
        response = get(client, path)
        assert response.status_code == 404
        assert "ETag" not in response


@pytest.mark.parametrize("count", [10, 1000])
def test_live_page_query_count_is_fixed(client, page, django_assert_num_queries, count):
    reporter = make_reporter()
    many_updates(page, count)
    make_update(live_page=page, authors=[reporter], photos=[make_photo()], pinned=True, key_event=True)
    make_key_point(live_page=page)
    # version, page, key events, pinned, batch, bylines and photos of both (embeds only for
    # bodies that show some: none here), key points, callout
    with django_assert_num_queries(9):
        response = get(client, "/live/harbour-flood/")
    assert len(article_ids(response.content.decode())) == min(count, 20) + 1
    # The whole answer is kept for this version: the next reader's costs no query.
    with django_assert_num_queries(0):
        again = get(client, "/live/harbour-flood/")
    assert again.content == response.content
    # A new version (here a change no update shows): the page is made again, from the updates'
    # kept HTML and structured data: version, page, key events, pinned, batch, key points,
    # callout, and no bylines, photos or embeds to fetch.
    LivePage.objects.filter(pk=page.pk).bump_version()
    with django_assert_num_queries(7):
        get(client, "/live/harbour-flood/")


@pytest.mark.parametrize("count", [10, 1000])
def test_permalink_query_count_is_fixed(client, page, django_assert_num_queries, count):
    many_updates(page, count)
    update = make_update(live_page=page, authors=[make_reporter()], photos=[make_photo()])
    # version, the update with its page, its bylines, its photos, its embeds
    with django_assert_num_queries(5):
        get(client, f"/live/harbour-flood/updates/{update.pk}/")


@pytest.mark.parametrize("path", ["/", "/live/", "/live/?q=flood", "/series/storms/", "/reporters/ana/"])
def test_listings_are_public_and_cookie_free(client, editor, path):
    series = make_series(slug="storms")
    reporter = make_reporter(slug="ana")
    make_update(live_page=make_page(series=series), authors=[reporter])
    client.force_login(editor)
    response = client.get(path)
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=30" in response["Cache-Control"]
    assert not response.cookies and "Cookie" not in response.get("Vary", "")


def test_an_update_shows_its_video(client, page):
    video = make_video(title="Aerial view of the quay", duration=timedelta(seconds=75),
                       poster=make_photo(alt_text="The quay from above"))
    make_update(live_page=page, video=video)
    html = get(client, "/live/harbour-flood/").content.decode()
    stream = html[html.index('class="updates"'):]
    assert "Aerial view of the quay" in stream and "Duration 1:15" in stream
    assert 'alt="The quay from above"' in stream and 'href="https://video.example.org/embed/123"' in stream


def test_the_page_tells_its_script_where_and_how_often_to_poll(client, page, settings):
    settings.LIVEBLOGS_POLL_INTERVAL = 7
    html = get(client, "/live/harbour-flood/").content.decode()
    assert 'data-changes-url="/live/harbour-flood/changes.json"' in html
    assert 'data-poll-interval="7"' in html
    page.end()
    assert "data-changes-url" not in get(client, "/live/harbour-flood/").content.decode()


def scripts_loaded(html):
    """The static JavaScript files a browser loads for ``html``: its scripts and, for modules, what
    they import, followed as the browser follows them."""
    from django.contrib.staticfiles import finders

    found, todo = {}, re.findall(r'<script[^>]* src="/static/([^"]+\.js)"', html)
    while todo:
        name = todo.pop()
        if name not in found:
            found[name] = Path(finders.find(name))
            text, folder = found[name].read_text(), posixpath.dirname(name)
            for url in re.findall(r"""(?:\bimport|\bfrom)\s*["'](\.\.?/[^"']+)["']""", text):
                todo.append(posixpath.normpath(posixpath.join(folder, url)))
    return found


def test_the_readers_script_is_within_its_20_kb_budget(client, page):
    """Everything the live page loads of JavaScript, uncompressed: the page works before it
    arrives, and a reader on one bar should not wait long for live updating. (Its words arrive apart,
    in the JavaScriptCatalog at /i18n/<language>.js; calling gettext() for them costs a little.)"""
    html = get(client, "/live/harbour-flood/").content.decode()
    scripts = scripts_loaded(html)
    assert set(scripts) >= {
        "liveblogs/livepage.js", "liveblogs/livepage/share.js", "liveblogs/livepage/older.js",
        "liveblogs/livepage/live.js",
    }
    assert sum(path.stat().st_size for path in scripts.values()) <= 21_000
    assert '<script type="module" src="/static/liveblogs/livepage.js"></script>' in html


@pytest.mark.parametrize("path", ["/", "/live/", "/live/harbour-flood/", "/live/harbour-flood/changes.json?since=0"])
def test_reader_pages_answer_head_as_caches_and_link_checkers_ask(client, page, path):
    response = client.head(path)
    assert response.status_code == 200 and response.content == b""
    assert client.post(path).status_code == 405


def test_share_text_is_escaped_once(client, page):
    update = make_update(live_page=page, body="<p>Fish &amp; chips shop flooded</p>")
    html = get(client, f"/live/harbour-flood/updates/{update.pk}/").content.decode()
    assert '<meta property="og:description" content="Fish &amp; chips shop flooded">' in html
    assert structured_data(html)["articleBody"] == "Fish & chips shop flooded"


def test_a_series_with_only_draft_pages_does_not_exist_yet(client):
    series = make_series(name="Embargoed series", slug="embargoed")
    make_page(series=series, status=LivePage.Status.DRAFT)
    assert get(client, "/series/embargoed/").status_code == 404
    assert "Embargoed series" not in get(client, "/live/").content.decode()


def test_machine_readable_times_are_to_the_second(client, page):
    """HTML's datetime takes at most three digits of a second; Django's ``date:'c'`` gave six."""
    from .factories import make_callout

    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz")
    make_callout(live_page=page, deadline=timezone.now() + timedelta(days=1, microseconds=1234))
    update = make_update(live_page=page, authors=[ana], correction_note="Fixed the name.",
                         corrected_at=timezone.now(), key_event=True)
    Update.objects.filter(pk=update.pk).update(revised_at=timezone.now())
    for path in ["/live/harbour-flood/", f"/live/harbour-flood/updates/{update.pk}/",
                 "/live/harbour-flood/ask/", "/reporters/ana-ruiz/", "/live/?q=water"]:
        html = get(client, path).content.decode()
        times = re.findall(r'<time datetime="([^"]*)"', html)
        assert times, path
        for value in times:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d[+-]\d\d:\d\d)?", value), (path, value)
    page.end()
    html = get(client, "/live/harbour-flood/").content.decode()
    assert all("." not in value for value in re.findall(r'<time datetime="([^"]*)"', html))
