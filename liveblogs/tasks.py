"""Work done outside the request, through django-tasks (the backport of Django 6.0's
``django.tasks``): the embedded setup runs each task as it is enqueued, production's
``manage.py db_worker`` takes them from the database.
"""

from django_tasks import task

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
