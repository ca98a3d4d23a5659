"""What admin forms accept is what they offer: every foreign key and many-to-many is limited
server-side by the desk policy, the same rule as the autocomplete and list that show it.

The attack these tests replay: a staff reporter posts the admin's Add update form with the id of a
reader's photo and of a photo in an editor's published update (neither offered by the
autocomplete), then rewrites their words from /file/.
"""

import io
import uuid

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from liveblogs.models import LivePage, Photo, Reporter, Update, UpdatePhoto
from liveblogs.roles import EDITORS, REPORTERS

from .factories import (
    make_callout,
    make_page,
    make_photo,
    make_reporter,
    make_submission,
    make_update,
    make_user,
    make_video,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    return make_page(title="Harbour flood", slug="harbour-flood")


@pytest.fixture
def staff_reporter(page):
    user = make_user(username="rita", is_staff=True)
    user.groups.add(Group.objects.get(name=REPORTERS))
    page.desk.add(make_reporter(name="Rita Field", user=user))
    return user


@pytest.fixture
def editor():
    user = make_user(username="ed", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def reader_photo(page):
    photo = make_photo(caption="My flooded cellar", credit="", alt_text="")
    make_submission(live_page=page, photo=photo, created_at=timezone.now())
    return photo


@pytest.fixture
def editors_photo(page, editor):
    photo = make_photo(caption="The quay at dawn", uploaded_by=editor)
    make_update(live_page=page, headline="Quay under water", photos=[photo])
    return photo


def add_update(client, page, **extra):
    data = {
        "live_page": page.pk, "headline": "My update", "body": "<p>Words.</p>", "video": "",
        "callout": "", "status": "draft", "correction_note": "",
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
    }
    data.update(extra)
    return client.post(reverse("admin:liveblogs_update_add"), data)


def photo_rows(*photos):
    rows = {"update_photos-TOTAL_FORMS": len(photos), "update_photos-INITIAL_FORMS": 0}
    for n, photo in enumerate(photos):
        rows[f"update_photos-{n}-photo"] = photo.pk
        rows[f"update_photos-{n}-position"] = n
    return rows


def autocomplete(client, model_name, field_name, term=""):
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "liveblogs", "model_name": model_name, "field_name": field_name, "term": term,
    })
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


def test_a_reporter_cannot_put_anyones_photo_in_their_update(
    client, page, staff_reporter, reader_photo, editors_photo
):
    client.force_login(staff_reporter)
    response = add_update(client, page, **photo_rows(reader_photo, editors_photo))
    assert response.status_code == 200
    assert response.content.decode().count("Select a valid choice") == 2
    assert not Update.objects.filter(headline="My update").exists()
    # The autocomplete offers neither, and the reporter's own upload.
    own = make_photo(uploaded_by=staff_reporter)
    assert autocomplete(client, "updatephoto", "photo") == {own.pk}
    response = add_update(client, page, **photo_rows(own))
    assert response.status_code == 302
    assert list(Update.objects.get(headline="My update").photos.all()) == [own]


def test_editors_choose_any_photo_but_a_readers(client, page, editor, reader_photo, editors_photo):
    client.force_login(editor)
    colleagues = make_photo(caption="A colleague's")
    assert autocomplete(client, "updatephoto", "photo") == {editors_photo.pk, colleagues.pk}
    response = add_update(client, page, **photo_rows(reader_photo))
    assert "Select a valid choice" in response.content.decode()
    assert not UpdatePhoto.objects.filter(photo=reader_photo).exists()
    # Nor as a lead photo, a poster or a headshot, in forms whose autocomplete never offers it.
    response = client.post(reverse("admin:liveblogs_video_add"), {
        "title": "Aerial", "url": "https://video.example.org/embed/1", "poster": reader_photo.pk,
    })
    assert "Select a valid choice" in response.content.decode()
    response = client.post(reverse("admin:liveblogs_reporter_add"), {
        "name": "New Hire", "slug": "new-hire", "headshot": reader_photo.pk, "is_active": "on",
    })
    assert "Select a valid choice" in response.content.decode()
    assert not Reporter.objects.filter(slug="new-hire").exists()
    assert reader_photo.pk not in autocomplete(client, "livepage", "lead_photo")
    request = RequestFactory().get("/")
    request.user = editor
    form = admin.site._registry[LivePage].get_form(request, page)
    assert not form.base_fields["lead_photo"].queryset.filter(pk=reader_photo.pk).exists()
    assert form.base_fields["lead_photo"].queryset.filter(pk=editors_photo.pk).exists()


def test_what_an_update_already_holds_stays_valid_for_a_reporter(
    client, page, staff_reporter, editors_photo
):
    # An editor put their photo in the reporter's draft: the reporter can still save it.
    update = make_update(live_page=page, headline="Draft", status=Update.Status.DRAFT,
                         photos=[editors_photo], created_by=staff_reporter)
    client.force_login(staff_reporter)
    row = UpdatePhoto.objects.get(update=update)
    response = client.post(reverse("admin:liveblogs_update_change", args=[update.pk]), {
        "headline": "Draft, better", "body": "<p>Words.</p>", "video": "", "callout": "",
        "revision": update.revision, "correction_note": "",
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 1, "update_photos-INITIAL_FORMS": 1,
        "update_photos-0-id": row.pk, "update_photos-0-update": update.pk,
        "update_photos-0-photo": editors_photo.pk, "update_photos-0-position": 0,
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    update.refresh_from_db()
    assert update.headline == "Draft, better"
    assert list(update.photos.all()) == [editors_photo]


def test_a_reporter_cannot_rewrite_the_words_of_an_editors_photo_from_file(
    client, page, staff_reporter, editors_photo
):
    update = make_update(live_page=page, headline="Draft", status=Update.Status.DRAFT,
                         photos=[editors_photo], created_by=staff_reporter)
    client.force_login(staff_reporter)
    html = client.get(f"/file/{update.pk}/").content.decode()
    assert f'name="photo-{editors_photo.pk}-caption"' in html
    assert "disabled" in html[html.index(f'name="photo-{editors_photo.pk}-caption"') - 300:][:600]
    response = client.post(f"/file/{update.pk}/", {
        "filing_key": str(uuid.uuid4()), "revision": update.revision, "live_page": page.pk,
        "headline": "Draft", "body": "Words.", "action": "draft",
        "photos": [editors_photo.pk], f"photo-{editors_photo.pk}-caption": "Stolen caption",
        f"photo-{editors_photo.pk}-credit": "Me", f"photo-{editors_photo.pk}-alt_text": "Mine",
    })
    assert response.status_code == 302
    editors_photo.refresh_from_db()
    assert editors_photo.caption == "The quay at dawn"
    assert "Stolen caption" not in client.get(
        Update.objects.get(headline="Quay under water").get_absolute_url()
    ).content.decode()


def test_bylines_callouts_and_pages_are_the_reporters_own(client, page, staff_reporter):
    other_page = make_page(title="Somewhere else")
    stranger = make_reporter(name="Not On Your Desk")
    other_page.desk.add(stranger)
    client.force_login(staff_reporter)
    assert stranger.pk not in autocomplete(client, "updateauthor", "reporter")
    response = add_update(client, page, **{
        "bylines-TOTAL_FORMS": 1, "bylines-0-reporter": stranger.pk, "bylines-0-position": 0,
    })
    assert "Select a valid choice" in response.content.decode()
    response = add_update(client, page, callout=make_callout(live_page=other_page).pk)
    assert "Select a valid choice" in response.content.decode()
    response = add_update(client, other_page)
    assert "Select a valid choice" in response.content.decode()
    assert not Update.objects.exists()


def test_no_new_update_on_an_ended_page_from_the_admin_or_file(client, page, staff_reporter):
    page.end()
    client.force_login(staff_reporter)
    response = add_update(client, page)
    assert "Select a valid choice" in response.content.decode()
    response = client.post("/file/", {
        "filing_key": str(uuid.uuid4()), "live_page": page.pk, "headline": "Late",
        "body": "Words.", "action": "draft",
    })
    assert response.status_code in (400, 403)
    assert not Update.objects.exists()


def test_a_callout_menu_lists_only_the_updates_own_page(client, page, editor):
    other = make_callout(live_page=make_page(), prompt="Elsewhere?")
    own = make_callout(live_page=page, prompt="Here?")
    update = make_update(live_page=page)
    client.force_login(editor)
    html = client.get(reverse("admin:liveblogs_update_change", args=[update.pk])).content.decode()
    assert "Here?" in html and "Elsewhere?" not in html
    assert other.pk != own.pk


def test_a_videos_choice_is_any_of_the_newsrooms(client, page, staff_reporter):
    video = make_video()
    client.force_login(staff_reporter)
    assert video.pk in autocomplete(client, "update", "video")


def test_purging_a_submission_deletes_its_photo(
    page, reader_photo, django_capture_on_commit_callbacks
):
    names = [reader_photo.image.name, *(r["name"] for r in reader_photo.renditions)]
    storage = reader_photo.image.storage
    with pytest.MonkeyPatch.context() as patch, django_capture_on_commit_callbacks(execute=True):
        patch.setattr("django.utils.timezone.now", lambda real=timezone.now: real().replace(
            year=real().year + 1))
        call_command("purge_submissions", "--days", "30", stdout=io.StringIO())
    assert not Photo.objects.filter(pk=reader_photo.pk).exists()
    assert not any(storage.exists(name) for name in names)


def test_a_reader_photo_is_not_in_the_photo_list(client, editor, reader_photo):
    client.force_login(editor)
    response = client.get(reverse("admin:liveblogs_photo_change", args=[reader_photo.pk]))
    assert response.status_code == 302  # "doesn't exist": back to the list
    assert LivePage.objects.count() == 1


def test_list_filters_name_only_what_the_user_may_see(client, page, staff_reporter):
    make_page(title="A secret draft page", status=LivePage.Status.DRAFT)
    make_update(live_page=page, headline="Mine", created_by=staff_reporter)
    client.force_login(staff_reporter)
    for path in ["/admin/liveblogs/update/", "/admin/liveblogs/livepage/"]:
        html = client.get(path).content.decode()
        assert "A secret draft page" not in html, path


def test_save_as_new_on_an_invalid_form_is_a_form_not_a_500(client, page, staff_reporter):
    update = make_update(live_page=page, status=Update.Status.DRAFT, created_by=staff_reporter)
    page.end()
    client.force_login(staff_reporter)
    response = client.post(reverse("admin:liveblogs_update_change", args=[update.pk]), {
        "_saveasnew": "1", "live_page": page.pk, "headline": "Copy", "body": "<p>x</p>",
        "status": "draft", "revision": update.revision,
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
    })
    assert response.status_code == 200
    assert Update.objects.count() == 1


def test_no_answer_in_a_new_update_on_an_ended_page(page):
    from liveblogs.submissions import CannotAnswer, answer_in_update

    submission = make_submission(live_page=page)
    page.end()
    with pytest.raises(CannotAnswer, match="has ended"):
        answer_in_update([submission], by=None)
    assert not Update.objects.exists()


def test_a_reporter_cannot_swap_the_picture_readers_see(client, page, staff_reporter, editor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .factories import jpeg_bytes

    photo = make_photo(uploaded_by=staff_reporter)
    make_update(live_page=page, photos=[photo])
    photo.refresh_from_db()
    assert photo.public
    before = photo.image.name
    client.force_login(staff_reporter)
    change = reverse("admin:liveblogs_photo_change", args=[photo.pk])
    assert 'name="image"' not in client.get(change).content.decode()
    client.post(change, {"image": SimpleUploadedFile("red.jpg", jpeg_bytes(colour=(255, 0, 0))),
                         "caption": "Fixed typo", "credit": photo.credit,
                         "alt_text": photo.alt_text})
    photo.refresh_from_db()
    assert photo.caption == "Fixed typo" and photo.image.name == before
    client.force_login(editor)
    assert 'name="image"' in client.get(change).content.decode()
