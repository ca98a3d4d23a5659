"""What only a browser shows: the reader pages in Debian's Chromium, driven by Playwright.

Layout on a phone and a desktop, the keyboard path, "Show older updates" with and without
JavaScript, copying a permalink, axe-core's accessibility rules, and no cookies for readers.

Chromium is the system's (``apt-get install chromium``), never one Playwright downloads; axe-core
comes from ``npm ci`` (``make test`` runs it when npm is there). Without either, these tests skip
and say why, except on CI (``CI=true``), where a missing tool fails the run instead.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest

from liveblogs.models import LivePage, Update

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture (conftest.py) skips, or fails on CI, with the reason
    expect = None

pytestmark = [
    pytest.mark.browser,
    # The demo needs the Editors and Reporters groups that a migration made: keep them across the
    # flushes a live server's transactional tests do.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

LIVE_SLUG = "kestrel-river-flood-alder-falls"
LIVE = f"/live/{LIVE_SLUG}/"
RECAP = "/live/kestrel-ice-jam-lower-town/"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


# Helpers ------------------------------------------------------------------------------------------

LOAD_IMAGES = """async () => {
  // Lazy images load when they come near the viewport: bring each one there, wait, go back up.
  for (const img of Array.from(document.images)) {
    img.scrollIntoView({block: "center"});
    if (!img.complete) {
      await Promise.race([
        new Promise((done) => {
          img.addEventListener("load", done, {once: true});
          img.addEventListener("error", done, {once: true});
        }),
        new Promise((done) => setTimeout(done, 5000)),
      ]);
    }
  }
  // Decoded now, so a full-page screenshot paints them rather than blank boxes.
  await Promise.all(Array.from(document.images).map((img) => img.decode().catch(() => null)));
  window.scrollTo(0, 0);
  return Array.from(document.images)
    .filter((img) => !(img.complete && img.naturalWidth > 0))
    .map((img) => img.getAttribute("src"));
}"""


def load_images(page):
    """Assert that every image on the page loaded (lazy ones too)."""
    broken = page.evaluate(LOAD_IMAGES)
    assert page.locator("img").count() > 0
    assert broken == [], f"images that did not load: {broken}"


def assert_fits_phone(page):
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone: {width}px wide"


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def article_ids(page):
    return page.eval_on_selector_all("article.update", "nodes => nodes.map(n => n.id)")


def published(slug):
    return Update.objects.visible().filter(live_page__slug=slug)


def add_older_updates(count):
    """``count`` more published updates on the live page, half an hour apart, before the demo's."""
    page = LivePage.objects.get(slug=LIVE_SLUG)
    first = published(page.slug).order_by("published_at").first().published_at
    for n in range(1, count + 1):
        Update.objects.create(
            live_page=page, headline=f"Earlier on the river, part {n}",
            body=f"<p>River gauge reading number {n}.</p>",
            status=Update.Status.PUBLISHED, published_at=first - timedelta(minutes=30 * n),
        )


def axe_violations(page, script):
    page.add_script_tag(path=str(script))
    return page.evaluate("async () => (await axe.run()).violations")


def describe(violations):
    """axe's findings, one rule per paragraph, each failing element with what is wrong."""
    lines = []
    for rule in violations:
        lines.append(f"\n{rule['id']} ({rule['impact']}): {rule['help']}  <{rule['helpUrl']}>")
        for node in rule["nodes"]:
            target = " ".join(" >> ".join(t) if isinstance(t, list) else t for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"  - {target}: {summary[:300]}")
    return "\n".join(lines)


# The live page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_live_page_shows_every_part(site, new_page, device):
    page = new_page(**(PHONE if device == "phone" else DESKTOP))
    page.goto(site + LIVE)

    series = page.locator(".series-label a")
    expect(series).to_have_text("Kestrel Valley Floods")
    expect(series).to_have_attribute("href", "/series/kestrel-valley-floods/")
    expect(page.locator(".page-header .badge-live")).to_have_text(re.compile("^live$", re.I))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(re.compile("^Kestrel River flood: Alder Falls"))
    expect(page.locator(".standfirst")).to_contain_text("The river rose more than two metres")
    expect(page.locator(".updated")).to_contain_text(re.compile(r"^Updated \w+ \d+, \d{4}"))

    video = page.locator(".lead-video")
    expect(video.locator("img")).to_be_visible()
    expect(video.locator(".video-title")).to_have_text(
        "On the water with Alder Falls' rescue crews"
    )
    expect(video.locator(".duration")).to_have_text("Duration 1:52")

    latest = page.locator("section.key-points")
    expect(latest.get_by_role("heading", name="The Latest")).to_be_visible()
    expect(latest.locator("li")).to_have_count(5)

    key_events = page.get_by_role("navigation", name="Key events").locator("li a")
    expect(key_events).to_have_count(5)
    expect(key_events.first).to_have_text("The river crested overnight, just short of the record")

    callout = page.get_by_role("complementary", name="We want to hear from you")
    expect(callout).to_be_visible()
    expect(callout).to_contain_text("Has the flood reached your street?")

    articles = page.locator("section.updates article.update")
    expect(articles).to_have_count(published(LIVE_SLUG).count())
    expect(articles.first).to_have_class(re.compile(r"\bis-pinned\b"))
    expect(articles.first.locator(".update-headline")).to_have_text(
        "Evacuation, shelter and road closures: where to find help"
    )
    expect(page.locator(".day-heading")).to_have_count(2)

    bylines = page.locator("article.update a.byline")
    assert bylines.count() >= articles.count()
    for href in bylines.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert re.fullmatch(r"/reporters/[a-z0-9-]+/", href), href
    expect(page.locator("article.update a.byline", has_text="Samir Oyelaran").first).to_be_visible()

    photos = page.locator("article.update figure.photo")
    assert photos.count() >= 6
    for figure in photos.all():
        assert figure.locator("img").get_attribute("alt").strip()
        expect(figure.locator("figcaption .caption")).not_to_be_empty()
        expect(figure.locator("figcaption .credit")).to_contain_text("Valley Courier")

    for article in articles.all():
        pk = article.get_attribute("id").removeprefix("update-")
        share = article.locator("a.share")
        expect(share).to_have_attribute("href", f"{LIVE}updates/{pk}/")
        expect(share).to_have_accessible_name(re.compile(r"^Share\s*: \S"))

    load_images(page)
    if device == "phone":
        assert_fits_phone(page)
    screenshot(page, f"live-{device}.png")


@pytest.mark.parametrize(
    ("name", "path", "device", "heading"),
    [
        ("recap-phone", RECAP, PHONE, "Ice jam on the Kestrel floods Lower Town roads"),
        ("permalink-phone", None, PHONE, "Boat crews find everyone on Orchard Lane safe"),
        ("archive-desktop", "/live/", DESKTOP, "Live pages and recaps"),
    ],
)
def test_other_reader_pages_fit_and_load(site, new_page, name, path, device, heading):
    if path is None:
        update = published(LIVE_SLUG).get(headline=heading)
        path = update.get_absolute_url()
    page = new_page(**device)
    page.goto(site + path)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(heading)
    if name == "recap-phone":
        expect(page.locator(".page-header .badge-recap")).to_have_text(re.compile("^recap$", re.I))
        expect(page.locator(".badge-live")).to_have_count(0)
        # A recap asks readers nothing any more.
        expect(page.locator(".callout")).to_have_count(0)
    if name == "permalink-phone":
        expect(page.locator(".back-link a")).to_have_attribute(
            "href", f"{LIVE}#update-{update.pk}"
        )
    load_images(page)
    if device is PHONE:
        assert_fits_phone(page)
    screenshot(page, f"{name}.png")


def test_keyboard_reaches_skip_link_then_key_events(site, new_page):
    page = new_page(**DESKTOP)
    page.goto(site + LIVE)

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # Onwards from main: never back through the site header, and on to the key events.
    stops = []
    for _ in range(30):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => { const el = document.activeElement;
                return {text: el.textContent.trim(), inMain: !!el.closest('main'),
                        keyEvent: !!el.closest('nav.key-events li')}; }"""
        )
        stops.append(stop)
        if stop["keyEvent"]:
            break
    assert stops[-1]["keyEvent"], f"Tab never reached the key events: {stops}"
    assert all(stop["inMain"] for stop in stops), stops

    link = page.locator(":focus")
    outline = link.evaluate("a => getComputedStyle(a).outlineStyle")
    assert outline != "none", "a focused key event link shows no focus ring"
    href = link.get_attribute("href")
    assert re.fullmatch(r"#update-\d+", href), href
    headline = link.text_content().strip()

    page.keyboard.press("Enter")
    page.wait_for_function("hash => location.hash === hash", arg=href)
    target = page.locator(href)
    expect(target).to_be_in_viewport()
    expect(target.locator(".update-headline")).to_have_text(headline)
    assert page.evaluate("() => document.querySelector(':target').id") == href[1:]
    # The keyboard carries on from there, not from the key events list.
    page.keyboard.press("Tab")
    assert page.evaluate("id => !!document.activeElement.closest('#' + id)", href[1:])


# Show older updates -------------------------------------------------------------------------------


def test_show_older_updates_loads_in_place(site, new_page):
    add_older_updates(30)
    total = published(LIVE_SLUG).count()  # 17 from the demo + 30, one of them pinned
    page = new_page(**PHONE)
    page.goto(site + LIVE)
    url = page.url
    articles = page.locator("article.update")
    expect(articles).to_have_count(21)  # the pinned update, then the newest 20

    more = page.get_by_role("link", name="Show older updates")
    more.click()
    expect(articles).to_have_count(41)
    assert page.url == url
    ids = article_ids(page)
    assert len(ids) == len(set(ids))
    # Keyboard and screen-reader users carry on at the first update that arrived.
    expect(page.locator(f"#{ids[21]} .update-headline")).to_be_focused()
    # The button follows the updates it continues.
    assert page.evaluate(
        """() => { const articles = document.querySelectorAll('article.update');
            const last = articles[articles.length - 1];
            return !!(last.compareDocumentPosition(document.querySelector('.show-older'))
                      & Node.DOCUMENT_POSITION_FOLLOWING); }"""
    )

    more.click()
    expect(articles).to_have_count(total)
    expect(page.locator(".show-older")).to_have_count(0)
    assert page.url == url
    ids = article_ids(page)
    assert len(ids) == len(set(ids)) == total
    all_ids = page.eval_on_selector_all("[id]", "nodes => nodes.map(n => n.id)")
    assert len(all_ids) == len(set(all_ids)), "duplicate ids in the page"
    # A day that goes on across two batches keeps one heading.
    days = page.locator(".day-heading").all_text_contents()
    assert len(days) == len(set(days)) >= 3, days
    # Newest first, all the way down.
    times = page.eval_on_selector_all(
        ".update-stream article.update time", "nodes => nodes.map(t => Date.parse(t.dateTime))"
    )
    assert times == sorted(times, reverse=True)


def test_show_older_updates_without_javascript(site, new_page):
    add_older_updates(30)
    page = new_page(java_script_enabled=False, **DESKTOP)
    page.goto(site + LIVE)
    first_ids = article_ids(page)
    assert len(first_ids) == 21
    page.get_by_role("link", name="Show older updates").click()
    page.wait_for_url(re.compile(r"\?before=\d+-\d+$"))
    expect(page.locator("article.update")).to_have_count(20)
    assert not set(article_ids(page)) & set(first_ids)
    expect(page.get_by_role("link", name="Back to the latest")).to_have_attribute("href", LIVE)
    expect(page.get_by_role("link", name="Show older updates")).to_be_visible()


# Sharing ------------------------------------------------------------------------------------------


def test_share_copies_the_permalink_without_web_share(site, new_page):
    page = new_page(**DESKTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    # Desktop Chromium on Linux has no Web Share; make sure of it, it is what this test is about.
    page.context.add_init_script("delete Navigator.prototype.share;")
    page.goto(site + LIVE)
    assert page.evaluate("() => isSecureContext && !('share' in navigator)")

    article = page.locator("article.update").nth(2)
    pk = article.get_attribute("id").removeprefix("update-")
    article.locator("a.share").click()
    expect(article.locator(".share-status")).to_have_text("Link copied")
    assert page.url == site + LIVE
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == f"{site}{LIVE}updates/{pk}/"


def test_share_uses_web_share_where_the_device_has_it(site, new_page):
    page = new_page(**PHONE)
    page.context.add_init_script(
        "navigator.share = (data) => { window.sharedData = data; return Promise.resolve(); };"
    )
    page.goto(site + LIVE)
    article = page.locator("article.update").first
    pk = article.get_attribute("id").removeprefix("update-")
    article.locator("a.share").click()
    shared = page.wait_for_function("() => window.sharedData").json_value()
    assert shared == {
        "title": "Evacuation, shelter and road closures: where to find help",
        "url": f"{site}{LIVE}updates/{pk}/",
    }
    assert page.url == site + LIVE


# Accessibility and privacy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "device"),
    [
        (LIVE, PHONE),
        (LIVE, DESKTOP),
        (RECAP, PHONE),
        ("/live/", DESKTOP),
        ("permalink", PHONE),
    ],
    ids=["live-phone", "live-desktop", "recap-phone", "archive-desktop", "permalink-phone"],
)
def test_axe_finds_no_violations(axe_script, site, new_page, path, device):
    if path == "permalink":
        path = published(LIVE_SLUG).filter(update_photos__isnull=False).first().get_absolute_url()
    page = new_page(**device)
    page.goto(site + path)
    violations = axe_violations(page, axe_script)
    assert violations == [], f"axe-core on {path}:{describe(violations)}"


def test_reader_pages_set_no_cookie(site, new_page):
    page = new_page(**PHONE)
    update = published(LIVE_SLUG).first()
    for path in [LIVE, update.get_absolute_url(), RECAP]:
        response = page.goto(site + path)
        assert response.status == 200
        assert "set-cookie" not in response.headers, path
    assert page.context.cookies() == []
    assert page.evaluate("() => document.cookie") == ""


def test_an_edited_update_still_says_edited_once_times_turn_relative(site, new_page):
    update = published(LIVE_SLUG).filter(pinned=False).first()
    update.headline += " (updated)"
    update.save_edit(by=None)
    page = new_page(**PHONE)
    page.goto(site + LIVE)
    meta = page.locator(f"#update-{update.pk} .update-meta")
    expect(meta.locator(".edited")).to_have_text("Edited just now")
