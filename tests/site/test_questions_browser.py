"""A reader asks from the demo's live page on a phone, without JavaScript, in Debian's Chromium."""

import re

import pytest

from liveblogs.models import ReaderSubmission

from .test_browser import LIVE, PHONE, assert_fits_phone, axe_violations, describe, screenshot

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture (conftest.py) skips, or fails on CI, with the reason
    expect = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]



@pytest.fixture
def quick_form(settings):
    # A person takes longer than a second; the test should not wait three.
    settings.LIVEBLOGS_ASK_MIN_SECONDS = 1


def test_a_reader_answers_the_callout_on_a_phone_without_javascript(site, new_page, quick_form):
    page = new_page(**PHONE, java_script_enabled=False)
    page.goto(site + LIVE)
    box = page.locator("aside.callout").first
    expect(box).to_contain_text("We want to hear from you")
    box.get_by_role("link", name=re.compile("Share your story")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Has the flood reached your street?")
    assert_fits_phone(page)
    # The honeypot is off screen: no one sees it, so no one fills it in.
    trap = page.locator('[name="website"]').bounding_box()
    assert trap["x"] + trap["width"] <= 0
    page.get_by_label("Your question or story").fill(
        "Water is over the curb on Alder Row and the storm drain is gurgling."
    )
    page.get_by_label("Your name").fill("Noor Haddad")
    page.get_by_label("Your e-mail address").fill("noor@example.net")
    page.get_by_label("Where are you?").fill("Alder Row")
    page.get_by_label("Phone number for a call-back").fill("555-0110")
    page.get_by_label("You may contact me").check()
    # Thumb-sized: every field and the button are at least 44 pixels tall.
    for name in ["body", "name", "email", "location", "phone"]:
        assert page.locator(f'[name="{name}"]').bounding_box()["height"] >= 44, name
    send = page.get_by_role("button", name="Send to the newsroom")
    assert send.bounding_box()["height"] >= 44
    screenshot(page, "ask-phone.png")
    page.wait_for_timeout(1100)
    send.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    assert_fits_phone(page)
    screenshot(page, "ask-thanks-phone.png")
    submission = ReaderSubmission.objects.get(email="noor@example.net")
    assert submission.callout.prompt == "Has the flood reached your street?"
    assert (submission.location, submission.phone) == ("Alder Row", "555-0110")
    assert submission.consent_contact and not submission.consent_publish
    assert submission.status == ReaderSubmission.Status.NEW
    # Only the form page set a cookie: its CSRF token.
    assert [c["name"] for c in page.context.cookies()] == ["csrftoken"]
    page.get_by_role("link", name="Back to the live page").click()
    expect(page).to_have_url(site + LIVE)


def test_a_burst_from_one_reader_is_held_with_their_words_kept(site, new_page, quick_form, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 1
    page = new_page(**PHONE, java_script_enabled=False)
    for attempt in range(2):
        page.goto(site + LIVE + "ask/")
        page.get_by_label("Your question or story").fill(f"Question {attempt}: is Route 12 running?")
        page.get_by_label("Your name").fill("Teo")
        page.get_by_label("Your e-mail address").fill("teo@example.net")
        page.wait_for_timeout(1100)
        page.get_by_role("button", name="Send to the newsroom").click()
    expect(page.get_by_role("heading", name="Please wait a few minutes")).to_be_visible()
    # Nothing the reader typed is lost.
    expect(page.get_by_label("Your question or story")).to_have_value(
        "Question 1: is Route 12 running?"
    )
    assert_fits_phone(page)
    screenshot(page, "ask-limited-phone.png")
    assert ReaderSubmission.objects.filter(email="teo@example.net").count() == 1


@pytest.mark.parametrize("path", ["ask/", "ask/thanks/"])
def test_axe_finds_no_violations_on_the_ask_pages(axe_script, site, new_page, path):
    page = new_page(**PHONE, bypass_csp=True)  # axe is injected as an inline script
    page.goto(site + LIVE + path)
    violations = axe_violations(page, axe_script)
    assert violations == [], f"axe-core on {path}:{describe(violations)}"
