"""``manage.py purge_submissions``: forget who sent old reader submissions, keep what they said.

Run it daily (cron, a systemd timer, the platform's scheduler). Submissions received more than
``LIVEBLOGS_SUBMISSION_RETENTION_DAYS`` days ago (or ``--days``) lose the reader's name, e-mail
address, phone number, location, address hash and photo; their text, status, consents, editor notes
and the update that answered them stay.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liveblogs.conf import settings
from liveblogs.submissions import holding_personal_data, purge_personal_data, purged_message

# Longer than any retention, and short enough that the day it names exists (``--days`` of a
# hundred million would reach before the year 1 and overflow).
MAX_DAYS = 36_500


class Command(BaseCommand):
    help = "Remove the personal data of reader submissions older than a number of days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Age in days after which personal data goes (default: "
            "LIVEBLOGS_SUBMISSION_RETENTION_DAYS, 90 unless set).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say how many submissions would lose it; change nothing.",
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.SUBMISSION_RETENTION_DAYS if days is None else days
        if not 0 <= days <= MAX_DAYS:
            raise CommandError(
                _("The number of days must be from 0 to %(max)s (a hundred years), not %(days)s.")
                % {"max": number_format(MAX_DAYS, force_grouping=True),
                   "days": number_format(days, force_grouping=True)}
            )
        if dry_run:
            count = holding_personal_data(days=days).count()
            self.stdout.write(
                ngettext(
                    "%(count)d submission older than %(days)d days would lose its personal data.",
                    "%(count)d submissions older than %(days)d days would lose their personal data.",
                    count,
                ) % {"count": count, "days": days}
            )
            return
        count = purge_personal_data(days=days)
        self.stdout.write(self.style.SUCCESS(purged_message(count)))
