"""The editors' rich-text editor in Chromium, as an editor uses it in the admin at 1280×800, under
the site's Content-Security-Policy: typing bold and a link, pasting from a word processor, a
reporter's Markdown-made body, key points with an e-mail link, and axe-core on the update form.

What the editor shows is what is stored and what readers get; nothing it does is refused by the
policy (every page here records violations and fails on one).
"""

import re

import pytest

from liveblogs import markup
from liveblogs.models import KeyPoint, LivePage, Update

from ..factories import make_update
from .test_browser import LIVE_SLUG, SCREENSHOTS, describe
from .test_security import WATCH_CSP, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture (conftest.py) skips, or fails on CI, with the reason
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
REL = 'rel="noopener noreferrer nofollow"'

# What a word processor (and Google Docs, and a web page) puts on the clipboard: styles, classes,
# spans, <font>, a script, an image from elsewhere, a table, headings the page owns, a numbered
# list with its own numbering, links of every kind.
PASTED = """<html><head><meta charset="utf-8"><style>p.MsoNormal{color:red}</style>
<script>window.pasteRan = 1</script></head><body>
<!--[if gte mso 9]><xml><o:OfficeDocumentSettings></o:OfficeDocumentSettings></xml><![endif]-->
<p class="MsoNormal" style="margin:0cm"><span lang="EN-CA" style="font-family:Calibri"><b>Crews</b>
worked <i>through the night</i> at the <font color="red" face="Arial">dike</font>.</span></p>
<b style="font-weight:normal" id="docs-internal-guid-1"><p dir="ltr" style="line-height:1.38"><span
style="font-weight:700">Sandbags</span><span style="font-weight:400"> </span><span
style="font-style:italic">ran out</span><span style="font-weight:400"> by dawn.</span></p></b>
<p><img src="https://elsewhere.example/pixel.png" onerror="window.pasteRan = 2" width="600"></p>
<table border="1"><tr><td>Gauge</td><td>6.02 m</td></tr></table>
<h1>A heading the page owns</h1><h3 style="color:blue">What happens next</h3>
<ol start="3" type="a"><li>Evacuate</li></ol>
<p><a href="javascript:window.pasteRan = 3">a script link</a>, <a href="https://example.org/map"
target="_blank" class="ext" style="color:red">the map</a>, <a href="tel:5550142">call</a> and
<u>underlined</u> words.</p>
</body></html>"""

# ... and what the editor keeps of it: the allow-list's formatting only.
KEPT = (
    "<p><strong>Crews</strong> worked <em>through the night</em> at the dike.</p>"
    "<p><strong>Sandbags</strong> <em>ran out</em> by dawn.</p>"
    "<p></p><p>Gauge</p><p>6.02 m</p>"
    "<p>A heading the page owns</p><h3>What happens next</h3>"
    "<ol><li><p>Evacuate</p></li></ol>"
    '<p>a script link, <a href="https://example.org/map">the map</a>, call and underlined'
    " words.</p>"
)

PASTE = """([selector, html]) => {
  const target = document.querySelector(selector);
  target.focus();
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", "plain text fallback");
  target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
                                                    cancelable: true}));
}"""


@pytest.fixture
def desk(site, new_page):
    """An editor signed in to the admin at 1280×800; ``desk.check()`` asserts that nothing was
    refused by the page's policy and no script failed."""
    page = new_page(**DESKTOP)
    page.add_init_script(WATCH_CSP)
    problems = []
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("request", lambda r: "elsewhere.example" in r.url and problems.append(r.url))

    def check(what):
        assert (page.evaluate("() => window.__csp"), problems) == ([], []), what

    page.check = check
    sign_in(page, site, "editor", "/admin/")
    return page


def screenshot(page, name):
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def body_editor(page):
    return rich_text(page, "Body:")


def rich_text(page, name):
    """A rich-text field as editors meet it: the editor, once it has taken the textarea's place.
    (A click that found the textarea first would wait for the hidden textarea for ever.)"""
    editor = page.get_by_role("textbox", name=name)
    expect(editor).to_have_attribute("contenteditable", "true")
    return editor


def editor_html(editor):
    """The editor's document as HTML (ProseMirror's own markers left out)."""
    return editor.evaluate(
        "e => { const c = e.cloneNode(true);"
        " c.querySelectorAll('.ProseMirror-trailingBreak').forEach(n => n.remove());"
        " return c.innerHTML }"
    )


# Through the editor's own API (prose.js, as the desk's composer uses it): arrow keys pressed right
# after typing can race ProseMirror reading what was typed.
SELECT_LAST = """async ([selector, words]) => {
  const script = document.querySelector('script[type=module][src*="liveblogs/prose.js"]');
  const { editorFor } = await import(script.src);
  const editor = editorFor(document.querySelector(selector));
  const to = editor.state.selection.to;
  editor.chain().focus().setTextSelection({ from: to - words.length, to }).run();
  return editor.state.doc.textBetween(to - words.length, to);
}"""


def select_last(page, textarea, words):
    """Select ``words``, just typed before the cursor."""
    expect(page.locator(textarea)).to_have_value(re.compile(re.escape(words)))
    assert page.evaluate(SELECT_LAST, [textarea, words]) == words


def add_link(page, url):
    """Link the selection: Ctrl+K, the address, Update (the editor's own dialog)."""
    page.keyboard.press("Control+k")
    dialog = page.locator("dialog.prose-editor-dialog")
    dialog.get_by_label("URL").fill(url)
    dialog.get_by_role("button", name="Update").click()
    expect(dialog).to_have_count(0)


def live_update():
    return make_update(
        live_page=LivePage.objects.get(slug=LIVE_SLUG),
        headline="Dike holds at Lower Town", body="<p>Crews are on the dike.</p>",
    )


def test_bold_and_a_link_typed_in_the_update_form_reach_readers(site, desk):
    update = live_update()
    desk.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    editor = body_editor(desk)
    expect(editor).to_have_text("Crews are on the dike.")
    expect(desk.locator("#id_body")).to_be_hidden()  # HTML is never typed
    editor.click()
    desk.keyboard.press("Control+a")
    desk.keyboard.type("The dike ")
    desk.keyboard.press("Control+b")
    desk.keyboard.type("held overnight")
    desk.keyboard.press("Control+b")
    desk.keyboard.type(". Call the flood line")
    select_last(desk, "#id_body", "flood line")
    add_link(desk, "https://example.org/flood-line")
    desk.keyboard.press("End")
    desk.keyboard.type(" or write to the desk")
    select_last(desk, "#id_body", "the desk")
    add_link(desk, "mailto:desk@valley-courier.example")
    shown = (
        "<p>The dike <strong>held overnight</strong>. Call the "
        '<a href="https://example.org/flood-line">flood line</a> or write to '
        '<a href="mailto:desk@valley-courier.example">the desk</a></p>'
    )
    assert editor_html(editor) == shown
    assert desk.locator("#id_body").input_value() == shown
    screenshot(desk, "editor-update-typed.png")
    desk.check("typing in the update form")

    desk.get_by_role("button", name="Save", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("was changed successfully")
    update.refresh_from_db()
    stored = shown.replace('">', f'" {REL}>')
    assert update.body == stored

    desk.goto(f"{site}{update.live_page.get_absolute_url()}")
    body = desk.locator(f"#update-{update.pk} .update-body")
    assert body.inner_html() == stored
    expect(body.locator("strong")).to_have_text("held overnight")
    expect(body.get_by_role("link", name="flood line")).to_have_attribute(
        "href", "https://example.org/flood-line"
    )
    expect(body.get_by_role("link", name="the desk")).to_have_attribute(
        "href", "mailto:desk@valley-courier.example"
    )
    desk.check("the live page")


def test_pasting_from_a_word_processor_keeps_only_the_allowed_formatting(site, desk):
    update = live_update()
    desk.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    editor = body_editor(desk)
    editor.click()
    desk.keyboard.press("Control+a")
    desk.keyboard.press("Delete")
    desk.evaluate(PASTE, [".field-body .tiptap", PASTED])
    expect(editor).to_contain_text("underlined words.")
    assert editor_html(editor) == KEPT
    assert desk.locator("#id_body").input_value() == KEPT
    assert desk.evaluate("() => window.pasteRan") is None
    screenshot(desk, "editor-update-pasted.png")
    desk.check("pasting")

    desk.get_by_role("button", name="Save", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("was changed successfully")
    update.refresh_from_db()
    assert update.body == KEPT.replace('">', f'" {REL}>')
    # Opened again, the editor shows what it showed.
    desk.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    assert editor_html(body_editor(desk)) == KEPT
    desk.check("reopened")


def test_a_reporters_markdown_body_opens_formatted(site, desk):
    typed = "**Bold** and _italic_ [words](https://example.org/)\n\n> A quote\n\n- one\n- two"
    update = make_update(
        live_page=LivePage.objects.get(slug=LIVE_SLUG), headline="Filed from the field",
        status=Update.Status.SUBMITTED, body=markup.to_html(typed + "\n\n### What next"),
    )
    desk.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    editor = body_editor(desk)
    expect(editor.locator("strong")).to_have_text("Bold")
    expect(editor.locator("em")).to_have_text("italic")
    expect(editor.get_by_role("link", name="words")).to_be_visible()
    expect(editor.locator("blockquote")).to_have_text("A quote")
    expect(editor.locator("ul > li")).to_have_text(["one", "two"])
    expect(editor.locator("h3")).to_have_text("What next")
    # Formatted, not as markup: neither the reporter's nor HTML's.
    for raw in ["**", "_italic_", "<p>", "&lt;", "###"]:
        expect(editor).not_to_contain_text(raw)
    desk.check("a filed update")


def test_key_points_take_bold_and_mail_links_in_full_width_rows(site, desk):
    page = LivePage.objects.get(slug=LIVE_SLUG)
    desk.goto(f"{site}/admin/liveblogs/livepage/{page.pk}/change/")
    group = desk.locator("#key_points-group")
    roads = group.get_by_role("textbox", name="Key point").filter(has_text="Water Street")
    # The point's words take the row: wider than everything else in it together.
    row = roads.locator("xpath=ancestor::tr").bounding_box()
    assert roads.bounding_box()["width"] > 0.75 * row["width"]
    roads.click()
    desk.keyboard.press("End")
    desk.keyboard.press("Enter")  # one line: Enter makes no second paragraph
    desk.keyboard.press("Control+a")
    desk.keyboard.press("Control+b")
    shown = (
        "<p><strong>Water Street and the Mill Street bridge stay closed; buses on routes 4 and 12 "
        "are detoured.</strong></p>"
    )
    assert editor_html(roads) == shown

    # A new row's editor starts when the row is added.
    editors = group.get_by_role("textbox", name="Key point")
    before = editors.count()
    group.locator(".add-row a").click()
    expect(editors).to_have_count(before + 1)
    row = group.locator("tr.form-row:not(.empty-form)").last
    row.get_by_role("textbox", name="Key point").click()
    desk.keyboard.type("Questions? Write to the desk")
    textarea = row.locator("textarea").get_attribute("id")
    select_last(desk, f"#{textarea}", "the desk")
    add_link(desk, "mailto:desk@valley-courier.example")
    row.scroll_into_view_if_needed()
    screenshot(desk, "editor-key-points.png")
    desk.check("key points")
    desk.get_by_role("button", name="Save", exact=True).click()
    expect(desk.locator(".messagelist")).to_contain_text("was changed successfully")

    point = KeyPoint.objects.filter(live_page=page).order_by("position").last()  # added last
    assert point.text == (
        f'Questions? Write to <a href="mailto:desk@valley-courier.example" {REL}>the desk</a>'
    )
    stored = KeyPoint.objects.get(live_page=page, text__contains="Water Street").text
    assert stored == shown.removeprefix("<p>").removesuffix("</p>")
    desk.goto(f"{site}{page.get_absolute_url()}")
    latest = desk.locator(".key-points")
    expect(latest.locator("li strong").filter(has_text="Water Street")).to_have_text(
        "Water Street and the Mill Street bridge stay closed; buses on routes 4 and 12 are "
        "detoured."
    )
    expect(latest.get_by_role("link", name="the desk")).to_have_attribute(
        "href", "mailto:desk@valley-courier.example"
    )
    desk.check("the live page's key points")


def serious(page, selector):
    """axe-core's critical and serious findings in what ``selector`` picks."""
    found = page.evaluate(
        "async (selector) => (await axe.run({include: [selector]})).violations", selector
    )
    return [rule for rule in found if rule["impact"] in ("critical", "serious")]


def test_axe_finds_nothing_serious_in_the_editor_on_the_update_form(axe_script, site, new_page):
    """The editor's row of the form (label, menu, editing area, help) and its link dialog.

    (The rest of the form is Django's admin as it was, whose own widgets axe faults: the
    autocomplete boxes, the date and time inputs, the positions of inline rows.)
    """
    update = live_update()
    page = new_page(**DESKTOP)
    sign_in(page, site, "editor", "/admin/")
    page.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    editor = body_editor(page)
    expect(editor).to_be_visible()
    page.add_script_tag(path=str(axe_script))
    violations = serious(page, ".field-body")
    assert violations == [], f"axe-core on the editor:{describe(violations)}"

    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+k")
    expect(page.locator("dialog.prose-editor-dialog")).to_be_visible()
    violations = serious(page, "dialog.prose-editor-dialog")
    assert violations == [], f"axe-core on the link dialog:{describe(violations)}"


# What the desk's composer builds on: prose.js's exports (README, "Rich text for editors").
API = """async () => {
  const script = document.querySelector('script[type=module][src*="liveblogs/prose.js"]');
  const { createEditor, editorFor, initialize } = await import(script.src);
  const body = document.querySelector("#id_body");
  const inputs = [];
  body.addEventListener("input", () => inputs.push(body.value));
  const editor = editorFor(body);
  editor.commands.setContent("<p>Set <em>from a script</em></p>");
  const afterSet = [body.value, inputs.length];
  editor.commands.clearContent(true);
  const afterClear = body.value;

  // A field added to the page later, as a composer might load one.
  const box = document.createElement("div");
  const added = document.createElement("textarea");
  added.id = "id_later";
  added.setAttribute("data-django-prose-editor-liveblogs",
                     body.getAttribute("data-django-prose-editor-liveblogs"));
  added.value = "<p>Loaded <strong>later</strong></p>";
  box.append(added);
  document.querySelector("#content").append(box);
  const ready = [];
  box.addEventListener("prose-editor:ready", (e) => ready.push(e.detail.textarea.id));
  const made = initialize(box);
  return {
    afterSet, afterClear, ready, started: made.length,
    same: createEditor(added) === made[0] && editorFor(added) === made[0],
    shown: box.querySelector(".tiptap").innerHTML,
  };
}"""


def test_the_editor_api_other_pages_build_on(site, desk):
    update = live_update()
    desk.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    expect(body_editor(desk)).to_be_visible()
    result = desk.evaluate(API)
    assert result == {
        "afterSet": ["<p>Set <em>from a script</em></p>", 1],
        "afterClear": "",
        "ready": ["id_later"],
        "started": 1,
        "same": True,
        "shown": "<p>Loaded <strong>later</strong></p>",
    }
    desk.check("the editor's API")
