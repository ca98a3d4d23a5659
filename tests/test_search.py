"""The archive's search (/live/?q=): what readers can find, how results read, and that the index
follows every change readers see. Runs on SQLite's FTS5, on the LIKE fallback (forced) and, in
CI's second pass, on PostgreSQL."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liveblogs import search
from liveblogs.models import KeyPoint, LivePage, SearchEntry, Update

from .factories import (
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_series,
    make_update,
    make_user,
)

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's index and query plan"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 and fallback")


@pytest.fixture(params=["index", "fallback"] if connection.vendor == "sqlite" else ["index"])
def backend(request, monkeypatch):
    """Each search test runs on the database's index and, on SQLite, on the LIKE fallback for
    SQLite built without FTS5."""
    if request.param == "fallback":
        monkeypatch.setattr(search, "has_fts5", lambda connection: False)
    return request.param


def at(day, hour=12):
    return datetime(2029, 3, day, hour, tzinfo=TORONTO)


RESULT = re.compile(
    r'<h3 class="(?:search-result-headline|page-card-title)">.*?<a href="([^"]+)">([^<]+)</a></h3>',
    re.S,
)


def results(client, query, **filters):
    """What a reader sees listed for a search: (link, title) pairs in order."""
    response = client.get("/live/", {"q": query, **filters})
    assert response.status_code == 200
    return [(link, html.unescape(title)) for link, title in RESULT.findall(response.content.decode())]


def titles(client, query, **filters):
    return [title for _link, title in results(client, query, **filters)]


# What readers can find -----------------------------------------------------------------------


@pytest.fixture
def flood():
    rescue = make_series(name="Stormwatch Winter")
    ana = make_reporter(name="Ana Quillfeather")
    page = make_page(
        title="Kestrel River flood", standfirst="The water reached the old mill.", series=rescue,
        lead_photo=make_photo(caption="Herons above the weir", credit="Pat Lindqvist"),
        coverage_start=at(1),
    )
    make_key_point(live_page=page, text="Evacuation <b>centres</b> open at the armoury")
    update = make_update(
        live_page=page, headline="Sandbags handed out",
        body="<p>The <strong>tribunal</strong> heard from Judge Okonkwo.</p>",
        authors=[ana], photos=[make_photo(caption="Volunteers at the depot", credit="Jo Marchetti")],
        published_at=at(2),
    )
    return page, update


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kestrel", "Kestrel River flood"),  # page title
        ("mill", "Kestrel River flood"),  # standfirst
        ("armoury", "Kestrel River flood"),  # a key point, as text
        ("stormwatch", "Kestrel River flood"),  # the series
        ("herons", "Kestrel River flood"),  # the lead photo's caption
        ("lindqvist", "Kestrel River flood"),  # and its credit
        ("sandbags", "Sandbags handed out"),  # an update's headline
        ("tribunal", "Sandbags handed out"),  # its body
        ("okonkwo", "Sandbags handed out"),  # a surname in its body
        ("volunteers", "Sandbags handed out"),  # its photo's caption
        ("marchetti", "Sandbags handed out"),  # its photo's credit
        ("quillfeather", "Sandbags handed out"),  # its byline
        ("TRIBUNAL okonkwo", "Sandbags handed out"),  # every word, any case
    ],
)
def test_finds_everything_a_reader_can_see(client, backend, flood, query, expected):
    assert titles(client, query) == [expected]


@pytest.mark.parametrize("query", ["strong", "centres armoury"])
def test_markup_is_not_text(client, backend, flood, query):
    # Tags are not words: <strong> finds nothing; the words inside a key point's <b> are found.
    found = titles(client, query)
    assert found == ([] if query == "strong" else ["Kestrel River flood"])


def test_update_result_shows_headline_page_time_and_marked_excerpt(client, backend, flood):
    page, update = flood
    response = client.get("/live/", {"q": "tribunal"})
    body = response.content.decode()
    result = re.search(r'<article class="search-result">(.*?)</article>', body, re.S).group(1)
    assert f'href="/live/{page.slug}/updates/{update.pk}/">Sandbags handed out</a>' in result
    assert f'<a href="/live/{page.slug}/">Kestrel River flood</a>' in result
    # Seconds precision in the page's time zone, as HTML's datetime wants it.
    assert '<time datetime="2029-03-02T12:00:00-05:00">March 2, 2029, 12:00 p.m. EST</time>' in result
    assert "<mark>tribunal</mark> heard from Judge Okonkwo" in result
    assert "1 match for “tribunal”" in body


def test_excerpt_is_escaped_before_it_is_marked(client, backend):
    make_update(headline="Filing", body="<p>If 5 &lt; 6 &amp; the tribunal agrees &lt;script&gt;</p>")
    body = client.get("/live/", {"q": "tribunal"}).content.decode()
    assert "If 5 &lt; 6 &amp; the <mark>tribunal</mark> agrees" in body
    assert "<script>" not in body


def test_page_result_shows_where_the_words_matched(client, backend, flood):
    body = client.get("/live/", {"q": "armoury"}).content.decode()
    assert '<h3 class="page-card-title">' in body
    assert "<mark>armoury</mark>" in body


# Published only --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["draft", "submitted", "withdrawn"])
def test_never_finds_unpublished_updates(client, backend, status):
    page = make_page(title="Harbour strike")
    make_update(live_page=page, headline="Embargoed zeppelin", status=status,
                body="<p>The secret quokka parade.</p>")
    assert titles(client, "zeppelin") == []
    assert titles(client, "quokka") == []


def test_never_finds_draft_pages_or_their_updates(client, backend):
    page = make_page(title="Embargoed zeppelin story", status=LivePage.Status.DRAFT)
    make_update(live_page=page, headline="Zeppelin lands")
    assert titles(client, "zeppelin") == []
    assert "0 matches for “zeppelin”" in client.get("/live/", {"q": "zeppelin"}).content.decode()
    page.go_live()
    assert sorted(titles(client, "zeppelin")) == ["Embargoed zeppelin story", "Zeppelin lands"]


def test_never_finds_reader_submissions(client, backend):
    from .factories import make_submission

    make_submission(live_page=make_page(title="Harbour strike"), body="Is the quokka safe?")
    assert titles(client, "quokka") == []


# The index follows every change readers see -----------------------------------------------------


def test_edits_withdrawals_and_deletions_reach_the_index(client, backend, flood):
    page, update = flood
    editor = make_user(is_staff=True, is_superuser=True)
    update.refresh_from_db()
    update.body = "<p>The inquest heard from the coroner.</p>"
    update.save()
    assert titles(client, "tribunal") == []
    assert titles(client, "coroner") == ["Sandbags handed out"]
    update.withdraw(by=editor, reason="Wrong page")
    assert titles(client, "coroner") == []
    Update.objects.filter(pk=update.pk).update(status="published")  # bulk edit, republished
    assert titles(client, "coroner") == ["Sandbags handed out"]
    Update.objects.filter(pk=update.pk).update(headline="Depot closes")
    assert titles(client, "depot") == ["Depot closes"]
    update.refresh_from_db()
    pk = update.pk
    update.delete()
    assert titles(client, "depot") == []
    assert not SearchEntry.objects.filter(update_id=pk).exists()
    page.delete()
    assert not SearchEntry.objects.exists()


def test_renames_and_captions_reach_the_index(client, backend, flood):
    page, update = flood
    reporter = update.authors.get()
    reporter.name = "Ana Thistlewood"
    reporter.save()
    assert titles(client, "quillfeather") == []
    assert titles(client, "thistlewood") == ["Sandbags handed out"]

    photo = update.photos.get()
    photo.caption = "Lifeboat crews at the depot"
    photo.save()
    assert titles(client, "volunteers") == []
    assert titles(client, "lifeboat") == ["Sandbags handed out"]

    page.lead_photo.caption = "Cormorants over the weir"
    page.lead_photo.save()
    assert titles(client, "cormorants") == ["Kestrel River flood"]

    series = page.series
    series.name = "Floodwatch Spring"
    series.save()
    assert titles(client, "stormwatch") == []
    assert titles(client, "floodwatch") == ["Kestrel River flood"]

    update.authors.set([make_reporter(name="Lee Fairbairn")])  # bylines changed in bulk
    assert titles(client, "thistlewood") == []
    assert titles(client, "fairbairn") == ["Sandbags handed out"]


def test_page_and_key_point_edits_reach_the_index(client, backend, flood):
    page, _update = flood
    page.refresh_from_db()
    page.title = "Osprey Creek flood"
    page.save()
    assert titles(client, "kestrel") == []
    assert titles(client, "osprey") == ["Osprey Creek flood"]

    KeyPoint.objects.filter(live_page=page).update(text="Shelter at the gymnasium")
    assert titles(client, "armoury") == []
    assert titles(client, "gymnasium") == ["Osprey Creek flood"]
    KeyPoint.objects.get(live_page=page).delete()
    assert titles(client, "gymnasium") == []
    LivePage.objects.filter(pk=page.pk).update(standfirst="The heronry is flooded.")
    assert titles(client, "heronry") == ["Osprey Creek flood"]


# Ranking, syntax and filters -------------------------------------------------------------------


def test_headline_outranks_body_then_newest_first(client, backend):
    page = make_page(title="Harbour strike", coverage_start=at(1))
    make_update(live_page=page, headline="Depot opens", body="<p>Ferries idle.</p>", published_at=at(5))
    make_update(live_page=page, headline="Ferries return", body="<p>At last.</p>", published_at=at(2))
    make_update(live_page=page, headline="Ferries cancelled", body="<p>Again.</p>", published_at=at(3))
    assert titles(client, "ferries") == ["Ferries cancelled", "Ferries return", "Depot opens"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"river flood"', ["River flood warning"]),  # a phrase
        ("flood -warning", ["Flood by the river"]),  # a word left out
        ("warning or bridge", ["Bridge closed", "River flood warning"]),  # either (sorted here)
        ("-warning", []),  # nothing but words left out: nothing to look for
        ('"unclosed quote', []),
        ("AND OR NOT ( ) * : ^ NEAR", []),  # FTS5's syntax is only words here
    ],
)
def test_query_syntax(client, backend, query, expected):
    page = make_page(title="Spring thaw", coverage_start=at(1))
    make_update(live_page=page, headline="River flood warning", body="<p>Stay away.</p>", published_at=at(4))
    make_update(live_page=page, headline="Flood by the river", body="<p>Boats out.</p>", published_at=at(3))
    make_update(live_page=page, headline="Bridge closed", body="<p>Detour.</p>", published_at=at(2))
    found = titles(client, query)
    assert (sorted(found) if " or " in query else found) == expected


def test_stems_words_with_the_index(client, backend):
    make_update(headline="Depot opens", body="<p>Crews are <b>flooding</b> the dock.</p>")
    # The index stems ("floods" finds "flooding"); the fallback matches the letters typed.
    assert titles(client, "floods") == (["Depot opens"] if backend == "index" else [])
    assert titles(client, "flood") == ["Depot opens"]


def test_filters_combine_with_the_search(client, backend):
    election = make_series(name="Election 2029", slug="election-2029")
    ana, lee = make_reporter(name="Ana Ruiz", slug="ana-ruiz"), make_reporter(name="Lee Marsh", slug="lee-marsh")
    count = make_page(title="Vote count", series=election, status=LivePage.Status.ENDED,
                      coverage_start=at(10), coverage_end=at(11))
    flood = make_page(title="River flood", coverage_start=at(20))
    make_update(live_page=count, headline="Ballots recounted", authors=[ana], published_at=at(10, 14))
    make_update(live_page=count, headline="Ballots sealed", authors=[lee], published_at=at(10, 13))
    make_update(live_page=flood, headline="Ballots soaked", authors=[ana], published_at=at(20, 13))
    assert titles(client, "ballots") == ["Ballots soaked", "Ballots recounted", "Ballots sealed"]
    assert titles(client, "ballots", series="election-2029") == ["Ballots recounted", "Ballots sealed"]
    assert titles(client, "ballots", status="live") == ["Ballots soaked"]
    assert titles(client, "ballots", reporter="lee-marsh") == ["Ballots sealed"]
    assert titles(client, "ballots", reporter="ana-ruiz", status="ended") == ["Ballots recounted"]
    assert titles(client, "ballots", to="2029-03-15") == ["Ballots recounted", "Ballots sealed"]


def test_nothing_found_says_so_and_offers_only_what_helps(client, backend, flood):
    body = client.get("/live/", {"q": "zeppelin"}).content.decode()
    assert "No published page or update matches “zeppelin”." in body
    assert "Try fewer words" not in body and "date range" not in body
    filtered = client.get("/live/", {"q": "tribunal", "status": "ended"}).content.decode()
    assert "No published page or update matches “tribunal” with these filters." in filtered
    assert 'href="/live/?q=tribunal">Search everything for it</a>' in filtered
    assert titles(client, "tribunal") == ["Sandbags handed out"]  # which does find it
    # The box takes no more than the search reads.
    assert 'maxlength="200"' in client.get("/live/").content.decode()
    # A query with no word in it (an operator, a quote alone) is named as it was typed.
    for typed in ["-", '"', "OR"]:
        body = client.get("/live/", {"q": typed}).content.decode()
        assert f"0 matches for “{typed}”" in body.replace("&quot;", '"'), typed
        assert "[]" not in body


def test_results_are_paginated_and_keep_the_query(client, backend, settings):
    settings.LIVEBLOGS_ARCHIVE_PAGE_SIZE = 2
    page = make_page(title="Harbour strike", coverage_start=at(1))
    for day in range(2, 7):
        make_update(live_page=page, headline=f"Ferries, day {day}", published_at=at(day))
    first = client.get("/live/", {"q": "ferries"}).content.decode()
    assert "5 matches for “ferries”" in first
    assert 'rel="next" href="?q=ferries&amp;page=2"' in first
    assert titles(client, "ferries", page="3") == ["Ferries, day 2"]


def ferries_every_day(page, days, *, headline_on=None):
    """Published updates on ``page``, one a day at noon, about ferries (in the headline on the
    day ``headline_on``), bulk-created as an import is (and indexed)."""
    Update.objects.bulk_create(
        Update(live_page=page, headline="Ferries cancelled" if day == headline_on else f"Day {day}",
               body="<p>Ferries idle.</p>", status="published", published_at=at(day))
        for day in days
    )


def test_past_the_ranked_matches_postgresql_says_more_than_and_lists_newest_first(
    client, backend, settings, monkeypatch
):
    # PostgreSQL counts and ranks this many matches at most (1,000 on the site).
    monkeypatch.setattr(search, "MAX_RANKED", 10)
    settings.LIVEBLOGS_ARCHIVE_PAGE_SIZE = 2
    ferries_every_day(make_page(title="Harbour strike", coverage_start=at(1)), range(2, 14),
                      headline_on=2)
    body = client.get("/live/", {"q": "ferries"}).content.decode()
    if connection.vendor == "postgresql":
        assert "More than 10 matches for “ferries”, newest first" in body
        assert "Page 1 of 6" in body  # the eleven counted
        assert titles(client, "ferries") == ["Day 13", "Day 12"]
        assert titles(client, "ferries", page="2") == ["Day 11", "Day 10"]
        assert titles(client, "ferries", page="6") == ["Day 3"]
    else:  # SQLite counts and ranks every match: the headline first
        assert "12 matches for “ferries”" in body
        assert titles(client, "ferries") == ["Ferries cancelled", "Day 13"]


@on_postgresql
@pytest.mark.parametrize("old_story", [False, True])
def test_postgresql_newest_first_reads_back_only_as_far_as_it_must(monkeypatch, old_story):
    # Twelve matches among a hundred entries, an hour apart: one hour in two from the 6th to the
    # 28th, or the 12 oldest hours (a word of an old story, which the newest entries lack).
    monkeypatch.setattr(search, "MAX_RANKED", 10)
    page = make_page(title="Harbour strike", coverage_start=at(1))
    matching = range(1, 13) if old_story else range(6, 30, 2)
    Update.objects.bulk_create(
        Update(live_page=page, headline=f"Hour {hour}", status="published",
               body="<p>Ferries idle.</p>" if hour in matching else "<p>Buses run.</p>",
               published_at=at(2) + timedelta(hours=hour))
        for hour in range(1, 100)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE liveblogs_searchentry")  # its number of entries, as a site has it
    found = search.Search(LivePage.objects.cards(), "ferries")
    assert found.count() == 11 and found.newest_first
    with CaptureQueriesContext(connection) as queries:
        entries = found[0:2]
    assert [entry.title for entry in entries] == (
        ["Hour 12", "Hour 11"] if old_story else ["Hour 28", "Hour 26"]
    )
    # The newest 80 entries (4 × 2 matches wanted, at one match in 100 / 10 entries) hold the
    # first page's; for an old story they do not, and every match is read and sorted.
    assert len(queries) == (3 if old_story else 2)


@pytest.mark.parametrize("query", ["", "   "])
def test_blank_search_lists_pages(client, backend, flood, query):
    body = client.get("/live/", {"q": query}).content.decode()
    assert '<h3 class="page-card-title">' in body and "search-result" not in body


def test_query_counts_do_not_grow(client, backend, django_assert_num_queries):
    for n in range(3):
        page = make_page(title=f"Ferries page {n}")
        for m in range(n * 5 + 1):
            make_update(live_page=page, headline=f"Ferries {n}.{m}")
    # series choices, reporter choices, the count (with the first page of results, on
    # PostgreSQL), the page of results, those results with their pages and excerpts, the cards of
    # the pages among them; the first time, those cards' update counts
    expected = 5 if connection.vendor == "postgresql" else 6
    client.get("/live/", {"q": "ferries"})  # the connection learns whether FTS5 is there
    cache.clear()
    with django_assert_num_queries(expected + 1):
        client.get("/live/", {"q": "ferries"})
    with django_assert_num_queries(expected):
        response = client.get("/live/", {"q": "ferries"})
    assert response.status_code == 200


# The two databases' own ways ------------------------------------------------------------------


@on_sqlite
def test_sqlite_has_fts5_here(client):
    # Python's sqlite3 is built with FTS5 on the machines we test on: the index is used.
    assert search.has_fts5(connection)


def test_bulk_created_updates_are_found(client, backend):
    page = make_page(title="Harbour strike")
    Update.objects.bulk_create(
        Update(live_page=page, headline=f"Imported {n}", body="<p>Pelicans.</p>",
               status="published", published_at=at(1) + timedelta(minutes=n))
        for n in range(3)
    )
    assert titles(client, "pelicans") == ["Imported 2", "Imported 1", "Imported 0"]


@on_postgresql
def test_postgresql_uses_the_gin_index():
    # A few matches among many entries on several pages, with fresh statistics: the plan a
    # real archive gets, rather than a tiny table's, where any index (or none) would do.
    for n in range(8):
        page = make_page(title=f"Harbour strike {n}")
        for m in range(25):
            make_update(live_page=page, headline=f"Dockers meet {m}")
    make_update(live_page=page, headline="Ferries return")
    found = search.Search(LivePage.objects.cards(), "ferries")
    sql, params = found.matches_sql("e.id", ranked=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE liveblogs_searchentry")
        # Still a small table, where reading a whole btree index costs about the same as the
        # GIN index: leave the planner only the scans a large archive would choose between.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "liveblogs_searchentry_document" in plan, plan
    assert "Bitmap Index Scan" in plan, plan


@on_postgresql
def test_postgresql_document_is_weighted_and_stemmed():
    update = make_update(headline="Ferries return", body="<p>Crews flooding the dock.</p>")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document::text FROM liveblogs_searchentry WHERE update_id = %s", [update.pk]
        )
        document = cursor.fetchone()[0]
    assert "'ferri':1A" in document and "'flood':4B" in document


# Each page in its language ------------------------------------------------------------------


def test_a_french_pages_entries_are_in_french_and_follow_its_language():
    page = make_page(title="Crue dans la vallée", language="en")
    update = make_update(live_page=page, headline="Les élections sont reportées")
    assert set(SearchEntry.objects.values_list("language", flat=True)) == {"en"}
    page.language = "fr"
    page.save()
    # The page's entry and its updates' entries: all stemmed in French from now on.
    assert dict(SearchEntry.objects.values_list("update", "language")) == {
        None: "fr", update.pk: "fr"
    }
    update.headline = "Les élections auront lieu en mai"
    update.save()
    assert SearchEntry.objects.get(update=update).language == "fr"


def test_french_words_are_found_in_their_other_forms(client, backend):
    page = make_page(title="Crue dans la vallée", language="fr", coverage_start=at(2))
    make_update(live_page=page, headline="Report de l'élection municipale", published_at=at(2))
    # Plurals, on every backend that stems (SQLite's English Porter stemmer takes off an "s").
    if backend != "fallback":
        assert titles(client, "élections") == ["Report de l'élection municipale"]
        # Accents folded: a phone keyboard without them still finds the words.
        assert titles(client, "election") == ["Report de l'élection municipale"]
    else:  # LIKE: the word as typed, inside longer ones
        assert titles(client, "élection") == ["Report de l'élection municipale"]


@on_postgresql
def test_postgresql_stems_a_french_page_in_french():
    french = make_page(title="Crue", language="fr")
    english = make_page(title="Flood", language="en")
    make_update(live_page=french, headline="Les chevaux évacués de la ferme")
    make_update(live_page=english, headline="Les chevaux évacués de la ferme")
    # "cheval" finds "chevaux" by French rules only; "evacues" finds "évacués" in both.
    found = search.Search(LivePage.objects.cards(), "cheval")
    assert [entry.live_page_id for entry in found[0:10]] == [french.pk]
    found = search.Search(LivePage.objects.cards(), "evacues")
    assert {entry.live_page_id for entry in found[0:10]} == {french.pk, english.pk}
