"""The archive (/live/) and its filters, the home page, and the series and reporter pages."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from liveblogs.models import LivePage, Update, UpdateAuthor

from .factories import (
    make_page,
    make_photo,
    make_reporter,
    make_series,
    make_update,
    make_video,
)

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")  # the site's time zone in the test settings
LIVE, ENDED, DRAFT = LivePage.Status.LIVE, LivePage.Status.ENDED, LivePage.Status.DRAFT
FRIENDLY = "We couldn't use some of your filters:"

def at(day, hour=12, month=3):
    """A moment in March 2029 in the site's time zone."""
    return datetime(2029, month, day, hour, tzinfo=TORONTO)


def make_recap(*, start, end, **fields):
    return make_page(status=ENDED, coverage_start=start, coverage_end=end, **fields)


def titles(response):
    """The card titles on a page, in the order readers see them."""
    assert response.status_code == 200
    return [
        html.unescape(title)
        for title in re.findall(
            r'<h3 class="page-card-title">.*?<a href="[^"]+">([^<]+)</a></h3>',
            response.content.decode(),
        )
    ]


def heading_levels(html):
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


def assert_heading_order(html):
    levels = heading_levels(html)
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}"


def bulk_updates(page, count, *, authors=(), status=Update.Status.PUBLISHED):
    """Many published updates quickly (no versioning needed for reading tests)."""
    now = timezone.now()
    updates = Update.objects.bulk_create(
        Update(
            live_page=page, headline=f"Bulk update {n}", body="<p>More water.</p>",
            status=status, published_at=now - timedelta(minutes=n),
        )
        for n in range(count)
    )
    UpdateAuthor.objects.bulk_create(
        UpdateAuthor(update=update, reporter=reporter, position=position)
        for update in updates
        for position, reporter in enumerate(authors)
    )
    return updates


# The list itself ---------------------------------------------------------------------------------


def test_archive_lists_live_pages_and_recaps_newest_first_never_drafts(client):
    make_recap(title="Old storm", start=at(1), end=at(2))
    make_page(title="Embargoed story", status=DRAFT, coverage_start=at(25))
    make_page(title="Bridge protest", coverage_start=at(20))
    make_recap(title="Ferry strike", start=at(10), end=at(12))
    assert titles(client.get("/live/")) == ["Bridge protest", "Ferry strike", "Old storm"]


def test_archive_heading_order(client):
    make_page(title="Bridge protest")
    html = client.get("/live/?q=bridge").content.decode()
    assert_heading_order(html)
    assert heading_levels(html) == [1, 2, 3]


# Search: tests/test_search.py ------------------------------------------------------------------


# Filters -----------------------------------------------------------------------------------------


@pytest.fixture
def coverage():
    """Three pages over March 2029, in a series or not, with a reporter here and there."""
    election = make_series(name="Election 2029", slug="election-2029")
    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz")
    lee = make_reporter(name="Lee Marsh", slug="lee-marsh")
    debate = make_recap(title="Leaders' debate", series=election, start=at(1, 19), end=at(3, 18))
    count = make_recap(title="Vote count", series=election, start=at(10, 8), end=at(10, 23))
    flood = make_page(title="River flood", coverage_start=at(20))
    make_update(live_page=debate, headline="Opening statements", authors=[ana])
    make_update(live_page=count, headline="First results", authors=[lee])
    make_update(live_page=flood, headline="Draft by Ana", authors=[ana], status="draft")
    return debate, count, flood


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("series=election-2029", ["Vote count", "Leaders' debate"]),
        ("reporter=ana-ruiz", ["Leaders' debate"]),  # her draft on the flood page does not count
        ("reporter=lee-marsh", ["Vote count"]),
        ("status=live", ["River flood"]),
        ("status=ended", ["Vote count", "Leaders' debate"]),
        ("from=2029-03-03", ["River flood", "Vote count", "Leaders' debate"]),
        ("from=2029-03-04", ["River flood", "Vote count"]),
        ("from=2029-04-01", ["River flood"]),  # still live: its coverage has not ended
        ("to=2029-03-01", ["Leaders' debate"]),
        ("to=2029-02-28", []),
        ("from=2029-03-05&to=2029-03-15", ["Vote count"]),
        ("from=2029-03-10&to=2029-03-10", ["Vote count"]),
        # combined
        ("series=election-2029&status=ended&from=2029-03-04", ["Vote count"]),
        ("series=election-2029&reporter=ana-ruiz", ["Leaders' debate"]),
        ("status=live&series=election-2029", []),
    ],
)
def test_filters_work_and_combine(client, coverage, query, expected):
    response = client.get(f"/live/?{query}")
    assert titles(response) == expected
    assert FRIENDLY not in response.content.decode()


def test_dates_are_days_in_the_site_time_zone(client):
    # 23:30 in Toronto on March 3 is already March 4 in UTC: the page ended on the 3rd.
    make_recap(title="Late night count", start=at(3, 9), end=at(3, 23) + timedelta(minutes=30))
    assert titles(client.get("/live/?from=2029-03-04")) == []
    assert titles(client.get("/live/?from=2029-03-03")) == ["Late night count"]
    assert titles(client.get("/live/?to=2029-03-02")) == []


def test_inactive_reporters_are_not_offered(client, coverage):
    make_reporter(name="Gone Reporter", slug="gone", is_active=False)
    html = client.get("/live/").content.decode()
    assert '<option value="ana-ruiz">Ana Ruiz</option>' in html
    assert "Gone Reporter" not in html


def test_form_is_labelled_and_keeps_what_the_reader_chose(client, coverage):
    html = client.get(
        "/live/?q=first+results&series=election-2029&reporter=lee-marsh&status=ended"
        "&from=2029-03-05&to=2029-03-15"
    ).content.decode()
    assert '<form class="archive-filters" method="get" action="/live/"' in html
    for name in ["q", "series", "reporter", "status", "from", "to"]:
        assert f'<label for="id_{name}">' in html
    assert 'type="search" name="q" value="first results"' in html
    assert '<option value="election-2029" selected>Election 2029</option>' in html
    assert '<option value="lee-marsh" selected>Lee Marsh</option>' in html
    assert '<option value="ended" selected>' in html
    assert 'type="date" name="from" value="2029-03-05"' in html
    assert 'type="date" name="to" value="2029-03-15"' in html
    assert '<button type="submit">' in html


# Bad values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message", "expected"),
    [
        ("series=nope", "We have no series called “nope”.",
         ["River flood", "Vote count", "Leaders' debate"]),
        ("reporter=nobody", "We have no reporter called “nobody”.",
         ["River flood", "Vote count", "Leaders' debate"]),
        ("status=banana", "“banana” is not a status",
         ["River flood", "Vote count", "Leaders' debate"]),
        ("from=notadate", "The “From” date should look like 2029-03-28.",
         ["River flood", "Vote count", "Leaders' debate"]),
        ("to=31/03/2029", "The “To” date should look like 2029-03-28.",
         ["River flood", "Vote count", "Leaders' debate"]),
        ("to=2029-02-30", "The “To” date should look like 2029-03-28.",
         ["River flood", "Vote count", "Leaders' debate"]),
        # what can be used still is: the start date here, the status there
        ("from=2029-03-04&to=2029-03-02", "The “To” date is before the “From” date",
         ["River flood", "Vote count"]),
        ("status=ended&series=nope", "We have no series called “nope”.",
         ["Vote count", "Leaders' debate"]),
        ("q=%00", "Null characters are not allowed.",
         ["River flood", "Vote count", "Leaders' debate"]),
    ],
)
def test_bad_filter_values_are_explained_and_left_out(client, coverage, query, message, expected):
    response = client.get(f"/live/?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert FRIENDLY in html
    assert message.replace("'", "&#x27;") in html
    assert titles(response) == expected


def test_bad_values_are_escaped(client, coverage):
    html = client.get("/live/?series=<script>alert(1)</script>").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=0001-01-01&to=9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_do_not_break(client, coverage, query):
    assert len(titles(client.get(f"/live/?{query}"))) == 3


# Pagination --------------------------------------------------------------------------------------


def test_twelve_per_page(client):
    for day in range(1, 14):
        make_recap(title=f"Recap {day:02}", start=at(day), end=at(day, 20))
    first, second = client.get("/live/"), client.get("/live/?page=2")
    assert titles(first) == [f"Recap {day:02}" for day in range(13, 1, -1)]
    assert titles(second) == ["Recap 01"]
    assert "Page 1 of 2" in first.content.decode()
    assert 'rel="next" href="?page=2"' in first.content.decode()


@pytest.fixture
def many_recaps(settings):
    settings.LIVEBLOGS_ARCHIVE_PAGE_SIZE = 2
    election = make_series(slug="election-2029")
    for day in range(1, 6):
        make_recap(title=f"Election recap {day}", series=election, start=at(day), end=at(day, 20))
    make_page(title="Live on the side", series=election, coverage_start=at(9))


def test_pagination_keeps_the_filters(client, many_recaps):
    response = client.get("/live/?status=ended&series=election-2029&page=2")
    html = response.content.decode()
    assert titles(response) == ["Election recap 3", "Election recap 2"]
    assert "Page 2 of 3" in html
    assert 'rel="prev" href="?series=election-2029&amp;status=ended&amp;page=1"' in html
    assert 'rel="next" href="?series=election-2029&amp;status=ended&amp;page=3"' in html


def test_pagination_links_drop_filters_that_could_not_be_used(client, many_recaps):
    html = client.get("/live/?status=ended&series=nope&from=soon").content.decode()
    assert 'rel="next" href="?status=ended&amp;page=2"' in html


@pytest.mark.parametrize(
    ("page", "shown", "notice"),
    [
        ("99", ["Election recap 1"], "There are only 3 pages, so here is the last one."),
        ("abc", ["Election recap 5", "Election recap 4"], "“abc” is not a page number"),
        ("0", ["Election recap 5", "Election recap 4"], None),
        ("-3", ["Election recap 5", "Election recap 4"], None),
        ("2.5", ["Election recap 5", "Election recap 4"], "“2.5” is not a page number"),
        ("99999999999999999999999", ["Election recap 1"], "There are only 3 pages"),
    ],
)
def test_page_numbers_out_of_range_or_garbage(client, many_recaps, page, shown, notice):
    response = client.get("/live/", {"status": "ended", "page": page})
    assert titles(response) == shown
    if notice:
        assert notice in response.content.decode()


def test_no_results_says_so(client, many_recaps):
    response = client.get("/live/?status=ended&from=2030-01-01")
    assert titles(response) == []
    assert "Nothing matches those filters." in response.content.decode()


# Cards -------------------------------------------------------------------------------------------


def test_card_shows_what_a_reader_needs(client):
    photo = make_photo(alt_text="Sandbags along Quay Street")
    page = make_page(
        title="River flood", slug="river-flood", standfirst="The river is expected to crest tonight.",
        coverage_start=at(20), lead_photo=photo,
    )
    make_update(live_page=page)
    make_update(live_page=page)
    make_update(live_page=page, status="draft")
    make_update(live_page=page, status="withdrawn")
    html = client.get("/live/").content.decode()
    assert '<a href="/live/river-flood/">River flood</a></h3>' in html
    assert '<span class="badge badge-live">Live</span>' in html
    assert 'Since <time datetime="2029-03-20">March 20, 2029</time>' in html
    assert "The river is expected to crest tonight." in html
    assert "2 updates" in html and "4 updates" not in html
    photo.refresh_from_db()  # public now: readers are shown it
    assert f'src="{photo.jpeg_url}" srcset="{photo.jpeg_url} 64w"' in html
    assert 'alt="Sandbags along Quay Street" width="64" height="48" loading="lazy"' in html


def test_recap_card_shows_coverage_dates_and_the_video_poster(client):
    poster = make_photo(alt_text="Aerial view of the flooded valley")
    make_recap(
        title="Storm on the coast", start=at(1), end=at(3), lead_video=make_video(poster=poster)
    )
    make_recap(title="One-day count", start=at(10, 8), end=at(10, 22))
    html = client.get("/live/").content.decode()
    assert '<span class="badge badge-recap">Recap</span>' in html
    assert '<time datetime="2029-03-01">March 1, 2029</time> – <time datetime="2029-03-03">March 3, 2029</time>' in html
    assert '<time datetime="2029-03-10">March 10, 2029</time>\n' in html  # one day, once
    poster.refresh_from_db()  # public now: readers are shown it
    assert f'src="{poster.jpeg_url}"' in html and 'alt="Aerial view of the flooded valley"' in html
    assert "0 updates" in html


# Home --------------------------------------------------------------------------------------------


def test_home_shows_live_pages_then_six_latest_recaps(client):
    for day in range(1, 9):
        make_recap(title=f"Recap {day}", start=at(day), end=at(day, 20))
    make_page(title="River flood", coverage_start=at(1))
    make_page(title="Bridge protest", coverage_start=at(5))
    make_page(title="Embargoed story", status=DRAFT)
    response = client.get("/")
    html = response.content.decode()
    assert titles(response) == [
        "Bridge protest", "River flood", "Recap 8", "Recap 7", "Recap 6", "Recap 5", "Recap 4",
        "Recap 3",
    ]
    assert html.index("Live now") < html.index("Bridge protest") < html.index("Latest recaps")
    assert 'href="/live/">Browse all live pages and recaps</a>' in html
    assert_heading_order(html)


def test_home_when_nothing_is_live(client):
    html = client.get("/").content.decode()
    assert "Nothing is live right now." in html and "No recaps yet." in html


# Series ------------------------------------------------------------------------------------------


def test_series_page(client):
    election = make_series(name="Election 2029", slug="election-2029",
                           description="Every vote, every riding.")
    other = make_series(name="Floods")
    make_recap(title="Leaders' debate", series=election, start=at(1), end=at(2))
    make_page(title="Vote count", series=election, coverage_start=at(10))
    make_page(title="Embargoed poll", series=election, status=DRAFT)
    make_page(title="River flood", series=other)
    response = client.get("/series/election-2029/")
    html = response.content.decode()
    assert "<h1>Election 2029</h1>" in html and "Every vote, every riding." in html
    assert titles(response) == ["Vote count", "Leaders' debate"]
    assert "More from Election 2029" not in html
    assert_heading_order(html)


def test_series_page_links_to_the_archive_for_the_rest(client, settings):
    settings.LIVEBLOGS_ARCHIVE_PAGE_SIZE = 2
    election = make_series(name="Election 2029", slug="election-2029")
    for day in range(1, 4):
        make_recap(title=f"Recap {day}", series=election, start=at(day), end=at(day, 20))
    response = client.get("/series/election-2029/")
    assert titles(response) == ["Recap 3", "Recap 2"]
    assert 'href="/live/?series=election-2029">More from Election 2029' in response.content.decode()


def test_unknown_series_is_not_found(client):
    assert client.get("/series/nope/").status_code == 404


# Reporters ---------------------------------------------------------------------------------------


def test_reporter_page(client):
    headshot = make_photo(alt_text="Ana Ruiz, smiling")
    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz", role="Senior writer",
                        bio="Covers the coast and its weather.", headshot=headshot)
    page = make_page(title="River flood", slug="river-flood", time_zone="America/Toronto")
    hidden = make_page(title="Embargoed story", status=DRAFT)
    older = make_update(live_page=page, headline="Sandbags at the depot", authors=[ana],
                        published_at=datetime(2029, 3, 20, 9, 5, tzinfo=TORONTO),
                        body="<p>Long body the list leaves out.</p>")
    newer = make_update(live_page=page, headline="Bridge shut", authors=[ana],
                        published_at=datetime(2029, 3, 20, 14, 30, tzinfo=TORONTO))
    make_update(live_page=page, headline="Draft by Ana", authors=[ana], status="draft")
    make_update(live_page=hidden, headline="Embargoed by Ana", authors=[ana])
    make_update(live_page=page, headline="By someone else")
    response = client.get("/reporters/ana-ruiz/")
    html = response.content.decode()
    assert f'src="{headshot.jpeg_url}"' in html
    assert 'alt="Ana Ruiz, smiling" width="120" height="120"' in html
    assert "<h1>Ana Ruiz</h1>" in html and "Senior writer" in html
    assert "Covers the coast and its weather." in html
    assert f'href="/live/river-flood/updates/{newer.pk}/">Bridge shut</a>' in html
    assert f'href="/live/river-flood/updates/{older.pk}/">Sandbags at the depot</a>' in html
    assert html.index("Bridge shut") < html.index("Sandbags at the depot")
    assert '<a href="/live/river-flood/">River flood</a>' in html
    assert "March 20, 2029, 2:30 p.m. EDT" in html
    assert "Long body the list leaves out." not in html
    for hidden_text in ["Draft by Ana", "Embargoed", "By someone else"]:
        assert hidden_text not in html
    assert_heading_order(html)


def test_reporter_page_shows_the_latest_twenty(client):
    ana = make_reporter(slug="ana-ruiz")
    bulk_updates(make_page(), 25, authors=[ana])
    html = client.get("/reporters/ana-ruiz/").content.decode()
    assert html.count('class="update-list-headline"') == 20
    assert "Bulk update 0<" in html and "Bulk update 19<" in html and "Bulk update 20<" not in html


@pytest.mark.parametrize("slug", ["nobody", "retired"])
def test_unknown_or_inactive_reporter_is_not_found(client, slug):
    make_reporter(slug="retired", is_active=False)
    assert client.get(f"/reporters/{slug}/").status_code == 404


# Queries -----------------------------------------------------------------------------------------


def make_world(pages, updates_per_page):
    """Pages of every kind, each with a lead photo or video and published and draft updates."""
    election = make_series(slug="election-2029")
    ana = make_reporter(slug="ana-ruiz")
    for n in range(pages):
        lead = {"lead_photo": make_photo()} if n % 2 else {"lead_video": make_video(poster=make_photo())}
        page = make_page(series=election, status=LIVE if n % 3 == 0 else ENDED,
                         coverage_start=at(1) + timedelta(hours=n), **lead)
        bulk_updates(page, updates_per_page, authors=[ana])
        bulk_updates(page, 2, status="draft")


SIZES = pytest.mark.parametrize(("pages", "updates"), [(3, 10), (15, 100)])


@SIZES
@pytest.mark.parametrize(
    "query",
    ["", "?series=election-2029&reporter=ana-ruiz&status=ended"
     "&from=2029-03-01&to=2029-03-31&page=1"],
)
def test_archive_queries_do_not_grow(client, django_assert_num_queries, pages, updates, query):
    make_world(pages, updates)
    # series choices, reporter choices, count, the page of cards; plus, when given, the series
    # and the reporter named in the filters; plus, the first time, the cards' update counts
    expected = 6 if "series=" in query else 4
    with django_assert_num_queries(expected + 1):
        client.get(f"/live/{query}")
    with django_assert_num_queries(expected):
        response = client.get(f"/live/{query}")
    assert titles(response)
    if not query:
        assert len(titles(response)) == min(pages, 12)


@SIZES
def test_home_queries_do_not_grow(client, django_assert_num_queries, pages, updates):
    make_world(pages, updates)
    with django_assert_num_queries(4):  # live pages, recaps, the first time their counts
        client.get("/")
    with django_assert_num_queries(2):
        response = client.get("/")
    assert f"{updates} updates" in response.content.decode()


@SIZES
def test_series_queries_do_not_grow(client, django_assert_num_queries, pages, updates):
    make_world(pages, updates)
    with django_assert_num_queries(3):  # the series, its pages, the first time their counts
        client.get("/series/election-2029/")
    with django_assert_num_queries(2):
        response = client.get("/series/election-2029/")
    assert len(titles(response)) == min(pages, 12)


@pytest.mark.parametrize("count", [10, 200])
def test_reporter_queries_do_not_grow(client, django_assert_num_queries, count):
    ana = make_reporter(slug="ana-ruiz", headshot=make_photo())
    for page in [make_page(), make_page()]:
        bulk_updates(page, count // 2, authors=[ana])
    with django_assert_num_queries(2):  # the reporter with headshot, the updates with pages
        response = client.get("/reporters/ana-ruiz/")
    assert response.content.decode().count('class="update-list-headline"') == min(count, 20)


class DatabaseWork:
    """SQLite's own count of the virtual-machine steps it ran for the queries inside the block
    (a progress handler called every 100 steps): the work of a query, whatever the machine's
    load, where a time would only be noise."""

    def __init__(self, connection):
        self.connection = connection
        self.steps = 0

    def __enter__(self):
        self.connection.ensure_connection()

        def counted():
            self.steps += 100
            return 0  # go on

        self.connection.connection.set_progress_handler(counted, 100)
        return self

    def __exit__(self, *exc):
        self.connection.connection.set_progress_handler(None, 100)


@pytest.mark.parametrize("path", ["/live/", "/live/?status=ended", "/", "/series/election-2029/"])
def test_cards_cost_the_same_at_any_number_of_updates(client, path):
    """A card shows its page's number of updates. Counted on every request, the archive, the
    home page and a series cost what the pages shown had ever published; counted once per page
    version, they cost the same at three updates a page and at thousands, and updates on pages
    that are not shown cost nothing."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("measured with SQLite's progress handler; bench/archive.py measures both")
    election = make_series(slug="election-2029")
    # Twelve shown, and a thirteenth the series page fetches to know whether there are more.
    newest = [
        make_page(series=election, status=ENDED, coverage_start=at(20) + timedelta(hours=n))
        for n in range(13)
    ]
    for page in newest:
        bulk_updates(page, 3)
    older = make_page(series=election, status=ENDED, coverage_start=at(2))

    def work(expected_count):
        client.get(path)  # the template ready, the counts of these versions kept
        with DatabaseWork(connection) as database:
            response = client.get(path)
        assert older.title not in titles(response)
        assert f"{expected_count} updates" in response.content.decode()
        return database.steps

    few = work(3)
    bulk_updates(newest[-2], 2_000)
    bulk_updates(older, 2_000)
    # Bulk creation moves no version (as an import); publishing does.
    LivePage.objects.filter(pk=newest[-2].pk).bump_version()
    assert work(2_003) < few * 1.1


def test_card_counts_follow_publishing_and_withdrawing(client, editor):
    """A count is kept per page version: a publish or a withdrawal shows at once."""
    page = make_page(status=ENDED, coverage_start=at(3))
    first = make_update(live_page=page)
    assert "1 update<" in client.get("/live/").content.decode()
    make_update(live_page=page)
    assert "2 updates" in client.get("/live/").content.decode()
    first.withdraw(by=editor)
    assert "1 update<" in client.get("/live/").content.decode()
