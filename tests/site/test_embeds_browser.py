"""Embeds in a reader's browser (the demo's live page, on a phone): nothing is asked of a provider
before the reader clicks; the click loads the provider's frame under the page's own policy, with
no violation, and puts the focus in it; "Always load" is remembered without a cookie.

Every request that leaves the live server is recorded and answered by a stub here, so no test
reaches the network. Screenshots of a card before and after loading go to tests/screenshots/.
"""

from urllib.parse import urlsplit

import pytest

from .test_browser import LIVE, PHONE, SCREENSHOTS, axe_violations, describe, expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BLUESKY = "kestrel-conservation.bsky.social"
STUB = "<!doctype html><title>Stub</title><p style='font:16px sans-serif'>The provider's frame (a stub in tests).</p>"

# Every policy violation the page reports, kept where the test can read it.
VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def reader(site, new_page):
    """A phone on the demo's live page; ``outside`` lists every request that left the site."""
    page = new_page(**PHONE)
    outside = []

    def stub(route):
        outside.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=STUB)

    own = urlsplit(site).netloc
    page.context.route(lambda url: urlsplit(url).netloc != own and not url.startswith("data:"), stub)
    page.add_init_script(VIOLATIONS)
    page.goto(site + LIVE)
    page.outside = outside
    return page


def bluesky_card(page):
    return page.locator('[data-embed="bluesky"]').first


def test_no_request_leaves_the_site_before_the_click_then_the_frame_loads(reader):
    card = bluesky_card(reader)
    button = card.get_by_role("button", name="Load the post by Kestrel Conservation Authority "
                                             f"(@{BLUESKY}) from Bluesky")
    button.scroll_into_view_if_needed()
    reader.wait_for_load_state("networkidle")
    assert reader.outside == []  # the cards, thumbnails included, are the site's own
    expect(card.get_by_text("Loading it connects you to Bluesky")).to_be_visible()
    card.screenshot(path=str(SCREENSHOTS / "embed-card-phone.png"))

    button.click()
    frame = card.locator("iframe")
    expect(frame).to_have_attribute(
        "src", "https://embed.bsky.app/embed/did:plc:kestrelconservation0demo/app.bsky.feed.post/3lkrvcrest2a")
    expect(frame).to_have_attribute("title", "The Kestrel crested at 6.02 m at the Mill Street gauge at "
                                    "3:40 a.m. Levels are now falling slowly; stay out of the water, it "
                                    "is cold and fast. (from Bluesky)")
    expect(frame).to_be_focused()
    reader.frame_locator('[data-embed="bluesky"] iframe').get_by_text("a stub in tests").wait_for()
    assert [urlsplit(url).netloc for url in reader.outside] == ["embed.bsky.app"]
    # Loaded under the page's policy (frame-src lists the providers): nothing was refused.
    assert reader.evaluate("window.violations") == []
    card.screenshot(path=str(SCREENSHOTS / "embed-loaded-phone.png"))
    # The other card is untouched: one click loads one post.
    assert reader.locator('[data-embed="datawrapper"] iframe').count() == 0


def test_always_load_is_remembered_without_a_cookie(reader, site):
    box = bluesky_card(reader).get_by_label("Always load posts from Bluesky")
    box.click()  # the card, the box with it, gives way to the frame
    expect(bluesky_card(reader).locator("iframe")).to_be_attached()
    assert reader.evaluate("localStorage.getItem('liveblogs:embeds:always')") == '["bluesky"]'
    assert reader.context.cookies() == []
    reader.reload()
    # Bluesky's posts load by themselves now; the chart still waits for a click.
    expect(bluesky_card(reader).locator("iframe")).to_be_attached()
    assert reader.locator('[data-embed="datawrapper"] iframe').count() == 0
    assert reader.locator('[data-embed="datawrapper"] button').is_visible()


def test_without_javascript_the_card_is_a_link(site, new_page):
    page = new_page(**PHONE, java_script_enabled=False)
    page.goto(site + LIVE)
    card = bluesky_card(page)
    expect(card.get_by_role("button")).to_be_hidden()
    link = card.get_by_role("link").first
    expect(link).to_have_attribute(
        "href", f"https://bsky.app/profile/{BLUESKY}/post/3lkrvcrest2a")


def test_cards_have_no_accessibility_finding(site, new_page, axe_script):
    page = new_page(**PHONE)
    page.goto(site + LIVE)
    bluesky_card(page).scroll_into_view_if_needed()
    violations = [v for v in axe_violations(page, axe_script)
                  if any("embed" in str(node.get("target")) for node in v["nodes"])]
    assert violations == [], describe(violations)


PASTE_TEXT = """([selector, text]) => {
  const target = document.querySelector(selector);
  target.focus();
  const data = new DataTransfer();
  data.setData("text/plain", text);
  target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                    cancelable: true}));
}"""


def to_the_end(page):
    """The caret to the end of the body, in the editor's own state. (Control+End moves the
    browser's selection; on a loaded machine the editor may read it only after the next key.)"""
    page.evaluate("() => document.querySelector('.field-body .tiptap').editor.commands.focus('end')")


def test_an_address_pasted_alone_in_the_editor_becomes_an_embed(site, new_page):
    from liveblogs.models import LivePage

    from ..factories import make_update
    from .test_browser import LIVE_SLUG
    from .test_editor_browser import body_editor, sign_in

    update = make_update(live_page=LivePage.objects.get(slug=LIVE_SLUG), headline="River cam",
                         body="<p>The river from the footbridge:</p>")
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, site, "editor", "/admin/")
    page.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    editor = body_editor(page)
    editor.click()
    to_the_end(page)
    page.keyboard.press("Enter")
    url = "https://youtu.be/dQw4w9WgXcQ?si=AbCdEf"
    page.evaluate(PASTE_TEXT, [".field-body .tiptap", url])
    expect(editor).to_contain_text(url)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    update.refresh_from_db()
    assert [e.url for e in update.embeds.all()] == ["https://www.youtube.com/watch?v=dQw4w9WgXcQ"], update.body
    page.goto(site + update.get_absolute_url())
    expect(page.get_by_role("button", name="Load the video from YouTube")).to_be_visible()


def test_the_editors_embed_button_puts_an_address_alone_in_its_paragraph(site, new_page):
    from liveblogs.models import LivePage

    from ..factories import make_update
    from .test_browser import LIVE_SLUG
    from .test_editor_browser import body_editor, sign_in

    update = make_update(live_page=LivePage.objects.get(slug=LIVE_SLUG), headline="The gauge",
                         body="<p>The readings so far:</p>")
    page = new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, site, "editor", "/admin/")
    page.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    body_editor(page).click()
    to_the_end(page)
    page.get_by_role("button", name="Embed a post, video, chart or map").click()
    dialog = page.locator("dialog.prose-editor-dialog")
    dialog.get_by_label("Address of the post, video, chart or map").fill(
        "https://datawrapper.dwcdn.net/kRv7a/2/")
    dialog.get_by_role("button", name="Embed").click()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    update.refresh_from_db()
    assert [e.url for e in update.embeds.all()] == ["https://datawrapper.dwcdn.net/kRv7a/"], update.body
    assert update.body.startswith("<p>The readings so far:</p>")
