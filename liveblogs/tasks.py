"""Work done in the background, through django-tasks (Django 6.0's ``django.tasks``, backported).

What no editor or reader should wait for: a photo's renditions beyond the first
(``make_renditions``), trying again the embeds a provider failed to answer (``resolve_embed``),
the desk's e-mail about a reader's message (``notify_desk``), and scheduled updates at their time
(``publish_scheduled``). The site's ``TASKS`` setting
says where they run: at once, in the process that asked (django-tasks' ``ImmediateBackend``, the
embedded setup and the tests), or queued in the database for ``manage.py db_worker``
(django-tasks-db, production). Without a running worker, queued tasks wait in the table; nothing
is lost, and ``manage.py make_renditions`` and ``resolve_embeds`` do the same work by hand.

Every task takes ids, never objects, reads the row when it runs, and does nothing when its work
is done already or its row is gone: a task run twice, or beside another on the same row, does no
harm. Each task imports what it runs when it runs, since the models and views enqueue these.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

# Seconds before each new try of work that failed for a reason outside the site (a provider, an
# SMTP server): a minute, five, half an hour, three hours, twelve; then it is left for the
# management commands (``resolve_embeds``) or the log.
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 3 * 3600, 12 * 3600)


def runs_at_once(task_=None):
    """Whether tasks run in the process that enqueues them (no queue and no worker)."""
    from django_tasks.backends.immediate import ImmediateBackend

    return isinstance((task_ or make_renditions).get_backend(), ImmediateBackend)


def retry_later(task_, attempt, *args):
    """Enqueue ``task_(*args, attempt=attempt)`` after the delay for that attempt (the first
    retry is attempt 1). Returns whether it was queued: not past the last delay, nor on a
    backend that cannot wait (the immediate one would try again at once, while the editor
    waits)."""
    if attempt > len(RETRY_DELAYS) or not task_.get_backend().supports_defer:
        return False
    when = timezone.now() + timedelta(seconds=RETRY_DELAYS[attempt - 1])
    task_.using(run_after=when).enqueue(*args, attempt=attempt)
    return True


@task()
def make_renditions(photo_id):
    """Make the renditions a photo lacks (``Photo.make_renditions``): the widths and formats
    left to the background at upload, or a backfill. Returns how many were made."""
    from .models import Photo

    photo = Photo.objects.filter(pk=photo_id).first()
    return photo.make_renditions() if photo is not None else 0


@task()
def resolve_embed(embed_id, attempt=1):
    """Try again an embed whose provider failed (``Embed.resolve``); while it keeps failing,
    again later, further apart (``RETRY_DELAYS``). Its updates' HTML and the page's version move
    when it resolves (``Embed.save``), so readers' link becomes a card at their next poll."""
    from .models import Embed

    embed = Embed.objects.filter(pk=embed_id, resolved_at__isnull=True).first()
    if embed is None:
        return True  # resolved meanwhile (the admin's action, the command), or deleted
    if embed.resolve():
        return True
    retry_later(resolve_embed, attempt + 1, embed_id)
    return False


@task()
def notify_desk(submission_id, admin_url="", attempt=0):
    """E-mail the desk about a reader's message (``questions.notify_desk``), stored already; a
    mail server that fails is tried again later."""
    from .questions import notify_desk as send

    if send(submission_id, admin_url):
        return True
    retry_later(notify_desk, attempt + 1, submission_id, admin_url)
    return False


# Scheduled updates -------------------------------------------------------------------------------


@task()
def publish_scheduled():
    """Publish every scheduled update whose time has come (``workflow.publish_due``); the ids
    published. Enqueued for each "publish at" time, so it runs within a second or two of it
    (the worker's ``--interval``); a stale run, for a time since changed or cancelled, finds
    nothing due and does nothing."""
    from .workflow import publish_due

    published, _refused = publish_due()
    return [update.pk for update in published]


def publish_scheduled_at(at):
    """Enqueue ``publish_scheduled`` to run at ``at``, where the backend can wait.

    A backend that runs tasks at once (the embedded setup's ImmediateBackend) cannot: there
    ``manage.py publish_due --every 5``, which ``make run`` starts beside the server, or cron's
    ``publish_due``, publishes at the time.
    """
    if publish_scheduled.get_backend().supports_defer:
        publish_scheduled.using(run_after=at).enqueue()

