"""Filing from the field (/file/): what a reporter sees, what is kept, who may do what."""

import re
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from liveblogs.markup import to_html, to_markup
from liveblogs.models import LivePage, Photo, Update
from liveblogs.roles import EDITORS, REPORTERS

from .factories import jpeg_bytes, make_page, make_photo, make_reporter, make_update, make_user

pytestmark = pytest.mark.django_db
Status = Update.Status
FILE = "/file/"


def reporter(name="Rita Field", *, publish=False):
    user = make_user()
    user.groups.add(Group.objects.get(name=REPORTERS))
    if publish:
        user.user_permissions.add(Permission.objects.get(codename="publish_update"))
    make_reporter(name=name, user=user)
    return user


def form_fields(response):
    """The hidden fields and the preselected page of a rendered filing form."""
    html = response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(filing_key|revision)" value="([^"]*)"', html))
    if chosen := re.search(r'<option value="(\d+)" selected', html):
        fields["live_page"] = chosen.group(1)
    return fields


def post_filing(client, url=FILE, *, action, **data):
    fields = form_fields(client.get(url))
    return client.post(url, {**fields, "action": action, **data})


def photo_upload(name="IMG_0042.jpg", **options):
    return SimpleUploadedFile(name, jpeg_bytes(**options), content_type="image/jpeg")


@pytest.fixture
def page():
    return make_page(title="Kestrel River flood", needs_approval=True)


@pytest.fixture
def rita(page):
    user = reporter()
    page.desk.add(user.reporter)
    return user


# Sign-in ------------------------------------------------------------------------------------------


def test_sign_out_and_password_change(client, rita):
    client.force_login(rita)
    assert client.get("/accounts/password_change/").status_code == 200
    changed = client.post(
        "/accounts/password_change/",
        {"old_password": "pw-for-tests", "new_password1": "river-crest-1987", "new_password2": "river-crest-1987"},
    )
    assert changed["Location"] == "/accounts/password_change/done/"
    assert client.post("/accounts/logout/").status_code == 200
    assert client.get(FILE).status_code == 302


def test_filing_pages_are_private(client, rita):
    client.force_login(rita)
    response = client.get(FILE)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in response.content.decode()


# The form ----------------------------------------------------------------------------------------


def test_the_form_offers_only_desk_pages_with_the_latest_live_one_chosen(client, rita, page):
    older = make_page(title="Older live page", desk=[rita.reporter])
    LivePage.objects.filter(pk=older.pk).update(coverage_start=page.coverage_start.replace(year=2020))
    draft = make_page(title="Tomorrow page", status=LivePage.Status.DRAFT, desk=[rita.reporter])
    make_page(title="Ended page", status=LivePage.Status.ENDED, desk=[rita.reporter])
    make_page(title="Someone else's page")
    client.force_login(rita)
    html = client.get(FILE).content.decode()
    options = re.findall(r'<option value="\d+"( selected)?>([^<]+)</option>', html)
    assert options == [(" selected", "Kestrel River flood"), ("", "Older live page"), ("", draft.title)]


def test_a_bilingual_desk_files_to_the_page_in_the_reporters_language(client, rita, page):
    french = make_page(title="Crue de la Kestrel", language="fr", desk=[rita.reporter])
    LivePage.objects.filter(pk=french.pk).update(coverage_start=page.coverage_start.replace(year=2020))
    client.force_login(rita)
    assert form_fields(client.get(FILE, HTTP_ACCEPT_LANGUAGE="fr"))["live_page"] == str(french.pk)
    assert form_fields(client.get(FILE, HTTP_ACCEPT_LANGUAGE="en"))["live_page"] == str(page.pk)


def test_a_reporter_on_no_desk_is_told_what_to_do(client):
    client.force_login(reporter())
    response = client.get(FILE)
    assert response.status_code == 403
    assert "not on the desk of any live page" in response.content.decode()


def test_an_account_that_is_not_a_reporter_cannot_file(client):
    client.force_login(make_user())
    response = client.get(FILE)
    assert response.status_code == 403
    assert "cannot file updates" in response.content.decode()


def test_send_to_editors_when_the_page_needs_approval(client, rita, page):
    client.force_login(rita)
    response = post_filing(
        client, action="submit", headline="Sandbags on Mill Street",
        body="Crews are **sandbagging**.\n\nMore soon.",
    )
    update = Update.objects.get()
    assert response["Location"] == f"/file/{update.pk}/filed/"
    assert update.status == Status.SUBMITTED
    assert update.body == "<p>Crews are <strong>sandbagging</strong>.</p>\n<p>More soon.</p>"
    assert [b.reporter.name for b in update.bylines.all()] == ["Rita Field"]
    assert update.created_by == rita and update.revisions.count() == 1
    done = client.get(response["Location"]).content.decode()
    assert "Sent to editors" in done and "waiting for an editor" in done
    # Readers see nothing of it.
    assert "Sandbags" not in client.get(page.get_absolute_url()).content.decode()


def test_publish_where_the_reporter_may_and_see_the_link(client, page):
    senior = reporter("Sol Senior", publish=True)
    page.desk.add(senior.reporter)
    client.force_login(senior)
    html = client.get(FILE).content.decode()
    assert f'data-publishable="{page.pk} "' in html
    response = post_filing(client, action="publish", headline="River crests at 6.1 m", body="Official.")
    update = Update.objects.get()
    assert update.status == Status.PUBLISHED and update.published_by == senior
    done = client.get(response["Location"]).content.decode()
    assert "Published" in done
    assert f'href="{page.get_absolute_url()}#update-{update.pk}"' in done
    assert "River crests at 6.1 m" in client.get(page.get_absolute_url()).content.decode()


def test_publish_is_refused_where_the_page_needs_approval_and_nothing_is_lost(client, rita):
    client.force_login(rita)
    response = post_filing(client, action="publish", headline="Bridge closed", body="Police say so.")
    html = response.content.decode()
    assert response.status_code == 400
    assert "need an editor&#x27;s approval" in html or "need an editor's approval" in html
    assert 'value="Bridge closed"' in html and "Police say so." in html
    assert not Update.objects.exists()


def test_save_draft_then_continue_and_send(client, rita):
    client.force_login(rita)
    response = post_filing(client, action="draft", headline="Half a thought", body="")
    update = Update.objects.get()
    assert update.status == Status.DRAFT
    assert "Draft saved" in client.get(response["Location"]).content.decode()
    edit = f"/file/{update.pk}/"
    sent = post_filing(client, edit, action="submit", headline="A whole thought", body="Now with text.")
    update.refresh_from_db()
    assert sent.status_code == 302
    assert (update.status, update.headline) == (Status.SUBMITTED, "A whole thought")
    assert update.revisions.count() == 2


def test_sending_without_text_is_refused_but_a_draft_may_be_empty(client, rita):
    client.force_login(rita)
    response = post_filing(client, action="submit", headline="Only a headline", body="  ")
    assert response.status_code == 400
    assert "Write the update" in response.content.decode()
    assert 'value="Only a headline"' in response.content.decode()


INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e"


def test_invisible_characters_are_no_headline_and_no_text(client, rita):
    client.force_login(rita)
    response = post_filing(client, action="submit", headline=f" {INVISIBLE} ",
                           body=f"{INVISIBLE}\r\n\r\n{INVISIBLE}")
    html = response.content.decode()
    assert response.status_code == 400 and not Update.objects.exists()
    assert "This field is required." in html and "Write the update" in html


def test_invisible_characters_at_the_ends_are_trimmed(client, rita):
    client.force_login(rita)
    post_filing(client, action="submit", headline=f"{INVISIBLE}Flood 🌊\u200d{INVISIBLE}",
                body=f"{INVISIBLE}Water at the کتاب\u200cخانه door.{INVISIBLE}")
    update = Update.objects.get()
    assert update.headline == "Flood 🌊"
    assert update.body == "<p>Water at the کتاب\u200cخانه door.</p>"


def test_coauthors_follow_the_filer(client, rita, page):
    colleague = make_reporter(name="Ana Ruiz")
    page.desk.add(colleague)
    make_reporter(name="Not On This Desk")
    client.force_login(rita)
    html = client.get(FILE).content.decode()
    assert "Ana Ruiz" in html and "Not On This Desk" not in html and ">Rita Field<" not in html
    post_filing(client, action="submit", headline="Joint", body="Two of us.", coauthors=[colleague.pk])
    assert [b.reporter.name for b in Update.objects.get().bylines.all()] == ["Rita Field", "Ana Ruiz"]


# Photos ------------------------------------------------------------------------------------------


def test_photos_with_the_form_need_words_before_sending_and_stay_attached(client, rita):
    client.force_login(rita)
    fields = form_fields(client.get(FILE))
    response = client.post(FILE, {
        **fields, "action": "submit", "headline": "Flooded street", "body": "Look.",
        "new_photos": [photo_upload("one.jpg"), photo_upload("two.jpg")],
    })
    html = response.content.decode()
    photos = list(Photo.objects.order_by("pk"))
    assert response.status_code == 400
    assert len(photos) == 2 and not Update.objects.exists()
    assert "Each photo needs alt text and a credit" in html
    for photo in photos:
        assert f'name="photos" value="{photo.pk}"' in html
        # The reporter's name and the publisher's (tests/settings.py sets none: the default):
        # the file carried no credit.
        assert photo.credit == "Rita Field/Newsroom"
    # The second send describes them; nothing is picked again.
    data = {**fields, "action": "submit", "headline": "Flooded street", "body": "Look.",
            "photos": [p.pk for p in photos]}
    for photo in photos:
        data |= {f"photo-{photo.pk}-caption": "Mill Street at noon",
                 f"photo-{photo.pk}-credit": photo.credit,
                 f"photo-{photo.pk}-alt_text": "Water up to the kerb"}
    sent = client.post(FILE, data)
    update = Update.objects.get()
    assert sent.status_code == 302
    assert [row.photo for row in update.update_photos.all()] == photos
    assert {photo.alt_text for photo in update.photos.all()} == {"Water up to the kerb"}


def test_invisible_characters_are_no_alt_text_and_no_credit(client, rita):
    photo = make_photo(uploaded_by=rita, alt_text="", credit="")
    client.force_login(rita)
    response = post_filing(client, action="submit", headline="Flooded street", body="Look.",
                           photos=[photo.pk], **{f"photo-{photo.pk}-caption": "Mill Street",
                                                 f"photo-{photo.pk}-alt_text": INVISIBLE,
                                                 f"photo-{photo.pk}-credit": INVISIBLE})
    assert response.status_code == 400 and not Update.objects.exists()
    assert "Each photo needs alt text and a credit" in response.content.decode()


def test_a_draft_keeps_photos_without_words(client, rita):
    client.force_login(rita)
    response = post_filing(client, action="draft", headline="Pictures first", body="",
                           new_photos=[photo_upload()])
    assert response.status_code == 302
    assert Update.objects.get().photos.count() == 1


def test_a_bad_file_is_named_and_the_good_one_kept(client, rita):
    client.force_login(rita)
    not_a_photo = SimpleUploadedFile("notes.jpg", b"%PDF-1.7 not a photo", content_type="image/jpeg")
    response = post_filing(client, action="draft", headline="Mixed", body="",
                           new_photos=[not_a_photo, photo_upload("good.jpg")])
    html = response.content.decode()
    assert response.status_code == 400
    assert "“notes.jpg”" in html
    good = Photo.objects.get()
    assert f'name="photos" value="{good.pk}"' in html


def test_upload_endpoint_answers_with_the_fields_or_the_reason(client, rita):
    client.force_login(rita)
    ok = client.post("/file/photos/", {"image": photo_upload()})
    photo = Photo.objects.get()
    assert ok.status_code == 200
    assert ok.json()["id"] == photo.pk
    assert f'name="photo-{photo.pk}-alt_text"' in ok.json()["html"]
    assert photo.uploaded_by == rita and photo.credit == "Rita Field/Newsroom"
    refused = client.post("/file/photos/", {"image": SimpleUploadedFile("x.png", b"", "image/png")})
    assert refused.status_code == 400 and "empty" in refused.json()["error"]
    # The fields come back for the reporter's own photos only (to restore a local copy).
    assert client.get(f"/file/photos/{photo.pk}/").status_code == 200
    client.force_login(reporter("Other"))
    assert client.get(f"/file/photos/{photo.pk}/").status_code == 404


def test_agency_credit_wins_over_the_reporters_name(client, rita):
    client.force_login(rita)
    client.post("/file/photos/", {"image": _agency_jpeg()})
    assert Photo.objects.get().credit == "Lee Chan/Valley Wire"


def _agency_jpeg():
    """A JPEG whose XMP names a photographer and an agency, as wire photos do."""
    import io

    from PIL import Image

    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">'
        b"<dc:creator><rdf:Seq><rdf:li>Lee Chan</rdf:li></rdf:Seq></dc:creator>"
        b"<photoshop:Credit>Valley Wire</photoshop:Credit>"
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(buffer, "JPEG", xmp=xmp)
    buffer.seek(0)
    buffer.name = "wire.jpg"
    return buffer


def test_removing_a_photo(client, rita):
    client.force_login(rita)
    post_filing(client, action="draft", headline="Two photos", body="",
                new_photos=[photo_upload("a.jpg"), photo_upload("b.jpg")])
    update = Update.objects.get()
    first, second = (row.photo for row in update.update_photos.all())
    post_filing(client, f"/file/{update.pk}/", action="draft", headline="One photo", body="",
                photos=[first.pk, second.pk], remove_photo=[first.pk])
    assert [row.photo for row in update.update_photos.all()] == [second]


def test_someone_elses_photo_cannot_be_attached(client, rita):
    theirs = make_photo(uploaded_by=make_user())
    client.force_login(rita)
    post_filing(client, action="draft", headline="Sneaky", body="", photos=[theirs.pk])
    assert Update.objects.get().photos.count() == 0


# Never lose work -----------------------------------------------------------------------------------


def test_a_double_tap_makes_one_update(client, rita):
    client.force_login(rita)
    fields = form_fields(client.get(FILE))
    data = {**fields, "action": "submit", "headline": "Once", "body": "Only once."}
    first, second = client.post(FILE, data), client.post(FILE, data)
    assert Update.objects.count() == 1
    assert first["Location"] == second["Location"] == f"/file/{Update.objects.get().pk}/filed/"


def test_a_new_form_gets_a_new_key(client, rita):
    client.force_login(rita)
    assert form_fields(client.get(FILE))["filing_key"] != form_fields(client.get(FILE))["filing_key"]


def test_another_reporters_key_does_not_reveal_their_update(client, rita, page):
    theirs = make_update(live_page=page, status=Status.DRAFT, filing_key=uuid.uuid4())
    client.force_login(rita)
    response = client.post(FILE, {"filing_key": str(theirs.filing_key), "live_page": page.pk,
                                  "headline": "Mine", "body": "x", "action": "draft"})
    assert response.status_code == 409
    assert "already sent" in response.content.decode() and 'value="Mine"' in response.content.decode()
    assert Update.objects.count() == 1


def test_a_stale_edit_is_refused_with_who_and_when_and_keeps_the_text(client, rita, page):
    client.force_login(rita)
    post_filing(client, action="draft", headline="First", body="One.")
    update = Update.objects.get()
    edit = f"/file/{update.pk}/"
    fields = form_fields(client.get(edit))
    editor = make_user(username="desk", first_name="Dana", last_name="Desk")
    editor.groups.add(Group.objects.get(name=EDITORS))
    update.headline = "Desk's headline"
    update.save_edit(by=editor)
    response = client.post(edit, {**fields, "action": "draft", "headline": "My headline", "body": "My words."})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Saved by Dana Desk at" in html
    assert 'value="My headline"' in html and "My words." in html
    update.refresh_from_db()
    assert update.headline == "Desk's headline"


def test_a_double_tap_on_an_edit_is_not_a_conflict(client, rita):
    client.force_login(rita)
    post_filing(client, action="draft", headline="First", body="One.")
    update = Update.objects.get()
    edit = f"/file/{update.pk}/"
    data = {**form_fields(client.get(edit)), "action": "draft", "headline": "Second", "body": "Two."}
    assert client.post(edit, data).status_code == 302
    assert client.post(edit, data)["Location"] == f"/file/{update.pk}/filed/"


def test_an_editor_corrects_a_published_update_after_the_page_ended(client, page):
    editor = make_role("editor", page)
    update = make_update(live_page=page, headline="Crest at 6.1 m")
    page.end()
    client.force_login(editor)
    response = post_filing(client, f"/file/{update.pk}/", action="save", headline="Crest at 6.2 m",
                           body="Corrected figure.")
    update.refresh_from_db()
    assert response.status_code == 302
    assert (update.headline, update.status) == ("Crest at 6.2 m", Status.PUBLISHED)
    assert update.revised_at is not None  # readers see it was edited


def test_a_minor_edit_leaves_no_edited_mark(client, page):
    editor = make_role("editor", page)
    update = make_update(live_page=page, headline="Crest at 6.1 n")
    client.force_login(editor)
    post_filing(client, f"/file/{update.pk}/", action="save", headline="Crest at 6.1 m",
                body="Typo fixed.", minor="on")
    update.refresh_from_db()
    assert update.headline == "Crest at 6.1 m" and update.revised_at is None


def test_the_edit_form_shows_the_body_as_markup(client, rita, page):
    update = make_update(live_page=page, status=Status.DRAFT, created_by=rita,
                         body="<p>Crews <strong>worked</strong> all night.</p><ul><li>Mill St</li></ul>")
    client.force_login(rita)
    html = client.get(f"/file/{update.pk}/").content.decode()
    assert "Crews **worked** all night.\n\n- Mill St</textarea>" in html


@pytest.mark.parametrize(
    "markup",
    [
        "Plain words.\nA line break.\n\nA new paragraph.",
        "**Bold**, _italic_ and [a link](https://example.org/a?b=1&c=2).",
        "- one\n- two\n\n1. first\n2. second\n\n> a quote\n\n### A subheading",
        "Prices: 5 * 3 = 15, snake_case and [brackets] <not a tag>",
        "1999\\. was a year\n\n\\# not a heading",
        "See https://example.org/report for the report",
    ],
)
def test_markup_round_trips(markup):
    html = to_html(markup)
    assert to_html(to_markup(html)) == html


def test_markup_cannot_carry_script():
    html = to_html("<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<script" not in html and 'href="javascript' not in html and "<img" not in html


# My updates -------------------------------------------------------------------------------------------


def test_my_updates_lists_each_with_its_status_and_links(client, rita, page):
    draft = make_update(live_page=page, status=Status.DRAFT, created_by=rita, headline="My draft")
    sent = make_update(live_page=page, status=Status.SUBMITTED, created_by=rita, headline="Sent one")
    live = make_update(live_page=page, created_by=rita, headline="Live one")
    make_update(live_page=page, headline="Not mine")
    client.force_login(rita)
    html = client.get("/file/mine/").content.decode()
    for update, status in ((draft, "Draft"), (sent, "Submitted for approval"), (live, "Published")):
        assert update.headline in html and status in html
    assert "Not mine" not in html
    assert f'href="/file/{draft.pk}/"' in html and f'href="/file/{sent.pk}/"' in html
    # Published on a page that needs approval: viewable, not editable by a reporter without the permission.
    assert f'href="/file/{live.pk}/"' not in html
    assert f'href="{live.get_absolute_url()}"' in html


# Who may do what ----------------------------------------------------------------------------------------

ROLES = ["anonymous", "on_desk", "off_desk", "on_desk_publisher", "editor"]
ACTIONS = ["open", "file", "publish", "edit_own_draft", "edit_others_draft", "edit_published"]
ALLOWED = {
    "anonymous": set(),
    "on_desk": {"open", "file", "edit_own_draft"},
    "off_desk": {"open"},  # the form opens and says they are on no desk; filing is refused
    "on_desk_publisher": {"open", "file", "publish", "edit_own_draft", "edit_published"},
    "editor": set(ACTIONS),
}


def make_role(role, page):
    if role == "anonymous":
        return None
    if role == "editor":
        user = make_user(is_staff=True)
        user.groups.add(Group.objects.get(name=EDITORS))
        return user
    user = reporter(role, publish=role == "on_desk_publisher")
    if role != "off_desk":
        page.desk.add(user.reporter)
    return user


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, page, role, action):
    user = make_role(role, page)
    if user:
        client.force_login(user)
    colleague = reporter("Colleague")
    page.desk.add(colleague.reporter)
    own_owner = user or colleague
    allowed = action in ALLOWED[role]
    key = str(uuid.uuid4())
    base = {"filing_key": key, "live_page": page.pk, "headline": "Filed", "body": "Words."}

    if action == "open":
        response = client.get(FILE)
        assert (response.status_code == 200) == allowed or (
            role == "off_desk" and response.status_code == 403 and "not on the desk" in response.content.decode()
        )
        if role == "anonymous":
            assert response.status_code == 302
        return
    if action in ("file", "publish"):
        client.post(FILE, {**base, "action": "submit" if action == "file" else "publish"})
        made = Update.objects.filter(filing_key=key)
        if action == "publish":
            made = made.filter(status=Status.PUBLISHED)
        assert made.exists() == allowed
        return
    if action == "edit_own_draft":
        target = make_update(live_page=page, status=Status.DRAFT, created_by=own_owner, headline="Before")
    elif action == "edit_others_draft":
        target = make_update(live_page=page, status=Status.DRAFT, created_by=colleague, headline="Before")
    else:
        target = make_update(live_page=page, created_by=own_owner, headline="Before")
    url = f"/file/{target.pk}/"
    opened = client.get(url)
    assert (opened.status_code == 200) == allowed
    fields = {"revision": target.revision, **base, "headline": "After"}
    client.post(url, {**fields, "action": "save" if target.status == Status.PUBLISHED else "draft"})
    target.refresh_from_db()
    assert (target.headline == "After") == allowed
    if action == "edit_published" and allowed:
        assert target.status == Status.PUBLISHED


def test_page_weight_is_under_250_kb(client, rita):
    """The whole filing page, HTML plus its CSS and JavaScript, for a phone on one bar."""
    from django.contrib.staticfiles import finders

    client.force_login(rita)
    html = client.get(FILE).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert {a.rsplit(b"/", 1)[-1] for a in assets} >= {b"liveblogs.css", b"forms.css", b"filing.js"}
    total = len(html) + sum(Path(finders.find(a.decode())).stat().st_size for a in assets)
    assert total < 250_000


def test_a_text_at_the_boxs_limit_is_taken(client, rita):
    """The box counts a line break as one character; the browser sends two (CR LF)."""
    client.force_login(rita)
    text = "\r\n".join(["w" * 99] * 200)  # 19,999 characters as the box counts them
    assert len(text.replace("\r\n", "\n")) <= 20_000 < len(text)
    response = post_filing(client, action="draft", headline="Long read", body=text)
    assert response.status_code == 302


def test_a_text_over_the_limit_says_so_and_only_so(client, rita):
    client.force_login(rita)
    response = post_filing(client, action="submit", headline="Too long", body="w" * 20_001)
    html = response.content.decode()
    assert response.status_code == 400
    assert "at most 20000 characters" in html
    assert "Write the update" not in html


def test_a_published_update_cannot_be_taken_off_the_page_from_the_form(client, page):
    page.needs_approval = False
    page.save()
    user = reporter()
    page.desk.add(user.reporter)
    client.force_login(user)
    post_filing(client, action="publish", headline="On the page", body="Words.")
    update = Update.objects.get()
    edit = f"/file/{update.pk}/"
    for action in ("draft", "submit"):
        response = post_filing(client, edit, action=action, headline="Gone?", body="Words.")
        assert response.status_code == 400
        assert "ask the desk to withdraw it" in response.content.decode()
    update.refresh_from_db()
    assert (update.status, update.headline) == (Status.PUBLISHED, "On the page")
    # No button named at all (a keyboard's Go key): a published update is saved, and stays up.
    post_filing(client, edit, action="", headline="Still on the page", body="Words.")
    update.refresh_from_db()
    assert (update.status, update.headline) == (Status.PUBLISHED, "Still on the page")


def test_the_same_form_sent_again_with_new_words_keeps_them_and_points_to_the_update(client, rita):
    client.force_login(rita)
    fields = form_fields(client.get(FILE))
    client.post(FILE, {**fields, "action": "submit", "headline": "First", "body": "One."})
    update = Update.objects.get()
    # Back, a typo fixed, sent again: the same one-time key, other words.
    response = client.post(FILE, {**fields, "action": "submit", "headline": "Fixed", "body": "Two."})
    html = response.content.decode()
    assert response.status_code == 409
    assert "already sent as “First”" in html and f'href="/file/{update.pk}/"' in html
    assert 'value="Fixed"' in html and "Two.</textarea>" in html
    assert Update.objects.get().headline == "First"


def test_an_edit_keeps_bylines_the_reporter_could_not_add(client, rita, page):
    outsider = make_reporter(name="Desk Outsider")  # on no desk
    update = make_update(live_page=page, status=Status.DRAFT, created_by=rita,
                         authors=[rita.reporter, outsider])
    client.force_login(rita)
    form = client.get(f"/file/{update.pk}/")
    coauthors = [str(pk) for pk in form.context["form"]["coauthors"].value()]
    post_filing(client, f"/file/{update.pk}/", action="draft", headline="Edited", body="Words.",
                coauthors=coauthors)
    assert [b.reporter.name for b in update.bylines.all()] == ["Rita Field", "Desk Outsider"]


def test_an_untouched_save_keeps_the_desks_html_and_shows_no_edited_mark(client, page):
    editor = make_role("editor", page)
    body = '<p>Line one<br>Line two</p><ol><li>a</li></ol><p><strong>bold</strong>text<em>it</em>x</p>'
    update = make_update(live_page=page, body=body)
    stored = Update.objects.get(pk=update.pk).body
    client.force_login(editor)
    form = client.get(f"/file/{update.pk}/").context["form"]
    response = post_filing(client, f"/file/{update.pk}/", action="save",
                           headline=update.headline, body=form["body"].value())
    update.refresh_from_db()
    assert response.status_code == 302
    assert update.body == stored and update.revised_at is None


def test_an_edit_without_its_revision_is_refused(client, rita, page):
    update = make_update(live_page=page, status=Status.DRAFT, created_by=rita, headline="Before")
    client.force_login(rita)
    response = client.post(f"/file/{update.pk}/", {
        "filing_key": str(uuid.uuid4()), "headline": "After", "body": "x", "action": "draft",
    })
    assert response.status_code == 400
    update.refresh_from_db()
    assert update.headline == "Before"


@pytest.mark.parametrize("photo_id", ["99999999999999999999999", "²", "-1", "1.5", "x"])
def test_odd_photo_ids_are_ignored(client, rita, photo_id):
    client.force_login(rita)
    response = post_filing(client, action="draft", headline="Odd", body="", photos=[photo_id],
                           remove_photo=[photo_id])
    assert response.status_code == 302
    assert Update.objects.get().photos.count() == 0
