"""The sitemap: what search engines are told exists, and when it last changed."""

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from django.db.models import F

from liveblogs.models import LivePage, Series, Update

from .factories import make_page, make_reporter, make_series, make_update

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# The newest page change (for Last-Modified), the same for the home page's and the archive's
# entries, and a count and a page of rows for each of the three other sections: never one more
# per row.
SITEMAP_QUERIES = 8


def noon(day):
    # Noon UTC is the same calendar day in the site's time zone (America/Toronto).
    return datetime(2029, 3, day, 12, tzinfo=UTC)


def set_changed_at(page, when):
    # Passing the version keeps the queryset's own bump from stamping "now" over ours.
    LivePage.objects.filter(pk=page.pk).update(changed_at=when, version=F("version") + 1)


def read_sitemap(client):
    """{path: (lastmod, changefreq)} for every URL in the sitemap."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    return {
        url.findtext(f"{SITEMAP}loc").removeprefix("http://testserver"): (
            url.findtext(f"{SITEMAP}lastmod"),
            url.findtext(f"{SITEMAP}changefreq"),
        )
        for url in ET.fromstring(response.content).findall(f"{SITEMAP}url")
    }


def test_live_pages_and_recaps_with_last_change(client):
    live = make_page(slug="harbour-flood")
    recap = make_page(slug="spring-storm", status=LivePage.Status.ENDED)
    set_changed_at(live, noon(10))
    set_changed_at(recap, noon(5))
    urls = read_sitemap(client)
    assert urls["/live/harbour-flood/"] == ("2029-03-10", "always")
    assert urls["/live/spring-storm/"] == ("2029-03-05", "monthly")


def test_series_last_changed_with_its_latest_public_page(client):
    floods = make_series(slug="floods")
    live = make_page(series=floods)
    recap = make_page(series=floods, status=LivePage.Status.ENDED)
    newer_draft = make_page(series=floods, status=LivePage.Status.DRAFT)
    set_changed_at(live, noon(10))
    set_changed_at(recap, noon(5))
    set_changed_at(newer_draft, noon(20))
    Series.objects.filter(pk=floods.pk).update(updated_at=noon(1))
    assert read_sitemap(client)["/series/floods/"] == ("2029-03-10", None)


def test_series_edited_after_its_pages_last_changed_then(client):
    floods = make_series(slug="floods")
    set_changed_at(make_page(series=floods), noon(10))
    Series.objects.filter(pk=floods.pk).update(updated_at=noon(12))
    assert read_sitemap(client)["/series/floods/"] == ("2029-03-12", None)


def test_reporters_last_changed_with_their_latest_published_update(client):
    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz")
    lee = make_reporter(name="Lee Marsh", slug="lee-marsh")
    page = make_page()
    make_update(live_page=page, authors=[ana], published_at=noon(3))
    make_update(live_page=page, authors=[lee, ana], published_at=noon(9))
    # Unpublished updates do not count, whatever time they carry.
    make_update(live_page=page, authors=[ana], status=Update.Status.DRAFT, published_at=noon(25))
    make_update(
        live_page=page, authors=[ana], status=Update.Status.WITHDRAWN, published_at=noon(26)
    )
    urls = read_sitemap(client)
    assert urls["/reporters/ana-ruiz/"] == ("2029-03-09", None)
    assert urls["/reporters/lee-marsh/"] == ("2029-03-09", None)


def test_nothing_unpublished_is_listed(client):
    public = make_page(slug="harbour-flood")
    make_update(live_page=public, authors=[make_reporter(slug="ana-ruiz")])
    make_series(slug="empty-series")
    hidden_series = make_series(slug="coming-soon")
    draft = make_page(slug="secret-plans", series=hidden_series, status=LivePage.Status.DRAFT)
    make_update(live_page=draft, authors=[make_reporter(slug="on-draft-page-only")])
    make_update(live_page=public, authors=[make_reporter(slug="drafts-only")],
                status=Update.Status.DRAFT)
    make_update(live_page=public, authors=[make_reporter(slug="submitted-only")],
                status=Update.Status.SUBMITTED)
    make_update(live_page=public, authors=[make_reporter(slug="left-the-paper", is_active=False)])
    make_reporter(slug="never-filed")
    assert set(read_sitemap(client)) == {"/", "/live/", "/live/harbour-flood/", "/reporters/ana-ruiz/"}


@pytest.mark.parametrize("size", [1, 12])
def test_queries_do_not_grow_with_the_newsroom(client, django_assert_num_queries, size):
    for _ in range(size):
        series = make_series()
        reporter = make_reporter()
        live = make_page(series=series)
        make_page(series=series, status=LivePage.Status.ENDED)
        make_page(series=series, status=LivePage.Status.DRAFT)
        make_update(live_page=live, authors=[reporter])
        make_update(live_page=live, authors=[reporter])
    with django_assert_num_queries(SITEMAP_QUERIES):
        urls = read_sitemap(client)
    assert len(urls) == 2 + size * 4  # home, archive; a live page, a recap, a series, a reporter each
    assert all(date.fromisoformat(lastmod) for lastmod, _ in urls.values())


def test_home_and_archive_are_listed_as_of_the_newest_change(client):
    live = make_page(slug="harbour-flood")
    set_changed_at(live, noon(10))
    set_changed_at(make_page(status=LivePage.Status.DRAFT), noon(20))  # drafts do not count
    urls = read_sitemap(client)
    assert urls["/"] == ("2029-03-10", "always")
    assert urls["/live/"] == ("2029-03-10", "always")


def test_sitemap_revalidates_and_may_be_cached(client):
    set_changed_at(make_page(slug="harbour-flood"), noon(10))
    response = client.get("/sitemap.xml")
    assert response["Cache-Control"] == "public, max-age=30"
    assert response["Last-Modified"] == "Sat, 10 Mar 2029 12:00:00 GMT"
    again = client.get("/sitemap.xml", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304 and not again.content
    assert again["Cache-Control"] == "public, max-age=30"
    set_changed_at(make_page(), noon(11))  # a new page: the sitemap changed
    assert client.get("/sitemap.xml", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 200


def test_a_page_and_its_translation_name_each_other_as_alternates(client):
    english = make_page(slug="valley-flood", language="en")
    french = make_page(slug="crue-dans-la-vallee", language="fr", twin=english)
    alone = make_page(slug="spring-storm", language="en")
    draft_twin = make_page(slug="orage", language="fr", status=LivePage.Status.DRAFT, twin=alone)
    response = client.get("/sitemap.xml")
    xhtml = "{http://www.w3.org/1999/xhtml}"
    alternates = {
        url.findtext(f"{SITEMAP}loc"): [
            (link.get("rel"), link.get("hreflang"), link.get("href"))
            for link in url.findall(f"{xhtml}link")
        ]
        for url in ET.fromstring(response.content).findall(f"{SITEMAP}url")
    }
    both = [
        ("alternate", "en", "http://testserver/live/valley-flood/"),
        ("alternate", "fr", "http://testserver/live/crue-dans-la-vallee/"),
    ]
    assert alternates["http://testserver/live/valley-flood/"] == both
    assert alternates["http://testserver/live/crue-dans-la-vallee/"] == both[::-1]
    # A draft translation does not exist for readers, nor for search engines.
    assert alternates["http://testserver/live/spring-storm/"] == []
    assert draft_twin.twin == alone and "http://testserver/live/orage/" not in alternates
    assert french.twin == english
