"""Restore a live page from an archive written by export_livepage."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liveblogs.portable import ArchiveError, import_livepage


class Command(BaseCommand):
    help = (
        "Restore a live page from an archive written by export_livepage, on this or another "
        "installation. Series and reporters are matched by their addresses (slugs); photos and "
        "videos are stored anew, with renditions made here. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .zip file export_livepage wrote.")
        parser.add_argument(
            "--replace", action="store_true",
            help="If a live page with the same address exists, delete it (its updates, key "
            "points, callouts and reader submissions) and restore the archived one in its place.",
        )

    def handle(self, *args, archive, replace, **options):
        try:
            file = open(archive, "rb")  # closed below, once imported
        except FileNotFoundError:
            raise CommandError(_("No file %(archive)r.") % {"archive": archive}) from None
        except OSError as error:  # a folder, a file this user may not read
            raise CommandError(
                _("Cannot read %(archive)r: %(error)s.") % {"archive": archive, "error": error.strerror}
            ) from None
        if not os.path.isfile(archive):  # a folder, a device such as /dev/zero, a pipe
            file.close()
            raise CommandError(
                _("%(archive)r is not a file: give the path of a .zip archive.") % {"archive": archive}
            )
        with file:
            try:
                page = import_livepage(file, replace=replace)
            except ArchiveError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            _("Imported “%(title)s” at %(url)s: %(updates)d updates, version %(version)d.") % {
                "title": page.title, "url": page.get_absolute_url(),
                "updates": page.updates.count(), "version": page.version,
            }
        )
