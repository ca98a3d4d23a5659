"""The editors' desk in the Django admin, as an editor (staff, in Editors, not superuser) uses it."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from liveblogs.models import (
    Callout,
    LivePage,
    Photo,
    ReaderSubmission,
    Reporter,
    Series,
    Update,
    UpdateRevision,
    Video,
)

from .factories import (
    jpeg_bytes,
    make_callout,
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_series,
    make_submission,
    make_update,
    make_video,
)

pytestmark = pytest.mark.django_db

MODELS = [LivePage, Update, Photo, Reporter, Series, Video, Callout, ReaderSubmission, UpdateRevision]


@pytest.fixture
def desk_content(editor):
    series = make_series()
    reporter = make_reporter(name="Ana Ruiz", role="Senior writer")
    photo = make_photo(caption="Quay at dawn")
    page = make_page(series=series, desk=[reporter], lead_photo=photo)
    make_key_point(live_page=page)
    update = make_update(live_page=page, authors=[reporter], photos=[photo], headline="Bridge shut")
    update.record_revision(by=editor)
    callout = make_callout(live_page=page)
    make_submission(live_page=page, callout=callout)
    make_video(poster=photo)
    return page


def admin_url(model, view, *args):
    return reverse(f"admin:liveblogs_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_changelist_loads_for_an_editor(editor_client, desk_content, model):
    response = editor_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model.objects.count() > 0


@pytest.mark.parametrize(
    "model", [m for m in MODELS if m not in (ReaderSubmission, UpdateRevision)], ids=lambda m: m.__name__
)
def test_every_add_page_loads_for_an_editor(editor_client, desk_content, model):
    assert editor_client.get(admin_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_change_page_loads_for_an_editor(editor_client, desk_content, model):
    response = editor_client.get(admin_url(model, "change", model.objects.first().pk))
    assert response.status_code == 200


def test_submissions_come_from_readers_not_the_admin(editor_client):
    assert editor_client.get(admin_url(ReaderSubmission, "add")).status_code == 403


def test_reporters_without_staff_access_are_sent_to_log_in(client, reporter_user):
    client.force_login(reporter_user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_update_list_shows_bylines_thumbnails_and_the_approval_queue(editor_client, desk_content):
    make_update(live_page=desk_content, status=Update.Status.SUBMITTED, headline="From the field")
    response = editor_client.get(admin_url(Update, "changelist"))
    html = response.content.decode()
    assert "Ana Ruiz" in html
    assert "Bridge shut" in html and "From the field" in html
    assert re.search(r'<img src="/media/photos/\S+_\d+w\.(webp|jpg)"', html)  # a rendition
    assert "Submitted for approval (1)" in html


def test_update_list_filters_by_status_and_author(editor_client, desk_content):
    make_update(live_page=desk_content, status=Update.Status.DRAFT, headline="Half written")
    reporter = Reporter.objects.get(name="Ana Ruiz")
    drafts = editor_client.get(admin_url(Update, "changelist"), {"status__exact": "draft"})
    assert [u.headline for u in drafts.context["cl"].result_list] == ["Half written"]
    by_ana = editor_client.get(admin_url(Update, "changelist"), {"authors__id__exact": reporter.pk})
    assert [u.headline for u in by_ana.context["cl"].result_list] == ["Bridge shut"]


def test_update_search_finds_headlines(editor_client, desk_content):
    response = editor_client.get(admin_url(Update, "changelist"), {"q": "bridge"})
    assert [u.headline for u in response.context["cl"].result_list] == ["Bridge shut"]


def run_action(client, model, action, objects):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects]},
        follow=True,
    )


def test_publish_action_publishes_and_moves_the_version(editor_client, editor):
    page = make_page()
    drafts = [make_update(live_page=page, status=Update.Status.SUBMITTED) for _ in range(2)]
    before = LivePage.objects.get(pk=page.pk).version
    response = run_action(editor_client, Update, "publish", drafts)
    assert "2 updates published." in response.content.decode()
    for update in drafts:
        update.refresh_from_db()
        assert update.status == Update.Status.PUBLISHED and update.published_by == editor
    assert LivePage.objects.get(pk=page.pk).version >= before + 2


def test_publish_action_names_the_photo_missing_alt_text(editor_client):
    photo = make_photo(caption="Sandbags on Pier Road", alt_text="")
    update = make_update(status=Update.Status.DRAFT, photos=[photo])
    response = run_action(editor_client, Update, "publish", [update])
    assert "Sandbags on Pier Road" in response.content.decode()
    update.refresh_from_db()
    assert update.status == Update.Status.DRAFT


def test_withdraw_action_hides_but_keeps(editor_client):
    update = make_update()
    response = run_action(editor_client, Update, "withdraw", [update])
    assert "1 update withdrawn." in response.content.decode()
    update.refresh_from_db()
    assert update.status == Update.Status.WITHDRAWN
    assert update.revisions.exists()


def test_pin_action_keeps_one_pinned_update_per_page(editor_client):
    page = make_page()
    old = make_update(live_page=page, pinned=True)
    chosen = make_update(live_page=page)
    run_action(editor_client, Update, "pin", [chosen])
    assert list(Update.objects.filter(pinned=True)) == [chosen]
    run_action(editor_client, Update, "unpin", [chosen])
    assert not Update.objects.filter(pinned=True).exists()
    assert old.pk


def test_key_event_actions(editor_client):
    update = make_update()
    before = update.page_version
    run_action(editor_client, Update, "mark_key_event", [update])
    update.refresh_from_db()
    assert update.key_event and update.page_version > before
    run_action(editor_client, Update, "unmark_key_event", [update])
    update.refresh_from_db()
    assert not update.key_event


def test_updates_cannot_be_deleted_only_withdrawn(editor_client):
    update = make_update()
    response = editor_client.get(admin_url(Update, "changelist"))
    assert "delete_selected" not in response.content.decode()
    assert editor_client.get(admin_url(Update, "delete", update.pk)).status_code == 403


def test_page_actions_go_live_and_end(editor_client):
    draft = make_page(status=LivePage.Status.DRAFT)
    run_action(editor_client, LivePage, "go_live", [draft])
    draft.refresh_from_db()
    assert draft.is_live
    response = run_action(editor_client, LivePage, "end_coverage", [draft])
    draft.refresh_from_db()
    assert draft.is_recap
    assert "readers now see the recap" in response.content.decode()


def page_form_data(page, **changes):
    """The live page's change form as an editor sends it, with ``changes``."""
    local = timezone.localtime(page.coverage_start)
    end = timezone.localtime(page.coverage_end) if page.coverage_end else None
    return {
        "title": page.title, "slug": page.slug, "series": "", "standfirst": page.standfirst,
        "status": page.status, "coverage_start_0": f"{local:%Y-%m-%d}",
        "coverage_start_1": f"{local:%H:%M:%S}",
        "coverage_end_0": f"{end:%Y-%m-%d}" if end else "",
        "coverage_end_1": f"{end:%H:%M:%S}" if end else "",
        "time_zone": page.time_zone, "lead_photo": "", "lead_video": "", "needs_approval": "on",
        "language": page.language, "twin": page.twin_id or "",
        "key_points-TOTAL_FORMS": 0, "key_points-INITIAL_FORMS": 0,
        "callouts-TOTAL_FORMS": 0, "callouts-INITIAL_FORMS": 0,
        **changes,
    }


def test_the_status_menu_ends_a_page_with_its_end_and_reopens_it_without(editor_client):
    page = make_page(coverage_start=timezone.now() - timedelta(hours=3))
    url = admin_url(LivePage, "change", page.pk)
    assert editor_client.post(url, page_form_data(page, status="ended")).status_code == 302
    page.refresh_from_db()
    assert page.is_recap and page.coverage_end is not None
    # The form shows the end; choosing Live again sends it back, and it goes.
    assert editor_client.post(url, page_form_data(page, status="live")).status_code == 302
    page.refresh_from_db()
    assert page.is_live and page.coverage_end is None


def test_the_end_action_dates_the_end_and_going_live_clears_it(editor_client):
    page = make_page(coverage_start=timezone.now() - timedelta(hours=3))
    run_action(editor_client, LivePage, "end_coverage", [page])
    page.refresh_from_db()
    assert page.is_recap and page.coverage_end is not None
    run_action(editor_client, LivePage, "go_live", [page])
    page.refresh_from_db()
    assert page.is_live and page.coverage_end is None


def test_a_live_pages_form_links_its_desk_and_its_updates(editor_client):
    page, other = make_page(), make_page()
    make_update(live_page=page)
    make_update(live_page=page, status=Update.Status.WITHDRAWN)
    make_update(live_page=other)
    html = editor_client.get(admin_url(LivePage, "change", page.pk)).content.decode()
    updates_url = admin_url(Update, "changelist") + f"?live_page__id__exact={page.pk}"
    assert f'<a href="{updates_url}">Updates on this page (2)</a>' in html
    listed = editor_client.get(updates_url).context["cl"].result_list
    assert {u.live_page_id for u in listed} == {page.pk} and len(listed) == 2
    desk = f"/admin/liveblogs/livepage/{page.pk}/desk/"
    assert f'<a href="{desk}" class="desklink">Open the desk</a>' in html
    page.end()  # a recap's desk reopens it
    html = editor_client.get(admin_url(LivePage, "change", page.pk)).content.decode()
    assert f'<a href="{desk}" class="desklink">Open the desk</a>' in html
    assert f'<a href="{desk}">Open the desk</a>' in editor_client.get(
        admin_url(LivePage, "changelist")).content.decode()


def test_page_list_counts_published_and_waiting_updates(editor_client):
    page = make_page(title="Harbour flood")
    make_update(live_page=page)
    make_update(live_page=page)
    make_update(live_page=page, status=Update.Status.SUBMITTED)
    response = editor_client.get(admin_url(LivePage, "changelist"))
    row = response.context["cl"].result_list[0]
    assert (row.published_count, row.waiting_count) == (2, 1)


def test_editing_an_update_in_the_admin_keeps_a_revision_and_moves_the_version(editor_client, editor):
    reporter = make_reporter()
    page = make_page()
    update = make_update(live_page=page, authors=[reporter], headline="Old headline")
    before = LivePage.objects.get(pk=page.pk).version
    data = {
        "live_page": page.pk, "headline": "New headline", "body": "<p>Now this.</p>", "video": "",
        "status": "published", "published_at_0": "2026-11-20", "published_at_1": "10:00:00",
        "correction_note": "", "corrected_at_0": "", "corrected_at_1": "",
        "bylines-TOTAL_FORMS": 1, "bylines-INITIAL_FORMS": 1,
        "bylines-0-id": update.bylines.get().pk, "bylines-0-update": update.pk,
        "bylines-0-reporter": reporter.pk, "bylines-0-position": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
        "revision": update.revision,
    }
    response = editor_client.post(admin_url(Update, "change", update.pk), data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    update.refresh_from_db()
    assert update.headline == "New headline" and update.edited_by == editor
    revision = update.revisions.get()
    assert revision.headline == "New headline" and revision.authors[0]["id"] == reporter.pk
    assert LivePage.objects.get(pk=page.pk).version > before


def update_form_data(update, **changes):
    """The update change form as the admin posts it, with the photos inline given as ``photos``."""
    photos = changes.pop("photos", [])
    data = {
        "live_page": update.live_page_id, "headline": update.headline, "body": update.body,
        "video": "", "status": update.status, "published_at_0": "2026-11-20",
        "published_at_1": "10:00:00", "correction_note": "", "corrected_at_0": "",
        "corrected_at_1": "",
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": len(photos), "update_photos-INITIAL_FORMS": 0,
        "revision": Update.objects.get(pk=update.pk).revision,
        **changes,
    }
    for n, photo in enumerate(photos):
        data |= {f"update_photos-{n}-photo": photo.pk, f"update_photos-{n}-position": n}
    return data


@pytest.mark.parametrize("missing", ["alt_text", "credit"])
def test_the_change_form_will_not_publish_photos_lacking_alt_text_or_credit(editor_client, missing):
    ready = make_photo(caption="Quay at dawn")
    lacking = make_photo(caption="Sandbags on Pier Road", **{missing: ""})
    update = make_update(status=Update.Status.DRAFT)
    response = editor_client.post(
        admin_url(Update, "change", update.pk),
        update_form_data(update, status="published", photos=[ready, lacking]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    words = {"alt_text": "alt text", "credit": "credit"}[missing]
    assert f"Photo “Sandbags on Pier Road” needs {words} before this update can be" in html
    assert "Quay at dawn” needs" not in html
    update.refresh_from_db()
    assert update.status == Update.Status.DRAFT and not update.photos.exists()


def test_the_change_form_publishes_photos_that_have_their_words(editor_client):
    photo = make_photo(caption="Quay at dawn")
    update = make_update(status=Update.Status.DRAFT)
    response = editor_client.post(
        admin_url(Update, "change", update.pk),
        update_form_data(update, status="published", photos=[photo]),
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == Update.Status.PUBLISHED and list(update.photos.all()) == [photo]
    # A draft may show a photo still waiting for its words.
    draft = make_update(status=Update.Status.DRAFT)
    response = editor_client.post(
        admin_url(Update, "change", draft.pk),
        update_form_data(draft, photos=[make_photo(alt_text="")]),
    )
    assert response.status_code == 302


def test_key_points_are_edited_inline_on_the_page(editor_client):
    page = make_page(title="Harbour flood", slug="harbour-flood")
    response = editor_client.get(admin_url(LivePage, "change", page.pk))
    html = response.content.decode()
    assert "The Latest" in html
    view_on_site = response.context["original"] and editor_client.get(
        f"/admin/r/{response.context['content_type_id']}/{page.pk}/"
    )
    assert "View on site" in html
    assert view_on_site["Location"].endswith("/live/harbour-flood/")


def test_photo_admin_previews_and_searches_credit(editor_client):
    make_photo(caption="Quay", credit="Lee Marsh/Wire")
    make_photo(caption="Hill", credit="Ana Ruiz/Harbour Daily")
    response = editor_client.get(admin_url(Photo, "changelist"), {"q": "marsh"})
    assert [p.caption for p in response.context["cl"].result_list] == ["Quay"]
    # Not yet shown to readers, so private: served to the desk by the app.
    assert re.search(r'<img src="/file/photos/\d+/\w+_\d+w\.(webp|jpg)"', response.content.decode())


def test_photo_admin_refuses_what_is_not_a_photo_in_plain_words(editor_client, media_root):
    response = editor_client.post(
        admin_url(Photo, "add"),
        {"image": SimpleUploadedFile("scan.jpg", b"%PDF-1.7\n%%EOF\n", content_type="image/jpeg"),
         "caption": "Quay", "credit": "Lee Marsh/Wire", "alt_text": "A quay"},
    )
    assert response.status_code == 200
    assert "This file is a PDF, not a photo." in response.content.decode()
    assert not Photo.objects.exists()
    assert not any(p.is_file() for p in media_root.rglob("*"))


def test_photo_admin_uploads_a_photo_with_its_renditions(editor_client, editor):
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 750), (30, 90, 160)).save(buffer, "JPEG")
    response = editor_client.post(
        admin_url(Photo, "add"),
        {"image": SimpleUploadedFile("IMG_0042.JPG", buffer.getvalue(), content_type="image/jpeg"),
         "caption": "Quay", "credit": "Lee Marsh/Wire", "alt_text": "A quay"},
    )
    assert response.status_code == 302
    photo = Photo.objects.get()
    assert photo.uploaded_by == editor and (photo.width, photo.height) == (1000, 750)
    assert {r["width"] for r in photo.renditions} == {320, 640, 960, 1000}
    html = editor_client.get(admin_url(Photo, "change", photo.pk)).content.decode()
    assert f'<img src="{photo.picture.jpeg_url(960)}" alt="A quay"' in html
    html = editor_client.get(admin_url(Photo, "changelist")).content.decode()
    assert f'<img src="{photo.thumbnail_url}" alt="A quay"' in html
    assert "_320w." in photo.thumbnail_url


def test_a_photo_uploaded_in_the_admin_without_a_credit_is_the_uploaders_and_the_publishers(
    editor_client, editor, settings
):
    settings.LIVEBLOGS_PUBLISHER_NAME = "The Harbour Daily"
    editor.first_name, editor.last_name = "Edith", "Okafor"
    editor.save()
    response = editor_client.post(
        admin_url(Photo, "add"),
        {"image": SimpleUploadedFile("IMG_0043.JPG", jpeg_bytes(), content_type="image/jpeg"),
         "caption": "", "credit": "", "alt_text": "A quay"},
    )
    assert response.status_code == 302
    assert Photo.objects.get().credit == "Edith Okafor/The Harbour Daily"


def test_autocomplete_answers_for_authors(editor_client):
    make_reporter(name="Ana Ruiz")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "ana", "app_label": "liveblogs", "model_name": "updateauthor", "field_name": "reporter"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Ana Ruiz"]


def test_a_reporter_with_admin_access_sees_only_their_desk(client, reporter_user):
    reporter_user.is_staff = True
    reporter_user.save()
    mine = make_page(title="On my desk", desk=[reporter_user.reporter])
    other = make_page(title="Not my desk")
    make_update(live_page=mine, headline="Mine")
    make_update(live_page=other, headline="Theirs")
    client.force_login(reporter_user)
    response = client.get(admin_url(Update, "changelist"))
    assert [u.headline for u in response.context["cl"].result_list] == ["Mine"]
    assert client.get(admin_url(Update, "change", Update.objects.get(headline="Theirs").pk)).status_code == 302
    pages = client.get(admin_url(LivePage, "changelist"))
    assert [p.title for p in pages.context["cl"].result_list] == ["On my desk"]
    add_form = client.get(admin_url(Update, "add")).context["adminform"].form
    assert list(add_form.fields["live_page"].queryset) == [mine]
    action_form = client.get(admin_url(Update, "changelist")).context["action_form"]
    actions = [name for name, _ in action_form.fields["action"].choices] if action_form else []
    assert not {"publish", "withdraw", "pin", "mark_key_event"} & set(actions)  # the desk's call


def test_a_reporter_in_the_admin_cannot_change_what_readers_see(client, reporter_user):
    reporter_user.is_staff = True
    reporter_user.save()
    page = make_page(desk=[reporter_user.reporter])
    published = make_update(live_page=page, headline="Editor's words")
    draft = make_update(live_page=page, status=Update.Status.DRAFT, headline="My draft")
    client.force_login(reporter_user)
    view = client.get(admin_url(Update, "change", published.pk))
    assert view.status_code == 200 and not view.context["has_change_permission"]
    assert client.post(admin_url(Update, "change", published.pk), {"headline": "Rewritten"}).status_code == 403
    published.refresh_from_db()
    assert published.headline == "Editor's words"
    form = client.get(admin_url(Update, "change", draft.pk)).context["adminform"].form
    assert not {"status", "pinned", "key_event", "published_at", "live_page"} & set(form.fields)


def test_reporters_change_only_the_photos_they_uploaded(client, reporter_user, editor):
    reporter_user.is_staff = True
    reporter_user.save()
    mine = make_photo(caption="Mine", uploaded_by=reporter_user)
    theirs = make_photo(caption="Theirs", uploaded_by=editor)
    client.force_login(reporter_user)
    listed = client.get(admin_url(Photo, "changelist")).context["cl"].result_list
    assert [p.caption for p in listed] == ["Mine"]
    assert client.get(admin_url(Photo, "change", theirs.pk)).status_code == 302
    assert client.get(admin_url(Photo, "change", mine.pk)).status_code == 200


def test_moving_an_update_to_another_page_is_not_offered(editor_client):
    update = make_update()
    form = editor_client.get(admin_url(Update, "change", update.pk)).context["adminform"].form
    assert "live_page" not in form.fields


# Edit conflicts, minor edits and corrections in the change form ---------------------------------


def post_update(client, update, **changes):
    return client.post(admin_url(Update, "change", update.pk), update_form_data(update, **changes))


def test_a_stale_save_is_refused_naming_who_saved_and_keeping_the_editors_text(editor_client, editor):
    from .factories import make_user

    colleague = make_user(first_name="Lee", last_name="Marsh")
    reporter = make_reporter(name="Ana Ruiz")
    update = make_update(headline="Bridge shut", status=Update.Status.DRAFT)
    form = editor_client.get(admin_url(Update, "change", update.pk)).context["adminform"].form
    loaded = form["revision"].value()
    assert 'type="hidden" name="revision" value="%d"' % loaded in str(form["revision"])
    theirs = Update.objects.get(pk=update.pk)
    theirs.headline = "Bridge reopens"
    theirs.save_edit(by=colleague)
    response = post_update(
        editor_client, update, headline="Bridge shut all day", body="<p>My long paragraph.</p>",
        revision=loaded,
        **{"bylines-TOTAL_FORMS": 1, "bylines-0-reporter": reporter.pk, "bylines-0-position": 0},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved by Lee Marsh at " in html
    assert "while you were editing. Your text is below; copy what you need, then reload to see their version." in html
    assert "Bridge shut all day" in html and "My long paragraph." in html
    assert response.context["original"].headline == "Bridge reopens"  # the heading: as it is now
    update.refresh_from_db()
    assert update.headline == "Bridge reopens" and update.edited_by == colleague
    assert not update.bylines.exists()  # no half-saved inline rows
    assert update.revisions.count() == 1  # the colleague's
    # Reloading gives their version and a form that saves.
    form = editor_client.get(admin_url(Update, "change", update.pk)).context["adminform"].form
    assert form["headline"].value() == "Bridge reopens"
    assert post_update(editor_client, update, revision=form["revision"].value()).status_code == 302


def test_one_save_with_several_inline_rows_keeps_one_revision(editor_client, editor):
    ana, lee = make_reporter(name="Ana Ruiz"), make_reporter(name="Lee Marsh")
    photo = make_photo(caption="Quay at dawn")
    update = make_update(status=Update.Status.DRAFT)
    response = post_update(
        editor_client, update, photos=[photo],
        **{"bylines-TOTAL_FORMS": 2, "bylines-0-reporter": lee.pk, "bylines-0-position": 1,
           "bylines-1-reporter": ana.pk, "bylines-1-position": 0},
    )
    assert response.status_code == 302
    update.refresh_from_db()
    revision = update.revisions.get()
    assert [a["name"] for a in revision.authors] == ["Ana Ruiz", "Lee Marsh"]
    assert [p["caption"] for p in revision.photos] == ["Quay at dawn"]
    assert [b.reporter for b in update.bylines.all()] == [ana, lee]


def test_adding_an_update_in_the_admin_keeps_one_revision(editor_client, editor):
    page = make_page()
    reporter = make_reporter()
    data = {
        "live_page": page.pk, "headline": "Ferry cancelled", "body": "<p>No sailings.</p>", "video": "",
        "status": "draft", "published_at_0": "", "published_at_1": "", "correction_note": "",
        "bylines-TOTAL_FORMS": 1, "bylines-INITIAL_FORMS": 0, "bylines-0-reporter": reporter.pk,
        "bylines-0-position": 0, "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
    }
    response = editor_client.post(admin_url(Update, "add"), data)
    assert response.status_code == 302
    update = Update.objects.get(headline="Ferry cancelled")
    assert update.created_by == editor and list(update.authors.all()) == [reporter]
    assert update.revisions.get().authors == [{"id": reporter.pk, "name": reporter.name}]


def test_readers_see_an_edited_mark_unless_the_edit_was_minor(editor_client, client):
    page = make_page(time_zone="America/Toronto")
    update = make_update(live_page=page, headline="Bridge shut")
    post_update(editor_client, update, headline="Bridge shut (typo fixed)", minor="on")
    update.refresh_from_db()
    assert update.revised_at is None
    assert "Edited" not in client.get(page.get_absolute_url()).content.decode()
    post_update(editor_client, update, headline="Bridge reopens at noon")
    update.refresh_from_db()
    assert update.revised_at is not None
    html = client.get(update.get_absolute_url()).content.decode()
    assert re.search(r'<span class="edited">Edited <time datetime="[^"]+">(\w+ \d+, )?\d+:\d\d [ap]\.m\. E[SD]T</time>', html)


def test_a_correction_note_is_stamped_and_shown_to_readers(editor_client, client):
    update = make_update(headline="Bridge shut")
    response = post_update(
        editor_client, update, correction_note="An earlier version named the wrong bridge.", minor="on"
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.corrected_at is not None and update.revised_at is not None  # never minor
    html = client.get(update.get_absolute_url()).content.decode()
    assert "Correction, <time" in html and "An earlier version named the wrong bridge." in html


def test_a_bulk_action_after_a_colleagues_edit_keeps_their_words(editor_client, editor):
    from .factories import make_user

    update = make_update(status=Update.Status.SUBMITTED, headline="Filed headline")
    theirs = Update.objects.get(pk=update.pk)
    theirs.headline = "Desk's headline"
    theirs.save_edit(by=make_user())
    for action in ["publish", "pin", "mark_key_event", "unpin", "withdraw"]:
        run_action(editor_client, Update, action, [update])
    update.refresh_from_db()
    assert update.headline == "Desk's headline" and update.status == Update.Status.WITHDRAWN
    assert [r.headline for r in update.revisions.all()] == ["Desk's headline"] * 6


# History and restore -----------------------------------------------------------------------------


def edited_three_times(editor):
    ana, lee = make_reporter(name="Ana Ruiz"), make_reporter(name="Lee Marsh")
    update = make_update(headline="Bridge shut", body="<p>The bridge is shut.</p>")
    update.save_edit(by=editor, authors=[ana])
    update.headline, update.body = "Bridge shut <script>alert(1)</script>", "<p>The bridge is shut all day.</p><p>Buses run.</p>"
    update.save_edit(by=editor, authors=[ana, lee])
    return update


def test_history_lists_revisions_newest_first_with_a_readable_diff(editor_client, editor):
    update = edited_three_times(editor)
    response = editor_client.get(admin_url(Update, "change", update.pk))
    history_url = admin_url(Update, "revisions", update.pk)
    assert f'href="{history_url}"' in response.content.decode()
    html = editor_client.get(history_url).content.decode()
    # Newest first; the body compared as words, paragraph breaks kept; everything escaped.
    assert html.index("The bridge is shut<ins> all day</ins>.<ins>\n\nBuses run.</ins>") < html.index(
        "<dd>The bridge is shut.</dd>"
    )
    assert "Bridge shut<ins> &lt;script&gt;alert(1)&lt;/script&gt;</ins>" in html
    assert "<script>alert(1)" not in html
    assert "<dd>Ana Ruiz<ins>, Lee Marsh</ins></dd>" in html
    assert html.count("Restore this version") == 1  # not on the current one


def test_restoring_writes_the_old_words_back_as_a_new_revision(editor_client, editor):
    update = edited_three_times(editor)
    oldest = update.revisions.order_by("pk").first()
    response = editor_client.post(
        admin_url(Update, "restore", update.pk, oldest.pk), {"revision": update.revision}, follow=True
    )
    assert "Restored the version saved at" in response.content.decode()
    update.refresh_from_db()
    assert update.headline == "Bridge shut" and update.body == "<p>The bridge is shut.</p>"
    assert [r.name for r in update.authors.all()] == ["Ana Ruiz"]
    assert update.status == Update.Status.PUBLISHED
    assert update.revisions.count() == 3 and update.revisions.first().headline == "Bridge shut"


def test_restoring_from_a_stale_history_page_is_refused(editor_client, editor):
    update = edited_three_times(editor)
    oldest = update.revisions.order_by("pk").first()
    stale = update.revision
    update.save_edit(by=editor)
    response = editor_client.post(
        admin_url(Update, "restore", update.pk, oldest.pk), {"revision": stale}, follow=True
    )
    assert "while you were editing" in response.content.decode()
    update.refresh_from_db()
    assert update.headline.startswith("Bridge shut <script>")


def test_restore_needs_a_post_with_csrf_and_the_right_to_change(client, editor, reporter_user):
    from django.test import Client

    update = edited_three_times(editor)
    oldest = update.revisions.order_by("pk").first()
    url = admin_url(Update, "restore", update.pk, oldest.pk)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(url, {"revision": update.revision}).status_code == 403
    assert strict.get(url).status_code == 302
    # A reporter on the desk may read the history of a published update, not restore it.
    reporter_user.is_staff = True
    reporter_user.save()
    update.live_page.desk.add(reporter_user.reporter)
    client.force_login(reporter_user)
    history = client.get(admin_url(Update, "revisions", update.pk))
    assert history.status_code == 200 and "Restore this version" not in history.content.decode()
    assert client.post(url, {"revision": update.revision}).status_code == 403
    update.refresh_from_db()
    assert update.headline.startswith("Bridge shut <script>")


def test_restore_will_not_put_a_photo_without_alt_text_on_a_published_update(editor_client, editor):
    photo = make_photo(caption="Sandbags on Pier Road", alt_text="")
    update = make_update(status=Update.Status.DRAFT)
    update.save_edit(by=editor, photos=[photo])
    update.save_edit(by=editor, photos=[])
    update.publish(by=editor)
    [with_photo] = [revision for revision in update.revisions.all() if revision.photos]
    response = editor_client.post(
        admin_url(Update, "restore", update.pk, with_photo.pk), {"revision": update.revision}, follow=True
    )
    assert "Sandbags on Pier Road” needs alt text" in response.content.decode()
    assert not update.photos.exists()


# The desk's queue --------------------------------------------------------------------------------


def test_publishing_a_submitted_update_takes_two_clicks(editor_client, editor):
    update = make_update(status=Update.Status.SUBMITTED, headline="From the field")
    make_update(status=Update.Status.PUBLISHED, headline="Already out")
    listing = editor_client.get(admin_url(Update, "changelist"), {"status__exact": "submitted"})
    html = listing.content.decode()
    publish_url = admin_url(Update, "publish", update.pk)
    assert f'formaction="{publish_url}"' in html and html.count('class="button publish-now"') == 1
    response = editor_client.post(
        publish_url, HTTP_REFERER="http://testserver" + admin_url(Update, "changelist") + "?status__exact=submitted",
    )
    assert response.status_code == 302 and response["Location"].endswith("?status__exact=submitted")
    update.refresh_from_db()
    assert update.status == Update.Status.PUBLISHED and update.published_by == editor
    assert update.revisions.get().status == Update.Status.PUBLISHED
    # And from the update itself: the change form offers "Publish now".
    other = make_update(status=Update.Status.SUBMITTED)
    html = editor_client.get(admin_url(Update, "change", other.pk)).content.decode()
    assert f'action="{admin_url(Update, "publish", other.pk)}"' in html and "Publish now" in html


def test_the_publish_button_still_refuses_photos_lacking_their_words(editor_client):
    update = make_update(status=Update.Status.SUBMITTED, photos=[make_photo(caption="Pier", alt_text="")])
    response = editor_client.post(admin_url(Update, "publish", update.pk), follow=True)
    assert "Photo “Pier” needs alt text before this update can be published." in response.content.decode()
    update.refresh_from_db()
    assert update.status == Update.Status.SUBMITTED


def test_publishing_needs_the_publish_permission(client, reporter_user):
    reporter_user.is_staff = True
    reporter_user.save()
    page = make_page(desk=[reporter_user.reporter])
    update = make_update(live_page=page, status=Update.Status.SUBMITTED)
    client.force_login(reporter_user)
    listing = client.get(admin_url(Update, "changelist")).content.decode()
    assert "publish-now" not in listing
    assert client.post(admin_url(Update, "publish", update.pk)).status_code == 403
    update.refresh_from_db()
    assert update.status == Update.Status.SUBMITTED


def test_a_callout_inside_an_update_must_be_of_its_page(editor_client):
    from liveblogs.models import Update

    from .factories import make_callout, make_page, make_update

    page, other = make_page(), make_page()
    own, foreign = make_callout(live_page=page), make_callout(live_page=other, prompt="Elsewhere?")
    update = make_update(live_page=page)
    url = f"/admin/liveblogs/update/{update.pk}/change/"
    form = editor_client.get(url).context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k not in ("authors", "photos")},
        "headline": update.headline, "body": update.body, "live_page": page.pk,
        "status": update.status, "published_at_0": update.published_at.strftime("%Y-%m-%d"),
        "published_at_1": update.published_at.strftime("%H:%M:%S"),
        "revision": update.revision,
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
    }
    refused = editor_client.post(url, {**data, "callout": foreign.pk})
    assert refused.status_code == 200
    assert "Choose a callout of this update" in refused.content.decode()
    editor_client.post(url, {**data, "callout": own.pk})
    assert Update.objects.get(pk=update.pk).callout == own


def test_the_add_forms_callout_menu_names_each_callouts_page_for_its_script(editor_client):
    page, other = make_page(), make_page()
    own, foreign = make_callout(live_page=page), make_callout(live_page=other, prompt="Elsewhere?")
    html = editor_client.get(admin_url(Update, "add")).content.decode()
    # liveblogs/admin/callouts.js offers only the chosen page's; the server still checks.
    assert f'<option value="{own.pk}" data-page="{page.pk}">' in html
    assert f'<option value="{foreign.pk}" data-page="{other.pk}">' in html
    assert '<script src="/static/liveblogs/admin.js" type="module"></script>' in html


def test_publishing_from_the_change_form_needs_no_time_typed(editor_client):
    update = make_update(status=Update.Status.SUBMITTED, headline="Shelter opens")
    response = post_update(editor_client, update, status="published", published_at_0="", published_at_1="")
    update.refresh_from_db()
    assert response.status_code == 302
    assert update.status == Update.Status.PUBLISHED and update.published_at is not None


# A language for each page, and its translation ------------------------------------------------


def test_an_editor_links_a_page_to_its_translation_both_ways(editor_client):
    english = make_page(title="Valley flood", language="en")
    french = make_page(title="Crue dans la vallée", language="fr")
    versions = english.version, french.version
    url = admin_url(LivePage, "change", english.pk)
    html = editor_client.get(url).content.decode()
    assert '<select name="language"' in html and '<option value="fr">Français</option>' in html
    assert editor_client.post(url, page_form_data(english, twin=french.pk)).status_code == 302
    english.refresh_from_db()
    french.refresh_from_db()
    assert (english.twin, french.twin) == (french, english)
    # Readers of both pages see the link: both versions moved.
    assert english.version > versions[0] and french.version > versions[1]
    # Cleared on one side, cleared on both.
    assert editor_client.post(url, page_form_data(english, twin="")).status_code == 302
    english.refresh_from_db()
    french.refresh_from_db()
    assert (english.twin, french.twin) == (None, None)


def test_a_new_translation_unlinks_the_old_ones(editor_client):
    english = make_page(language="en")
    french = make_page(language="fr")
    other_french = make_page(language="fr")
    english.twin = french
    english.save()
    other_english = make_page(language="en", twin=other_french)
    other_french.refresh_from_db()
    assert other_french.twin == other_english
    # The English page takes the other French page: both old partners are left alone.
    url = admin_url(LivePage, "change", english.pk)
    english.refresh_from_db()
    assert editor_client.post(url, page_form_data(english, twin=other_french.pk)).status_code == 302
    twins = dict(LivePage.objects.values_list("pk", "twin"))
    assert twins == {
        english.pk: other_french.pk, other_french.pk: english.pk,
        french.pk: None, other_english.pk: None,
    }


def test_a_translation_in_the_same_language_is_a_form_error(editor_client):
    english = make_page(title="Valley flood", language="en")
    also_english = make_page(title="Flood latest", language="en")
    url = admin_url(LivePage, "change", english.pk)
    response = editor_client.post(url, page_form_data(english, twin=also_english.pk))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["twin"] == [
        "“Flood latest” is in English too: its translation must be in another language."
    ]
    # Nor may a linked page change to its twin's language.
    french = make_page(language="fr", twin=english)
    response = editor_client.post(
        admin_url(LivePage, "change", french.pk), page_form_data(french, language="en")
    )
    assert "its translation must be in another language" in str(
        response.context["adminform"].form.errors["twin"]
    )
    english.refresh_from_db()
    assert english.twin == french


def test_the_translation_autocomplete_offers_pages_in_another_language(editor_client):
    english = make_page(title="Valley flood", language="en")
    make_page(title="Valley flood latest", language="en")
    french = make_page(title="Valley flood : en direct", language="fr")
    html = editor_client.get(admin_url(LivePage, "change", english.pk)).content.decode()
    address = re.search(r'name="twin"[^>]*data-ajax--url="([^"]+)"', html) or re.search(
        r'data-ajax--url="([^"]+)"[^>]*name="twin"', html
    )
    address = address.group(1).replace("&amp;", "&")
    assert "twin_language_not=en" in address and f"twin_of={english.pk}" in address
    answer = editor_client.get(
        address + "&term=valley&app_label=liveblogs&model_name=livepage&field_name=twin"
    ).json()
    assert [row["id"] for row in answer["results"]] == [str(french.pk)]


def test_changing_a_pages_language_moves_its_twins_version(editor_client, settings):
    settings.LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
    english = make_page(language="en")
    french = make_page(language="fr", twin=english)
    english.refresh_from_db()
    before = english.version
    url = admin_url(LivePage, "change", french.pk)
    assert editor_client.post(url, page_form_data(french, language="de")).status_code == 302
    english.refresh_from_db()
    # The English page's hreflang links name the other page's language: its readers see it.
    assert english.twin.language == "de" and english.version > before
