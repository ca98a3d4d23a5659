"""Make the renditions photos lack: after an upgrade, or after changing the widths or formats."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from PIL import Image

from liveblogs.models import Photo


class Command(BaseCommand):
    help = (
        "Make the renditions every photo lacks (photos stored before renditions existed, or after "
        "LIVEBLOGS_RENDITION_WIDTHS or LIVEBLOGS_RENDITION_FORMATS changed). Safe to run again."
    )

    def handle(self, *args, **options):
        photos = made = 0
        failed = []
        for photo in Photo.objects.exclude(image="").iterator(chunk_size=100):
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
