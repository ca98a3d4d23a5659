from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from liveblogs.models import LivePage, Update, UpdateAuthor, Video

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


def raises_integrity_error(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_slugs_are_unique():
    make_series(slug="storm")
    make_page(slug="storm-live")
    make_reporter(slug="ana-ruiz")
    raises_integrity_error(lambda: make_series(slug="storm"))
    raises_integrity_error(lambda: make_page(slug="storm-live"))
    raises_integrity_error(lambda: make_reporter(slug="ana-ruiz"))


def test_coverage_cannot_end_before_it_starts():
    start = timezone.now()
    raises_integrity_error(lambda: make_page(coverage_start=start, coverage_end=start - timedelta(hours=1)))
    page = make_page(coverage_start=start, coverage_end=start + timedelta(hours=1))
    assert page.coverage_end > page.coverage_start


def test_coverage_constraint_message_for_forms():
    start = timezone.now()
    page = LivePage(title="T", slug="t", coverage_start=start, coverage_end=start - timedelta(days=1))
    with pytest.raises(ValidationError, match="Coverage cannot end before it starts"):
        page.full_clean()


def test_lead_media_is_a_photo_or_a_video_not_both():
    raises_integrity_error(lambda: make_page(lead_photo=make_photo(), lead_video=make_video()))


def test_published_update_needs_a_time_in_the_database():
    update = make_update()
    raises_integrity_error(lambda: Update.objects.filter(pk=update.pk).update(published_at=None))


def test_publishing_sets_the_time_when_missing():
    update = make_update(status=Update.Status.DRAFT)
    update.status = Update.Status.PUBLISHED
    update.save()
    assert update.published_at is not None


def test_only_one_pinned_update_per_page():
    page = make_page()
    make_update(live_page=page, pinned=True)
    raises_integrity_error(lambda: make_update(live_page=page, pinned=True))
    assert make_update(pinned=True).pinned  # another page may pin its own


def test_pin_unpins_the_previous_pinned_update(editor):
    page = make_page()
    first = make_update(live_page=page, pinned=True)
    second = make_update(live_page=page)
    second.pin(by=editor)
    first.refresh_from_db()
    assert (first.pinned, second.pinned) == (False, True)


def test_a_reporter_bylines_an_update_once():
    reporter = make_reporter()
    update = make_update(authors=[reporter])
    raises_integrity_error(lambda: UpdateAuthor.objects.create(update=update, reporter=reporter))


def test_video_needs_a_file_or_a_url():
    raises_integrity_error(lambda: Video.objects.create(title="No source"))


@pytest.mark.parametrize(
    "seconds, shown", [(112, "1:52"), (59, "0:59"), (3725, "1:02:05"), (None, "")]
)
def test_video_duration_is_printed_as_newsrooms_do(seconds, shown):
    duration = None if seconds is None else timedelta(seconds=seconds)
    assert Video(title="v", duration=duration).duration_display() == shown


def test_str_of_each_model():
    page = make_page(title="Harbour flood")
    assert str(page) == "Harbour flood"
    assert str(make_series(name="Storm season")) == "Storm season"
    assert str(make_reporter(name="Ana Ruiz")) == "Ana Ruiz"
    assert str(make_update(live_page=page, headline="Bridge closed")) == "Bridge closed"
    assert str(make_key_point(live_page=page, text="Schools shut")) == "Schools shut"
    assert str(make_photo(caption="The quay at dawn")) == "The quay at dawn"
    assert str(make_video(title="From the air")) == "From the air"
    assert str(make_callout(live_page=page, prompt="Are you affected?")) == "Are you affected?"
    submission = make_submission(live_page=page, name="Sam", body="When will buses run?")
    assert str(submission) == f"Submission #{submission.pk}: When will buses run?"


def test_absolute_urls_follow_the_public_contract():
    page = make_page(slug="harbour-flood")
    update = make_update(live_page=page)
    assert page.get_absolute_url() == "/live/harbour-flood/"
    assert update.get_absolute_url() == f"/live/harbour-flood/updates/{update.pk}/"
    assert make_series(slug="storms").get_absolute_url() == "/series/storms/"
    assert make_reporter(slug="ana").get_absolute_url() == "/reporters/ana/"


def test_update_body_is_sanitised_on_save():
    update = make_update(
        body='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a>'
        '<a href="https://example.org">ok</a></p><iframe src="https://evil"></iframe>'
    )
    update.refresh_from_db()
    assert "script" not in update.body
    assert "onclick" not in update.body
    assert "javascript:" not in update.body
    assert "iframe" not in update.body
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in update.body


def test_stored_photo_names_are_made_by_the_server():
    photo = make_photo()
    assert photo.image.name.startswith("photos/")
    assert "upload" not in photo.image.name
    assert (photo.width, photo.height) == (64, 48)


def test_withdrawing_keeps_the_row_and_a_revision(editor):
    update = make_update()
    update.withdraw(by=editor)
    update.refresh_from_db()
    assert update.status == Update.Status.WITHDRAWN
    assert update.revisions.get().status == Update.Status.WITHDRAWN


def test_publish_refuses_a_photo_without_alt_text_and_names_it(editor):
    photo = make_photo(caption="Sandbags on Pier Road", alt_text="", credit="")
    update = make_update(status=Update.Status.DRAFT, photos=[photo])
    with pytest.raises(ValidationError) as error:
        update.publish(by=editor)
    assert "Sandbags on Pier Road" in str(error.value)
    assert "alt text and credit" in str(error.value)
    update.refresh_from_db()
    assert update.status == Update.Status.DRAFT


def test_publish_records_who_and_when(editor):
    update = make_update(status=Update.Status.SUBMITTED)
    update.publish(by=editor)
    update.refresh_from_db()
    assert update.published_by == editor
    assert update.published_at is not None
    assert update.revisions.count() == 1


def test_revision_keeps_authors_and_photos(editor):
    reporter = make_reporter(name="Ana Ruiz")
    photo = make_photo(caption="Quay")
    update = make_update(authors=[reporter], photos=[photo])
    revision = update.record_revision(by=editor)
    assert revision.authors == [{"id": reporter.pk, "name": "Ana Ruiz"}]
    assert revision.photos == [{"id": photo.pk, "caption": "Quay"}]
    assert revision.created_by == editor


def test_visible_updates_are_published_ones_on_public_pages():
    live = make_page()
    draft_page = make_page(status=LivePage.Status.DRAFT)
    shown = make_update(live_page=live)
    make_update(live_page=live, status=Update.Status.DRAFT)
    make_update(live_page=live, status=Update.Status.SUBMITTED)
    make_update(live_page=live, status=Update.Status.WITHDRAWN)
    make_update(live_page=draft_page)
    assert list(Update.objects.visible()) == [shown]


def test_public_pages_exclude_drafts():
    live = make_page(status=LivePage.Status.LIVE)
    ended = make_page(
        status=LivePage.Status.ENDED,
        coverage_start=timezone.now() - timedelta(days=2),
        coverage_end=timezone.now(),
    )
    make_page(status=LivePage.Status.DRAFT)
    assert set(LivePage.objects.public()) == {live, ended}


def test_end_turns_the_page_into_a_recap():
    page = make_page()
    page.end()
    page.refresh_from_db()
    assert page.is_recap and page.coverage_end >= page.coverage_start


def test_go_live_opens_a_draft():
    page = make_page(status=LivePage.Status.DRAFT)
    page.go_live()
    page.refresh_from_db()
    assert page.is_live and page.coverage_end is None


def end_by_status_menu(page):
    page.status = LivePage.Status.ENDED
    page.save()


def end_as_the_desk_does(page):
    # A view that writes the status alone, as a desk button may.
    page.status = LivePage.Status.ENDED
    page.save(update_fields=["status"])


@pytest.mark.parametrize("end", [LivePage.end, end_by_status_menu, end_as_the_desk_does],
                         ids=["end()", "status", "status-alone"])
def test_ending_by_any_path_dates_the_end_and_reopening_clears_it(end):
    page = make_page(coverage_start=timezone.now() - timedelta(hours=5))
    before = timezone.now()
    end(page)
    page.refresh_from_db()
    assert page.is_recap and before <= page.coverage_end <= timezone.now()
    page.status = LivePage.Status.LIVE
    page.save(update_fields=["status"])
    page.refresh_from_db()
    assert page.is_live and page.coverage_end is None


def test_an_end_the_editor_typed_is_kept_and_an_early_start_is_not_overtaken():
    start = timezone.now() - timedelta(days=3)
    typed = start + timedelta(days=1)
    page = make_page(coverage_start=start)
    page.status, page.coverage_end = LivePage.Status.ENDED, typed
    page.save()
    page.refresh_from_db()
    assert page.coverage_end == typed
    # A page whose coverage starts later than now ends when it starts, never before.
    later = make_page(coverage_start=timezone.now() + timedelta(hours=2))
    later.end()
    later.refresh_from_db()
    assert later.coverage_end == later.coverage_start


def test_time_zone_must_exist():
    page = LivePage(title="T", slug="t", time_zone="Mars/Olympus")
    with pytest.raises(ValidationError, match="not a time zone"):
        page.full_clean()


def test_callout_accepts_until_its_deadline():
    page = make_page()
    assert make_callout(live_page=page).is_accepting
    assert not make_callout(live_page=page, deadline=timezone.now() - timedelta(minutes=1)).is_accepting
    assert not make_callout(live_page=page, is_open=False).is_accepting
