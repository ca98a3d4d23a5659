"""The live desk: one admin screen per live page from which editors compose, publish, edit, pin,
withdraw, send back and keep The Latest, and which updates itself from a private endpoint."""

import time
import uuid

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from liveblogs.models import KeyPoint, LivePage, Update, UpdateRevision
from liveblogs.roles import EDITORS, REPORTERS

from .factories import make_key_point, make_page, make_photo, make_reporter, make_update, make_user

pytestmark = pytest.mark.django_db
Status = Update.Status


@pytest.fixture
def page():
    return make_page(title="Harbour flood", slug="harbour-flood")


@pytest.fixture
def editor():
    user = make_user(username="ed", is_staff=True, first_name="Eda", last_name="Desk")
    user.groups.add(Group.objects.get(name=EDITORS))
    make_reporter(name="Eda Desk", user=user)
    return user


@pytest.fixture
def desk(client, editor, page):
    client.force_login(editor)
    return client


def url(name, page, *args):
    return reverse(f"admin:liveblogs_livepage_desk{name}", args=[page.pk, *args])


def compose(client, page, **fields):
    data = {"headline": "Bridge reopens", "body": "<p>The bridge reopened at noon.</p>",
            "action": "publish", "filing_key": str(uuid.uuid4()), **fields}
    return client.post(url("_new", page), data)


def test_only_editors_use_the_desk(client, page):
    reporter = make_user(is_staff=True)
    reporter.groups.add(Group.objects.get(name=REPORTERS))
    page.desk.add(make_reporter(user=reporter))
    update = make_update(live_page=page)
    addresses = [url("", page), url("_changes", page) + "?since=0", url("_new", page),
                 url("_act", page, update.pk, "withdraw"), url("_key_points", page),
                 url("_page", page, "end")]
    for address in addresses:
        assert client.get(address)["Location"].startswith("/admin/login/"), address
    client.force_login(reporter)
    for address in addresses:
        assert client.get(address).status_code == 403, address
        assert client.post(address, {"note": "x"}).status_code == 403, address
    update.refresh_from_db()
    assert update.status == Status.PUBLISHED and page.status == LivePage.Status.LIVE


def test_the_desk_shows_the_stream_the_queues_and_the_latest(desk, page):
    make_update(live_page=page, headline="Older news")
    make_update(live_page=page, headline="Pinned news", pinned=True)
    make_update(live_page=page, headline="From the field", status=Status.SUBMITTED)
    make_update(live_page=page, headline="Half written", status=Status.DRAFT)
    make_key_point(live_page=page, text="Shelters are open")
    html = desk.get(url("", page)).content.decode()
    stream = html[html.index('data-place="stream"'):html.index('data-place="waiting"')]
    assert stream.index("Pinned news") < stream.index("Older news")
    waiting = html[html.index('data-place="waiting"'):]
    assert "From the field" in waiting and "Send back" in waiting
    assert "Half written" in html[html.index('data-place="drafts"'):]
    assert "Shelters are open" in html
    assert 'name="headline"' in html and "Ctrl+Enter" in html
    assert 'id="desk-config" type="application/json"' in html
    # The editor's own byline starts every update.
    assert 'name="authors" value=' in html and "Eda Desk" in html


def test_publishing_from_the_composer(desk, page, editor):
    response = compose(desk, page, key_event="on")
    data = response.json()
    assert response.status_code == 200 and data["ok"]
    update = Update.objects.get(headline="Bridge reopens")
    assert update.status == Status.PUBLISHED and update.key_event
    assert update.published_by == editor and list(update.authors.all()) == []
    assert data["update"]["place"] == "stream" and "Bridge reopens" in data["update"]["html"]
    assert update.revisions.count() == 1
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_retry_after_a_lost_answer_publishes_once(desk, page):
    key = str(uuid.uuid4())
    first = compose(desk, page, filing_key=key).json()
    second = compose(desk, page, filing_key=key).json()
    assert first["update"]["id"] == second["update"]["id"]
    assert Update.objects.filter(headline="Bridge reopens").count() == 1


def test_photos_need_their_words_before_publishing(desk, page, editor):
    photo = make_photo(uploaded_by=editor, alt_text="")
    response = compose(desk, page, photos=[photo.pk], **{
        f"photo-{photo.pk}-caption": "The bridge", f"photo-{photo.pk}-credit": "Ana Ruiz/Courier",
        f"photo-{photo.pk}-alt_text": "",
    })
    assert response.status_code == 400
    assert "This field is required." in str(response.json()["errors"])
    assert not Update.objects.filter(headline="Bridge reopens").exists()
    response = compose(desk, page, photos=[photo.pk], **{
        f"photo-{photo.pk}-caption": "The bridge", f"photo-{photo.pk}-credit": "Ana Ruiz/Courier",
        f"photo-{photo.pk}-alt_text": "Cars crossing the reopened bridge",
    })
    assert response.json()["ok"]
    photo.refresh_from_db()
    assert photo.alt_text == "Cars crossing the reopened bridge" and photo.public


def test_a_colleagues_photo_cannot_be_slipped_in(desk, page):
    readers = make_photo()
    from .factories import make_submission

    make_submission(live_page=page, photo=readers)
    compose(desk, page, photos=[readers.pk])
    assert not Update.objects.get(headline="Bridge reopens").photos.exists()


def test_a_stale_edit_keeps_the_editors_words_and_says_who_saved(desk, page, editor):
    update = make_update(live_page=page, headline="Water rises", created_by=editor)
    stale = update.revision
    colleague = make_user(first_name="Lee", last_name="Marsh")
    update.headline = "Water rises fast"
    update.save_edit(by=colleague)
    response = desk.post(url("_update", page, update.pk), {
        "headline": "My version", "body": "<p>Mine.</p>", "action": "save", "revision": stale,
    })
    assert response.status_code == 409
    assert "Saved by Lee Marsh at" in response.json()["conflict"]
    update.refresh_from_db()
    assert update.headline == "Water rises fast"


def test_editing_keeps_a_revision_and_marks_readers_edited(desk, page, editor):
    update = make_update(live_page=page, headline="Water rises", created_by=editor)
    data = desk.get(url("_update", page, update.pk)).json()
    assert data["headline"] == "Water rises" and data["revision"] == update.revision
    response = desk.post(url("_update", page, update.pk), {
        "headline": "Water rises fast", "body": data["body"], "action": "save",
        "revision": data["revision"], "correction_note": "The gauge, not the bridge.",
    })
    assert response.json()["ok"]
    update.refresh_from_db()
    assert update.headline == "Water rises fast" and update.status == Status.PUBLISHED
    assert update.revised_at and update.corrected_at


def test_pinning_from_the_composer_unpins_the_other(desk, page):
    old = make_update(live_page=page, headline="Old pin", pinned=True)
    compose(desk, page, pinned="on")
    old.refresh_from_db()
    assert not old.pinned and Update.objects.get(headline="Bridge reopens").pinned


def test_card_actions_publish_pin_and_key_events(desk, page):
    waiting = make_update(live_page=page, headline="From the field", status=Status.SUBMITTED)
    response = desk.post(url("_act", page, waiting.pk, "publish"))
    assert response.json()["update"]["place"] == "stream"
    assert response.json()["said"] == "Published: From the field"
    # What a screen reader hears is what was done, not the card's status.
    for verb, flag, value, said in [
        ("pin", "pinned", True, "Pinned: From the field"),
        ("key-event", "key_event", True, "Marked as a key event: From the field"),
        ("unpin", "pinned", False, "Unpinned: From the field"),
        ("not-key-event", "key_event", False, "No longer a key event: From the field"),
    ]:
        answer = desk.post(url("_act", page, waiting.pk, verb)).json()
        assert answer["ok"] and answer["said"] == said, verb
        waiting.refresh_from_db()
        assert getattr(waiting, flag) is value, verb
    assert desk.get(url("_act", page, waiting.pk, "pin")).status_code == 405


def test_withdrawing_keeps_the_reason_in_its_history(desk, page, editor):
    update = make_update(live_page=page, headline="Wrong figures")
    response = desk.post(url("_act", page, update.pk, "withdraw"), {"note": "The figures were a year old."})
    assert response.json()["update"]["place"] is None
    update.refresh_from_db()
    assert update.status == Status.WITHDRAWN
    assert update.revisions.first().note == "The figures were a year old."
    html = desk.get(reverse("admin:liveblogs_update_revisions", args=[update.pk])).content.decode()
    assert "The figures were a year old." in html


def test_sending_back_reaches_the_reporter_with_the_note(client, desk, page):
    reporter = make_user()
    reporter.groups.add(Group.objects.get(name=REPORTERS))
    page.desk.add(make_reporter(user=reporter))
    update = make_update(live_page=page, headline="From the field", status=Status.SUBMITTED,
                         created_by=reporter)
    refused = desk.post(url("_act", page, update.pk, "send-back"), {"note": " "})
    assert refused.status_code == 400
    response = desk.post(url("_act", page, update.pk, "send-back"),
                         {"note": "Name the shelter, please."})
    assert response.json()["update"]["place"] == "drafts"
    update.refresh_from_db()
    assert update.status == Status.DRAFT and update.editor_note == "Name the shelter, please."
    client.force_login(reporter)
    assert "Name the shelter, please." in client.get("/file/mine/").content.decode()
    assert "Name the shelter, please." in client.get(f"/file/{update.pk}/").content.decode()
    # Sent again, the note has done its job.
    update.status = Status.SUBMITTED
    update.save_edit(by=reporter)
    update.refresh_from_db()
    assert update.editor_note == ""


def test_the_latest_is_saved_whole_in_order(desk, page):
    make_key_point(live_page=page, text="Old point")
    version = LivePage.objects.get(pk=page.pk).version
    response = desk.post(url("_key_points", page), {"text": [
        "Second becomes <strong>first</strong>", "<p></p>",
        'Roads closed: <a href="mailto:roads@example.org">ask the roads desk</a>',
        '<a href="javascript:alert(1)">A script link</a>',
    ]})
    assert response.json()["ok"]
    texts = list(KeyPoint.objects.filter(live_page=page).values_list("text", flat=True))
    assert texts[:2] == [
        "Second becomes <strong>first</strong>",
        'Roads closed: <a href="mailto:roads@example.org" rel="noopener noreferrer nofollow">'
        "ask the roads desk</a>",
    ]
    assert "A script link" in texts[2] and "javascript" not in texts[2]
    assert LivePage.objects.get(pk=page.pk).version > version
    too_long = desk.post(url("_key_points", page), {"text": ["x" * 301]})
    assert too_long.status_code == 400
    assert KeyPoint.objects.filter(live_page=page).count() == 3


def test_ending_and_reopening_the_page(desk, page):
    assert desk.post(url("_page", page, "end")).json()["page"]["status"] == "ended"
    page.refresh_from_db()
    assert page.status == LivePage.Status.ENDED and page.coverage_end
    assert desk.post(url("_page", page, "reopen")).json()["page"]["status"] == "live"
    page.refresh_from_db()
    assert page.status == LivePage.Status.LIVE and page.coverage_end is None


def test_the_desk_polls_a_private_endpoint_for_what_changed(client, desk, page):
    since = time.time() - 1
    reporter_update = make_update(live_page=page, headline="Sent from the field",
                                  status=Status.SUBMITTED)
    response = desk.get(url("_changes", page), {"since": since, "key_points": "nope"})
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert "Set-Cookie" not in response and "Cookie" in response.get("Vary", "Cookie")
    data = response.json()
    assert [u["id"] for u in data["updates"]] == [reporter_update.pk]
    assert data["updates"][0]["place"] == "waiting" and data["waiting"] == 1
    assert "key_points" in data
    # Nothing new later: nothing sent; the readers' changes.json never carries drafts.
    data = desk.get(url("_changes", page), {"since": data["now"] + 60,
                                            "key_points": data["key_points"]["version"]}).json()
    assert data["updates"] == [] and "key_points" not in data
    public = client.get(f"/live/{page.slug}/changes.json?since=0")
    assert "Sent from the field" not in public.content.decode()
    assert url("_changes", page) != f"/live/{page.slug}/changes.json"


def test_a_withdrawal_elsewhere_reaches_the_desk(desk, page, editor):
    update = make_update(live_page=page)
    since = time.time()
    UpdateRevision.objects.all().delete()
    update.withdraw(by=editor)
    data = desk.get(url("_changes", page), {"since": since}).json()
    assert [(u["id"], u["place"]) for u in data["updates"]] == [(update.pk, None)]
