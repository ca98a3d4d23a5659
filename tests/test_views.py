"""The minimal reader pages: what a reader sees, and what they never see."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from liveblogs.models import LivePage, Update

from .factories import make_key_point, make_page, make_photo, make_reporter, make_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    page = make_page(title="Harbour flood", slug="harbour-flood", time_zone="America/Toronto")
    make_key_point(live_page=page, text="Evacuation centres open at two schools")
    return page


def test_live_page_shows_title_key_points_bylines_and_photos(client, page):
    ana = make_reporter(name="Ana Ruiz", role="Senior writer", slug="ana-ruiz")
    lee = make_reporter(name="Lee Marsh", slug="lee-marsh")
    photo = make_photo(caption="Water over the quay", credit="Ana Ruiz/Harbour Daily",
                       alt_text="A flooded quay")
    update = make_update(live_page=page, headline="River crests", authors=[ana, lee], photos=[photo])
    html = client.get("/live/harbour-flood/").content.decode()
    assert "<h1>" in html and "Harbour flood" in html
    assert "Evacuation centres open at two schools" in html
    assert f'<article id="update-{update.pk}"' in html
    assert '<a class="byline" href="/reporters/ana-ruiz/">Ana Ruiz</a>' in html
    assert "Senior writer" in html and "Lee Marsh" in html
    assert 'alt="A flooded quay"' in html
    assert "Water over the quay" in html and "(Ana Ruiz/Harbour Daily)" in html


def test_updates_are_grouped_under_days_in_the_page_time_zone(client, page):
    toronto = ZoneInfo("America/Toronto")
    # 03:30 UTC on the 29th is still the evening of March 28 in Toronto.
    make_update(live_page=page, headline="Overnight crest", published_at=datetime(2029, 3, 29, 3, 30, tzinfo=ZoneInfo("UTC")))
    make_update(live_page=page, headline="Morning", published_at=datetime(2029, 3, 29, 9, 0, tzinfo=toronto))
    html = client.get("/live/harbour-flood/").content.decode()
    html = html[html.index('class="update-stream"'):]
    assert html.index("March 29") < html.index("Morning") < html.index("March 28") < html.index("Overnight crest")


def test_pinned_update_comes_first(client, page):
    make_update(live_page=page, headline="Old but pinned", pinned=True,
                published_at=timezone.now() - timedelta(days=1))
    make_update(live_page=page, headline="Newest")
    html = client.get("/live/harbour-flood/").content.decode()
    html = html[html.index('class="updates"'):]
    assert html.index("Old but pinned") < html.index("Newest")


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn"])
def test_unpublished_updates_never_show(client, page, status):
    make_update(live_page=page, headline="Secret headline", status=status)
    assert "Secret headline" not in client.get("/live/harbour-flood/").content.decode()
    assert "Secret headline" not in client.get("/").content.decode()


def test_draft_pages_are_not_found(client):
    make_page(slug="embargoed", status=LivePage.Status.DRAFT, title="Embargoed story")
    assert client.get("/live/embargoed/").status_code == 404
    assert "Embargoed story" not in client.get("/live/").content.decode()
    assert "Embargoed story" not in client.get("/").content.decode()


def test_home_shows_live_pages_then_recaps(client, page):
    make_page(title="Storm on the coast", status=LivePage.Status.ENDED,
              coverage_start=timezone.now() - timedelta(days=9),
              coverage_end=timezone.now() - timedelta(days=7))
    html = client.get("/").content.decode()
    assert html.index("Harbour flood") < html.index("Latest recaps") < html.index("Storm on the coast")


def test_archive_lists_public_pages_with_update_counts(client, page):
    make_update(live_page=page)
    make_update(live_page=page, status=Update.Status.DRAFT)
    html = client.get("/live/").content.decode()
    assert "Harbour flood" in html and "1 update" in html and "2 updates" not in html


def test_update_permalink_and_its_way_back(client, page):
    update = make_update(live_page=page, headline="Bridge shut")
    html = client.get(f"/live/harbour-flood/updates/{update.pk}/").content.decode()
    assert "Bridge shut" in html
    assert f'href="/live/harbour-flood/#update-{update.pk}"' in html


def test_unpublished_update_permalink_is_not_found(client, page):
    draft = make_update(live_page=page, status=Update.Status.DRAFT)
    assert client.get(f"/live/harbour-flood/updates/{draft.pk}/").status_code == 404


def test_reporter_and_series_pages(client, page):
    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz", role="Senior writer", bio="Covers the coast.")
    make_update(live_page=page, headline="By Ana", authors=[ana])
    make_update(live_page=page, headline="Draft by Ana", authors=[ana], status=Update.Status.DRAFT)
    html = client.get("/reporters/ana-ruiz/").content.decode()
    assert "Covers the coast." in html and "By Ana" in html and "Draft by Ana" not in html
    assert client.get("/series/nope/").status_code == 404


def test_reader_pages_only_answer_get(client, page):
    assert client.post("/live/harbour-flood/").status_code == 405


@pytest.mark.parametrize("count", [3, 30])
def test_live_page_queries_do_not_grow_with_updates(client, page, django_assert_num_queries, count):
    reporter = make_reporter()
    for _ in range(count):
        make_update(live_page=page, authors=[reporter], photos=[make_photo()])
    # version (for the ETag), page, key events, pinned (none here), updates with their bylines
    # and photos (no body shows an embed: no query for them), key points, open callout
    with django_assert_num_queries(9):
        client.get("/live/harbour-flood/")


def test_javascript_catalog_is_per_language_in_its_address_and_cacheable(client):
    response = client.get(reverse("liveblogs:javascript_catalog", args=["fr"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "django.gettext = function" in response.text
    assert "public" in response["Cache-Control"]
    assert not response.cookies
    assert "Accept-Language" not in response.get("Vary", "")
    assert client.get(reverse("liveblogs:javascript_catalog", args=["xx"])).status_code == 404
