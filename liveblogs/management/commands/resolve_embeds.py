"""Try again the embeds whose provider could not be reached, or whose token was missing."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from liveblogs.models import Embed


class Command(BaseCommand):
    help = (
        "Resolve the embeds that failed (a provider down or slow, a token the site lacked) or "
        "were never tried. Readers see them as links until then. Safe to run again, e.g. every "
        "ten minutes from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true",
                            help="Resolve every embed again, even those that worked.")

    def handle(self, *args, all=False, **options):
        embeds = Embed.objects.all() if all else Embed.objects.filter(resolved_at__isnull=True)
        done = failed = 0
        for embed in embeds.iterator(chunk_size=100):
            if embed.resolve():
                done += 1
            else:
                failed += 1
                self.stderr.write(f"{embed.url}: {embed.error}")
        self.stdout.write(
            _("%(done)d resolved, %(failed)d still failing.") % {"done": done, "failed": failed}
        )
