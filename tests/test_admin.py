"""The editors' desk in the Django admin, as an editor (staff, in Editors, not superuser) uses it."""

import io
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
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


def test_the_admin_is_branded(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert "Newsroom live desk" in response.content.decode()


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
        "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
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
        "revisions-TOTAL_FORMS": 0, "revisions-INITIAL_FORMS": 0,
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
    assert re.search(r'<img src="/media/photos/\S+_\d+w\.(webp|jpg)"', response.content.decode())


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
