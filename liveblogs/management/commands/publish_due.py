"""``manage.py publish_due``: publish the scheduled updates whose time has come.

The task worker does this within seconds of each time; this is the fallback for cron (every
minute) and the embedded setup's way (``--every 5``, which ``make run`` starts beside the server,
as its tasks run at once and cannot wait for a time). Safe beside a worker and beside itself: an
update is published once (``workflow.publish_due``).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from liveblogs.workflow import local_time, publish_due

# An hour: anything slower is cron's job.
MAX_EVERY = 3600


class Command(BaseCommand):
    help = "Publish the scheduled updates whose time has come, one line for each."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Keep running, looking again every SECONDS (1 to 3600) until stopped.",
        )

    def handle(self, *args, every=None, verbosity=1, **options):
        self.verbosity = verbosity
        if every is not None and not 1 <= every <= MAX_EVERY:
            raise CommandError(
                f"--every takes a number of seconds from 1 to {MAX_EVERY:,}, not {every:g}."
            )
        while True:
            self.publish()
            if every is None:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return

    def publish(self):
        published, refused = publish_due()
        for update in published:
            self.stdout.write(
                f"Published “{update.headline}” (update {update.pk}) on "
                f"“{update.live_page.title}” at {local_time(update, update.published_at)}."
            )
        for update, reason in refused:
            self.stderr.write(
                f"Not published: “{update.headline}” (update {update.pk}), due "
                f"{local_time(update, update.publish_at)}: {reason}"
            )
        if not published and not refused and self.verbosity > 1:
            self.stdout.write(f"Nothing due at {timezone.now():%Y-%m-%d %H:%M:%S %Z}.")
