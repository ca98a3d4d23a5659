"""Write one live page, with its photos and video, to a self-contained zip archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liveblogs.models import LivePage
from liveblogs.portable import ArchiveError, export_livepage


class Command(BaseCommand):
    help = (
        "Write a live page (a recap, usually) to a zip archive that import_livepage restores on "
        "another installation: the page, its series, key points, callouts, published and "
        "withdrawn updates with bylines, photos and video, and the photo and video files. "
        "Drafts and reader submissions stay behind unless asked for."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The live page's address, e.g. kestrel-river-flood.")
        parser.add_argument(
            "-o", "--output", help="Where to write the archive (default: <slug>.zip here)."
        )
        parser.add_argument(
            "--include-drafts", action="store_true",
            help="Also export draft and submitted updates, which readers never saw.",
        )
        parser.add_argument(
            "--include-submissions", action="store_true",
            help="Also export reader submissions, with the readers' names, e-mail addresses and "
            "phone numbers. Only where the receiving installation may hold them.",
        )

    def handle(self, *args, slug, output, include_drafts, include_submissions, **options):
        try:
            page = LivePage.objects.get(slug=slug)
        except LivePage.DoesNotExist:
            raise CommandError(_("No live page has the address %(slug)r.") % {"slug": slug}) from None
        path = Path(output or f"{slug}.zip")
        try:
            file = open(path, "wb")  # closed below, once written
        except OSError as error:  # no such folder, a folder, a file this user may not write
            raise CommandError(cannot_write(path, error)) from None
        try:
            with file:
                data = export_livepage(
                    page, file, drafts=include_drafts, submissions=include_submissions
                )
        except (ArchiveError, OSError) as error:  # the last bytes may fail as the file closes
            # Half an archive would import as nothing or fail there: none is better. Only a file
            # is removed: the output may be a device (/dev/full, a tape) or a pipe.
            if path.is_file():
                path.unlink()
            if isinstance(error, ArchiveError):
                raise CommandError(str(error)) from None
            raise CommandError(cannot_write(path, error)) from None
        names = ("updates", "photos", "videos", "reporters", "submissions")
        counts = {name: len(data.get(name, ())) for name in names}
        if include_submissions:
            message = _(
                "Wrote %(path)s: %(updates)d updates, %(photos)d photos, %(videos)d videos, "
                "%(reporters)d reporters, %(submissions)d reader submissions."
            )
        else:
            message = _(
                "Wrote %(path)s: %(updates)d updates, %(photos)d photos, %(videos)d videos, "
                "%(reporters)d reporters."
            )
        self.stdout.write(message % {"path": path, **counts})


def cannot_write(path, error):
    return _("Cannot write %(path)r: %(error)s.") % {"path": str(path), "error": error.strerror}
