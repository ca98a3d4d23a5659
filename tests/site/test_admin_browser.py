"""The desk in a real browser: publishing a submitted update in two clicks, an edit conflict that
keeps the editor's words, rows put in order by keyboard and by dragging, the add form's callout
menu, and axe-core on the forms editors use most. Chromium through Playwright, on the demo
newsroom."""


import re

import pytest
from django.contrib.auth.models import User

from liveblogs.models import Callout, LivePage, Reporter, Update

from ..factories import make_callout, make_page, make_update
from .test_browser import DESKTOP, LIVE_SLUG, SCREENSHOTS, axe_violations, describe

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture (conftest.py) skips, or fails on CI, with the reason
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]



def sign_in(page, site):
    page.goto(site + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Waiting for the desk")).to_be_visible()


def test_an_editor_publishes_a_submitted_update_in_two_clicks(site, new_page):
    update = make_update(
        live_page=LivePage.objects.get(slug=LIVE_SLUG), status=Update.Status.SUBMITTED,
        headline="Ferry to Lower Town suspended until the river drops",
    )
    waiting = Update.objects.filter(status=Update.Status.SUBMITTED).count()
    page = new_page(**DESKTOP)
    sign_in(page, site)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-index-desk-queue.png"))
    queue = page.get_by_role("link", name=f"{waiting} update")
    queue.click()  # click 1
    expect(page.get_by_role("row", name=update.headline)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "admin-submitted-updates.png"))
    row = page.get_by_role("row", name=update.headline)
    row.get_by_role("button", name="Publish").click()  # click 2
    expect(page.locator(".messagelist")).to_contain_text(f"Published “{update.headline}”.")
    expect(page.get_by_role("row", name=update.headline)).to_have_count(0)  # still the filtered list
    update.refresh_from_db()
    assert update.status == Update.Status.PUBLISHED
    page.goto(site + f"/live/{LIVE_SLUG}/")
    expect(page.get_by_role("heading", name=update.headline)).to_be_visible()


def test_a_stale_save_keeps_the_editors_words_in_the_browser(site, new_page):
    update = make_update(live_page=LivePage.objects.get(slug=LIVE_SLUG), headline="Bridge shut")
    mine = new_page(**DESKTOP)
    sign_in(mine, site)
    mine.goto(site + f"/admin/liveblogs/update/{update.pk}/change/")
    mine.get_by_label("Headline").fill("Bridge shut until Friday, council says")
    # Meanwhile a colleague saves.
    update.headline = "Bridge shut: council to inspect"
    update.body = "<p>Water is rising.</p><p>Engineers inspect the piers at noon.</p>"
    update.save_edit(by=User.objects.get(username="reporter"))
    mine.get_by_role("button", name="Save", exact=True).click()
    expect(mine.locator(".errornote")).to_be_visible()
    expect(mine.locator("ul.errorlist.nonfield")).to_contain_text("while you were editing")
    expect(mine.get_by_label("Headline")).to_have_value("Bridge shut until Friday, council says")
    mine.screenshot(path=str(SCREENSHOTS / "admin-edit-conflict.png"))
    update.refresh_from_db()
    assert update.headline == "Bridge shut: council to inspect"
    # Their version, and what they changed, are in the history.
    mine.get_by_role("link", name="History").click()
    expect(mine.locator(".revision").first).to_contain_text("Engineers inspect the piers at noon.")
    mine.screenshot(path=str(SCREENSHOTS / "admin-update-history.png"), full_page=True)


@pytest.mark.parametrize("form", ["update-change", "update-add", "livepage-change"])
def test_axe_finds_nothing_critical_or_serious_on_the_desks_forms(axe_script, site, new_page, form):
    live = LivePage.objects.get(slug=LIVE_SLUG)
    update = Update.objects.filter(
        live_page=live, bylines__isnull=False, update_photos__isnull=False
    ).first()
    path = {
        "update-change": f"/admin/liveblogs/update/{update.pk}/change/",
        "update-add": "/admin/liveblogs/update/add/",
        "livepage-change": f"/admin/liveblogs/livepage/{live.pk}/change/",
    }[form]
    page = new_page(**DESKTOP)
    sign_in(page, site)
    page.goto(site + path)
    # Select2 draws its boxes once the page is ready; the names come after them.
    expect(page.locator(".select2-selection").first).to_have_attribute("aria-label", re.compile("."))
    violations = [v for v in axe_violations(page, axe_script) if v["impact"] in ("critical", "serious")]
    assert violations == [], f"axe-core on {path}:{describe(violations)}"


def key_point_texts(page):
    # Each point's words as stored: the HTML its editor keeps in the row's textarea.
    return [
        box.input_value()
        for box in page.locator("#key_points-group tr.has_original td.field-text textarea").all()
    ]


def test_key_points_are_put_in_order_with_the_keyboard(site, new_page):
    live = LivePage.objects.get(slug=LIVE_SLUG)
    stored = list(live.key_points.values_list("text", flat=True))
    assert len(stored) >= 3
    page = new_page(**DESKTOP)
    sign_in(page, site)
    page.goto(f"{site}/admin/liveblogs/livepage/{live.pk}/change/")
    rows = page.locator("#key_points-group tr.has_original")
    # No position to type: a handle and two buttons instead.
    expect(rows.first.locator("td.field-position input")).to_be_hidden()
    top = rows.first.get_by_role("button", name="Move up")
    expect(top).to_have_attribute("aria-disabled", "true")

    # The third point up twice, with Enter then Space: the focus stays on its button, and a
    # screen reader hears where it went (the blank row for a new point counts too).
    third = rows.filter(has_text=stored[2][:40])
    move_up = third.get_by_role("button", name="Move up")
    move_up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    count = page.locator("#key_points-group tr.form-row:not(.empty-form)").count()
    expect(page.locator("#key_points-group .lb-order-status")).to_have_text(
        f"Moved to position 1 of {count}."
    )
    expect(move_up).to_be_focused()
    expect(move_up).to_have_attribute("aria-disabled", "true")
    # And what was the first point down to the last, with Move down.
    rows.filter(has_text=stored[0][:40]).get_by_role("button", name="Move down").focus()
    for _ in range(len(stored) - 2):
        page.keyboard.press("Enter")
    expected = [stored[2], stored[1], *stored[3:], stored[0]]
    assert key_point_texts(page) == expected
    page.screenshot(path=str(SCREENSHOTS / "admin-key-points-ordered.png"))

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert list(live.key_points.values_list("text", flat=True)) == expected


def test_bylines_are_put_in_order_by_dragging(site, new_page):
    first, second = Reporter.objects.order_by("name")[:2]
    update = make_update(live_page=LivePage.objects.get(slug=LIVE_SLUG), authors=[first, second],
                         headline="Levee walk at dawn")
    page = new_page(**DESKTOP)
    sign_in(page, site)
    page.goto(f"{site}/admin/liveblogs/update/{update.pk}/change/")
    rows = page.locator("#bylines-group tr.has_original")
    handle = rows.nth(1).locator(".lb-drag-handle")
    handle.scroll_into_view_if_needed()  # the mouse works in the window's coordinates
    box = handle.bounding_box()
    target = rows.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 2, target["y"] + 2, steps=8)
    page.mouse.up()
    expect(rows.first).to_contain_text(second.name)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert [b.reporter for b in update.bylines.all()] == [second, first]


def test_the_add_forms_callout_menu_offers_the_chosen_pages_callouts(site, new_page):
    live = LivePage.objects.get(slug=LIVE_SLUG)
    other = make_page(title="Dam inspection")
    elsewhere = make_callout(live_page=other, prompt="Do you live below the dam?")
    own = Callout.objects.filter(live_page=live).first()
    page = new_page(**DESKTOP)
    sign_in(page, site)
    page.goto(f"{site}/admin/liveblogs/update/add/")
    menu = page.locator("select#id_callout")
    offered = "(select) => Array.from(select.options).filter((o) => o.value && !o.disabled)" \
              ".map((o) => o.textContent)"
    assert menu.evaluate(offered) == []  # no page chosen yet
    page.locator("select#id_live_page").select_option(str(other.pk))
    assert menu.evaluate(offered) == [elsewhere.prompt]
    menu.select_option(str(elsewhere.pk))
    page.locator("select#id_live_page").select_option(str(live.pk))
    assert menu.input_value() == ""  # the other page's question is dropped
    assert own.prompt in menu.evaluate(offered) and elsewhere.prompt not in menu.evaluate(offered)


def test_a_french_editor_works_in_french(site, new_page):
    """A browser that asks for French gets the admin and the desk in French: Django's words and
    ours, in the page and in its scripts (our catalogue, the rich-text editor's, the admin's)."""
    page = new_page(**DESKTOP, locale="fr-CA")
    page.goto(site + "/admin/login/?next=/admin/")
    page.get_by_label("Nom d’utilisateur").fill("editor")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Connexion").click()
    expect(page.get_by_role("heading", name="En attente au pupitre")).to_be_visible()
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()

    page.goto(f"{site}/admin/liveblogs/livepage/{LivePage.objects.get(slug=LIVE_SLUG).pk}/desk/")
    expect(page.get_by_role("heading", name="Nouvelle mise à jour")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer le brouillon")).to_be_visible()
    # The editor's own menu button, titled through our catalogue.
    embed = "Intégrer une publication, une vidéo, un graphique ou une carte"
    expect(page.locator(f"[title='{embed}']").first).to_be_attached()
    # And the package's own buttons and block types, which it names in English.
    composer = page.locator(".composer-body")
    for name in ["Gras", "Italique", "Insérer un lien", "Liste à puces", "Citation", "Annuler"]:
        expect(composer.get_by_role("button", name=name, exact=True)).to_be_visible()
    composer.locator(".prose-menubar__selected").click()
    expect(composer.locator(".prose-menubar__option")).to_have_text(
        ["Intertitre 3", "Intertitre 4", "Paragraphe"]
    )
    page.keyboard.press("Escape")
    # Sent without a headline (or one of spaces): our words, not the browser's own.
    page.get_by_label("Titre").fill("   ")
    writing = page.get_by_role("region", name="Écrire et publier")
    writing.get_by_role("button", name="Publier", exact=True).click()
    expect(writing.get_by_text("Non enregistré\u00a0: écrivez d’abord un titre.")).to_be_visible()

    # A change form loads the admin's jsi18n and ours: each keeps its own words.
    page.goto(site + "/admin/liveblogs/update/add/")
    expect(page.get_by_role("button", name="Enregistrer", exact=True)).to_be_visible()
    words = page.evaluate("() => [gettext('Embed'), gettext('Today'), gettext('Cancel')]")
    assert words[0] == "Intégrer"
    assert words[1].startswith("Aujourd")  # the admin's calendar
    assert words[2] == "Annuler"

    # The switcher in the header takes the admin back to English, whatever the browser says.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
