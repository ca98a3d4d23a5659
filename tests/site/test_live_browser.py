"""Live updating in a reader's browser: what an editor does in the admin reaches an open live page
without a reload, and never moves what the reader is reading.

Two browser contexts: the editor in the admin, the reader on the live page. The server asks for a
poll every second here (``LIVEBLOGS_POLL_INTERVAL``), but a page's first poll still comes 10 s after
it loads, and the browser may answer a poll from its cache for the 5 s that ``changes.json`` allows
(``max-age=5``): so arrivals are awaited for up to ARRIVAL, not one interval. Chromium and the
fixtures are those of the other browser tests (``conftest.py``).
"""

import os
import re
import time
from datetime import timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from liveblogs.models import LivePage, Update

from .test_browser import (
    DESKTOP,
    LIVE,
    LIVE_SLUG,
    PHONE,
    SCREENSHOTS,
    article_ids,
    axe_violations,
    describe,
    expect,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

FIRST_POLL = 10_000  # ms after loading, before the server has said how often to ask
ARRIVAL = 12_000  # ms: a one-second interval, plus the browser's 5 s cache, with room to spare
ABSOLUTE_TIME = re.compile(r"^\w+ \d{1,2}, \d{1,2}:\d\d [ap]\.m\. \S+$")


@pytest.fixture
def desk(site, new_page):
    """The demo's editor, logged in to the admin through its login form."""
    page = new_page(**DESKTOP)
    page.goto(site + "/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", os.environ.get("DEMO_PASSWORD") or "demo")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site + "/admin/")
    return page


@pytest.fixture
def reader(site, new_page, settings):
    """A reader with the live page open, and when it asked changes.json, each time."""
    settings.LIVEBLOGS_POLL_INTERVAL = 1
    page = new_page(**DESKTOP)
    polls = []
    page.on("request", lambda request: is_poll(request.url) and polls.append(time.monotonic()))
    # When the script asked, to the millisecond: a request the browser answers from its cache
    # while revalidating (stale-while-revalidate) makes two requests of one poll.
    page.add_init_script(CALLS)
    page.goto(site + LIVE)
    # Gone if anything reloads the page: live updates must arrive without one.
    page.evaluate("() => { window.notReloaded = true; }")
    return SimpleNamespace(page=page, polls=polls)


CALLS = """(() => {
  const fetch = window.fetch;
  window.pollCalls = [];
  window.pollStatuses = [];
  window.fetch = (url, ...rest) => {
    if (!String(url).includes("/changes.json?")) { return fetch(url, ...rest); }
    const call = window.pollCalls.push(performance.now() / 1000) - 1;
    return fetch(url, ...rest).then((response) => {
      window.pollStatuses[call] = response.status;
      return response;
    });
  };
})()"""


def poll_calls(page, count, timeout, after=0):
    """When (in seconds) the page polled from ``after`` on, once it has done so ``count`` times.
    (From, not after: the browser's clock counts in steps of a tenth of a millisecond, so a poll
    made at once in answer to something can read the same time as the moment before it.)"""
    page.wait_for_function(
        "([count, after]) => window.pollCalls.filter((t) => t >= after).length >= count",
        arg=[count, after],
        timeout=timeout,
    )
    return [t for t in page.evaluate("() => window.pollCalls") if t >= after]


def is_poll(url):
    return "/changes.json?" in url


def gaps(polls):
    """Seconds between one poll and the next."""
    return [later - earlier for earlier, later in pairwise(polls)]


def wait_for_polls(reader, count, timeout=FIRST_POLL + 5_000):
    """Until the reader has asked changes.json ``count`` times in all."""
    waited = 0
    while len(reader.polls) < count:
        assert waited < timeout, f"{len(reader.polls)} polls in {timeout} ms, expected {count}"
        reader.page.wait_for_timeout(250)
        waited += 250


def polls_during(reader, ms):
    before = len(reader.polls)
    reader.page.wait_for_timeout(ms)
    return len(reader.polls) - before


def submitted(headline):
    """An update filed from the field, waiting for an editor."""
    return Update.objects.create(
        live_page=LivePage.objects.get(slug=LIVE_SLUG),
        headline=headline,
        body="<p>Filed from the riverbank.</p>",
        status=Update.Status.SUBMITTED,
    )


def run_action(desk, site, changelist, pk, action):
    """Tick one row of an admin changelist and run an action on it, as an editor does."""
    desk.goto(site + changelist)
    desk.locator(f'input.action-select[value="{pk}"]').check()
    desk.select_option("select[name=action]", action)
    desk.get_by_role("button", name="Go").click()
    expect(desk.locator(".messagelist").get_by_role("listitem")).to_have_class(
        re.compile(r"\b(success|info)\b")
    )


def relative(minutes):
    """What a reader should see for an update ``minutes`` old: the browser's
    Intl.RelativeTimeFormat in English, short style, but our "just now"."""
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{int(minutes)} min. ago"
    if minutes < 24 * 60:
        return f"{int(minutes // 60)} hr. ago"
    return None  # the server's words


def updates(page):
    return page.locator("section.updates article.update")


def status_text(page):
    return page.locator(".live-page [role=status][aria-live=polite]")


def test_published_edited_and_withdrawn_updates_reach_an_open_page(site, desk, reader):
    page = reader.page
    count = updates(page).count()
    pinned_id = article_ids(page)[0]
    update = submitted("Ferry to Alder Falls runs again from noon")
    article = page.locator(f"#update-{update.pk}")

    run_action(desk, site, "/admin/liveblogs/update/?status__exact=submitted", update.pk, "publish")
    expect(article).to_be_visible(timeout=FIRST_POLL + ARRIVAL)
    expect(article.locator(".update-headline")).to_have_text(
        "Ferry to Alder Falls runs again from noon"
    )
    expect(updates(page)).to_have_count(count + 1)
    # At the top of the stream, below the pinned update, under today's heading.
    assert article_ids(page)[:2] == [pinned_id, f"update-{update.pk}"]
    expect(page.locator(".update-stream > :first-child")).to_have_class("day-heading")
    expect(page.locator(".update-stream > article").first).to_have_id(f"update-{update.pk}")
    day = page.locator(".update-stream > .day-heading").first.text_content()
    assert page.locator(".update-stream > .day-heading", has_text=day).count() == 1
    expect(status_text(page)).to_have_text("1 new update")
    # A relative time, the server's words kept for hovering.
    time = article.locator(".update-meta time")
    expect(time).to_have_text("just now")
    assert ABSOLUTE_TIME.match(time.get_attribute("title")), time.get_attribute("title")
    for age, text in page.eval_on_selector_all(
        ".update-stream > article .update-meta time",
        "nodes => nodes.map(t => [(Date.now() - Date.parse(t.dateTime)) / 60000, t.textContent])",
    ):
        if age >= 24 * 60 + 1:
            assert ABSOLUTE_TIME.match(text), text
        else:  # labelled at most a minute ago
            assert text in {relative(age), relative(age - 1)}, (age, text)

    desk.goto(site + f"/admin/liveblogs/update/{update.pk}/change/")
    desk.fill("#id_headline", "Ferry to Alder Falls runs again, with extra sailings at three")
    desk.locator("input[name=_save]").click()
    expect(desk.locator(".messagelist .success")).to_be_visible()
    expect(article.locator(".update-headline")).to_have_text(
        "Ferry to Alder Falls runs again, with extra sailings at three", timeout=ARRIVAL
    )
    expect(updates(page)).to_have_count(count + 1)
    assert article_ids(page)[:2] == [pinned_id, f"update-{update.pk}"]

    run_action(desk, site, "/admin/liveblogs/update/?q=extra+sailings", update.pk, "withdraw")
    expect(article).to_have_count(0, timeout=ARRIVAL)
    expect(updates(page)).to_have_count(count)
    assert page.evaluate("() => window.notReloaded") is True


def test_a_reader_further_down_gets_a_button_not_a_jump(site, desk, reader, axe_script):
    page = reader.page
    title = page.title()
    reading = page.locator(
        "#" + page.locator(".update-stream > article").nth(8).get_attribute("id")
    )
    reading.evaluate("el => el.scrollIntoView({block: 'start'})")
    top = reading.bounding_box()["y"]

    # A withdrawal above the reader takes the update away without moving what they read.
    above = page.locator(".update-stream > article").nth(2)
    above_pk = above.get_attribute("id").removeprefix("update-")
    run_action(desk, site, "/admin/liveblogs/update/?status__exact=published", above_pk, "withdraw")
    expect(page.locator(f"#update-{above_pk}")).to_have_count(0, timeout=FIRST_POLL + ARRIVAL)
    assert reading.bounding_box()["y"] == pytest.approx(top, abs=1)

    update = submitted("Sandbag station opens at the Alder Falls arena")
    run_action(desk, site, "/admin/liveblogs/update/?status__exact=submitted", update.pk, "publish")
    button = page.get_by_role("button", name="1 new update")
    expect(button).to_be_visible(timeout=ARRIVAL)
    expect(button).to_be_in_viewport()
    expect(page).to_have_title(f"(1) {title}")
    expect(page.locator(f"#update-{update.pk}")).to_have_count(0)
    assert reading.bounding_box()["y"] == pytest.approx(top, abs=1)
    expect(status_text(page)).to_have_text("1 new update")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "live-new-updates-button.png"))
    violations = axe_violations(page, axe_script)
    assert violations == [], f"axe-core with the button showing:{describe(violations)}"

    # A few Shift+Tabs from what the reader is reading reach it; Enter shows the update.
    reading.locator("a").first.focus()
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("() => document.activeElement.matches('.new-updates')"):
            break
    expect(button).to_be_focused()
    expect(button).to_be_in_viewport()
    page.keyboard.press("Enter")
    arrived = page.locator(f"#update-{update.pk}")
    expect(arrived).to_be_in_viewport()
    expect(arrived.locator(".update-headline")).to_be_focused()
    expect(button).to_be_hidden()
    expect(page).to_have_title(title)
    assert article_ids(page)[1] == f"update-{update.pk}"
    assert page.evaluate("() => window.notReloaded") is True


def test_pinning_moves_both_updates(site, desk, reader):
    page = reader.page
    old_pin = article_ids(page)[0]
    stream = page.locator(".update-stream > article")
    new_pin = stream.nth(4).get_attribute("id")

    run_action(
        desk,
        site,
        "/admin/liveblogs/update/?status__exact=published",
        new_pin.removeprefix("update-"),
        "pin",
    )
    first = page.locator("section.updates > article").first
    expect(first).to_have_id(new_pin, timeout=FIRST_POLL + ARRIVAL)
    expect(first).to_have_class(re.compile(r"\bis-pinned\b"))
    expect(page.locator("section.updates > article")).to_have_count(1)
    # The update that was pinned goes back into the stream at its time.
    expect(page.locator(f".update-stream > #{old_pin}")).to_have_count(1)
    expect(page.locator(f"#{old_pin}")).not_to_have_class(re.compile(r"\bis-pinned\b"))
    times = page.eval_on_selector_all(
        ".update-stream > article .update-meta time",
        "nodes => nodes.map(t => Date.parse(t.dateTime))",
    )
    assert times == sorted(times, reverse=True)
    ids = article_ids(page)
    assert len(ids) == len(set(ids))


def test_a_reader_far_behind_gets_the_latest_and_can_still_go_further_back(site, reader):
    page = reader.page
    pinned_id = article_ids(page)[0]
    wait_for_polls(reader, 1)
    # More changes than a poll lists: the answer is a fresh start (reset) instead.
    live_page = LivePage.objects.get(slug=LIVE_SLUG)
    now = timezone.now()
    for n in range(1, 26):
        Update.objects.create(
            live_page=live_page,
            headline=f"River gauge reading number {n}",
            body="<p>Metres above the usual level.</p>",
            status=Update.Status.PUBLISHED,
            published_at=now - timedelta(seconds=60 - n),
        )
    newest = page.locator(".update-stream > article").first.locator(".update-headline")
    expect(newest).to_have_text("River gauge reading number 25", timeout=ARRIVAL)
    expect(updates(page)).to_have_count(21)  # the pinned update, then the newest 20
    assert article_ids(page)[0] == pinned_id
    expect(page.locator(".update-stream > article.is-new")).to_have_count(20)

    page.get_by_role("link", name="Show older updates").click()
    # The older batch continues from where the fresh start ended.
    expect(page.get_by_text("River gauge reading number 5", exact=True)).to_be_visible()
    ids = article_ids(page)
    assert len(ids) == len(set(ids)) == 41
    times = page.eval_on_selector_all(
        ".update-stream > article .update-meta time",
        "nodes => nodes.map(t => Date.parse(t.dateTime))",
    )
    assert times == sorted(times, reverse=True)


def test_pausing_stops_live_updates_and_is_remembered(site, reader):
    page = reader.page
    editor = get_user_model().objects.get(username="editor")
    toggle = page.get_by_role("button", name="Pause live updates")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    wait_for_polls(reader, 1)

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(status_text(page)).to_have_text("Live updates paused")
    expect(page.locator(".live-controls")).to_contain_text("Live updates paused")
    during_pause = submitted("Water treatment plant back to full capacity")
    during_pause.publish(by=editor)
    assert polls_during(reader, 4_000) == 0
    expect(page.locator(f"#update-{during_pause.pk}")).to_have_count(0)
    assert page.evaluate(f"() => localStorage.getItem('liveblogs:paused:{LIVE_SLUG}')") == "1"

    page.reload()
    toggle = page.get_by_role("button", name="Pause live updates")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    after_reload = submitted("School buses will take the upper road tomorrow")
    after_reload.publish(by=editor)
    # Longer than the wait before a page's first poll: still none.
    assert polls_during(reader, FIRST_POLL + 2_000) == 0
    expect(page.locator(f"#update-{after_reload.pk}")).to_have_count(0)

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(status_text(page)).to_have_text(re.compile("Live updates resumed|1 new update"))
    expect(page.locator(f"#update-{after_reload.pk}")).to_be_visible(timeout=ARRIVAL)
    assert page.evaluate(f"() => localStorage.getItem('liveblogs:paused:{LIVE_SLUG}')") is None


def test_ending_the_page_stops_polling_and_shows_the_recap_label(site, desk, reader):
    page = reader.page
    wait_for_polls(reader, 1)
    # Polling every second, so the count below could tell if it went on.
    assert polls_during(reader, 3_000) >= 2

    live_page = LivePage.objects.get(slug=LIVE_SLUG)
    run_action(desk, site, "/admin/liveblogs/livepage/", live_page.pk, "end_coverage")
    recap = page.locator(".page-header .page-state .badge-recap")
    expect(recap).to_have_text(re.compile("^recap$", re.I), timeout=ARRIVAL)
    expect(page.locator(".badge-live")).to_have_count(0)
    expect(page).to_have_title(re.compile(r"^RECAP: "))
    expect(page.get_by_role("button", name="Pause live updates")).to_have_count(0)
    expect(page.locator(".callout")).to_have_count(0)
    expect(status_text(page)).to_contain_text("ended")
    # The server's times again, as on a recap, and nothing ticks any more.
    for text in page.locator(".update-meta time").all_text_contents():
        assert ABSOLUTE_TIME.match(text), text
    assert polls_during(reader, 4_000) == 0
    assert page.evaluate("() => window.notReloaded") is True


def test_live_controls_fit_a_phone(site, new_page):
    page = new_page(**PHONE)
    page.goto(site + LIVE)
    controls = page.locator(".live-controls")
    expect(controls).to_be_visible()
    toggle = controls.get_by_role("button", name="Pause live updates")
    box = toggle.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    controls.evaluate("el => el.scrollIntoView({block: 'center'})")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "live-controls-phone.png"))


HIDE_TAB = """hidden => {
  // Headless Chromium's tab never hides: play the part, as the browser would on a tab switch.
  const now = performance.now() / 1000;
  Object.defineProperty(document, "visibilityState", {
    configurable: true, get: () => (hidden ? "hidden" : "visible"),
  });
  document.dispatchEvent(new Event("visibilitychange"));
  return now;
}"""


def test_polls_slow_down_in_a_hidden_tab_and_back_off_after_errors(site, reader):
    page = reader.page
    calls = poll_calls(page, 3, FIRST_POLL + 5_000)
    # The server's interval from the first answer on.
    assert gaps(calls[1:3]) == [pytest.approx(1, abs=0.3)]

    # Three times slower while hidden (after the poll already due); at once on coming back.
    hidden_at = page.evaluate(HIDE_TAB, True)
    calls = poll_calls(page, 3, 10_000, after=hidden_at)
    assert gaps(calls[:3]) == [pytest.approx(3, abs=0.3)] * 2
    page.wait_for_timeout(1_000)  # between polls: none under way
    shown_at = page.evaluate(HIDE_TAB, False)
    calls = poll_calls(page, 1, 2_000, after=shown_at)
    assert calls[0] - shown_at < 0.3

    # Errors double the wait; the first answer after them brings back the server's interval.
    page.route(is_poll, lambda route: route.fulfill(status=503, body="Busy"))
    page.wait_for_function(
        "() => window.pollStatuses.filter((s) => s === 503).length >= 3", timeout=10_000
    )
    page.unroute(is_poll)
    page.wait_for_function(
        """() => { const s = window.pollStatuses, i = s.indexOf(503);
            return s.slice(i).filter((status) => status === 200).length >= 2; }""",
        timeout=12_000,
    )
    calls, statuses = page.evaluate("() => [window.pollCalls, window.pollStatuses]")
    first = statuses.index(503)
    assert statuses[first : first + 5] == [503, 503, 503, 200, 200]
    assert gaps(calls[first : first + 5]) == [
        pytest.approx(2, abs=0.3),
        pytest.approx(4, abs=0.3),
        pytest.approx(8, abs=0.3),
        pytest.approx(1, abs=0.3),
    ]


# A language for each page: French, and right to left ------------------------------------------

FRENCH = "/live/crue-de-la-kestrel-alder-falls/"

SIDES = """() => {
  // Where things sit across the width of the first update and the page's boxes.
  const box = (selector) => document.querySelector(selector).getBoundingClientRect();
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  const article = box(".update-stream article");
  // The time's words (a block of their own): where the line of text starts.
  const words = document.createRange();
  words.selectNodeContents(document.querySelector(".update-stream article .update-meta time"));
  const time = words.getBoundingClientRect();
  const headline = box(".update-stream article .update-headline");
  return {
    dir: document.documentElement.dir,
    timeFromLeft: time.left - article.left,
    timeFromRight: article.right - time.right,
    headlineWidth: headline.width,
    latestBorder: [style(".key-points").borderLeftWidth, style(".key-points").borderRightWidth],
    keyEventsLine: [style(".key-events ol").borderLeftWidth, style(".key-events ol").borderRightWidth],
  };
}"""


def test_a_right_to_left_page_mirrors_its_layout(site, new_page, settings):
    """The same page in a left-to-right and a right-to-left language: an update's time starts on
    the right,
    The Latest's and the key events' lines are on the right. (Arabic is added for the test: the
    site speaks English and French.)"""
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    page = new_page(**DESKTOP)
    page.goto(site + LIVE)
    ltr = page.evaluate(SIDES)
    demo_page = LivePage.objects.get(slug=LIVE_SLUG)
    demo_page.language = "ar"
    demo_page.save()
    page = new_page(**DESKTOP)  # a fresh browser cache: the page may be kept for 30 s
    page.goto(site + LIVE)
    rtl = page.evaluate(SIDES)
    assert (ltr["dir"], rtl["dir"]) == ("ltr", "rtl")
    assert ltr["timeFromLeft"] < 1 and ltr["timeFromRight"] > 100
    assert rtl["timeFromRight"] < 1 and rtl["timeFromLeft"] > 100
    assert (ltr["latestBorder"], rtl["latestBorder"]) == (["4px", "0px"], ["0px", "4px"])
    assert (ltr["keyEventsLine"], rtl["keyEventsLine"]) == (["2px", "0px"], ["0px", "2px"])
    # Nothing overflows sideways on a phone either.
    phone = new_page(**PHONE)
    phone.goto(site + LIVE)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "live-page-rtl.png"))
    phone.screenshot(path=str(SCREENSHOTS / "live-page-rtl-phone.png"))


def test_the_french_page_on_a_phone(site, new_page):
    page = new_page(**PHONE)
    page.goto(site + FRENCH)
    assert page.evaluate("() => document.documentElement.lang") == "fr"
    headings = page.locator(".day-heading").all_inner_texts()
    french_days = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    assert len(headings) == 2 and all(h.split()[0].lower() in french_days for h in headings)
    # The English twin, named in English, at the top.
    english = page.locator(".page-translation a")
    assert english.inner_text() == "English" and english.get_attribute("lang") == "en"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "live-page-french-phone.png"), full_page=True)
