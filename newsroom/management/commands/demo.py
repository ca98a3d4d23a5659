"""``manage.py demo``: a newsroom's worth of fictional coverage to click through.

The demo is in ``newsroom/demo/``: ``content.py`` (the words), ``pictures.py`` (the photos, drawn)
and ``load.py`` (stores them, idempotently). Only the two logins are reset on each run, to the
password in ``DEMO_PASSWORD`` (default ``demo``).
"""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liveblogs.models import Photo, Update
from newsroom.demo.load import demo_pages, load_demo

SITE_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Load fictional demo content (a live page, a recap, a draft page and two logins)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even though DEBUG is off (it adds logins with a known password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off, so this may be a production site: the demo adds logins with a "
                    "known password. Pass --force to load it anyway, or set DJANGO_DEBUG=1."
                )
            )
        password = os.environ.get("DEMO_PASSWORD") or "demo"
        created = load_demo(password=password)

        pages = demo_pages()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo content ready: %(pages)d live pages, %(updates)d updates, %(photos)d "
                    "photos (%(created)d new rows)."
                ) % {
                    "pages": pages.count(),
                    "updates": Update.objects.filter(live_page__in=pages).count(),
                    "photos": Photo.objects.count(),
                    "created": created,
                }
            )
        )
        self.stdout.write(_("Site: %(url)s") % {"url": SITE_URL})
        self.stdout.write(
            _("Editor login: editor / %(password)s  (%(url)s)")
            % {"password": password, "url": f"{SITE_URL}admin/"}
        )
        self.stdout.write(
            _("Reporter login: reporter / %(password)s  (%(url)s, on the live page's desk)")
            % {"password": password, "url": f"{SITE_URL}file/"}
        )
