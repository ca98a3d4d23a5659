"""The desk in a real browser: publishing a submitted update in two clicks, and an edit conflict
that keeps the editor's words. Chromium through Playwright, on the demo newsroom."""


import pytest
from django.contrib.auth.models import User

from liveblogs.models import LivePage, Update

from ..factories import make_update
from .test_browser import DESKTOP, LIVE_SLUG, SCREENSHOTS

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
