"""Every change a reader can see moves the page's version, in the same transaction; nothing else."""

import pytest
from django.db import transaction

from liveblogs.models import KeyPoint, LivePage, Update, UpdateAuthor, UpdatePhoto

from .factories import (
    make_callout,
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_series,
    make_update,
    make_video,
)

pytestmark = pytest.mark.django_db


def version_of(page):
    return LivePage.objects.values_list("version", flat=True).get(pk=page.pk)


@pytest.fixture
def page():
    return make_page()


def moves(page, change):
    before = version_of(page)
    change()
    return version_of(page) > before


def test_publishing_moves_the_version_and_stamps_the_update(page, editor):
    update = make_update(live_page=page, status=Update.Status.DRAFT)
    assert moves(page, lambda: update.publish(by=editor))
    update.refresh_from_db()
    assert update.page_version == version_of(page)


def test_editing_a_published_update_moves_the_version(page):
    update = make_update(live_page=page)

    def edit():
        update.headline = "Bridge reopens"
        update.save()

    assert moves(page, edit)


@pytest.mark.parametrize("status", [Update.Status.DRAFT, Update.Status.SUBMITTED])
def test_drafts_and_submitted_updates_do_not_move_the_version(page, status):
    assert not moves(page, lambda: make_update(live_page=page, status=status))
    update = Update.objects.get(live_page=page)
    update.headline = "Still a draft"
    assert not moves(page, update.save)
    assert update.page_version == 0


def test_withdrawing_moves_the_version(page, editor):
    update = make_update(live_page=page)
    assert moves(page, lambda: update.withdraw(by=editor))


def test_pinning_and_key_events_move_the_version(page, editor):
    update = make_update(live_page=page)
    assert moves(page, lambda: update.pin(by=editor))
    assert moves(page, lambda: update.set_flag("key_event", True, by=editor))


def test_key_points_added_edited_and_removed_move_the_version(page):
    point = None

    def add():
        nonlocal point
        point = make_key_point(live_page=page)

    def edit():
        point.text = "Schools reopen Monday"
        point.save()

    assert moves(page, add)
    assert moves(page, edit)
    assert moves(page, point.delete)
    assert moves(page, lambda: KeyPoint.objects.filter(live_page=page).update(text="x") or make_key_point(live_page=page))
    assert moves(page, lambda: KeyPoint.objects.filter(live_page=page).update(position=5))
    assert moves(page, lambda: KeyPoint.objects.filter(live_page=page).delete())


def test_callouts_move_the_version(page):
    assert moves(page, lambda: make_callout(live_page=page))


def test_page_status_and_lead_media_move_the_version(page):
    assert moves(page, page.end)

    def new_lead():
        page.lead_photo = make_photo()
        page.save()

    assert moves(page, new_lead)


def test_saving_a_page_never_writes_back_an_old_version(page):
    stale = LivePage.objects.get(pk=page.pk)
    make_update(live_page=page)
    make_update(live_page=page)
    newer = version_of(page)
    stale.title = "Renamed"
    stale.save()
    assert version_of(page) == newer + 1
    assert stale.version == newer + 1


def test_bulk_updates_on_updates_move_the_version_and_stamp_each_row(page):
    other_page = make_page()
    first = make_update(live_page=page)
    second = make_update(live_page=other_page)
    before = (version_of(page), version_of(other_page))
    Update.objects.filter(pk__in=[first.pk, second.pk]).update(key_event=True)
    assert version_of(page) > before[0] and version_of(other_page) > before[1]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.page_version, second.page_version) == (version_of(page), version_of(other_page))


def test_bulk_publishing_drafts_is_seen_by_readers(page):
    draft = make_update(live_page=page, status=Update.Status.DRAFT)
    assert moves(
        page,
        lambda: Update.objects.filter(pk=draft.pk).update(
            status=Update.Status.PUBLISHED, published_at=draft.created_at
        ),
    )


def test_bulk_changes_to_drafts_stay_unseen(page):
    make_update(live_page=page, status=Update.Status.DRAFT)
    assert not moves(page, lambda: Update.objects.filter(live_page=page).update(headline="x"))


def test_bylines_and_photos_move_the_version(page):
    update = make_update(live_page=page)
    reporter = make_reporter()
    photo = make_photo()
    assert moves(page, lambda: UpdateAuthor.objects.create(update=update, reporter=reporter))
    assert moves(page, lambda: UpdateAuthor.objects.filter(update=update).first().delete())
    assert moves(page, lambda: update.authors.add(reporter))
    assert moves(page, lambda: update.authors.clear())
    assert moves(page, lambda: UpdatePhoto.objects.create(update=update, photo=photo))
    assert moves(page, lambda: update.photos.set([]))
    assert moves(page, lambda: reporter.updates.add(update))
    assert moves(page, lambda: reporter.updates.clear())


def test_photo_caption_reporter_name_and_video_edits_reach_the_updates_showing_them(page):
    reporter = make_reporter()
    photo = make_photo()
    video = make_video()
    make_update(live_page=page, authors=[reporter], photos=[photo], video=video)

    def recaption():
        photo.caption = "Corrected caption"
        photo.save()

    def rename():
        reporter.role = "Chief correspondent"
        reporter.save()

    def retitle():
        video.title = "New title"
        video.save()

    assert moves(page, recaption)
    assert moves(page, rename)
    assert moves(page, retitle)


@pytest.mark.parametrize("delete", [
    lambda callout: callout.delete(),
    lambda callout: type(callout).objects.filter(pk=callout.pk).delete(),
], ids=["one", "bulk"])
def test_deleting_a_callout_reaches_the_updates_that_showed_it(page, delete):
    callout = make_callout(live_page=page)
    shown = make_update(live_page=page, callout=callout)
    other = make_update(live_page=page)
    stamped = Update.objects.get(pk=shown.pk).page_version
    delete(callout)
    shown.refresh_from_db()
    # Stamped anew, so a polling reader gets it again, now without the callout box.
    assert shown.callout_id is None and shown.page_version > stamped
    assert Update.objects.get(pk=other.pk).page_version == other.page_version


def test_series_renames_reach_its_pages():
    series = make_series()
    page = make_page(series=series)

    def rename():
        series.name = "Storm season 2029"
        series.save()

    assert moves(page, rename)


def test_a_rolled_back_change_leaves_the_version(page):
    update = make_update(live_page=page)
    before = version_of(page)
    with pytest.raises(RuntimeError), transaction.atomic():
        update.headline = "Never saved"
        update.save()
        raise RuntimeError
    assert version_of(page) == before


def test_every_visible_change_gets_its_own_version(page):
    versions = set()
    for _ in range(5):
        update = make_update(live_page=page)
        versions.add(update.page_version)
    assert len(versions) == 5
    assert max(versions) == version_of(page)


def test_the_version_records_when_readers_last_saw_a_change(page):
    before = LivePage.objects.get(pk=page.pk).changed_at
    make_update(live_page=page)
    assert LivePage.objects.get(pk=page.pk).changed_at > before


def test_bulk_status_changes_on_pages_move_their_versions(page):
    before = version_of(page)
    LivePage.objects.filter(status=LivePage.Status.LIVE).update(status=LivePage.Status.ENDED)
    assert version_of(page) > before


def test_every_way_an_update_is_edited_moves_the_version(page, editor):
    update = make_update(live_page=page)

    def minor_edit():
        update.headline = "Bridge shut (typo fixed)"
        update.save_edit(by=editor, minor=True)

    def correction():
        update.correction_note = "An earlier version named the wrong bridge."
        update.save_edit(by=editor, expected_revision=update.revision)

    # A minor edit shows no "edited" mark, but readers still get the new words.
    assert moves(page, minor_edit)
    assert moves(page, correction)
    assert moves(page, lambda: Update.objects.filter(pk=update.pk).update(key_event=True))
    update.refresh_from_db()
    assert update.page_version == version_of(page)
