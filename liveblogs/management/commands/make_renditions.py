"""Make the renditions photos lack: after an upgrade, after changing the widths or formats, or for
photos whose background task was lost (a queue emptied, a worker killed mid-photo)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from PIL import Image

from liveblogs import tasks
from liveblogs.models import Photo


class Command(BaseCommand):
    help = (
        "Make the renditions every photo lacks (photos stored before renditions existed, after "
        "LIVEBLOGS_RENDITION_WIDTHS or LIVEBLOGS_RENDITION_FORMATS changed, or whose background "
        "task was lost). With a task queue (django-tasks-db) the photos are queued for the "
        "worker; --inline makes them here. Safe to run again, and beside a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--inline", action="store_true",
            help="Make the renditions in this process, even where a task queue is configured.",
        )

    def handle(self, *args, inline=False, **options):
        lacking = (
            photo for photo in Photo.objects.exclude(image="").iterator(chunk_size=100)
            if photo.missing_renditions()
        )
        if not inline and not tasks.runs_at_once(tasks.make_renditions):
            queued = 0
            for photo in lacking:
                tasks.make_renditions.enqueue(photo.pk)
                queued += 1
            self.stdout.write(
                f"Queued {queued} photos for the task worker (manage.py db_worker); "
                "--inline makes them here."
            )
            return
        photos = made = 0
        failed = []
        for photo in lacking:
            try:
                count = photo.make_renditions()
            except (OSError, ValueError, Image.DecompressionBombError):
                # A stored file that is gone or damaged: the other photos still get theirs.
                failed.append(photo.pk)
                continue
            photos += bool(count)
            made += count
        self.stdout.write(
            _("Made %(made)d renditions for %(photos)d photos.") % {"made": made, "photos": photos}
        )
        if failed:
            raise CommandError(
                _(
                    "The stored files of %(count)d photos are missing or damaged, so they have "
                    "no new renditions (ids %(ids)s)."
                ) % {"count": len(failed), "ids": ", ".join(map(str, sorted(failed)))}
            )
