"""Make the renditions photos lack: after an upgrade, or after changing the widths or formats."""

from django.core.management.base import BaseCommand

from liveblogs.models import Photo


class Command(BaseCommand):
    help = (
        "Make the renditions every photo lacks (photos stored before renditions existed, or after "
        "LIVEBLOGS_RENDITION_WIDTHS or LIVEBLOGS_RENDITION_FORMATS changed). Safe to run again."
    )

    def handle(self, *args, **options):
        photos = made = 0
        for photo in Photo.objects.exclude(image="").iterator(chunk_size=100):
            count = photo.make_renditions()
            photos += bool(count)
            made += count
        self.stdout.write(f"Made {made} renditions for {photos} photos.")
