"""Scheduled updates ("publish at"), on a frozen clock: out of every public output until their
time, then published once by the ordinary verb, the page's version moving for readers' polls."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from liveblogs import tasks, workflow
from liveblogs.models import LivePage, Update, UpdateRevision
from liveblogs.roles import EDITORS, REPORTERS

from .factories import make_page, make_photo, make_reporter, make_update, make_user

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
    notes = UpdateRevision.objects.filter(update=update).order_by("pk").values_list("note", flat=True)
    assert list(notes)[-3:] == [
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


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_publish_each_update_once(clock, page, editor):
    """Two workers (the task worker and cron's ``publish_due``, or two task workers) reach the
    same due updates at the same moment: each goes out once, by one of them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's row locks: SQLite takes one writer at a time")
    import threading

    from django.db import connections

    updates = [scheduled(page, editor, headline=f"Road {n} reopens") for n in range(6)]
    version = LivePage.objects.get(pk=page.pk).version
    clock.move_to(AT + timedelta(seconds=1))
    together = threading.Barrier(2)
    results = []

    def worker():
        try:
            together.wait()
            published, refused = workflow.publish_due()
            results.append(([u.pk for u in published], refused))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    went_out = [pk for published, _refused in results for pk in published]
    assert sorted(went_out) == sorted(u.pk for u in updates)  # all of them, none twice
    assert all(refused == [] for _published, refused in results)
    assert Update.objects.filter(status=Status.PUBLISHED, publish_at=None).count() == 6
    assert LivePage.objects.get(pk=page.pk).version == version + 6  # one change each
    for update in updates:
        assert UpdateRevision.objects.filter(update=update, status=Status.PUBLISHED).count() == 1


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
    page.end()
    with pytest.raises(ValidationError, match="Coverage on this page has ended"):
        update.schedule(AT, by=editor)


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


def test_nothing_goes_out_on_a_page_that_has_ended(desk, clock, page, editor):
    update = scheduled(page, editor)
    page.end()
    clock.move_to(AT + timedelta(seconds=1))
    published, refused = workflow.publish_due()
    assert published == [] and [(u.pk, why) for u, why in refused] == [
        (update.pk, "Its live page has ended.")
    ]
    # The desk sees it late.
    html = desk.get(desk_url("", page)).content.decode()
    assert "late: not published yet" in html[html.index('data-place="scheduled"'):]


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
    refused = r"^--every takes a number of seconds from 1 to 3,600, not 0\.$"
    with pytest.raises(CommandError, match=refused):
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


# The desk ---------------------------------------------------------------------------------------




def desk_url(name, page, *args):
    return reverse(f"admin:liveblogs_livepage_desk{name}", args=[page.pk, *args])


@pytest.fixture
def desk(client, editor):
    client.force_login(editor)
    return client


def test_the_desk_schedules_from_the_composer_in_the_pages_time(desk, clock, page, editor):
    html = desk.get(desk_url("", page)).content.decode()
    assert 'name="publish_at"' in html and "America/Toronto" in html
    answer = desk.post(desk_url("_new", page), {
        "headline": "Evacuation order lifted for Quay Street", "body": "<p>From Saturday.</p>",
        "action": "publish", "filing_key": str(uuid.uuid4()), "publish_at": "2026-11-30T16:47",
    })
    assert answer.status_code == 200, answer.content
    card = answer.json()["update"]
    assert card["place"] == "scheduled" and "Scheduled for Nov 30, 4:47 p.m. EST" in card["html"]
    update = Update.objects.get(pk=card["id"])
    assert (update.status, update.publish_at, update.scheduled_by) == (Status.DRAFT, AT, editor)
    html = desk.get(desk_url("", page)).content.decode()
    scheduled_section = html[html.index('data-place="scheduled"'):html.index('data-place="stream"')]
    assert "Evacuation order lifted" in scheduled_section and "Cancel schedule" in scheduled_section
    assert "Evacuation order lifted" not in desk.get(f"/live/{page.slug}/").content.decode()


def test_the_desk_refuses_a_time_already_past(desk, clock, page):
    answer = desk.post(desk_url("_new", page), {
        "headline": "Too late", "body": "<p>x</p>", "action": "publish",
        "filing_key": str(uuid.uuid4()), "publish_at": "2026-11-30T15:30",
    })
    assert answer.status_code == 400
    assert answer.json()["errors"]["publish_at"] == [
        "Nov 30, 3:30 p.m. EST has passed: choose a time still to come, or publish it now."
    ]
    assert not Update.objects.exists()


def test_the_desk_edits_the_time_with_the_revision_rules_and_cancels(desk, clock, page, editor):
    update = scheduled(page, editor)
    data = desk.get(desk_url("_update", page, update.pk)).json()
    assert data["publish_at"] == "2026-11-30T16:47"
    fields = {"headline": update.headline, "body": update.body, "action": "draft",
              "revision": data["revision"], "publish_at": "2026-11-30T17:15"}
    assert desk.post(desk_url("_update", page, update.pk), fields).status_code == 200
    update.refresh_from_db()
    assert update.publish_at == datetime(2026, 11, 30, 22, 15, tzinfo=UTC)
    # The same form again, at the revision it loaded: a colleague's newer save wins.
    stale = desk.post(desk_url("_update", page, update.pk), {**fields, "publish_at": ""})
    assert stale.status_code == 409
    update.refresh_from_db()
    assert update.publish_at is not None

    answer = desk.post(desk_url("_act", page, update.pk, "cancel-schedule"))
    assert answer.json()["update"]["place"] == "drafts"
    update.refresh_from_db()
    assert update.publish_at is None and update.status == Status.DRAFT
    clock.move_to(AT + timedelta(hours=1))
    assert workflow.publish_due() == ([], [])


def test_the_desk_hears_when_it_goes_out(desk, clock, page, editor):
    update = scheduled(page, editor)
    since = NOW.timestamp()
    clock.move_to(AT + timedelta(seconds=1))
    workflow.publish_due()
    changes = desk.get(desk_url("_changes", page), {"since": since}).json()
    assert [(u["id"], u["place"]) for u in changes["updates"]] == [(update.pk, "stream")]


def test_a_submitted_update_scheduled_leaves_the_approval_queue(desk, clock, page, editor):
    update = make_update(live_page=page, headline="From the field", status=Status.SUBMITTED)
    update.schedule(AT, by=editor)
    html = desk.get(desk_url("", page)).content.decode()
    waiting = html[html.index('data-place="waiting"'):html.index('data-place="drafts"')]
    assert "From the field" not in waiting
    assert desk.get(desk_url("_changes", page), {"since": 0}).json()["waiting"] == 0
    clock.move_to(AT)
    workflow.publish_due()
    update.refresh_from_db()
    assert update.status == Status.PUBLISHED


# The admin --------------------------------------------------------------------------------------


def admin_form(update, **changes):
    return {
        "live_page": update.live_page_id, "headline": update.headline, "body": update.body,
        "video": "", "status": update.status, "published_at_0": "", "published_at_1": "",
        "publish_at_0": "", "publish_at_1": "", "correction_note": "", "corrected_at_0": "",
        "corrected_at_1": "", "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
        "revision": Update.objects.get(pk=update.pk).revision, **changes,
    }


def test_the_admin_schedules_in_the_pages_time_and_lists_it(desk, clock, page, editor):
    update = make_update(live_page=page, headline="Evacuation order lifted", status=Status.DRAFT)
    change = reverse("admin:liveblogs_update_change", args=[update.pk])
    form = desk.get(change).content.decode()
    assert 'name="publish_at_0"' in form and "In America/Toronto time, the live page's" in form
    answer = desk.post(change, admin_form(update, publish_at_0="2026-11-30", publish_at_1="16:47"))
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    update.refresh_from_db()
    assert update.publish_at == AT and update.scheduled_by == editor
    listing = desk.get(reverse("admin:liveblogs_update_changelist")).content.decode()
    assert "Scheduled for Nov 30, 4:47 p.m. EST" in listing
    # Shown again as typed, in the page's time.
    assert 'value="16:47:00"' in desk.get(change).content.decode()

    past = desk.post(change, admin_form(update, publish_at_0="2026-11-30", publish_at_1="15:00"))
    assert "Nov 30, 3:00 p.m. EST has passed" in past.content.decode()

    run = desk.post(reverse("admin:liveblogs_update_changelist"),
                    {"action": "cancel_schedule", "_selected_action": [update.pk]})
    assert run.status_code == 302
    update.refresh_from_db()
    assert update.publish_at is None


# Who may schedule ---------------------------------------------------------------------------------


def filer(page, *, publish):
    user = make_user()
    user.groups.add(Group.objects.get(name=REPORTERS))
    if publish:
        user.user_permissions.add(Permission.objects.get(codename="publish_update"))
    page.desk.add(make_reporter(user=user))
    return user


def file_form(client):
    html = client.get("/file/").content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(filing_key|revision)" value="([^"]*)"', html))
    return html, fields


@pytest.mark.parametrize("role, may", [
    ("reporter", False), ("reporter_publisher", True), ("editor", True),
])
def test_who_may_schedule_from_file(client, clock, role, may):
    page = make_page(title="Harbour flood", time_zone="America/Toronto", needs_approval=True)
    if role == "editor":
        user = make_user(is_staff=True)
        user.groups.add(Group.objects.get(name=EDITORS))
        page.desk.add(make_reporter(user=user))
    else:
        user = filer(page, publish=role == "reporter_publisher")
    client.force_login(user)
    html, fields = file_form(client)
    assert ('name="publish_at"' in html) is may
    answer = client.post("/file/", {
        **fields, "live_page": page.pk, "headline": "Evacuation order lifted",
        "body": "From Saturday.", "action": "publish" if may else "submit",
        "publish_at": "2026-11-30T16:47",
    })
    update = Update.objects.get()
    if may:
        assert answer.status_code == 302
        assert (update.status, update.publish_at, update.scheduled_by) == (Status.DRAFT, AT, user)
        assert "Scheduled" in client.get(answer["Location"]).content.decode()
        assert "scheduled for Nov 30, 4:47 p.m. EST" in client.get("/file/mine/").content.decode()
    else:
        # The field is not offered, and a time sent anyway is not taken.
        assert (update.status, update.publish_at) == (Status.SUBMITTED, None)


def test_a_reporter_may_not_change_what_an_editor_scheduled(client, clock, page, editor):
    rita = filer(page, publish=False)
    update = make_update(live_page=page, status=Status.SUBMITTED, created_by=rita)
    update.schedule(AT, by=editor)
    client.force_login(rita)
    assert client.get(f"/file/{update.pk}/").status_code == 404
    assert "scheduled for" in client.get("/file/mine/").content.decode()


def test_a_publisher_reporter_edits_and_cancels_in_file(client, clock, page):
    sam = filer(page, publish=True)
    update = make_update(live_page=page, status=Status.DRAFT, created_by=sam, headline="Ferry")
    update.schedule(AT, by=sam)
    client.force_login(sam)
    edit = client.get(f"/file/{update.pk}/").content.decode()
    assert 'value="2026-11-30T16:47"' in edit and "Scheduled for Nov 30, 4:47 p.m. EST" in edit
    revision = re.search(r'name="revision" value="(\d+)"', edit).group(1)
    answer = client.post(f"/file/{update.pk}/", {
        "filing_key": str(uuid.uuid4()), "revision": revision, "headline": "Ferry",
        "body": "Water is rising.", "action": "draft", "publish_at": "",
    })
    assert answer.status_code == 302
    update.refresh_from_db()
    assert update.publish_at is None and update.status == Status.DRAFT
