"""Scheduled updates through the real task worker: django-tasks' database backend (production's,
``manage.py db_worker``), on whichever database the suite runs (PostgreSQL on CI's second pass)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from liveblogs.models import LivePage, Update
from liveblogs.roles import EDITORS
from tests.conftest import role
from tests.factories import make_page, make_update, make_user

# Committed for real, as the worker's transactions are: it also checks its connection between
# tasks, which would end a test wrapped in one transaction.
pytestmark = pytest.mark.django_db(transaction=True)
NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
AT = NOW + timedelta(minutes=47)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker():
    """One pass of the worker over what is due, as ``manage.py db_worker --batch`` does."""
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def test_the_worker_publishes_a_scheduled_update_at_its_time_and_not_before(
    database_tasks, django_capture_on_commit_callbacks
):
    editor = make_user(is_staff=True)
    editor.groups.add(role(EDITORS))
    page = make_page(title="Harbour flood")
    update = make_update(live_page=page, headline="Evacuation order lifted",
                         status=Update.Status.DRAFT)
    with time_machine.travel(NOW, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            update.schedule(AT, by=editor)
        assert list(DBTaskResult.objects.values_list("run_after", flat=True)) == [AT]
        # Rescheduled later: a second task; the first one, when its time comes, finds nothing.
        with django_capture_on_commit_callbacks(execute=True):
            update.schedule(AT + timedelta(minutes=5), by=editor)
        version = LivePage.objects.get(pk=page.pk).version

        clock.move_to(AT - timedelta(seconds=1))
        run_worker()
        assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 0

        clock.move_to(AT + timedelta(seconds=1))
        run_worker()
        assert list(DBTaskResult.objects.filter(status="SUCCESSFUL")
                    .values_list("return_value", flat=True)) == [[]]
        update.refresh_from_db()
        assert update.status == Update.Status.DRAFT

        clock.move_to(AT + timedelta(minutes=5, seconds=1))
        run_worker()
        update.refresh_from_db()
        assert update.status == Update.Status.PUBLISHED
        assert update.published_at == AT + timedelta(minutes=5, seconds=1)
        assert LivePage.objects.get(pk=page.pk).version > version
        assert sorted(DBTaskResult.objects.values_list("return_value", flat=True),
                      key=len) == [[], [update.pk]]
