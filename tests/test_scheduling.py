"""Scheduled updates ("publish at"), on a frozen clock: out of every public output until their
time, then published once by the ordinary verb, the page's version moving for readers' polls."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from liveblogs import tasks, workflow
from liveblogs.models import LivePage, Update, UpdateRevision

from .factories import make_page, make_photo, make_reporter, make_update

pytestmark = pytest.mark.django_db
Status = Update.Status
NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
AT = NOW + timedelta(minutes=47)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def page(db):
    return make_page(title="Harbour flood", slug="harbour-flood", time_zone="America/Toronto")


def scheduled(page, editor, *, headline="Evacuation order lifted for Quay Street", at=AT, **fields):
    update = make_update(live_page=page, headline=headline, status=Status.DRAFT,
                         body="<p>Residents may return from Saturday morning.</p>", **fields)
    update.schedule(at, by=editor)
    update.refresh_from_db()
    return update


def public_texts(client, page, update):
    """Everything a reader, a feed reader, a search engine or the site search is given."""
    return {
        "page": client.get(f"/live/{page.slug}/").content.decode(),
        "changes": client.get(f"/live/{page.slug}/changes.json?since=0").content.decode(),
        "rss": client.get(f"/live/{page.slug}/feed/").content.decode(),
        "atom": client.get(f"/live/{page.slug}/feed/atom/").content.decode(),
        "search": client.get("/live/", {"q": "evacuation"}).content.decode(),
    }


def test_a_scheduled_update_stays_out_of_every_public_output_until_its_time(
    client, clock, page, editor
):
    make_update(live_page=page, headline="Sandbags at the fire station")
    update = scheduled(page, editor)
    assert update.status == Status.DRAFT and update.publish_at == AT
    assert client.get(update.get_absolute_url()).status_code == 404
    for where, text in public_texts(client, page, update).items():
        assert "Evacuation order lifted" not in text, where
    assert "Sandbags at the fire station" in public_texts(client, page, update)["page"]
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"/updates/{update.pk}/" not in sitemap

    clock.move_to(AT - timedelta(seconds=1))
    assert workflow.publish_due() == ([], [])
    assert client.get(update.get_absolute_url()).status_code == 404


def test_publish_due_at_the_time_publishes_it_and_moves_the_version(client, clock, page, editor):
    update = scheduled(page, editor)
    version = LivePage.objects.get(pk=page.pk).version

    clock.move_to(AT + timedelta(seconds=2))
    out = StringIO()
    call_command("publish_due", stdout=out)

    update.refresh_from_db()
    assert update.status == Status.PUBLISHED
    # Dated when it went out, so it arrives at the top of the page even a little late.
    assert update.published_at == AT + timedelta(seconds=2)
    assert update.published_by == editor and update.publish_at is None
    assert LivePage.objects.get(pk=page.pk).version > version
    assert out.getvalue() == (
        f"Published “Evacuation order lifted for Quay Street” (update {update.pk}) on "
        "“Harbour flood” at Nov 30, 4:47 p.m. EST.\n"
    )
    answer = client.get(f"/live/{page.slug}/changes.json?since={version}").json()
    assert [u["id"] for u in answer["updates"]] == [update.pk]
    assert client.get(update.get_absolute_url()).status_code == 200
    for where, text in public_texts(client, page, update).items():
        assert "Evacuation order lifted" in text, where

    # Again: nothing more to do, and it says nothing.
    out = StringIO()
    call_command("publish_due", stdout=out)
    assert out.getvalue() == ""
    assert UpdateRevision.objects.filter(update=update, status=Status.PUBLISHED).count() == 1


def test_a_stale_task_does_nothing(clock, page, editor):
    update = scheduled(page, editor)
    # Rescheduled later, then its first time comes: the task enqueued for it finds nothing due.
    update.schedule(AT + timedelta(hours=1), by=editor)
    clock.move_to(AT + timedelta(seconds=1))
    assert tasks.publish_scheduled.call() == []
    update.refresh_from_db()
    assert update.status == Status.DRAFT

    # Cancelled: never published, whatever runs.
    update.cancel_schedule(by=editor)
    clock.move_to(AT + timedelta(hours=2))
    assert tasks.publish_scheduled.call() == []
    update.refresh_from_db()
    assert (update.status, update.publish_at, update.scheduled_by) == (Status.DRAFT, None, None)
    assert list(UpdateRevision.objects.filter(update=update).order_by("pk").values_list("note", flat=True))[-3:] == [
        "Scheduled for Nov 30, 4:47 p.m. EST.", "Scheduled for Nov 30, 5:47 p.m. EST.",
        "Schedule cancelled.",
    ]


def test_published_by_hand_before_its_time_is_not_published_again(clock, page, editor):
    update = scheduled(page, editor)
    clock.move_to(AT - timedelta(minutes=5))
    update.publish(by=editor)
    update.refresh_from_db()
    assert update.publish_at is None and update.published_at == AT - timedelta(minutes=5)
    clock.move_to(AT + timedelta(minutes=1))
    assert workflow.publish_due() == ([], [])


def test_a_time_already_past_is_refused_in_the_pages_time(clock, page, editor):
    update = make_update(live_page=page, status=Status.DRAFT)
    with pytest.raises(ValidationError) as refused:
        update.schedule(NOW - timedelta(minutes=1), by=editor)
    assert refused.value.messages == [
        "Nov 30, 3:59 p.m. EST has passed: choose a time still to come, or publish it now."
    ]
    published = make_update(live_page=page)
    with pytest.raises(ValidationError, match="Only an update not yet published"):
        published.schedule(AT, by=editor)


def test_a_photo_without_alt_text_is_refused_when_scheduling(clock, page, editor):
    update = make_update(live_page=page, status=Status.DRAFT, photos=[make_photo(alt_text="")])
    with pytest.raises(ValidationError):
        update.schedule(AT, by=editor)


def test_one_that_may_not_go_out_at_its_time_stays_scheduled_and_is_reported(clock, page, editor):
    photo = make_photo()
    update = scheduled(page, editor, photos=[photo])
    photo.alt_text = ""
    photo.save()
    clock.move_to(AT + timedelta(seconds=1))
    out, err = StringIO(), StringIO()
    call_command("publish_due", stdout=out, stderr=err)
    update.refresh_from_db()
    assert update.status == Status.DRAFT and update.publish_at == AT
    assert out.getvalue() == ""
    assert err.getvalue().startswith(
        f"Not published: “Evacuation order lifted for Quay Street” (update {update.pk}), due "
        "Nov 30, 4:47 p.m. EST: "
    )


def test_editing_through_save_edit_keeps_the_revision_rules(clock, page, editor):
    update = scheduled(page, editor)
    loaded = update.revision
    update.publish_at = AT + timedelta(minutes=10)
    update.save_edit(by=editor, expected_revision=loaded)
    update.refresh_from_db()
    assert update.publish_at == AT + timedelta(minutes=10) and update.scheduled_by == editor
    stale = Update.objects.get(pk=update.pk)
    stale.publish_at = None
    with pytest.raises(workflow.EditConflict):
        stale.save_edit(by=editor, expected_revision=loaded)
    update.refresh_from_db()
    assert update.publish_at == AT + timedelta(minutes=10)


def test_publish_due_command_refuses_bad_input_in_one_sentence():
    with pytest.raises(CommandError, match=r"^--every takes a number of seconds from 1 to 3,600, not 0\.$"):
        call_command("publish_due", every=0)


def test_the_database_never_holds_a_published_update_with_a_schedule(page):
    update = make_update(live_page=page)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Update.objects.filter(pk=update.pk).update(publish_at=AT)


def test_only_who_may_publish_at_the_time_publishes(clock, page, reporter_user):
    reporter_user.user_permissions.add(Permission.objects.get(codename="publish_update"))
    page.desk.add(reporter_user.reporter)
    update = scheduled(page, reporter_user)
    # The permission is taken away before the time: it does not go out on their word.
    reporter_user.user_permissions.clear()
    clock.move_to(AT + timedelta(seconds=1))
    published, refused = workflow.publish_due()
    assert published == [] and [u.pk for u, _reason in refused] == [update.pk]


def test_a_reporters_scheduled_update_is_published_by_them(clock, page, reporter_user):
    reporter_user.user_permissions.add(Permission.objects.get(codename="publish_update"))
    page.desk.add(reporter_user.reporter)
    update = scheduled(page, reporter_user, authors=[make_reporter()])
    clock.move_to(AT)
    published, _refused = workflow.publish_due()
    assert [u.pk for u in published] == [update.pk]
    update.refresh_from_db()
    assert update.published_by == reporter_user
