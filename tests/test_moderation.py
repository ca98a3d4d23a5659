"""The desk's side of reader questions: the queue in the admin, answering in an update, the CSV for
producers, and forgetting who sent old submissions."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from liveblogs.models import Callout, Photo, ReaderSubmission, Update
from liveblogs.roles import REPORTERS
from liveblogs.submissions import answer_in_update, purge_personal_data

from .factories import (
    make_callout,
    make_page,
    make_photo,
    make_reporter,
    make_submission,
    make_update,
    make_user,
)

pytestmark = pytest.mark.django_db

QUEUE = "/admin/liveblogs/readersubmission/"


@pytest.fixture
def page():
    return make_page(title="Harbour flood", slug="harbour-flood")


@pytest.fixture
def callout(page):
    return make_callout(live_page=page, prompt="Has the water reached your street?",
                        ask_location=True, ask_phone=True)


@pytest.fixture
def named(page, callout):
    """A reader who agreed to be named and contacted."""
    return make_submission(
        live_page=page, callout=callout, name="Hanna Liesel", location="Water Street",
        email="hanna@example.net", phone="555-0187", body="Is the bakery's street reopening?",
        consent_publish=True, consent_contact=True,
    )


@pytest.fixture
def anonymous(page, callout):
    """A reader who agreed to neither."""
    return make_submission(
        live_page=page, callout=callout, name="Colm Ryan", location="Birch Crescent",
        email="colm@example.net", phone="555-0142", body="Our basement has 20 cm of water <b>now</b>.",
    )


def act(client, action, submissions, url=QUEUE):
    return client.post(url, {"action": action, ACTION_CHECKBOX_NAME: [s.pk for s in submissions]})


# The queue ---------------------------------------------------------------------------------------


def test_the_queue_shows_what_is_new(editor_client, named, anonymous):
    anonymous.status = ReaderSubmission.Status.REJECTED
    anonymous.save()
    html = editor_client.get(QUEUE).content.decode()
    assert "Reader submissions: 1 new" in html
    assert "Is the bakery&#x27;s street reopening?" in html and "Hanna Liesel" in html
    assert "New (1)" in html and "Rejected (1)" in html  # counts beside the status filter


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=new", {"Hanna Liesel", "Colm Ryan", "Someone Else"}),
        ("status__exact=spam", set()),
        ("q=colm%40example.net", {"Colm Ryan"}),
        ("q=bakery", {"Hanna Liesel"}),
        ("created_at__gte=2000-01-01", {"Hanna Liesel", "Colm Ryan", "Someone Else"}),
        ("created_at__gte=2999-01-01", set()),
    ],
)
def test_the_queue_filters_and_searches(editor_client, named, anonymous, query, expected):
    other = make_callout(live_page=named.live_page, prompt="Buses?")
    make_submission(live_page=named.live_page, callout=other, name="Someone Else")
    response = editor_client.get(f"{QUEUE}?{query}")
    assert {s.name for s in response.context["cl"].result_list} == expected


def test_the_queue_filters_by_callout(editor_client, named, callout):
    other = make_callout(live_page=named.live_page, prompt="Buses?")
    make_submission(live_page=named.live_page, callout=other, name="Someone Else")
    response = editor_client.get(f"{QUEUE}?callout__id__exact={callout.pk}")
    assert [s.name for s in response.context["cl"].result_list] == ["Hanna Liesel"]


@pytest.mark.parametrize(
    ("action", "status"),
    [("shortlist", "shortlisted"), ("reject", "rejected"), ("mark_spam", "spam")],
)
def test_status_actions(editor_client, named, anonymous, action, status):
    act(editor_client, action, [named, anonymous])
    assert set(ReaderSubmission.objects.values_list("status", flat=True)) == {status}


def test_status_actions_leave_answered_submissions_answered(editor_client, named):
    named.status = ReaderSubmission.Status.ANSWERED
    named.save()
    act(editor_client, "reject", [named])
    named.refresh_from_db()
    assert named.status == ReaderSubmission.Status.ANSWERED


def test_reporters_never_see_submissions(client, page, named):
    user = make_user(username="rita", is_staff=True)
    user.groups.add(Group.objects.get(name=REPORTERS))
    make_reporter(name="Rita Field", user=user)
    page.desk.set([user.reporter])
    client.force_login(user)
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"{QUEUE}{named.pk}/change/").status_code == 403
    assert client.get("/admin/liveblogs/callout/").status_code == 403
    assert "hanna@example.net" not in client.get("/admin/").content.decode()
    assert "reader submission" not in client.get("/admin/").content.decode()


def test_the_callout_list_counts_new_submissions_and_closes_callouts(editor_client, named, callout):
    html = editor_client.get("/admin/liveblogs/callout/").content.decode()
    assert "1 submission (1 new)" in html
    editor_client.post("/admin/liveblogs/callout/", {
        "action": "close_callouts", ACTION_CHECKBOX_NAME: [callout.pk],
    })
    callout.refresh_from_db()
    assert not callout.is_open


def test_the_live_page_form_links_each_callout_to_its_submissions(editor_client, named, page):
    html = editor_client.get(f"/admin/liveblogs/livepage/{page.pk}/change/").content.decode()
    assert "1 submission (1 new)" in html


# Answering in an update --------------------------------------------------------------------------


def test_answering_names_a_reader_who_agreed(editor, named):
    update = answer_in_update([named], by=editor)
    assert update.status == Update.Status.DRAFT and update.live_page == named.live_page
    assert update.headline == "Your question: Is the bakery's street reopening?"
    assert "Hanna Liesel in Water Street asked:" in update.body
    assert "<blockquote><p>Is the bakery's street reopening?</p></blockquote>" in update.body
    named.refresh_from_db()
    assert named.answered_in == update and list(update.answers.all()) == [named]
    assert named.status == ReaderSubmission.Status.SHORTLISTED
    assert update.created_by == editor and update.revisions.count() == 1


def test_answering_does_not_name_a_reader_who_did_not_agree(editor, anonymous):
    update = answer_in_update([anonymous], by=editor)
    assert update.body.startswith("<p>A reader wrote:</p>")
    for secret in ["Colm", "Ryan", "Birch Crescent", "colm@example.net", "555-0142"]:
        assert secret not in update.body and secret not in update.headline
    # The reader's words are text, not markup.
    assert "<b>now</b>" not in update.body


def test_answering_several_questions_in_one_update(editor, named, anonymous):
    update = answer_in_update(ReaderSubmission.objects.all(), by=editor)
    assert update.headline == "Your questions answered"
    assert update.body.count("<blockquote>") == 2
    assert set(update.answers.all()) == {named, anonymous}


def test_publishing_the_update_answers_the_questions(editor, named, anonymous):
    update = answer_in_update([named], by=editor)
    update.publish(by=editor)
    named.refresh_from_db()
    anonymous.refresh_from_db()
    assert named.status == ReaderSubmission.Status.ANSWERED
    assert anonymous.status == ReaderSubmission.Status.NEW


def test_the_admin_action_drafts_the_update_and_opens_it(editor_client, named):
    response = act(editor_client, "answer_in_update", [named])
    update = Update.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:liveblogs_update_change", args=[update.pk])
    page = editor_client.get(response["Location"]).content.decode()
    assert "Draft update" in page and "Write the answer and publish it" in page
    assert f"answered_in__id__exact={update.pk}" in page  # the way back to the questions
    # And from the question to its answer.
    html = editor_client.get(f"{QUEUE}{named.pk}/change/").content.decode()
    assert reverse("admin:liveblogs_update_change", args=[update.pk]) in html


def test_the_admin_refuses_to_mix_pages(editor_client, named):
    elsewhere = make_submission(live_page=make_page(slug="elsewhere"))
    act(editor_client, "answer_in_update", [named, elsewhere])
    assert not Update.objects.exists()


def test_the_change_form_answers_too(editor_client, named):
    response = editor_client.post(f"{QUEUE}{named.pk}/change/", {
        "status": "new", "editor_notes": "Call her back", "answered_in": "", "_answer": "1",
    })
    update = Update.objects.get()
    assert response["Location"] == reverse("admin:liveblogs_update_change", args=[update.pk])
    named.refresh_from_db()
    assert named.answered_in == update and named.editor_notes == "Call her back"


def test_publishing_from_the_update_form_answers_the_questions(editor_client, editor, named):
    update = answer_in_update([named], by=editor)
    url = reverse("admin:liveblogs_update_change", args=[update.pk])
    form = editor_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({
        "live_page": update.live_page_id, "headline": update.headline,
        "body": update.body + "<p>The town says Monday.</p>", "video": "", "status": "published",
        "published_at_0": timezone.localtime().strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime().strftime("%H:%M:%S"),
        "correction_note": "", "callout": "",
        "revision": form.initial.get("revision", update.revision),
        "bylines-TOTAL_FORMS": 0, "bylines-INITIAL_FORMS": 0,
        "update_photos-TOTAL_FORMS": 0, "update_photos-INITIAL_FORMS": 0,
    })
    data = {k: v for k, v in data.items() if not isinstance(v, (list, dict))}
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    update.refresh_from_db()
    assert update.status == Update.Status.PUBLISHED
    named.refresh_from_db()
    assert named.status == ReaderSubmission.Status.ANSWERED


# CSV for producers -------------------------------------------------------------------------------


def rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_has_contact_details_only_for_readers_who_agreed(editor_client, named, anonymous, callout):
    make_submission(live_page=named.live_page, callout=callout, name="BEST PUMPS",
                    status=ReaderSubmission.Status.SPAM, email="spam@example.com")
    response = editor_client.post("/admin/liveblogs/callout/", {
        "action": "export_submissions", ACTION_CHECKBOX_NAME: [callout.pk],
    })
    assert f"callout-{callout.pk}-submissions-" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    by_name = {row["name"]: row for row in rows(response)}
    assert set(by_name) == {"Hanna Liesel", "Colm Ryan"}  # spam left out
    assert by_name["Hanna Liesel"]["email"] == "hanna@example.net"
    assert by_name["Hanna Liesel"]["phone"] == "555-0187"
    assert by_name["Hanna Liesel"]["may_contact"] == "yes"
    assert by_name["Colm Ryan"]["email"] == "" and by_name["Colm Ryan"]["phone"] == ""
    assert by_name["Colm Ryan"]["may_contact"] == "no"
    assert "colm@example.net" not in response.content.decode()
    assert by_name["Colm Ryan"]["callout"] == "Has the water reached your street?"
    assert by_name["Colm Ryan"]["body"] == "Our basement has 20 cm of water <b>now</b>."


def test_csv_cells_cannot_run_as_spreadsheet_formulas(editor_client, page):
    make_submission(live_page=page, body='=HYPERLINK("http://evil.example","click")', name="+Sam",
                    consent_contact=True, email="sam@example.org")
    (row,) = rows(act(editor_client, "export_csv", ReaderSubmission.objects.all()))
    assert row["body"].startswith("'=HYPERLINK") and row["name"] == "'+Sam"


def test_reporters_cannot_export(client, named, callout):
    user = make_user(username="rita", is_staff=True)
    user.groups.add(Group.objects.get(name=REPORTERS))
    client.force_login(user)
    response = client.post("/admin/liveblogs/callout/", {
        "action": "export_submissions", ACTION_CHECKBOX_NAME: [callout.pk],
    })
    assert response.status_code == 403
    assert "hanna@example.net" not in response.content.decode()


# Forgetting who sent old submissions -------------------------------------------------------------


def age(submission, days):
    ReaderSubmission.objects.filter(pk=submission.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_purge_removes_personal_data_and_keeps_the_words(editor, named, anonymous):
    named.photo = make_photo(caption="")
    named.address_hash = "a" * 64
    named.editor_notes = "Call back"
    named.save()
    answer_in_update([named], by=editor)
    age(named, 91)
    age(anonymous, 89)

    assert purge_personal_data(days=90) == 1

    named.refresh_from_db()
    assert (named.name, named.email, named.phone, named.location, named.address_hash) == ("",) * 5
    assert named.photo is None
    assert named.body == "Is the bakery's street reopening?"
    assert named.editor_notes == "Call back" and named.answered_in is not None
    assert named.consent_publish and named.consent_contact
    anonymous.refresh_from_db()
    assert anonymous.email == "colm@example.net"  # not old enough yet
    assert purge_personal_data(days=90) == 0  # nothing left to remove


def test_a_submission_is_named_without_the_reader(named):
    assert str(named) == f"Submission #{named.pk}: Is the bakery's street reopening?"
    assert "Hanna" not in str(named)


def test_purge_blanks_the_reader_in_the_admin_history(editor, editor_client, named, anonymous):
    for submission in (named, anonymous):
        editor_client.post(f"{QUEUE}{submission.pk}/change/", {
            "status": "shortlisted", "editor_notes": "", "answered_in": "",
        })
        # As an older version wrote it, the reader's name first.
        LogEntry.objects.filter(object_id=str(submission.pk)).update(
            object_repr=f"{submission.name}: {submission.body[:60]}"
        )
    age(named, 91)

    assert purge_personal_data(days=90) == 1

    history = dict(LogEntry.objects.values_list("object_id", "object_repr"))
    assert history[str(named.pk)] == ""
    assert history[str(anonymous.pk)].startswith("Colm Ryan")  # not old enough yet


def test_purge_deletes_a_photo_only_a_submission_used(named, anonymous, settings,
                                                     django_capture_on_commit_callbacks):
    lone = make_photo(caption="")
    published = make_photo(caption="Used in an update")
    files = [Path(lone.image.storage.path(name)) for name in lone.stored_names()]
    assert all(f.exists() for f in files) and len(files) > 1
    make_update(live_page=named.live_page, photos=[published])
    named.photo, anonymous.photo = lone, published
    named.save()
    anonymous.save()
    age(named, 100)
    age(anonymous, 100)

    with django_capture_on_commit_callbacks(execute=True):
        purge_personal_data(days=90)

    assert not Photo.objects.filter(pk=lone.pk).exists()
    assert not any(f.exists() for f in files)
    assert Photo.objects.filter(pk=published.pk).exists()


def test_purge_command_reads_its_days_from_settings(named, anonymous, settings):
    settings.LIVEBLOGS_SUBMISSION_RETENTION_DAYS = 30
    age(named, 31)
    age(anonymous, 10)
    out = io.StringIO()
    call_command("purge_submissions", "--dry-run", stdout=out)
    assert "1 submission older than 30 days would lose its personal data." in out.getvalue()
    assert ReaderSubmission.objects.get(pk=named.pk).email  # dry run changed nothing

    call_command("purge_submissions", stdout=out)
    assert "Removed the personal data of 1 submission." in out.getvalue()
    assert ReaderSubmission.objects.get(pk=named.pk).email == ""

    call_command("purge_submissions", "--days", "5", stdout=out)
    assert ReaderSubmission.objects.get(pk=anonymous.pk).email == ""


def test_callouts_are_deleted_without_losing_submissions(callout, named):
    Callout.objects.filter(pk=callout.pk).delete()
    named.refresh_from_db()
    assert named.callout is None and named.body
