"""Background work (liveblogs/tasks.py): what waits for the worker, what the worker does, and that
running it twice, or beside another, does no harm.

The app's tests run tasks at once (tests/settings.py); here a queue is django-tasks' own
``DummyBackend``, which keeps what was enqueued for the test to look at and run. The worker on a
real queue (django-tasks-db) is tests/site/test_tasks.py's.
"""

import io
import re
import socket
from datetime import timedelta
from urllib.error import URLError

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import default_task_backend
from PIL import Image, ImageFile

from liveblogs import tasks
from liveblogs.media import private_storage
from liveblogs.models import Embed, LivePage, Photo, ReaderSubmission, Update

from .conftest import stored_files
from .factories import make_page, make_photo, make_update
from .test_questions import send

pytestmark = pytest.mark.django_db

WIDTHS = (320, 640, 960, 1280, 1920)


@pytest.fixture
def queue(settings):
    """A queue nobody works: tasks wait in it until the test runs them."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()


def run(queue, task=None):
    """Work the queue as the worker would: each waiting task (of ``task`` only, if given), once."""
    waiting = [r for r in queue.results if task is None or r.task.func is task.func]
    for result in waiting:
        queue.results.remove(result)
        result.task.call(*result.args, **result.kwargs)
    return waiting


def queued(queue, task):
    return [r for r in queue.results if r.task.func is task.func]


def jpeg(width, height):
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (40, 110, 170))
    image.paste((200, 160, 40), (0, 0, width // 2, height))
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def upload(width=2400, height=1600, **fields):
    return Photo.objects.create(
        image=ContentFile(jpeg(width, height), name="upload.jpg"), caption="The quay at noon",
        credit="Ana Ruiz/Harbour Daily", alt_text="Water over the quay", **fields,
    )


def made(photo):
    return sorted((r["width"], r["format"]) for r in photo.renditions)


def html_of(photo):
    return render_to_string("liveblogs/_photo.html", {"photo": photo})


def urls_in(html):
    return set(re.findall(r"(/media/\S+?\.(?:jpg|webp))", html))


# Renditions ---------------------------------------------------------------------------------------


def test_the_first_rendition_is_made_while_the_uploader_waits_and_the_rest_wait(queue):
    photo = upload()
    # What a phone's screen picks from the live page's ``sizes``, in WebP and JPEG.
    assert made(photo) == [(640, "jpeg"), (640, "webp")]
    (result,) = queued(queue, tasks.make_renditions)
    assert result.args == [photo.pk]
    run(queue)
    photo.refresh_from_db()
    assert made(photo) == sorted((w, f) for w in WIDTHS for f in ("webp", "jpeg"))


def test_the_upload_is_decoded_once_in_the_request(queue, monkeypatch):
    decoded = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.tile:  # pixels still to decode
            decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    upload(6000, 4000)
    # The check's decode, at the eighth libjpeg can give, is what the first rendition is made of.
    assert decoded == [(750, 500)]


def test_a_narrow_tall_photo_is_checked_at_an_eighth_and_decoded_again(queue, monkeypatch):
    # Its first rendition needs it at full scale: too many pixels to keep from the check.
    decoded = []
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.tile:
            decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    photo = upload(1000, 9000)
    assert decoded == [(125, 1125), (1000, 9000)]
    assert {w for w, _f in made(photo)} == {640}


def test_a_small_photo_is_made_whole_in_the_request(queue):
    photo = upload(300, 200)
    assert made(photo) == [(300, "jpeg"), (300, "webp")]
    assert queue.results == []


def test_the_first_rendition_is_a_setting(queue, settings):
    settings.LIVEBLOGS_FIRST_RENDITION_WIDTH = 960
    assert {w for w, _f in made(upload())} == {960}


def test_readers_see_the_first_rendition_until_the_rest_are_made_then_the_page_moves(
    queue, client
):
    photo = upload()
    page = make_page(slug="harbour-flood")
    update = make_update(live_page=page, photos=[photo])
    photo.refresh_from_db()  # public now: readers are shown it
    html = client.get("/live/harbour-flood/").content.decode()
    picture = re.search(r"<picture>.*?</picture>", html, re.S).group(0)
    # Only what exists is offered, and the fallback is the widest made so far: never a hole.
    assert "640w" in picture and "320w" not in picture and "1920w" not in picture
    first_jpeg = next(r["name"] for r in photo.renditions if r["format"] == "jpeg")
    assert f'<img src="{default_storage.url(first_jpeg)}"' in picture
    assert 'width="640" height="427"' in picture  # the photo's shape, so no layout shift
    assert all(default_storage.exists(u.removeprefix("/media/")) for u in urls_in(picture))
    version, revision = LivePage.objects.get(pk=page.pk).version, update.revision

    run(queue)

    # The worker's renditions are public at once (the photo is shown) and the page's version
    # moved, so readers' polls fetch the update again, with every width.
    assert LivePage.objects.get(pk=page.pk).version > version
    assert Update.objects.get(pk=update.pk).page_version > version
    assert Update.objects.get(pk=update.pk).revision == revision  # not an editor's change
    html = client.get("/live/harbour-flood/").content.decode()
    picture = re.search(r"<picture>.*?</picture>", html, re.S).group(0)
    assert all(f"{w}w" in picture for w in WIDTHS)
    largest = Photo.objects.get(pk=photo.pk).picture.jpeg_url(1280)
    assert f'<img src="{largest}"' in picture and "_1280w.jpg" in largest
    assert all(default_storage.exists(u.removeprefix("/media/")) for u in urls_in(picture))


def test_a_task_run_twice_does_nothing_the_second_time(queue, settings):
    upload()
    (result,) = run(queue)
    files = stored_files(settings)
    assert result.task.call(*result.args) == 0
    assert stored_files(settings) == files


def test_two_workers_on_one_photo_record_each_rendition_once_and_leave_no_stray_file(
    queue, settings
):
    photo = upload()
    first, second = Photo.objects.get(pk=photo.pk), Photo.objects.get(pk=photo.pk)
    # Both read the photo before either recorded anything: both make the same renditions.
    assert first.make_renditions() == 8
    assert second.make_renditions() == 0
    photo.refresh_from_db()
    assert made(photo) == sorted((w, f) for w in WIDTHS for f in ("webp", "jpeg"))
    names = {f.name for f in stored_files(settings)}
    recorded = {r["name"].rsplit("/", 1)[1] for r in photo.renditions}
    assert names == recorded | {photo.image.name.rsplit("/", 1)[1]}


def test_a_form_that_loaded_the_photo_before_the_worker_finished_keeps_its_renditions(queue):
    photo = upload()
    loaded = Photo.objects.get(pk=photo.pk)  # an editor opens the photo; renditions: the first
    run(queue)
    loaded.caption = "The quay at noon, from the bridge"
    loaded.save()
    photo.refresh_from_db()
    assert photo.caption == "The quay at noon, from the bridge"
    assert len(photo.renditions) == 10


def test_published_while_the_worker_was_busy_its_renditions_still_go_public(queue):
    photo = upload()
    stale = Photo.objects.get(pk=photo.pk)  # what publishing read, before the worker recorded
    run(queue)
    stale.publish_files()
    for rendition in Photo.objects.get(pk=photo.pk).renditions:
        assert default_storage.exists(rendition["name"])


def test_a_photo_deleted_before_its_task_ran_is_no_error(queue):
    photo = upload()
    Photo.objects.filter(pk=photo.pk).delete()
    assert run(queue, tasks.make_renditions)[0].task.call(photo.pk) == 0


def test_a_replaced_file_gets_its_own_renditions_not_the_old_ones(queue):
    photo = upload()
    replaced = Photo.objects.get(pk=photo.pk)
    replaced.image = ContentFile(jpeg(1000, 500), name="again.jpg")
    replaced.save()
    run(queue)
    photo.refresh_from_db()
    assert {w for w, _f in made(photo)} == {320, 640, 960, 1000}
    for rendition in photo.renditions:
        assert private_storage.exists(rendition["name"])
        assert Image.open(private_storage.open(rendition["name"])).size[0] == rendition["width"]


def test_make_renditions_queues_the_photos_when_there_is_a_queue(queue):
    photo = upload()
    queue.clear()
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "Queued 1 photos for the task worker" in out.getvalue()
    assert [r.args for r in queued(queue, tasks.make_renditions)] == [[photo.pk]]
    queue.clear()
    call_command("make_renditions", "--inline", stdout=out)
    assert "Made 8 renditions for 1 photos." in out.getvalue()
    assert len(Photo.objects.get(pk=photo.pk).renditions) == 10 and queue.results == []


def test_where_tasks_run_at_once_every_rendition_is_there_after_the_upload():
    # tests/settings.py: the immediate backend, as the embedded setup (`make run`) has it.
    photo = upload()
    assert len(photo.renditions) == 10
    assert len(Photo.objects.get(pk=photo.pk).renditions) == 10


def test_the_fallback_is_the_widest_made_so_far():
    photo = make_photo()
    photo.renditions = [
        {"width": 320, "height": 213, "format": "jpeg", "name": "photos/a_320w.jpg"},
        {"width": 640, "height": 427, "format": "jpeg", "name": "photos/a_640w.jpg"},
    ]
    assert photo.picture.src.endswith("a_640w.jpg")
    assert 'srcset="' in html_of(photo) and "960w" not in html_of(photo)


# Embeds -------------------------------------------------------------------------------------------

X_POST = "https://x.com/ValleyTransit/status/1862000000000000001"


def test_a_failed_embed_is_tried_again_later_and_later_until_it_works(
    queue, recorded_web, django_capture_on_commit_callbacks, client
):
    recorded_web.answers = {"https://publish.twitter.com/oembed?": URLError(socket.timeout("t"))}
    with django_capture_on_commit_callbacks(execute=True):
        update = make_update(body=f"<p>{X_POST}</p>")
    embed = Embed.objects.get()
    assert "did not answer in time" in embed.error
    (retry,) = queued(queue, tasks.resolve_embed)
    assert retry.args == [embed.pk] and retry.kwargs == {"attempt": 1}
    soon = timezone.now() + timedelta(seconds=tasks.RETRY_DELAYS[0])
    assert abs(retry.task.run_after - soon) < timedelta(seconds=5)

    run(queue)  # still down: once more, later
    (retry,) = queued(queue, tasks.resolve_embed)
    assert retry.kwargs == {"attempt": 2}
    assert retry.task.run_after > timezone.now() + timedelta(seconds=tasks.RETRY_DELAYS[1] - 5)

    version = LivePage.objects.get().version
    recorded_web.answers = {"https://publish.twitter.com/oembed?": "x-oembed.json"}
    run(queue)  # back: resolved, readers' page moves, nothing more queued
    embed.refresh_from_db()
    assert embed.error == "" and embed.author_name == "Valley Transit"
    assert queue.results == []
    assert LivePage.objects.get().version > version
    html = client.get(update.live_page.get_absolute_url()).content.decode()
    assert "Load the post by Valley Transit from X" in html


def test_an_embed_stops_being_retried_after_the_last_delay(queue, recorded_web):
    recorded_web.answers = {"https://publish.twitter.com/oembed?": URLError(socket.timeout("t"))}
    embed = Embed.objects.create(url=X_POST, provider="x")
    last = len(tasks.RETRY_DELAYS)
    tasks.resolve_embed.call(embed.pk, attempt=last)
    assert queue.results == []
    assert Embed.objects.get().tried_at is not None


def test_an_embed_resolved_meanwhile_is_left_alone(queue, recorded_web):
    embed = Embed.objects.create(url=X_POST, provider="x", resolved_at=timezone.now())
    assert tasks.resolve_embed.call(embed.pk) is True
    assert recorded_web.asked == []


def test_where_tasks_run_at_once_a_failed_embed_waits_for_the_command(
    recorded_web, django_capture_on_commit_callbacks
):
    recorded_web.answers = {"https://publish.twitter.com/oembed?": URLError(socket.timeout("t"))}
    with django_capture_on_commit_callbacks(execute=True):
        make_update(body=f"<p>{X_POST}</p>")
    # The immediate backend cannot wait: no retry while the editor waits (resolve_embeds).
    assert len(recorded_web.asked) == 1


# The desk's e-mail --------------------------------------------------------------------------------


@pytest.fixture
def desk_mail(settings):
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]
    settings.LIVEBLOGS_ASK_MIN_SECONDS = 3
    settings.LIVEBLOGS_TRUSTED_PROXIES = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_page(title="Harbour flood", slug="harbour-flood")


def test_the_desk_mail_is_sent_by_the_worker_after_the_message_is_stored(
    queue, desk_mail, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client)
    assert response.status_code == 302  # the reader is thanked; no mail server was asked
    submission = ReaderSubmission.objects.get()
    assert mail.outbox == []
    (task,) = queued(queue, tasks.notify_desk)
    assert task.args[0] == submission.pk
    run(queue)
    (message,) = mail.outbox
    assert message.to == ["desk@example.org"] and "Harbour flood" in message.subject
    assert f"/admin/liveblogs/readersubmission/{submission.pk}/change/" in message.body


def test_nothing_is_queued_before_the_message_is_committed(queue, desk_mail, client):
    # Outside django_capture_on_commit_callbacks, the test's transaction never commits.
    send(client)
    assert ReaderSubmission.objects.count() == 1 and queue.results == []


def test_a_mail_server_that_fails_is_tried_again_later(
    queue, desk_mail, client, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client)

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp is down")

    monkeypatch.setattr("liveblogs.questions.send_mail", down)
    run(queue)
    (retry,) = queued(queue, tasks.notify_desk)
    assert retry.kwargs == {"attempt": 1}
    assert retry.task.run_after > timezone.now() + timedelta(seconds=tasks.RETRY_DELAYS[0] - 5)
    monkeypatch.undo()
    run(queue)
    assert len(mail.outbox) == 1 and queue.results == []


def test_where_tasks_run_at_once_the_mail_goes_right_after_the_commit(
    desk_mail, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client)
    assert len(mail.outbox) == 1
