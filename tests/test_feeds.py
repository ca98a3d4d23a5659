"""RSS and Atom feeds of a live page, read as a feed reader reads them."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import feedparser
import pytest

from liveblogs.models import LivePage, Update
from liveblogs.submissions import answer_in_update

from .factories import make_page, make_photo, make_reporter, make_submission, make_update

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
RSS_URL = "/live/harbour-flood/feed/"
ATOM_URL = "/live/harbour-flood/feed/atom/"
FEED_URLS = [RSS_URL, ATOM_URL]
# The page's state (for the ETag; kept in the shared cache after), the page, then the updates with
# their bylines, photos and embeds: never one more per update.
FEED_QUERIES = 6


@pytest.fixture
def page():
    return make_page(
        title="Harbour flood", slug="harbour-flood",
        standfirst="The Kestrel River has burst its banks in Alder Falls.",
    )


def at(hour, minute=0):
    return datetime(2029, 3, 28, hour, minute, tzinfo=UTC)


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


def rss_items(client, url=RSS_URL):
    return get_xml(client, url).find("channel").findall("item")


def atom_entries(client, url=ATOM_URL):
    return get_xml(client, url).findall(f"{ATOM}entry")


def test_rss_channel_describes_the_page(client, page):
    make_update(live_page=page, headline="River crests")
    page.refresh_from_db()
    channel = get_xml(client, RSS_URL).find("channel")
    assert channel.findtext("title") == "Harbour flood"
    assert channel.findtext("link") == "http://testserver/live/harbour-flood/"
    assert channel.findtext("description") == page.standfirst
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == page.changed_at.replace(
        microsecond=0
    )


def test_rss_items_are_published_updates_newest_first_linking_to_permalinks(client, page):
    first = make_update(live_page=page, headline="Rain starts", published_at=at(6))
    # Pinning puts an update first on the page; a feed reader sorts by time, and so does the feed.
    pinned = make_update(live_page=page, headline="Shelters open", published_at=at(7), pinned=True)
    last = make_update(live_page=page, headline="River crests", published_at=at(9, 30))
    items = rss_items(client)
    titles = [item.findtext("title") for item in items]
    assert titles == ["River crests", "Shelters open", "Rain starts"]
    for item, update in zip(items, [last, pinned, first], strict=True):
        permalink = f"http://testserver/live/harbour-flood/updates/{update.pk}/"
        assert item.findtext("link") == permalink
        assert item.find("guid").text == permalink
        assert item.find("guid").get("isPermaLink") == "true"
        assert parsedate_to_datetime(item.findtext("pubDate")) == update.published_at


def test_rss_item_carries_the_body_and_first_photo_with_alt_text(client, page):
    photo = make_photo(alt_text='Sandbags piled at the "Quay" steps', caption="Quay Street at noon",
                       credit="Lee Marsh/Harbour Daily")
    second = make_photo(alt_text="A second photo that stays on the page")
    make_update(
        live_page=page, headline="Sandbags handed out",
        body='<p>Volunteers filled <strong>2,000</strong> bags.</p><script>alert("x")</script>',
        photos=[photo, second],
    )
    (item,) = rss_items(client)
    description = item.findtext("description")
    assert description.startswith("<p>Volunteers filled <strong>2,000</strong> bags.</p>")
    assert "<script" not in description
    photo.refresh_from_db()  # public now: readers are shown it
    assert f'<img src="http://testserver{photo.jpeg_url}"' in description
    assert 'alt="Sandbags piled at the &quot;Quay&quot; steps"' in description
    assert "Quay Street at noon (Lee Marsh/Harbour Daily)" in description
    assert "A second photo" not in description


@pytest.mark.parametrize(
    ("names", "byline"),
    [
        (["Ana Ruiz"], "Ana Ruiz"),
        (["Ana Ruiz", "Lee Marsh"], "Ana Ruiz and Lee Marsh"),
        (["Ana Ruiz", "Lee Marsh", "Tom Okafor"], "Ana Ruiz, Lee Marsh and Tom Okafor"),
    ],
)
def test_rss_item_names_the_bylines_in_order(client, page, names, byline):
    make_update(live_page=page, authors=[make_reporter(name=name) for name in names])
    (item,) = rss_items(client)
    assert item.findtext(f"{DC}creator") == byline


def test_rss_item_without_byline_has_no_creator(client, page):
    make_update(live_page=page)
    (item,) = rss_items(client)
    assert item.find(f"{DC}creator") is None


def test_atom_feed_describes_the_page(client, page, settings):
    settings.LIVEBLOGS_PUBLISHER_NAME = "Harbour Daily"
    make_update(live_page=page)
    page.refresh_from_db()
    feed = get_xml(client, ATOM_URL)
    assert feed.findtext(f"{ATOM}title") == "Harbour flood"
    assert feed.findtext(f"{ATOM}subtitle") == page.standfirst
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {
        "alternate": "http://testserver/live/harbour-flood/",
        "self": "http://testserver/live/harbour-flood/feed/atom/",
    }
    assert datetime.fromisoformat(feed.findtext(f"{ATOM}updated")) == page.changed_at
    # Entries without a byline are credited to the publisher, as Atom requires.
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Harbour Daily"


def test_atom_entry_has_permalink_dates_body_and_every_author(client, page):
    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz")
    lee = make_reporter(name="Lee Marsh", slug="lee-marsh")
    update = make_update(
        live_page=page, headline="Bridge closed", published_at=at(8),
        body="<p>Police closed the Mill Road bridge.</p>", authors=[ana, lee],
        photos=[make_photo()],
    )
    update.refresh_from_db()
    (entry,) = atom_entries(client)
    permalink = f"http://testserver/live/harbour-flood/updates/{update.pk}/"
    assert entry.findtext(f"{ATOM}title") == "Bridge closed"
    assert entry.find(f"{ATOM}link").get("href") == permalink
    assert entry.findtext(f"{ATOM}id") == permalink
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}published")) == at(8)
    assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) == update.edited_at
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text.startswith("<p>Police closed the Mill Road bridge.</p>")
    assert 'alt="Brown water up to the doors of parked cars"' in summary.text
    authors = [
        (author.findtext(f"{ATOM}name"), author.findtext(f"{ATOM}uri"))
        for author in entry.findall(f"{ATOM}author")
    ]
    assert authors == [
        ("Ana Ruiz", "http://testserver/reporters/ana-ruiz/"),
        ("Lee Marsh", "http://testserver/reporters/lee-marsh/"),
    ]


class Rendered(HTMLParser):
    """HTML as a feed reader renders it: the elements it makes, and the text it shows."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements, self.text = [], ""
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)

    def handle_data(self, data):
        self.text += data


def read_feed(client, url):
    """The feed as feedparser (the feed readers' reference parser) reads it, well-formed."""
    response = client.get(url)
    assert response.status_code == 200
    parsed = feedparser.parse(
        response.content, response_headers={"content-type": response["Content-Type"]}
    )
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def shown(detail):
    """What a reader sees of a title or description: plain text as it is, HTML rendered."""
    if detail.type == "text/plain":
        return detail.value
    assert detail.type == "text/html"
    return Rendered(detail.value).text


@pytest.mark.parametrize("url", FEED_URLS)
def test_plain_text_reaches_feed_readers_as_text(client, editor, url):
    page = make_page(title="Q&A: <i>Harbour</i> flood", slug="harbour-flood",
                     standfirst="Fish & <b>chips</b> shops have shut.")
    asked = "Is <b>Mill Road</b> open? <img src=x onerror=alert(1)>"
    update = answer_in_update([make_submission(live_page=page, body=asked)], by=editor)
    update.publish(by=editor)
    parsed = read_feed(client, url)
    assert shown(parsed.feed.title_detail) == "Q&A: <i>Harbour</i> flood"
    assert shown(parsed.feed.subtitle_detail) == "Fish & <b>chips</b> shops have shut."
    (entry,) = parsed.entries
    assert shown(entry.title_detail) == f"Your question: {asked}"
    # The question quoted in the body is the reader's words too, shown as they typed them.
    assert asked in shown(entry.summary_detail)


@pytest.mark.parametrize("url", FEED_URLS)
def test_names_and_captions_reach_feed_readers_as_text(client, page, url):
    make_update(
        live_page=page, headline="Q&A: is <the> water safe?",
        authors=[make_reporter(name="Ana <b>Ruiz</b> & co")],
        photos=[make_photo(caption="Fish & <b>chips</b>", credit="<i>Lee</i>")],
    )
    (entry,) = read_feed(client, url).entries
    assert shown(entry.title_detail) == "Q&A: is <the> water safe?"
    assert entry.author == "Ana <b>Ruiz</b> & co"
    assert "Fish & <b>chips</b> (<i>Lee</i>)" in shown(entry.summary_detail)


def test_rss_titles_read_as_html_show_the_plain_text(client):
    # Many readers render RSS titles and descriptions as HTML, whatever feedparser would guess.
    page = make_page(title="Q&A: flood", slug="harbour-flood", standfirst="Quay <Street> & Mill")
    make_update(live_page=page, headline="Is <the> water safe?")
    channel = get_xml(client, RSS_URL).find("channel")
    assert Rendered(channel.findtext("title")).text == "Q&A: flood"
    assert Rendered(channel.findtext("description")).text == "Quay <Street> & Mill"
    assert Rendered(channel.find("item").findtext("title")).text == "Is <the> water safe?"


@pytest.mark.parametrize("url", FEED_URLS)
def test_bodies_reach_feed_readers_as_html(client, page, url):
    make_update(live_page=page, photos=[make_photo()],
                body="<p>Volunteers filled <strong>2,000</strong> bags &amp; more.</p>")
    (entry,) = read_feed(client, url).entries
    body = Rendered(entry.summary_detail.value)
    assert entry.summary_detail.type == "text/html"
    assert body.elements == ["p", "strong", "figure", "img", "figcaption"]
    assert body.text.startswith("Volunteers filled 2,000 bags & more.")


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize(
    "status", [Update.Status.DRAFT, Update.Status.SUBMITTED, Update.Status.WITHDRAWN]
)
def test_unpublished_updates_never_reach_a_feed(client, page, url, status):
    make_update(live_page=page, headline="Dam inspection done", body="<p>Safe to use.</p>")
    make_update(live_page=page, headline="Secret headline", body="<p>Secret body text</p>",
                status=status)
    xml = client.get(url).content.decode()
    assert "Dam inspection done" in xml and "Safe to use." in xml
    assert "Secret headline" not in xml and "Secret body text" not in xml


@pytest.mark.parametrize("url", FEED_URLS)
def test_a_withdrawn_update_leaves_the_feed(client, page, url):
    update = make_update(live_page=page, headline="Wrong school named", body="<p>Oops</p>")
    assert "Wrong school named" in client.get(url).content.decode()
    update.withdraw(by=None)
    xml = client.get(url).content.decode()
    assert "Wrong school named" not in xml and "Oops" not in xml


@pytest.mark.parametrize("url", FEED_URLS)
def test_another_pages_updates_stay_out(client, page, url):
    make_update(live_page=make_page(title="Wildfire"), headline="Fire crosses the ridge")
    assert "Fire crosses the ridge" not in client.get(url).content.decode()


@pytest.mark.parametrize("url", FEED_URLS)
def test_draft_page_has_no_feed(client, url):
    page = make_page(slug="harbour-flood", status=LivePage.Status.DRAFT)
    make_update(live_page=page, headline="Not yet")
    response = client.get(url)
    assert response.status_code == 404
    assert b"Not yet" not in response.content


@pytest.mark.parametrize("url", ["/live/no-such-page/feed/", "/live/no-such-page/feed/atom/"])
def test_unknown_page_has_no_feed(client, url):
    assert client.get(url).status_code == 404


def test_recap_keeps_its_feed(client, page):
    make_update(live_page=page, headline="Waters recede")
    page.end()
    assert [item.findtext("title") for item in rss_items(client)] == ["Waters recede"]
    assert [entry.findtext(f"{ATOM}title") for entry in atom_entries(client)] == ["Waters recede"]


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        (RSS_URL, "application/rss+xml; charset=utf-8"),
        (ATOM_URL, "application/atom+xml; charset=utf-8"),
    ],
)
def test_content_type(client, page, url, content_type):
    assert client.get(url)["Content-Type"] == content_type


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize(("status", "max_age"), [("live", 30), ("ended", 3600)])
def test_shared_caches_may_keep_feeds_which_set_no_cookie(
    editor_client, page, url, status, max_age
):
    LivePage.objects.filter(pk=page.pk).update(status=status)
    make_update(live_page=page)
    page.refresh_from_db()
    # Even for a signed-in editor: what a CDN keeps must be the same for everyone.
    response = editor_client.get(url)
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    stale = 30 if status == "live" else 86400  # as the live page and the recap
    assert directives == {"public", f"max-age={max_age}", f"stale-while-revalidate={stale}"}
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert parsedate_to_datetime(response["Last-Modified"]) == page.changed_at.replace(
        microsecond=0
    )


def test_feed_holds_the_latest_fifty(client, page):
    start = at(0)
    for n in range(55):
        make_update(
            live_page=page, headline=f"Bulletin {n}", published_at=start + timedelta(minutes=n)
        )
    titles = [item.findtext("title") for item in rss_items(client)]
    assert titles == [f"Bulletin {n}" for n in range(54, 4, -1)]
    assert len(atom_entries(client)) == 50


@pytest.mark.parametrize("url", FEED_URLS)
@pytest.mark.parametrize("count", [10, 55])
def test_queries_do_not_grow_with_updates(client, page, django_assert_num_queries, url, count):
    reporters = [make_reporter(), make_reporter()]
    photos = [make_photo(), make_photo()]
    for n in range(count):
        make_update(live_page=page, published_at=at(0) + timedelta(minutes=n), authors=reporters,
                    photos=photos)
    with django_assert_num_queries(FEED_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    # Every item really got its photo and bylines from those queries.
    assert response.content.count(b"&lt;img ") == min(count, 50)
    assert response.content.count(reporters[1].name.encode()) == min(count, 50)


@pytest.mark.parametrize("url", FEED_URLS)
def test_feeds_revalidate_with_etag_and_last_modified(client, page, url):
    make_update(live_page=page, headline="Bridge shut")
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert not_modified.status_code == 304 and not not_modified.content
    make_update(live_page=page, headline="Bridge reopens")  # the page moved on: so does the feed
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and b"Bridge reopens" in changed.content
    assert changed["ETag"] != first["ETag"]
