"""A language for each live page: readers see a page, and everything made of it, in its language,
whatever their browser asks; the site's own pages stay in the site's language."""

import json
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from liveblogs.forms import render_token
from liveblogs.models import LivePage, Update

from .factories import make_callout, make_page, make_update

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")
# A Saturday evening: 9:47 p.m. in Toronto.
EVENING = datetime(2026, 3, 28, 21, 47, tzinfo=TORONTO)


@pytest.fixture
def french():
    page = make_page(
        title="Crue dans la vallée", slug="crue-dans-la-vallee", language="fr",
        time_zone="America/Toronto", standfirst="La rivière est sortie de son lit.",
    )
    make_update(live_page=page, headline="Le pont de la rue du Moulin est fermé",
                published_at=EVENING)
    return page


@pytest.fixture
def english():
    page = make_page(
        title="Valley flood", slug="valley-flood", language="en", time_zone="America/Toronto",
    )
    make_update(live_page=page, headline="Mill Road bridge closed", published_at=EVENING)
    return page


def html_of(response):
    assert response.status_code == 200
    return response.content.decode()


def html_lang(html):
    return re.search(r"<html lang=\"([^\"]+)\" dir=\"(\w+)\">", html).groups()


def test_a_french_page_is_in_french_with_french_dates(client, french):
    html = html_of(client.get("/live/crue-dans-la-vallee/"))
    assert html_lang(html) == ("fr", "ltr")
    assert '<h2 class="day-heading">samedi 28 mars</h2>' in html
    # "21 h 47", as a French newsroom writes the time (Django's own format says "21:47").
    assert ">28 mars, 21\u00a0h\u00a047\u00a0HAE</time>" in html  # no line break inside the time
    assert "9:47" not in html and "March" not in html


def test_an_english_page_keeps_english_dates(client, english):
    html = html_of(client.get("/live/valley-flood/"))
    assert html_lang(html) == ("en", "ltr")
    assert '<h2 class="day-heading">Saturday, March 28</h2>' in html
    assert ">March 28, 9:47 p.m. EDT</time>" in html


@pytest.mark.parametrize("path", ["/live/{slug}/", "/live/{slug}/feed/", "/live/{slug}/updates/{pk}/"])
def test_the_readers_browser_never_chooses_the_language(client, english, french, path):
    """A shared cache keeps each address once: the language is the page's, never the
    reader's cookie or Accept-Language, and nothing varies on them."""
    for page, other in ((english, "fr"), (french, "en")):
        update = Update.objects.filter(live_page=page).get()
        response = client.get(
            path.format(slug=page.slug, pk=update.pk),
            headers={"Accept-Language": other},
            HTTP_COOKIE=f"django_language={other}",
        )
        assert response.status_code == 200
        body = response.content.decode()
        if "<html" in body:
            assert html_lang(body)[0] == page.language
        else:
            assert f"<language>{page.language}</language>" in body
        assert "Cookie" not in response.get("Vary", "")
        assert "Accept-Language" not in response.get("Vary", "")
        assert "public" in response["Cache-Control"] and not response.cookies


def test_a_permalink_changes_json_and_feeds_speak_the_pages_language(client, french):
    update = Update.objects.get(live_page=french)
    permalink = html_of(client.get(f"/live/crue-dans-la-vallee/updates/{update.pk}/"))
    assert html_lang(permalink)[0] == "fr" and "28 mars, 21\u00a0h\u00a047\u00a0HAE" in permalink
    changes = client.get("/live/crue-dans-la-vallee/changes.json?since=0").json()
    assert "28 mars, 21\u00a0h\u00a047\u00a0HAE" in changes["updates"][0]["html"]
    assert 'data-day="samedi 28 mars"' in changes["updates"][0]["html"]
    assert re.fullmatch(r"\d+ \w+ \d{4}, \d+\u00a0h\u00a0\d\d\u00a0H[NA]E", changes["updated_text"])
    rss = html_of(client.get("/live/crue-dans-la-vallee/feed/"))
    assert "<language>fr</language>" in rss
    atom = html_of(client.get("/live/crue-dans-la-vallee/feed/atom/"))
    assert 'xml:lang="fr"' in atom


def test_structured_data_names_the_language(client, french):
    html = html_of(client.get("/live/crue-dans-la-vallee/"))
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert data["inLanguage"] == "fr"
    update = Update.objects.get(live_page=french)
    html = html_of(client.get(f"/live/crue-dans-la-vallee/updates/{update.pk}/"))
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert data["inLanguage"] == "fr"


def test_changing_the_language_never_serves_the_other_languages_html(client, english):
    """The updates' HTML is kept (fragments.py) by language: a page that changes language is
    rendered again, never answered from the old language's copy."""
    english_html = html_of(client.get("/live/valley-flood/"))
    assert "March 28, 9:47 p.m." in english_html
    english.language = "fr"
    english.save()
    french_html = html_of(client.get("/live/valley-flood/"))
    assert html_lang(french_html)[0] == "fr"
    assert "28 mars, 21\u00a0h\u00a047" in french_html and "9:47 p.m." not in french_html
    changes = client.get("/live/valley-flood/changes.json?since=0").json()
    assert "28 mars, 21\u00a0h\u00a047" in changes["updates"][0]["html"]


def test_the_ask_form_and_its_thanks_are_in_the_pages_language(
    client, french, settings, django_capture_on_commit_callbacks
):
    settings.LIVEBLOGS_ASK_MIN_SECONDS = 3
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_callout(live_page=french, prompt="L'eau a-t-elle atteint votre rue ?")
    form = html_of(client.get("/live/crue-dans-la-vallee/ask/", headers={"Accept-Language": "en"}))
    assert html_lang(form)[0] == "fr"
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/live/crue-dans-la-vallee/ask/",
            {"body": "Le pont est-il fermé ?", "name": "Camille", "email": "camille@example.org",
             "rendered": render_token(at=time.time() - 60), "website": ""},
            REMOTE_ADDR="203.0.113.9",
        )
    assert sent.status_code == 302
    thanks = html_of(client.get(sent["Location"]))
    assert html_lang(thanks)[0] == "fr"
    # The desk reads its mail in the site's language, whatever the page's.
    (message,) = mail.outbox
    assert message.subject.startswith("New reader submission")


def test_a_closed_ask_form_is_in_the_pages_language(client, french):
    french.end()
    html = html_of(client.get("/live/crue-dans-la-vallee/ask/"))
    assert html_lang(html)[0] == "fr"


def test_translations_link_to_each_other(client, english, french):
    english.twin = french
    english.save()
    for page, other, name in ((english, french, "Français"), (french, english, "English")):
        html = html_of(client.get(page.get_absolute_url()))
        for each in (english, french):
            assert (
                f'<link rel="alternate" hreflang="{each.language}"'
                f' href="http://testserver{each.get_absolute_url()}">'
            ) in html
        # At the top, in the other page's language, named in it.
        assert (
            f'<a href="{other.get_absolute_url()}" hreflang="{other.language}"'
            f' lang="{other.language}">{name}</a>'
        ) in html
    # A permalink is the update's own: no alternates.
    update = Update.objects.get(live_page=english)
    assert "hreflang" not in html_of(client.get(f"/live/valley-flood/updates/{update.pk}/"))


def test_a_draft_translation_is_not_linked_until_it_is_public(client, english):
    french = make_page(language="fr", slug="brouillon", status=LivePage.Status.DRAFT, twin=english)
    html = html_of(client.get("/live/valley-flood/"))
    assert "hreflang" not in html and "brouillon" not in html
    # Its going live moves the English page's version: the answer kept for it is not served.
    french.go_live()
    assert 'hreflang="fr" lang="fr">Français</a>' in html_of(client.get("/live/valley-flood/"))
    french.slug = "crue"
    french.save()
    assert 'href="/live/crue/" hreflang="fr"' in html_of(client.get("/live/valley-flood/"))


def test_the_site_speaks_its_language_and_marks_french_cards(client, english, french):
    for path in ["/", "/live/"]:
        html = html_of(client.get(path, headers={"Accept-Language": "fr"}))
        assert html_lang(html)[0] == "en"
        assert '<a href="/live/crue-dans-la-vallee/" lang="fr">Crue dans la vallée</a>' in html
        assert '<a href="/live/valley-flood/">Valley flood</a>' in html
        assert '<p class="page-card-standfirst" lang="fr">La rivière' in html


def test_a_right_to_left_page_says_so(client, settings, english):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    english.language = "ar"
    english.save()
    assert html_lang(html_of(client.get("/live/valley-flood/"))) == ("ar", "rtl")


PHYSICAL_SIDE = re.compile(
    r"(?:margin|padding|border)-(?:left|right)\b|^\s*(?:left|right)\s*:|"
    r"(?:float|text-align|clear)\s*:\s*(?:left|right)",
    re.M,
)


def test_stylesheets_name_no_physical_side():
    """Reader, filing and desk stylesheets lay out by logical sides (``margin-inline-start``…),
    so a right-to-left page mirrors. Centring with ``left: 50%`` and its transform is the same
    in both directions and says so."""
    from pathlib import Path

    import liveblogs

    static = Path(liveblogs.__file__).parent / "static" / "liveblogs"
    found = []
    for css in sorted(static.rglob("*.css")):
        for line in css.read_text().splitlines():
            if PHYSICAL_SIDE.search(line) and "left: 50%" not in line:
                found.append(f"{css.name}: {line.strip()}")
    assert found == []


def test_a_reporters_page_and_search_results_mark_french_words(client, french):
    from liveblogs.models import Reporter

    reporter = Reporter.objects.create(name="Mathilde Dufresne-Caron", slug="mathilde")
    update = Update.objects.get(live_page=french)
    update.bylines.create(reporter=reporter, position=0)
    html = html_of(client.get("/reporters/mathilde/"))
    assert html_lang(html)[0] == "en"
    assert f'href="/live/crue-dans-la-vallee/updates/{update.pk}/" lang="fr">' in html
    assert 'href="/live/crue-dans-la-vallee/" lang="fr">Crue dans la vallée</a>' in html
    html = html_of(client.get("/live/", {"q": "pont"}))
    assert '<article class="search-result" lang="fr">' in html


def test_the_desks_times_name_the_zone_as_the_editors_language_does(db):
    """The desk and the history write times in the editor's language, the page's time zone named
    as that language names it (HNE, not EST, in French)."""
    from django.utils import translation

    from liveblogs import workflow
    from liveblogs.languages import format_date

    update = make_update(live_page=make_page(time_zone="America/Toronto"))
    moment = datetime(2026, 11, 30, 21, 47, 12, tzinfo=ZoneInfo("America/Toronto"))
    with translation.override("en"):
        assert workflow.local_time(update, moment) == "Nov 30, 9:47 p.m. EST"
        assert format_date(moment, "revision") == "Nov. 30, 2026, 9:47:12 p.m. EST"
    with translation.override("fr"):
        assert workflow.local_time(update, moment) == "30 nov. à 21\u00a0h\u00a047 HNE"
        assert format_date(moment, "revision") == "30 nov. 2026, 21\u00a0h\u00a047\u00a0min\u00a012\u00a0s\u00a0HNE"
        summer = datetime(2026, 7, 1, 9, 5, tzinfo=ZoneInfo("America/Vancouver"))
        assert format_date(summer, "time").endswith("\u00a0HAP")
        # A zone French newsrooms have no abbreviation of their own for keeps its own.
        assert format_date(datetime(2026, 7, 1, 9, 5, tzinfo=ZoneInfo("UTC")), "time").endswith("\u00a0UTC")


def test_a_french_sites_cards_date_coverage_as_french_does(client, settings, french):
    settings.LANGUAGE_CODE = "fr"
    LivePage.objects.filter(pk=french.pk).update(coverage_start=EVENING)
    html = html_of(client.get("/live/"))
    assert ">28 mars 2026</time>" in html and "mars 28" not in html
