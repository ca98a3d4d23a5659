"""The task queue as production runs it: django-tasks-db's table and its worker
(``manage.py db_worker``), on SQLite here and on PostgreSQL under .ci/run."""

import io

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from PIL import Image

from liveblogs.models import LivePage, Photo

from ..factories import make_page, make_update

# The worker commits as it goes, as it does in production: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def work():
    """What a worker does in production, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0",
                 stdout=io.StringIO(), stderr=io.StringIO())


def jpeg(width=2400, height=1600):
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 110, 170)).save(out, "JPEG")
    return out.getvalue()


def test_renditions_wait_in_the_table_until_the_worker_makes_them(database_queue, client):
    photo = Photo.objects.create(image=ContentFile(jpeg(), name="quay.jpg"),
                                 alt_text="The quay", credit="Ana Ruiz/Harbour Daily")
    page = make_page(slug="harbour-flood")
    make_update(live_page=page, photos=[photo])
    assert [r["width"] for r in Photo.objects.get(pk=photo.pk).renditions] == [640, 640]
    (waiting,) = DBTaskResult.objects.ready()
    assert waiting.task_path == "liveblogs.tasks.make_renditions"
    assert client.get("/healthz").json()["tasks"]["waiting"] == 1
    version = LivePage.objects.get(pk=page.pk).version

    work()

    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    assert len(Photo.objects.get(pk=photo.pk).renditions) == 10
    assert LivePage.objects.get(pk=page.pk).version > version
    assert "1920w" in client.get("/live/harbour-flood/").content.decode()
    assert client.get("/healthz").json()["tasks"] == {"waiting": 0, "oldest_waiting_seconds": 0}


def test_a_lost_task_is_made_up_by_make_renditions(database_queue):
    photo = Photo.objects.create(image=ContentFile(jpeg(), name="quay.jpg"))
    DBTaskResult.objects.all().delete()  # the queue was emptied, the task lost
    out = io.StringIO()
    call_command("make_renditions", stdout=out)
    assert "Queued 1 photos" in out.getvalue()
    work()
    assert len(Photo.objects.get(pk=photo.pk).renditions) == 10


def test_the_desk_mail_goes_when_the_worker_runs(database_queue, client, settings):
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]
    settings.LIVEBLOGS_ASK_MIN_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_page(title="Harbour flood", slug="harbour-flood")
    form = client.get("/live/harbour-flood/ask/").content.decode()
    token = form.split('name="rendered" value="')[1].split('"')[0]
    response = client.post("/live/harbour-flood/ask/", {
        "body": "Is the bridge closed?", "name": "Sam", "email": "sam@example.org",
        "rendered": token, "website": "",
    })
    assert response.status_code == 302 and mail.outbox == []
    assert DBTaskResult.objects.ready().count() == 1
    work()
    (message,) = mail.outbox  # sent by the worker
    assert message.to == ["desk@example.org"] and "Harbour flood" in message.subject


def test_the_worker_unit_runs_the_worker_command_with_options_it_takes(database_queue):
    from pathlib import Path

    from django_tasks_db.management.commands.db_worker import Command

    unit = (Path(__file__).parents[2] / "deploy" / "newsroom-worker.service").read_text()
    (exec_start,) = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    program, manage, command, *options = exec_start.removeprefix("ExecStart=").split()
    assert program.endswith("/python") and manage == "manage.py" and command == "db_worker"
    parsed = Command().create_parser("manage.py", "db_worker").parse_args(options)
    assert parsed.interval == 1
    assert "Restart=always" in unit and "KillSignal=SIGTERM" in unit
