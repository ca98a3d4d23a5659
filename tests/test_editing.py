"""Optimistic editing: ``Update.save_edit`` and the revision counter every save moves."""

import pytest

from liveblogs.models import EditConflict, LivePage, Update, UpdateRevision

from .factories import make_page, make_photo, make_reporter, make_update, make_user

pytestmark = pytest.mark.django_db


def stored(update):
    return Update.objects.get(pk=update.pk)


def test_every_save_moves_the_revision_by_one():
    update = make_update(status=Update.Status.DRAFT)
    assert update.revision == 1
    update.save()
    assert update.revision == stored(update).revision == 2
    # A save from an instance loaded earlier still counts: the database adds one.
    old = stored(update)
    update.save()
    old.save()
    assert old.revision == stored(update).revision == 4


def test_bulk_updates_move_the_revision_and_keep_a_revision_per_row():
    page = make_page()
    first, second = make_update(live_page=page), make_update(live_page=page)
    Update.objects.filter(live_page=page).update(key_event=True)
    assert [stored(u).revision for u in (first, second)] == [2, 2]
    for update in (first, second):
        revision = UpdateRevision.objects.get(update=update)
        assert revision.created_by is None and revision.headline == update.headline


def test_save_edit_creates_an_update_with_authors_photos_and_one_revision(editor):
    ana, lee = make_reporter(name="Ana Ruiz"), make_reporter(name="Lee Marsh")
    quay, hill = make_photo(caption="Quay"), make_photo(caption="Hill")
    update = Update(live_page=make_page(), headline="Bridge shut", body="<p>Closed.</p>")
    assert update.save_edit(by=editor, authors=[lee, ana], photos=[hill, quay]) is update
    update = stored(update)
    assert (update.created_by, update.edited_by, update.revision) == (editor, editor, 1)
    assert [b.reporter for b in update.bylines.all()] == [lee, ana]  # the order given
    assert [p.photo for p in update.update_photos.all()] == [hill, quay]
    revision = update.revisions.get()
    assert [a["name"] for a in revision.authors] == ["Lee Marsh", "Ana Ruiz"]
    assert [p["caption"] for p in revision.photos] == ["Hill", "Quay"]
    assert revision.created_by == editor and revision.headline == "Bridge shut"
    assert update.revised_at is None


def test_save_edit_refuses_a_stale_revision_and_names_who_saved(editor):
    colleague = make_user(first_name="Lee", last_name="Marsh")
    update = make_update(headline="Bridge shut")
    mine = stored(update)
    theirs = stored(update)
    theirs.headline = "Bridge reopens"
    theirs.save_edit(by=colleague, expected_revision=theirs.revision)
    mine.headline = "Bridge shut all day"
    with pytest.raises(EditConflict) as conflict:
        mine.save_edit(by=editor, expected_revision=mine.revision)
    current = conflict.value.current
    assert current.edited_by == colleague and current.headline == "Bridge reopens"
    assert current.revision == mine.revision + 1
    assert "Lee Marsh" in str(conflict.value)
    assert stored(update).headline == "Bridge reopens"  # nothing of mine was written
    assert update.revisions.count() == 1


def test_save_edit_without_an_expected_revision_saves_over_anything(editor):
    update = make_update()
    stored(update).save()
    update.headline = "Whatever the row says"
    update.save_edit(by=editor)
    assert stored(update).headline == "Whatever the row says"


def test_authors_and_photos_left_as_none_stay(editor):
    ana = make_reporter()
    photo = make_photo()
    update = make_update(authors=[ana], photos=[photo])
    update.headline = "New words"
    update.save_edit(by=editor, expected_revision=update.revision)
    assert list(update.authors.all()) == [ana] and list(update.photos.all()) == [photo]
    assert update.revisions.get().authors == [{"id": ana.pk, "name": ana.name}]


def test_an_edit_to_a_published_update_is_shown_as_edited_unless_minor(editor):
    update = make_update()
    update.headline = "Typo fixed"
    update.save_edit(by=editor, minor=True)
    assert stored(update).revised_at is None
    update.headline = "Bridge reopens at noon"
    update.save_edit(by=editor)
    assert stored(update).revised_at is not None


def test_first_publish_and_unchanged_saves_set_no_edited_time(editor):
    update = make_update(status=Update.Status.DRAFT)
    update.status = Update.Status.PUBLISHED
    update.save_edit(by=editor)
    update = stored(update)
    assert update.status == Update.Status.PUBLISHED and update.revised_at is None
    assert update.published_by == editor
    update.save_edit(by=editor)  # nothing readers see changed
    assert stored(update).revised_at is None


def test_a_correction_is_stamped_and_never_minor(editor):
    update = make_update()
    update.correction_note = "An earlier version gave the wrong street."
    update.save_edit(by=editor, minor=True)
    update = stored(update)
    assert update.corrected_at is not None and update.revised_at is not None
    corrected_at = update.corrected_at
    update.headline = "Typo"
    update.save_edit(by=editor, minor=True)  # the note did not change: its time stays
    assert stored(update).corrected_at == corrected_at


def test_save_edit_moves_the_page_version_and_keeps_one_revision(editor):
    page = make_page()
    update = make_update(live_page=page)
    before = LivePage.objects.get(pk=page.pk).version
    update.headline = "Bridge reopens"
    update.save_edit(by=editor, authors=[make_reporter()], photos=[make_photo()])
    assert LivePage.objects.get(pk=page.pk).version > before
    assert update.revisions.count() == 1
    assert stored(update).revision == 2
    assert update.revisions.get().page_version == stored(update).page_version


def test_status_changes_never_write_back_a_colleagues_newer_text(editor):
    colleague = make_user()
    update = make_update(status=Update.Status.SUBMITTED, headline="Filed headline")
    loaded_by_me = stored(update)
    theirs = stored(update)
    theirs.headline = "Desk's headline"
    theirs.save_edit(by=colleague)
    loaded_by_me.publish(by=editor)
    loaded_by_me.set_flag("key_event", True, by=editor)
    loaded_by_me.pin(by=editor)
    update = stored(update)
    assert update.headline == "Desk's headline"
    assert update.status == Update.Status.PUBLISHED and update.key_event and update.pinned
    assert update.revisions.first().headline == "Desk's headline"
