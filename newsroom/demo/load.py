"""Stores the demo's content (``content.py``) as a desk would make it, in one transaction.

Running it again changes no row counts: every row is found by its natural key (a slug, a page and a
headline, a photo's caption) before anything is made, and photos already there are not redrawn.
Only the two logins are reset each time, to the password given.
"""

import io
import zoneinfo
from datetime import datetime, time, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image

from liveblogs.models import (
    Callout,
    Embed,
    KeyPoint,
    LivePage,
    Photo,
    ReaderSubmission,
    Reporter,
    Series,
    Update,
    UpdateAuthor,
    UpdatePhoto,
    Video,
)
from liveblogs.roles import EDITORS, REPORTERS

from . import pictures
from .content import (
    BYLINES,
    CALLOUT,
    DESK,
    DRAFT_PAGE,
    DRAFT_PAGE_UPDATE,
    EMBEDS,
    FRENCH_BYLINE,
    FRENCH_CALLOUT,
    FRENCH_KEY_POINTS,
    FRENCH_PAGE,
    FRENCH_SERIES,
    FRENCH_UPDATES,
    LIVE_KEY_POINTS,
    LIVE_PAGE,
    LIVE_UNPUBLISHED,
    LIVE_UPDATES,
    PHOTOS,
    RECAP_KEY_POINTS,
    RECAP_PAGE,
    RECAP_UPDATES,
    REPORTER_LOGIN_BYLINE,
    SERIES,
    SUBMISSIONS,
    TIME_ZONE,
    VIDEO,
)


def load_demo(*, password):
    """Find or make every piece of the demo; return how many rows of the app's tables are new."""
    before = count_rows()
    with transaction.atomic():
        Demo(password=password).load()
    return count_rows() - before


def demo_pages():
    """The demo's live pages."""
    return LivePage.objects.filter(
        slug__in=[LIVE_PAGE["slug"], FRENCH_PAGE["slug"], RECAP_PAGE["slug"], DRAFT_PAGE["slug"]]
    )


def count_rows():
    return sum(model.objects.count() for model in apps.get_app_config("liveblogs").get_models())


class Demo:
    """Finds or makes each piece of the demo in order; later pieces refer to earlier ones."""

    def __init__(self, *, password):
        self.password = password
        self.now = timezone.now()
        self.tz = zoneinfo.ZoneInfo(TIME_ZONE)

    def load(self):
        self.editor = self.login(
            "editor", EDITORS, is_staff=True, first_name="Harriet", last_name="Voss"
        )
        self.photos = {key: self.photo(key, **spec) for key, spec in PHOTOS.items()}
        self.series, _ = Series.objects.get_or_create(
            slug=SERIES["slug"], defaults={k: v for k, v in SERIES.items() if k != "slug"}
        )
        self.reporters = {spec["slug"]: self.reporter(**spec) for spec in BYLINES}
        byline = self.reporters[REPORTER_LOGIN_BYLINE]
        first_name, last_name = byline.name.split(" ", 1)
        reporter_user = self.login(
            "reporter", REPORTERS, is_staff=False, first_name=first_name, last_name=last_name
        )
        # One login per byline: free the account from any other byline before linking it.
        Reporter.objects.filter(user=reporter_user).exclude(pk=byline.pk).update(user=None)
        if byline.user_id != reporter_user.pk:
            byline.user = reporter_user
            byline.save()

        self.embeds()
        self.french_page(self.live_page())
        self.recap_page()
        self.draft_page()

    # People -------------------------------------------------------------------------------------

    def login(self, username, group_name, *, is_staff, first_name, last_name):
        """The demo account ``username``, reset to the demo password and its one role."""
        user, _ = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.org",
            },
        )
        user.is_staff = is_staff
        user.is_superuser = False
        user.is_active = True
        user.set_password(self.password)
        user.save()
        try:
            user.groups.add(Group.objects.get(name=group_name))
        except Group.DoesNotExist:
            raise CommandError(f"The “{group_name}” group is missing: run migrate first.") from None
        return user

    def reporter(self, *, slug, headshot=None, **fields):
        if headshot:
            fields["headshot"] = self.photos[headshot]
        reporter, _ = Reporter.objects.get_or_create(slug=slug, defaults=fields)
        return reporter

    def photo(self, key, *, caption, credit, alt_text, scene=None, seed=None):
        """The photo with this caption, drawn and stored only if there is none yet."""
        photo = Photo.objects.filter(caption=caption).first()
        if photo is None:
            jpeg = pictures.draw(scene or key, seed=seed)
            photo = Photo(
                # The name only gives the type: storage names the file itself.
                image=ContentFile(jpeg, name=f"{key}.jpg"),
                caption=caption,
                credit=credit,
                alt_text=alt_text,
                uploaded_by=self.editor,
            )
            photo.save()
        elif not photo.renditions:
            # Stored before photos had renditions: make them now, from the stored file.
            photo.make_renditions()
        return photo

    # Pages --------------------------------------------------------------------------------------

    def embeds(self):
        """The embeds the updates show, stored as resolved before the updates that bring them,
        so no provider is asked (``Embed.resolve`` is only for embeds never tried)."""
        for url, spec in EMBEDS.items():
            spec = dict(spec)
            scene = spec.pop("thumbnail", None)
            embed, created = Embed.objects.get_or_create(
                url=url, defaults={**spec, "resolved_at": self.now, "tried_at": self.now}
            )
            if created and scene:
                with Image.open(io.BytesIO(pictures.draw(scene))) as image:
                    image.thumbnail((640, 640))
                    out = io.BytesIO()
                    image.convert("RGB").save(out, "JPEG", quality=82)
                    embed.thumbnail_width, embed.thumbnail_height = image.size
                embed.thumbnail.save("thumbnail.jpg", ContentFile(out.getvalue()), save=True)

    def live_page(self):
        """Live for two days: updates under two day headings, drafts, a pinned box, a callout."""
        video, _ = Video.objects.get_or_create(
            url=VIDEO["url"],
            defaults={
                **{k: v for k, v in VIDEO.items() if k not in {"url", "poster"}},
                "poster": self.photos[VIDEO["poster"]],
            },
        )
        published_at = self.live_schedule()
        coverage_start = min(self.now - timedelta(days=2), published_at[0] - timedelta(minutes=20))
        page, created = LivePage.objects.get_or_create(
            slug=LIVE_PAGE["slug"],
            defaults={
                "title": LIVE_PAGE["title"],
                "standfirst": LIVE_PAGE["standfirst"],
                "series": self.series,
                "coverage_start": coverage_start,
                "time_zone": TIME_ZONE,
                "needs_approval": True,
                "lead_video": video,
                "created_by": self.editor,
            },
        )
        page.desk.add(*(self.reporters[slug] for slug in DESK))
        if created:
            page.go_live()
        self.key_points(page, LIVE_KEY_POINTS)

        # Before the updates: one of them shows the callout too.
        callout, _ = Callout.objects.get_or_create(
            live_page=page,
            prompt=CALLOUT["prompt"],
            defaults={**CALLOUT, "deadline": self.now + timedelta(days=5)},
        )
        answer = None
        for spec, when in zip(LIVE_UPDATES, published_at, strict=True):
            update = self.update(
                page,
                headline=spec["headline"],
                body=spec["body"],
                authors=spec["authors"],
                photos=spec.get("photos", ()),
                status=Update.Status.PUBLISHED,
                published_at=when,
                key_event=spec.get("key_event", False),
                pinned=spec.get("pinned", False),
                video=video if spec.get("video") else None,
                callout=callout if spec.get("callout") else None,
            )
            if spec.get("answers"):
                answer = update
        for spec in LIVE_UNPUBLISHED:
            self.update(page, **spec)

        # Reader submissions: some may be named in print, some not; one answered, one spam.
        for spec in SUBMISSIONS:
            fields = {k: v for k, v in spec.items() if k not in {"email", "answered", "general"}}
            if spec.get("answered"):
                fields["answered_in"] = answer
            fields["callout"] = None if spec.get("general") else callout
            ReaderSubmission.objects.get_or_create(
                live_page=page, email=spec["email"], defaults=fields
            )
        return page

    def french_page(self, english):
        """The live page's French twin: the French desk's own account of the same flood, each
        update a few minutes after its English one, under the same two day headings."""
        series, _ = Series.objects.get_or_create(
            slug=FRENCH_SERIES["slug"],
            defaults={k: v for k, v in FRENCH_SERIES.items() if k != "slug"},
        )
        page, created = LivePage.objects.get_or_create(
            slug=FRENCH_PAGE["slug"],
            defaults={
                "title": FRENCH_PAGE["title"],
                "standfirst": FRENCH_PAGE["standfirst"],
                "series": series,
                "language": "fr",
                "coverage_start": english.coverage_start,
                "time_zone": TIME_ZONE,
                "needs_approval": True,
                "lead_photo": self.photos["digue"],
                "created_by": self.editor,
            },
        )
        page.desk.add(self.reporters[FRENCH_BYLINE["slug"]], *(self.reporters[s] for s in DESK[:2]))
        if created:
            page.go_live()
        if page.twin_id != english.pk:
            page.twin = english  # and the English page's twin is this one (``LivePage.save``)
            page.save()
        self.key_points(page, FRENCH_KEY_POINTS)
        Callout.objects.get_or_create(
            live_page=page,
            prompt=FRENCH_CALLOUT["prompt"],
            defaults={**FRENCH_CALLOUT, "deadline": self.now + timedelta(days=5)},
        )
        english_times = self.live_schedule()
        for spec in FRENCH_UPDATES:
            when = english_times[spec["mirrors"]] + timedelta(minutes=spec["after"])
            self.update(
                page,
                headline=spec["headline"],
                body=spec["body"],
                authors=spec["authors"],
                photos=spec.get("photos", ()),
                status=Update.Status.PUBLISHED,
                published_at=min(when, self.now - timedelta(minutes=1)),
                key_event=spec.get("key_event", False),
            )
        return page

    def live_schedule(self):
        """Published times for ``LIVE_UPDATES``: two local calendar days, all in the past."""
        local_now = timezone.localtime(self.now, self.tz)
        # Before nine in the morning today has too little room: use yesterday and the day before.
        last_day = local_now.date() - timedelta(days=0 if local_now.hour >= 9 else 1)
        first_day = last_day - timedelta(days=1)
        times = [self.local(first_day, spec["at"]) for spec in LIVE_UPDATES if spec["day"] == 1]
        later = [spec for spec in LIVE_UPDATES if spec["day"] == 2]
        start = self.local(last_day, time(6, 15))
        end = min(self.now - timedelta(minutes=4), self.local(last_day, time(23, 30)))
        step = (end - start) / max(len(later) - 1, 1)
        times += [start + step * i for i in range(len(later))]
        return times

    def recap_page(self):
        """Last month's ice jam: three days of coverage, ended, with its key points."""
        first_of_month = timezone.localtime(self.now, self.tz).date().replace(day=1)
        first_day = (first_of_month - timedelta(days=1)).replace(day=10)
        page, created = LivePage.objects.get_or_create(
            slug=RECAP_PAGE["slug"],
            defaults={
                "title": RECAP_PAGE["title"],
                "standfirst": RECAP_PAGE["standfirst"],
                "series": self.series,
                "status": LivePage.Status.ENDED,
                "coverage_start": self.local(first_day, time(7, 0)),
                "coverage_end": self.local(first_day + timedelta(days=2), time(17, 0)),
                "time_zone": TIME_ZONE,
                "lead_photo": self.photos["ice_jam"],
                "created_by": self.editor,
            },
        )
        page.desk.add(*(self.reporters[slug] for slug in DESK))
        self.key_points(page, RECAP_KEY_POINTS)
        for spec in RECAP_UPDATES:
            self.update(
                page,
                headline=spec["headline"],
                body=spec["body"],
                authors=spec["authors"],
                photos=spec.get("photos", ()),
                status=Update.Status.PUBLISHED,
                published_at=self.local(first_day + timedelta(days=spec["day"]), spec["at"]),
                key_event=spec.get("key_event", False),
            )
        return page

    def draft_page(self):
        page, _ = LivePage.objects.get_or_create(
            slug=DRAFT_PAGE["slug"],
            defaults={
                "title": DRAFT_PAGE["title"],
                "standfirst": DRAFT_PAGE["standfirst"],
                "series": self.series,
                "status": LivePage.Status.DRAFT,
                "coverage_start": self.now + timedelta(days=1),
                "time_zone": TIME_ZONE,
                "created_by": self.editor,
            },
        )
        page.desk.add(*(self.reporters[slug] for slug in DESK))
        self.update(page, **DRAFT_PAGE_UPDATE)
        return page

    # Page content -------------------------------------------------------------------------------

    def key_points(self, page, texts):
        # Found by their place in The Latest: a demo loaded before key points were rich text
        # gets its words as they are now, rather than a second set.
        for position, text in enumerate(texts):
            KeyPoint.objects.update_or_create(
                live_page=page, position=position, defaults={"text": text}
            )

    def update(
        self,
        page,
        *,
        headline,
        body,
        authors,
        status,
        photos=(),
        published_at=None,
        key_event=False,
        pinned=False,
        video=None,
        callout=None,
    ):
        """The update with this headline on ``page``, filed and published as a desk would."""
        update = Update.objects.filter(live_page=page, headline=headline).first()
        if update is not None:
            return update
        bylines = [self.reporters[slug] for slug in authors]
        filed_by = bylines[0].user or self.editor
        update = Update.objects.create(
            live_page=page,
            headline=headline,
            body=body.strip(),
            # Filed first; publishing is the editor's step below.
            status=status if status == Update.Status.SUBMITTED else Update.Status.DRAFT,
            published_at=published_at,
            key_event=key_event,
            video=video,
            callout=callout,
            created_by=filed_by,
            edited_by=filed_by,
        )
        for position, reporter in enumerate(bylines):
            UpdateAuthor.objects.create(update=update, reporter=reporter, position=position)
        for position, key in enumerate(photos):
            UpdatePhoto.objects.create(update=update, photo=self.photos[key], position=position)
        update.record_revision(by=filed_by)
        if status == Update.Status.PUBLISHED:
            update.publish(by=self.editor)
        if pinned:
            update.pin(by=self.editor)
        return update

    def local(self, day, at):
        return datetime.combine(day, at, tzinfo=self.tz)
