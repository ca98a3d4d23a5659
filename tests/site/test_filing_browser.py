"""Filing from a phone in Debian's Chromium: sign in, write, add a photo, send; and a reload that
loses nothing. Screenshots go to tests/screenshots/ (not committed)."""


import pytest
from django.contrib.auth.models import Permission, User
from PIL import Image

from liveblogs.models import Update

from .test_browser import LIVE, PHONE, SCREENSHOTS, axe_violations, describe

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture (conftest.py) skips, or fails on CI, with the reason
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def photo_file(tmp_path):
    path = tmp_path / "IMG_2041.jpg"
    Image.new("RGB", (1600, 1200), (90, 120, 150)).save(path, "JPEG", quality=85)
    return path


def sign_in(page, site, username="reporter"):
    page.goto(site + "/file/")
    expect(page.get_by_role("heading", name="Sign in to file")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="File an update")).to_be_visible()
    # The form's script has run (it loads after the heading shows): what follows tests it.
    page.wait_for_load_state("load")


def test_a_reporter_files_an_update_with_a_photo_from_a_phone(site, new_page, photo_file):
    # The demo reporter may publish in this test; the page needs approval otherwise.
    User.objects.get(username="reporter").user_permissions.add(
        Permission.objects.get(codename="publish_update")
    )
    page = new_page(**PHONE)
    sign_in(page, site)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("button", name="Send to editors")).to_be_hidden()

    page.get_by_label("Headline").fill("Sandbag line holds on Mill Street")
    page.get_by_label("Text").fill("Volunteers worked through the night.\n\nThe water is **steady**.")
    page.get_by_label("Add photos").set_input_files(str(photo_file))
    alt = page.locator("[name$='-alt_text']")
    expect(alt).to_be_visible()
    credit = page.locator("[name$='-credit']")
    expect(credit).to_have_value("Priya Vasquez-Hale/The Valley Courier")
    page.locator("[name$='-caption']").fill("Volunteers pass sandbags along Mill Street.")
    alt.fill("A line of volunteers passing sandbags beside a flooded road")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "filing-phone.png"), full_page=True)
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("heading", name="Published")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "filing-published-phone.png"), full_page=True)
    page.get_by_role("link", name="See it on the live page").click()
    update = Update.objects.get(headline="Sandbag line holds on Mill Street")
    article = page.locator(f"#update-{update.pk}")
    expect(article).to_contain_text("The water is steady.")
    expect(article.locator("strong")).to_have_text("steady")
    expect(article.get_by_role("img", name="A line of volunteers passing sandbags beside a flooded road")).to_be_visible()
    assert page.url.endswith(f"{LIVE}#update-{update.pk}")


def test_a_reporter_who_needs_approval_sends_to_editors(site, new_page):
    page = new_page(**PHONE)
    sign_in(page, site)
    expect(page.get_by_role("button", name="Publish")).to_be_hidden()
    page.get_by_label("Headline").fill("Shelter at the arena is full")
    page.get_by_label("Text").fill("Officials are opening the high school gym.")
    page.get_by_role("button", name="Send to editors").click()
    expect(page.get_by_role("heading", name="Sent to editors")).to_be_visible()
    assert Update.objects.get(headline="Shelter at the arena is full").status == "submitted"


def test_unsent_text_comes_back_after_a_reload(site, new_page):
    page = new_page(**PHONE)
    sign_in(page, site)
    page.get_by_label("Headline").fill("Power out east of the river")
    page.get_by_label("Text").fill("Hydro crews are on their way.")
    page.wait_for_timeout(600)  # the copy is written a moment after typing stops
    page.reload()
    expect(page.get_by_label("Headline")).to_have_value("")
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("Headline")).to_have_value("Power out east of the river")
    expect(page.get_by_label("Text")).to_have_value("Hydro crews are on their way.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", name="Draft saved")).to_be_visible()
    # Sent: the copy is gone, and a fresh form offers nothing.
    page.goto(site + "/file/")
    expect(page.get_by_role("heading", name="File an update")).to_be_visible()
    expect(page.get_by_role("button", name="Restore it")).to_be_hidden()


def test_a_send_whose_answer_is_lost_is_not_filed_twice(site, new_page):
    page = new_page(**PHONE)
    sign_in(page, site)
    page.get_by_label("Headline").fill("Road to Kestrel Bridge reopens")
    page.get_by_label("Text").fill("Traffic is moving again.")
    page.wait_for_timeout(600)

    def lose_the_answer(route):
        if route.request.method == "POST":
            route.fetch()  # the server gets the update...
            route.abort("timedout")  # ...and the phone never hears back
        else:
            route.continue_()

    page.route("**/file/", lose_the_answer)
    page.get_by_role("button", name="Send to editors").click()
    page.wait_for_timeout(500)
    page.unroute("**/file/")
    assert Update.objects.filter(headline="Road to Kestrel Bridge reopens").count() == 1

    # The reporter opens the form again, restores the copy and sends it again.
    page.goto(site + "/file/")
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("Headline")).to_have_value("Road to Kestrel Bridge reopens")
    page.get_by_role("button", name="Send to editors").click()
    expect(page.get_by_role("heading", name="Sent to editors")).to_be_visible()
    assert Update.objects.filter(headline="Road to Kestrel Bridge reopens").count() == 1


def test_the_filing_form_passes_axe(axe_script, site, new_page):
    page = new_page(**PHONE, bypass_csp=True)  # axe is injected as an inline script
    sign_in(page, site)
    violations = axe_violations(page, axe_script)
    assert violations == [], f"axe-core on /file/:{describe(violations)}"


def test_the_go_key_in_the_headline_moves_to_the_text_and_sends_nothing(site, new_page):
    page = new_page(**PHONE)
    sign_in(page, site)
    page.get_by_label("Headline").fill("Half typed")
    page.get_by_label("Headline").press("Enter")
    expect(page.get_by_label("Text")).to_be_focused()
    assert not Update.objects.filter(headline="Half typed").exists()


def test_a_french_reporter_files_in_french(site, new_page, tmp_path):
    """The phone asks for French: sign-in, the form and its script's messages are French."""
    page = new_page(**PHONE, locale="fr-CA")
    page.goto(site + "/file/")
    expect(page.get_by_role("heading", name="Se connecter pour envoyer")).to_be_visible()
    page.get_by_label("Nom d’utilisateur").fill("reporter")
    page.get_by_label("Mot de passe").fill("demo")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Envoyer une mise à jour")).to_be_visible()
    page.wait_for_load_state("load")
    expect(page.get_by_role("button", name="Envoyer au pupitre")).to_be_visible()
    assert page.evaluate("() => gettext('no connection')") == "pas de connexion"
    # A file that is not a photo: refused, in French, naming the file.
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    page.locator("input[name=new_photos]").set_input_files(str(notes))
    expect(page.locator("[data-uploads] [role=alert]")).to_contain_text("« notes.jpg »")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "filing-phone-fr.png"), full_page=True)


def test_a_photo_picked_before_the_page_script_ran_is_sent_when_it_runs(site, new_page, tmp_path):
    """On a slow connection a reporter may pick a photo before filing.js has arrived: it is
    uploaded as soon as the script runs, not left unseen in the file input."""
    page = new_page(**PHONE)
    sign_in(page, site)
    held = []
    page.route("**/liveblogs/filing.js", lambda route: held.append(route))
    page.goto(site + "/file/", wait_until="commit")
    expect(page.locator("input[name=new_photos]")).to_be_attached()
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo")
    page.locator("input[name=new_photos]").set_input_files(str(notes))
    expect(page.locator("[data-uploads] li")).to_have_count(0)  # the script has not run
    held[0].continue_()
    expect(page.locator("[data-uploads] [role=alert]")).to_contain_text("“notes.jpg”")

