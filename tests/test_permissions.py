"""Who may do what, through the real views and the admin: every role × every action.

Reporters here are staff, so the admin is open to them: the strictest case (the demo's reporter
is not staff and files only at /file/). Each cell sets up its own rows, acts as the role would
(a form post, an admin action), then checks what happened in the database, not only the status.
"""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from liveblogs.models import LivePage, ReaderSubmission, Update
from liveblogs.roles import EDITORS, REPORTERS

from .factories import make_page, make_reporter, make_submission, make_update, make_user

pytestmark = pytest.mark.django_db
Status = Update.Status

ROLES = ["anonymous", "reporter_on_desk", "reporter_off_desk", "reporter_publisher", "editor", "superuser"]
EVERYONE_ON_THE_DESK = {"reporter_on_desk", "reporter_publisher", "editor", "superuser"}
DESK = {"editor", "superuser"}
ALLOWED = {
    "see_draft": EVERYONE_ON_THE_DESK,  # in the admin, read-only for reporters; never in public
    "file": EVERYONE_ON_THE_DESK,
    "edit_own": EVERYONE_ON_THE_DESK,
    "edit_another": DESK,
    "publish": {"reporter_publisher", "editor", "superuser"},
    # Publishing later is publishing: "publish at" is for those who may publish on the page.
    "schedule": {"reporter_publisher", "editor", "superuser"},
    "schedule_in_form": {"reporter_publisher", "editor", "superuser"},
    "cancel_schedule": {"reporter_publisher", "editor", "superuser"},
    "withdraw": DESK,
    "withdraw_in_form": DESK,
    "pin": DESK,
    "pin_in_form": DESK,
    "key_event_in_form": DESK,
    "end_page": DESK,
    "moderate": DESK,
    "export": DESK,
}


def make_role(role, page):
    if role == "anonymous":
        return None
    if role == "superuser":
        return make_user(is_staff=True, is_superuser=True)
    if role == "editor":
        user = make_user(is_staff=True)
        user.groups.add(Group.objects.get(name=EDITORS))
        return user
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name=REPORTERS))
    if role == "reporter_publisher":
        user.user_permissions.add(Permission.objects.get(codename="publish_update"))
    reporter = make_reporter(user=user)
    if role != "reporter_off_desk":
        page.desk.add(reporter)
    return user


def admin_action(client, model, action, *rows):
    url = reverse(f"admin:liveblogs_{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": [row.pk for row in rows]})


def file_edit(client, update, headline):
    action = "save" if update.status == Status.PUBLISHED else "draft"
    return client.post(f"/file/{update.pk}/", {
        "filing_key": str(uuid.uuid4()), "revision": update.revision, "live_page": update.live_page_id,
        "headline": headline, "body": "Edited.", "action": action,
    })


def change_form_post(client, update, **changes):
    """Save ``update`` through the admin's change form, as it stands apart from ``changes``."""
    data = {
        "headline": update.headline, "body": update.body, "video": "", "callout": "",
        "revision": update.revision, "status": update.status,
        "published_at_0": update.published_at.strftime("%Y-%m-%d"),
        "published_at_1": update.published_at.strftime("%H:%M:%S"),
        "correction_note": update.correction_note,
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return client.post(reverse("admin:liveblogs_update_change", args=[update.pk]), data)


def admin_can_save(client, update):
    """The admin's change page for ``update`` offers a save button."""
    response = client.get(reverse("admin:liveblogs_update_change", args=[update.pk]))
    return response.status_code == 200 and 'name="_save"' in response.content.decode()


@pytest.fixture
def page():
    return make_page(title="Council election night", needs_approval=True)


@pytest.fixture
def colleague(page):
    user = make_user()
    user.groups.add(Group.objects.get(name=REPORTERS))
    page.desk.add(make_reporter(name="Colleague", user=user))
    return user


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("role", ROLES)
def test_role_by_action(client, page, colleague, role, action):
    user = make_role(role, page)
    if user:
        client.force_login(user)
    allowed = role in ALLOWED[action]
    acting_as = user or colleague  # "own" rows for anonymous belong to someone else anyway

    if action == "see_draft":
        draft = make_update(live_page=page, status=Status.DRAFT, created_by=colleague, headline="Secret draft")
        # Never in public, whoever asks.
        assert client.get(f"/live/{page.slug}/updates/{draft.pk}/").status_code == 404
        assert "Secret draft" not in client.get(page.get_absolute_url()).content.decode()
        response = client.get(reverse("admin:liveblogs_update_change", args=[draft.pk]))
        assert (response.status_code == 200 and "Secret draft" in response.content.decode()) == allowed

    elif action == "file":
        key = uuid.uuid4()
        client.post("/file/", {"filing_key": str(key), "live_page": page.pk, "headline": "Filed",
                               "body": "Words.", "action": "submit"})
        assert Update.objects.filter(filing_key=key).exists() == allowed

    elif action == "edit_own":
        own = make_update(live_page=page, status=Status.DRAFT, created_by=acting_as, headline="Before")
        file_edit(client, own, "After")
        own.refresh_from_db()
        assert (own.headline == "After") == allowed
        assert admin_can_save(client, own) == (allowed and user is not None and user.is_staff)

    elif action == "edit_another":
        theirs = make_update(live_page=page, status=Status.DRAFT, created_by=colleague, headline="Before")
        assert admin_can_save(client, theirs) == allowed
        file_edit(client, theirs, "After")
        theirs.refresh_from_db()
        assert (theirs.headline == "After") == allowed

    elif action == "publish":
        waiting = make_update(live_page=page, status=Status.SUBMITTED, created_by=acting_as)
        admin_action(client, "update", "publish", waiting)
        waiting.refresh_from_db()
        assert (waiting.status == Status.PUBLISHED) == allowed

    elif action == "schedule":
        key, at = uuid.uuid4(), timezone.localtime(timezone.now() + timedelta(days=1), page.tzinfo)
        client.post("/file/", {"filing_key": str(key), "live_page": page.pk, "headline": "Later",
                               "body": "Words.", "action": "draft",
                               "publish_at": at.strftime("%Y-%m-%dT%H:%M")})
        assert Update.objects.filter(filing_key=key, publish_at__isnull=False).exists() == allowed

    elif action == "schedule_in_form":
        at = timezone.localtime(timezone.now() + timedelta(days=1), page.tzinfo)
        draft = make_update(live_page=page, status=Status.DRAFT, created_by=acting_as,
                            published_at=at)
        change_form_post(client, draft, publish_at_0=at.strftime("%Y-%m-%d"),
                         publish_at_1=at.strftime("%H:%M:%S"))
        draft.refresh_from_db()
        assert (draft.publish_at is not None) == allowed

    elif action == "cancel_schedule":
        editor = make_role("editor", page)
        later = make_update(live_page=page, status=Status.DRAFT, created_by=acting_as)
        later.schedule(timezone.now() + timedelta(days=1), by=editor)
        admin_action(client, "update", "cancel_schedule", later)
        later.refresh_from_db()
        assert (later.publish_at is None) == allowed

    elif action == "withdraw":
        shown = make_update(live_page=page, created_by=acting_as)
        admin_action(client, "update", "withdraw", shown)
        shown.refresh_from_db()
        assert (shown.status == Status.WITHDRAWN) == allowed

    elif action == "withdraw_in_form":
        shown = make_update(live_page=page, created_by=acting_as)
        change_form_post(client, shown, status=Status.WITHDRAWN)
        shown.refresh_from_db()
        assert (shown.status == Status.WITHDRAWN) == allowed

    elif action == "pin_in_form":
        pinned = make_update(live_page=page, created_by=colleague, pinned=True)
        shown = make_update(live_page=page, created_by=acting_as)
        change_form_post(client, shown, pinned="on")
        shown.refresh_from_db()
        pinned.refresh_from_db()
        assert shown.pinned == allowed
        # Never two pinned: the one pinned before gives way, as with the bulk action.
        assert pinned.pinned != allowed

    elif action == "key_event_in_form":
        shown = make_update(live_page=page, created_by=acting_as)
        change_form_post(client, shown, key_event="on")
        shown.refresh_from_db()
        assert shown.key_event == allowed

    elif action == "pin":
        shown = make_update(live_page=page, created_by=acting_as)
        admin_action(client, "update", "pin", shown)
        shown.refresh_from_db()
        assert shown.pinned == allowed

    elif action == "end_page":
        admin_action(client, "livepage", "end_coverage", page)
        page.refresh_from_db()
        assert (page.status == LivePage.Status.ENDED) == allowed

    elif action == "moderate":
        submission = make_submission(live_page=page)
        admin_action(client, "readersubmission", "shortlist", submission)
        submission.refresh_from_db()
        assert (submission.status == ReaderSubmission.Status.SHORTLISTED) == allowed
        listing = client.get(reverse("admin:liveblogs_readersubmission_changelist"))
        assert ("Is the bridge on Mill Road closed?" in listing.content.decode()) == allowed

    elif action == "export":
        make_submission(live_page=page, consent_contact=True, email="reader@example.org")
        submission = ReaderSubmission.objects.get()
        response = admin_action(client, "readersubmission", "export_csv", submission)
        exported = response.get("Content-Type", "").startswith("text/csv")
        assert exported == allowed
        if exported:
            assert "reader@example.org" in response.content.decode()


def test_a_publisher_is_told_withdrawing_is_the_desks(client, page):
    user = make_role("reporter_publisher", page)
    client.force_login(user)
    shown = make_update(live_page=page, created_by=user)
    response = change_form_post(client, shown, status=Status.WITHDRAWN)
    assert "Only the desk can withdraw an update" in response.content.decode()
    assert Update.objects.get(pk=shown.pk).status == Status.PUBLISHED
