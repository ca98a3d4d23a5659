"""The live-page domain: series, reporters, live pages and their updates, photos, video, callouts.

Versioning. Every change a reader can see moves its live page's ``version`` in the same transaction,
through one mechanism: ``LivePage.objects.next_version(page_id)``. Instance saves (``save`` and
``delete`` below), bulk writes (``update``/``delete`` on the querysets) and ordered many-to-many
changes (``signals.py``) all end there, so admin actions and code that bypasses ``save`` cannot
forget. An update also records the version of its last visible change (``page_version``), which is
how polling readers learn what changed after the version they have.
"""

import uuid
import zoneinfo
from datetime import UTC, datetime
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from . import embeds, images, media, memo, search, videos, workflow
from .conf import settings as app_settings
from .editors import BODY, INLINE, MaxTextLengthValidator, RichTextField, clean_rich_text
from .sanitize import clean_html
from .structured_data import plain_text
from .workflow import EditConflict  # noqa: F401  (where the forms' callers look for it)


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a time zone."), params={"value": value})


def default_time_zone():
    return settings.TIME_ZONE


def default_language():
    """A new page speaks the site's language (``LANGUAGE_CODE``) until an editor says otherwise."""
    return settings.LANGUAGE_CODE


def validate_language(value):
    if value not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("Choose one of the site's languages: %(codes)s.")
            % {"codes": ", ".join(code for code, _name in settings.LANGUAGES)}
        )


def photo_upload_to(instance, filename):
    """Name stored photos ourselves: nothing of the client's file name reaches storage. The suffix
    is the one ``Photo.ingest`` chose from the decoded format."""
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if suffix not in {".jpg", ".png", ".webp"}:
        suffix = ".jpg"
    return f"photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def captions_upload_to(instance, filename):
    return f"captions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.vtt"


def embed_thumbnail_upload_to(instance, filename):
    return f"embeds/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


def video_upload_to(instance, filename):
    """As for photos: our own name, with the suffix ``Video.save`` chose from the file's bytes
    (the media server types files by it)."""
    suffix = PurePath(filename).suffix.lower() if filename else ""
    if suffix not in {".mp4", ".mov", ".webm"}:
        suffix = ".mp4"
    return f"videos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Series(models.Model):
    """An umbrella of coverage, such as “Election 2029”."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            # The series label is shown on each of its live pages.
            LivePage.objects.filter(series=self).bump_version()

    def get_absolute_url(self):
        return reverse("liveblogs:series", kwargs={"slug": self.slug})


class PhotoQuerySet(models.QuerySet):
    def on_pages(self, page_ids, *, shown=True):
        """Photos on these pages (all pages for None): with ``shown``, only those readers see
        there (in published updates on public pages, as the lead photo, as the poster of the lead
        video or of a video in a published update); without, any the pages or updates hold."""
        pages = LivePage.objects.all() if page_ids is None else LivePage.objects.filter(
            pk__in=page_ids
        )
        updates = Update.objects.filter(live_page__in=pages)
        if shown:
            pages = pages.exclude(status=LivePage.Status.DRAFT)
            updates = updates.filter(live_page__in=pages, status=Update.Status.PUBLISHED)
        return self.filter(
            Q(pk__in=UpdatePhoto.objects.filter(update__in=updates).values("photo"))
            | Q(pk__in=pages.filter(lead_photo__isnull=False).values("lead_photo"))
            | Q(pk__in=Video.objects.filter(poster__isnull=False).filter(
                Q(pk__in=pages.values("lead_video")) | Q(pk__in=updates.values("video"))
            ).values("poster"))
        )

    def sync_public(self, page_ids):
        """Keep the public storage to what readers are shown (see ``media.py``): photos now shown
        on these pages are made public; those no longer shown anywhere, nor as a byline's
        headshot (a withdrawn update's, a replaced lead), are made private again."""
        for photo in self.filter(public=False).on_pages(page_ids):
            photo.publish_files()
        gone = (
            self.filter(public=True).on_pages(page_ids, shown=False)
            .exclude(pk__in=Photo.objects.on_pages(None).values("pk"))
            .exclude(pk__in=Reporter.objects.filter(headshot__isnull=False).values("headshot"))
        )
        for photo in gone:
            photo.unpublish_files()

    @staticmethod
    def shown_anywhere():
        """The condition that a photo is one readers see somewhere (as ``on_pages(None)``: in a
        published update, or as a lead photo or a poster on a public page), asked photo by photo
        with EXISTS: for a few photos the database reads their own rows through the indexes,
        never every page's."""
        public_page = ~Q(status=LivePage.Status.DRAFT)
        in_update = UpdatePhoto.objects.filter(
            photo=OuterRef("pk"), update__status=Update.Status.PUBLISHED
        ).exclude(update__live_page__status=LivePage.Status.DRAFT)
        as_lead = LivePage.objects.filter(public_page, lead_photo=OuterRef("pk"))
        as_poster = Video.objects.filter(poster=OuterRef("pk")).filter(
            Exists(LivePage.objects.filter(public_page, lead_video=OuterRef("pk")))
            | Exists(
                Update.objects.filter(video=OuterRef("pk"), status=Update.Status.PUBLISHED)
                .exclude(live_page__status=LivePage.Status.DRAFT)
            )
        )
        return Exists(in_update) | Exists(as_lead) | Exists(as_poster)

    def sync_public_for(self, update):
        """``sync_public`` for what one update's publication or withdrawal can change: its own
        photos and its video's poster, and nothing else of its page (publishing one update on a
        page of thousands read every photo of the newsroom)."""
        # The ids first, as values: a query choosing photos by a subquery OR another is one
        # the planners answer by reading every photo.
        ids = [
            *UpdatePhoto.objects.filter(update=update.pk).order_by()
            .values_list("photo", flat=True)
        ]
        if update.video_id:
            ids += Video.objects.filter(pk=update.video_id, poster__isnull=False).values_list(
                "poster", flat=True
            )
        if not ids:
            return
        mine = self.filter(pk__in=ids)
        shown = self.shown_anywhere()
        for photo in mine.filter(shown, public=False):
            photo.publish_files()
        gone = (
            mine.filter(public=True).exclude(shown)
            .exclude(pk__in=Reporter.objects.filter(headshot__isnull=False).values("headshot"))
        )
        for photo in gone:
            photo.unpublish_files()


class Photo(models.Model):
    """An image with the words a newsroom publishes beside it: caption, credit, alt text."""

    # Width and height are set by ``ingest`` from the decoded photo, upright; not by Django's
    # ImageField, which would open the file again and read them before orientation. Stored
    # privately; renditions are copied to public storage once readers are shown the photo.
    image = models.ImageField(
        _("image"), upload_to=photo_upload_to, storage=media.get_private_storage
    )
    caption = models.TextField(
        _("caption"), blank=True,
        help_text=_("Left blank, it is filled from the caption embedded in the file, if any."),
    )
    credit = models.CharField(
        _("credit"), max_length=200, blank=True,
        help_text=_(
            "Who took it, e.g. “Jane Doe/Agency”. Left blank, it is filled from the byline and "
            "credit embedded in the file, if any."
        ),
    )
    alt_text = models.CharField(
        _("alt text"),
        max_length=400,
        blank=True,
        help_text=_("What the photo shows, for readers who cannot see it. Required to publish."),
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    renditions = models.JSONField(
        _("renditions"), default=list, blank=True, editable=False,
        help_text=_("The widths and formats made for readers: width, height, format, stored name."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    public = models.BooleanField(
        _("public"), default=False, editable=False,
        help_text=_("Its renditions are in public storage: readers have been shown it."),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return (self.caption or self.alt_text or PurePath(self.image.name).name)[:80]

    def save(self, *args, **kwargs):
        new_files = bool(self.image) and not self.image._committed
        # A replaced image's files go once the new ones are in: a wrong photo must not stay
        # public at its old address (a CDN may still hold it a while).
        replaced = Photo.objects.filter(pk=self.pk).first() if new_files and self.pk else None
        if new_files:
            # A new or replaced file: checked, cleaned and rendered before the row is written.
            self.ingest()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {
                    *kwargs["update_fields"], "image", "width", "height", "renditions", "caption",
                    "credit",
                }
        elif not self._state.adding and kwargs.get("update_fields") is None:
            # The renditions are written only where they are made (``ingest``, ``make_renditions``),
            # perhaps by a worker while a form had this row loaded: a caption's save must not put
            # back the list the form read.
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "renditions"
            ]
        rendered = new_files
        new_files = new_files or "renditions" in (kwargs.get("update_fields") or ())
        with transaction.atomic():
            super().save(*args, **kwargs)
            if self.public and new_files:
                self.publish_files()  # a public photo's new files are public too
            if replaced is not None and replaced.image.name != self.image.name:
                transaction.on_commit(replaced.delete_files)
            # Captions and credits show wherever the photo does; so do new renditions.
            Update.objects.filter(photos=self).touch()
            LivePage.objects.filter(Q(lead_photo=self) | Q(lead_video__poster=self)).bump_version()
            if rendered and self.missing_renditions():
                self.enqueue_renditions()

    def ingest(self):
        """Check the new image, store it cleaned, make its renditions, and fill in a blank caption
        or credit from what the agency embedded; a credit the file lacks is the newsroom's own
        (``house_credit``). Raises ``ValidationError`` for a file that is not a photo we take,
        before anything is stored."""
        upload = images.inspect_upload(self.image.file)
        if not self.caption.strip():
            self.caption = upload.embedded.caption
        if not self.credit.strip():
            credit = upload.embedded.suggested_credit() or self.house_credit()
            self.credit = credit[: self._meta.get_field("credit").max_length]
        master = images.clean_master(upload)
        # The name only gives the type; ``photo_upload_to`` makes the rest.
        self.image.save(f"photo.{master.extension}", ContentFile(master.data), save=False)
        self.width, self.height = master.width, master.height
        self.__dict__.pop("picture", None)
        # Only the first rendition a reader needs is made while the uploader waits: the photo
        # can be published with it, and ``save`` queues the rest.
        first = images.first_specs(images.rendition_specs(master.width, master.height))
        try:
            self.renditions = images.store_renditions(
                self.image.storage, self.image.name,
                images.make_renditions(master.data, first, reduced=upload.reduced),
            )
        except Exception:
            self.image.storage.delete(self.image.name)
            raise

    def house_credit(self):
        """“<uploader's byline>/<publisher>”, as the newsroom credits a photo its own people took;
        empty for a photo without an uploader (a reader's, which the desk credits itself)."""
        user = self.uploaded_by
        if user is None:
            return ""
        reporter = getattr(user, "reporter", None)
        name = reporter.name if reporter else user.get_full_name() or user.get_username()
        return f"{name}/{app_settings.PUBLISHER_NAME}"

    def missing_renditions(self):
        """The (width, format) renditions the settings ask for that this photo lacks."""
        if not self.image or not self.width:
            return []
        have = {(r["width"], r["format"]) for r in self.renditions}
        specs = images.rendition_specs(self.width, self.height)
        return [spec for spec in specs if spec not in have]

    def enqueue_renditions(self):
        """Have the renditions this photo lacks made in the background (``tasks.py``). Inside
        the transaction that stored the photo: with the database queue the task commits, or
        not, with it. Where tasks run at once (the embedded setup) they are made here, and this
        instance sees them."""
        from . import tasks  # tasks.py imports the models

        result = tasks.make_renditions.enqueue(self.pk)
        if result.is_finished:
            self.refresh_from_db(fields=["renditions", "public"])

    def make_renditions(self):
        """Make the renditions the settings ask for that this photo lacks: those left to the
        background at upload, or all of a photo stored before renditions existed or before the
        widths or formats changed. Returns how many were made.

        Safe to run twice at once (two workers, a task run again, ``make_renditions`` beside
        a worker): the slow part runs without a lock, then the row is locked and only what is
        still missing is recorded; the files of a rendition another run recorded first go."""
        missing = self.missing_renditions()
        if not missing:
            return 0
        with self.image.open("rb") as file:
            data = file.read()
        made = images.store_renditions(
            self.image.storage, self.image.name, images.make_renditions(data, missing)
        )
        with transaction.atomic():
            current = self.lock_row()
            if current is None or current.image.name != self.image.name:
                new, extra = [], made  # deleted, or its file replaced, while we worked
            else:
                have = {(r["width"], r["format"]) for r in self.renditions}
                new = [r for r in made if (r["width"], r["format"]) not in have]
                extra = [r for r in made if (r["width"], r["format"]) in have]
            if new:
                self.renditions = sorted(
                    [*self.renditions, *new], key=lambda r: (r["format"], r["width"])
                )
                self.save(update_fields=["renditions"])
        # Files for renditions another run recorded first; a storage that overwrites may have
        # given that run's file the same name, which stays.
        kept = {r["name"] for r in self.renditions}
        for name in {r["name"] for r in extra} - kept:
            self.image.storage.delete(name)
        return len(new)

    def lock_row(self):
        """Lock this photo's row for the transaction and take its stored renditions and public
        flag (a worker may have recorded renditions since this instance was read). Returns the
        row as stored, or None if it is gone."""
        current = Photo.objects.select_for_update().filter(pk=self.pk).first()
        if current is not None:
            self.renditions, self.public = current.renditions, current.public
            self.__dict__.pop("picture", None)
        return current

    def stored_names(self):
        """The names of this photo's files: the original, then its renditions."""
        return [self.image.name, *(r["name"] for r in self.renditions)] if self.image else []

    def publish_files(self):
        """Copy this photo's renditions (not its original) to the public storage, where readers'
        browsers fetch them, and mark it public. Called when readers are first shown it
        (``PhotoQuerySet.sync_public``); files already copied are left as they are."""
        with transaction.atomic():
            # Under the row's lock, with the renditions as stored: those a worker recorded a
            # moment ago are copied too, or the worker, waiting for the lock, then sees the photo
            # public and copies its own (``save``).
            self.lock_row()
            names = [r["name"] for r in self.renditions] or [self.image.name]
            for name in names:
                media.copy_file(self.image.storage, default_storage, name)
            if not self.public:
                Photo.objects.filter(pk=self.pk).update(public=True)
                self.public = True
                self.__dict__.pop("picture", None)

    def unpublish_files(self):
        """Readers are no longer shown this photo: its public copies go, once that is committed
        (until then the page still shows it). Its private files stay."""
        with transaction.atomic():
            self.lock_row()  # renditions a worker made public a moment ago go too
            names = [r["name"] for r in self.renditions] or [self.image.name]
            Photo.objects.filter(pk=self.pk).update(public=False)
            self.public = False
            self.__dict__.pop("picture", None)
            transaction.on_commit(lambda: [default_storage.delete(name) for name in names])

    def delete_files(self):
        """Delete this photo's files, private and public (after its row is gone)."""
        for storage, names in [(self.image.storage, self.stored_names()),
                               (default_storage, [r["name"] for r in self.renditions])]:
            for name in names:
                storage.delete(name)

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("picture", None)  # it may have gone public since

    @cached_property
    def picture(self):
        """The ``srcset`` and sizes of this photo's renditions, for ``_picture.html``."""
        return images.Picture(self)

    @property
    def original_url(self):
        """The uploaded original, private (served to staff who may see it; see ``media.py``)."""
        return reverse("liveblogs:photo_file", args=[self.pk, PurePath(self.image.name).name])

    @property
    def jpeg_url(self):
        """One JPEG, at most 1,280 pixels wide, for feeds, structured data and share cards."""
        return self.picture.jpeg_url(1280)

    @property
    def thumbnail_url(self):
        """The smallest rendition, for the editors' lists."""
        return self.picture.thumbnail_url

    def missing_for_publishing(self):
        """The words this photo still lacks before an update showing it may go out."""
        missing = []
        if not self.alt_text.strip():
            missing.append(_("alt text"))
        if not self.credit.strip():
            missing.append(_("credit"))
        return missing

    def publishing_problem(self):
        """Why an update showing this photo may not be published yet, naming the photo; or None."""
        if missing := self.missing_for_publishing():
            return _("Photo “%(photo)s” needs %(missing)s before this update can be published.") % {
                "photo": self, "missing": " and ".join(str(m) for m in missing)
            }
        return None


class Reporter(models.Model):
    """A byline. Wire reporters and freelancers have no login; staff reporters are linked to one."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    role = models.CharField(_("role"), max_length=120, blank=True, help_text=_("E.g. “Senior writer”."))
    bio = models.TextField(_("short bio"), blank=True)
    headshot = models.ForeignKey(
        Photo, verbose_name=_("headshot"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reporter",
        help_text=_("The account this reporter signs in with, if any."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            if self.headshot_id and not self.headshot.public:
                self.headshot.publish_files()  # the reporter's page shows it
            # Bylines show the name and role.
            Update.objects.filter(authors=self).touch()

    def get_absolute_url(self):
        return reverse("liveblogs:reporter", kwargs={"slug": self.slug})


class Video(models.Model):
    """A video from the newsroom's player or an uploaded file, shown with its poster.

    An uploaded file plays in the page; its duration and size are read from it when it is saved
    (``videos.inspect_video``). A player address from YouTube or Vimeo is shown as an embed
    (``embeds.py``): a card that loads the player when the reader asks.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    duration = models.DurationField(
        _("duration"), null=True, blank=True,
        help_text=_("Read from an uploaded file; type it (e.g. 0:01:52) only for a player URL."),
    )
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    poster = models.ForeignKey(
        Photo, verbose_name=_("poster"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField(
        _("file"), upload_to=video_upload_to, blank=True,
        validators=[videos.validate_video_file], help_text=_("An MP4, WebM or MOV video."),
    )
    url = models.URLField(
        _("player URL"), blank=True,
        help_text=_("Instead of a file: a YouTube or Vimeo address, shown as a card readers load."),
    )
    captions = models.FileField(
        _("captions"), upload_to=captions_upload_to, blank=True,
        validators=[videos.validate_captions_file],
        help_text=_("Optional captions or subtitles for an uploaded file: a WebVTT (.vtt) file."),
    )
    captions_language = models.CharField(
        _("captions language"), max_length=20, blank=True, default="en",
        help_text=_("The captions' language code, e.g. en or fr."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""),
                name="video_has_file_or_url",
                violation_error_message=_("Upload a file or give the player URL."),
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            # Checked for code that bypasses forms too; stored under the suffix of what it is.
            upload = videos.inspect_video(self.file.file)
            self.file.name = f"video.{upload.suffix}"
            # What the file says wins over anything typed: "1:52" was once shown for 4 seconds.
            self.duration, self.width, self.height = upload.duration, upload.width, upload.height
        if self.captions and not self.captions._committed:
            videos.inspect_captions(self.captions.file)
        with transaction.atomic():
            super().save(*args, **kwargs)
            Update.objects.filter(video=self).touch()
            LivePage.objects.filter(lead_video=self).bump_version()

    @property
    def source(self):
        return self.file.url if self.file else self.url

    @property
    def captions_from_elsewhere(self):
        """Captions stored at another origin (object storage, a CDN): browsers load a track from
        there only as a CORS request, which the player must ask for (``crossorigin``) and the
        bucket allow (README, "Media on object storage"). Same-origin players ask nothing."""
        return bool(self.captions) and "://" in self.captions.url

    @property
    def poster_url(self):
        """The poster's JPEG rendition for the player's width (``poster`` takes one address)."""
        return self.poster.picture.jpeg_url(1280) if self.poster else ""

    @property
    def captions_label(self):
        from django.utils.translation import get_language_info

        try:
            return get_language_info(self.captions_language)["name_translated"]
        except KeyError:
            return _("Captions (%(language)s)") % {"language": self.captions_language}

    @property
    def content_type(self):
        return videos.KINDS.get(PurePath(self.file.name).suffix.lstrip(".").lower(), ("", ""))[1]

    @cached_property
    def card(self):
        """A player address shown as an embed card, or None (a file plays in the page, and an
        address from a provider we do not embed stays a link)."""
        if self.file or not (found := embeds.match(self.url)):
            return None
        return embeds.Card.for_video(self, found)

    def iso_duration(self):
        """The duration as ISO 8601 (``PT1M52S``), as schema.org wants it."""
        if self.duration is None:
            return ""
        minutes, seconds = divmod(round(self.duration.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return "PT" + "".join(
            f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
            if value
        ) if (hours or minutes or seconds) else "PT0S"

    def duration_display(self):
        """“1:52”, or “1:02:05” past an hour, as newsrooms print it."""
        if self.duration is None:
            return ""
        minutes, seconds = divmod(int(self.duration.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


class VersionedQuerySet(models.QuerySet):
    """Rows whose bulk writes move their pages' versions (``update`` is overridden below)."""

    def update_bookkeeping(self, **fields):
        """Write ``fields`` as they are, moving no version: for versioning's own records (a
        page's version and when it changed, the version an update carries) and for fields
        readers never see. Every other bulk write is ``update()``, which readers' versions
        follow."""
        return models.QuerySet.update(self, **fields)


class LivePageQuerySet(VersionedQuerySet):
    def public(self):
        """Pages readers may see: live now or ended (recaps). Drafts never."""
        return self.exclude(status=LivePage.Status.DRAFT)

    def cards(self):
        """Public pages, newest first, with what ``_page_card.html`` shows but the update count:
        ``with_update_counts`` adds it once the cards to show are chosen."""
        return (
            self.public()
            .select_related("series", "lead_photo", "lead_video__poster")
            .order_by("-coverage_start", "-pk")
        )

    def with_update_counts(self):
        """These cards as a list, each with ``update_count``, its published updates. A count is
        kept in the shared cache under the page's version, which every publish, withdrawal and
        edit moves, so a list of cards costs the same whether its pages hold ten updates or a
        hundred thousand; the cards not kept are counted together in one grouped query, after
        the cards to show were chosen (counting inside the query of cards, as before, read every
        published update of the pages shown, each time)."""
        pages = list(self)
        keys = {page.pk: f"liveblogs:update-count:{page.pk}:{page.version}" for page in pages}
        counts = cache.get_many(list(keys.values())) if keys else {}
        missing = [pk for pk, key in keys.items() if key not in counts]
        if missing:
            counted = dict(
                Update.objects.filter(live_page__in=missing, status=Update.Status.PUBLISHED)
                .order_by().values("live_page").annotate(count=Count("pk"))
                .values_list("live_page", "count")
            )
            new = {keys[pk]: counted.get(pk, 0) for pk in missing}
            cache.set_many(new, app_settings.FRAGMENT_CACHE_SECONDS)
            counts.update(new)
        for page in pages:
            page.update_count = counts[keys[page.pk]]
        return pages

    def bump_version(self, *also, updates_only=False):
        """Record a reader-visible change on every page here; ``also`` names fields (such as
        ``key_points_version``) that take the new version too. ``updates_only``: the change is
        to updates, whose search entries are written where they are stamped, so the pages' own
        entries need no look."""
        pages = list(self.values_list("pk", "slug"))
        if not pages:
            return 0
        slugs = [slug for _pk, slug in pages]
        new_version = F("version") + 1
        count = self.update_bookkeeping(
            version=new_version, changed_at=timezone.now(), **dict.fromkeys(also, new_version)
        )
        # Polling readers read the version from the shared cache. Drop it now, and again once the
        # change commits, in case a reader put the old version back in between.
        keys = [LivePage.state_cache_key(slug) for slug in slugs]

        def forget():
            cache.delete_many(keys)
            memo.states.forget(keys)  # this process's copy too

        forget()
        transaction.on_commit(forget, using=self.db)
        # Whatever readers now see on these pages, its photos are public before the change is,
        # and what they can find of the pages themselves is what they see (updates are indexed
        # where their own versions are stamped: ``Update.save``, ``stamp_versions``).
        Photo.objects.sync_public([pk for pk, _slug in pages])
        if not updates_only:
            search.index_pages([pk for pk, _slug in pages])
        return count

    def next_version(self, page_id, *also, updates_only=False):
        """Record a reader-visible change on one page and return its new version.

        The UPDATE locks the page's row until the transaction commits, so concurrent changes queue
        and every change gets its own version number.
        """
        with transaction.atomic(using=self.db):
            self.filter(pk=page_id).bump_version(*also, updates_only=updates_only)
            return self.filter(pk=page_id).values_list("version", flat=True).get()

    def update(self, **kwargs):
        with transaction.atomic(using=self.db):
            # The pages chosen now: after the update the filter may match others, or none.
            page_ids = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            if "version" not in kwargs:
                LivePage.objects.filter(pk__in=page_ids).bump_version()
        return count


class LivePage(models.Model):
    """One live page: a story told in updates as it happens, and afterwards its recap."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended (recap)")

    series = models.ForeignKey(
        Series, verbose_name=_("series"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="live_pages",
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    standfirst = models.TextField(
        _("standfirst"), blank=True, help_text=_("One or two sentences under the title.")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    coverage_start = models.DateTimeField(_("coverage starts"), default=timezone.now)
    coverage_end = models.DateTimeField(_("coverage ends"), null=True, blank=True)
    lead_photo = models.ForeignKey(
        Photo, verbose_name=_("lead photo"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_video = models.ForeignKey(
        Video, verbose_name=_("lead video"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    desk = models.ManyToManyField(
        Reporter,
        verbose_name=_("desk"),
        blank=True,
        related_name="live_pages",
        help_text=_("Reporters who may file to this page."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Times and day headings are shown in this zone, e.g. America/Toronto."),
    )
    language = models.CharField(
        _("language"),
        max_length=12,
        default=default_language,
        validators=[validate_language],
        help_text=_("Readers see the page, its dates and its feeds in this language."),
    )
    twin = models.OneToOneField(
        "self",
        verbose_name=_("translation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The same event's live page in another language, linked both ways."),
    )
    needs_approval = models.BooleanField(
        _("reporters' updates need approval"),
        default=True,
        help_text=_("If on, reporters without the publish permission send updates to editors."),
    )
    version = models.PositiveBigIntegerField(
        _("version"), default=0, editable=False,
        help_text=_("Rises with every change readers can see."),
    )
    changed_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    key_points_version = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )

    objects = LivePageQuerySet.as_manager()

    class Meta:
        ordering = ["-coverage_start"]
        verbose_name = _("live page")
        verbose_name_plural = _("live pages")
        indexes = [models.Index(fields=["status", "-coverage_start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(coverage_end__isnull=True) | Q(coverage_end__gte=F("coverage_start")),
                name="livepage_coverage_ends_after_start",
                violation_error_message=_("Coverage cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(lead_photo__isnull=True) | Q(lead_video__isnull=True),
                name="livepage_one_lead_media",
                violation_error_message=_("Choose a lead photo or a lead video, not both."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "live", "ended"]), name="livepage_status_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.twin_id is not None and self.twin_id == self.pk:
            raise ValidationError({"twin": _("A page cannot be its own translation.")})
        if self.twin_id is not None and self.twin.language == self.language:
            raise ValidationError({"twin": _(
                "“%(title)s” is in %(language)s too: its translation must be in another language."
            ) % {"title": self.twin.title, "language": self.twin.get_language_display()}})

    def validate_unique(self, exclude=None):
        # Choosing a page that is another page's translation takes it from that page
        # (``_unpair_old_twins``): not a clash.
        super().validate_unique(exclude={*(exclude or ()), "twin"})

    def save(self, *args, **kwargs):
        self._date_coverage_end(kwargs.get("update_fields"))
        with transaction.atomic():
            self._unpair_old_twins()
            if self._state.adding:
                super().save(*args, **kwargs)
                if self.status != self.Status.DRAFT:  # public from the start: its lead too
                    Photo.objects.sync_public([self.pk])
                search.index_pages([self.pk])
            else:
                if kwargs.get("update_fields") is None:
                    # Never write back a version read earlier: updates may have moved it since.
                    kwargs["update_fields"] = [
                        f.name for f in self._meta.concrete_fields
                        if not f.primary_key
                        and f.name not in {"version", "changed_at", "key_points_version"}
                    ]
                elif "status" in kwargs["update_fields"]:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "coverage_end"}
                super().save(*args, **kwargs)
                self.version = LivePage.objects.next_version(self.pk)
            self._pair_twin()
        self._loaded_status = self.status
        self._loaded_twin = self._twin_link()

    def get_absolute_url(self):
        return reverse("liveblogs:livepage", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")  # for _date_coverage_end
        instance._loaded_twin = instance._twin_link()  # for _pair_twin
        return instance

    def _twin_link(self):
        """What of this page its twin's readers see: the link to it, in its language, if public.
        Read from the fields loaded (None for a deferred one), so it never queries."""
        loaded = self.__dict__
        public = loaded["status"] != self.Status.DRAFT if "status" in loaded else None
        return (loaded.get("twin_id"), loaded.get("language"), loaded.get("slug"), public)

    def get_language_display(self):
        """The page's language, named in the active language ("French", "français")."""
        try:
            return get_language_info(self.language)["name_translated"]
        except KeyError:
            return self.language

    def _unpair_old_twins(self):
        """Translations are linked both ways, and this is the one place that keeps them so,
        whatever saves the page: before this page takes a new twin (or none), the old pairs it
        breaks are undone — its old twin's link to it, and the new twin's old link. Each page
        unlinked moves its version (``update``): its readers lose the link."""
        old_twin = getattr(self, "_loaded_twin", (None,))[0]
        if self.twin_id == old_twin:
            return
        involved = {pk for pk in (old_twin, self.twin_id) if pk is not None}
        pointing = involved | ({self.pk} if self.pk is not None else set())
        LivePage.objects.filter(Q(pk__in=involved) | Q(twin__in=pointing)).exclude(
            pk=self.pk
        ).exclude(twin=None).update(twin=None)

    def _pair_twin(self):
        """After a save: the twin links back to this page. A new twin, or a change of what the
        twin's link to this page shows (its language, address, or whether it is public), moves
        the twin's version."""
        old = getattr(self, "_loaded_twin", (None,))
        if self.twin_id is None:
            return
        if self.twin_id != old[0]:
            LivePage.objects.filter(pk=self.twin_id).update(twin=self)
        elif self._twin_link() != old:
            LivePage.objects.filter(pk=self.twin_id).bump_version()

    def _date_coverage_end(self, update_fields):
        """The one rule for when coverage ended, whatever ends or reopens the page (the change
        form's status menu, the list's action, ``end()``, the desk): an ended page without an
        end ends now; a page reopened after it ended has no end any more."""
        if update_fields is not None and "status" not in update_fields:
            return
        if self.status == self.Status.ENDED:
            if self.coverage_end is None:
                # Not before it started, which the database refuses.
                self.coverage_end = max(timezone.now(), self.coverage_start)
        elif getattr(self, "_loaded_status", None) == self.Status.ENDED:
            self.coverage_end = None

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using, fields, from_queryset)
        if fields is None or "status" in fields:
            self._loaded_status = self.status
        if fields is None or {"twin", "language", "slug", "status"} & set(fields):
            self._loaded_twin = self._twin_link()

    @staticmethod
    def state_cache_key(slug):
        return f"liveblogs:page-state:{slug}"

    @property
    def is_live(self):
        return self.status == self.Status.LIVE

    @property
    def is_recap(self):
        return self.status == self.Status.ENDED

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def open_callout(self):
        """The newest callout on this page that takes answers now, or None."""
        return self.callouts.accepting().first()

    def go_live(self):
        """Open the page to readers and start coverage now, unless a start was set."""
        self.status = self.Status.LIVE
        self.coverage_end = None
        if self.coverage_start is None or self.coverage_start > timezone.now():
            self.coverage_start = timezone.now()
        self.save()

    def end(self):
        """End coverage now: the page stays public as a recap and stops updating."""
        self.status = self.Status.ENDED
        self.coverage_end = None  # ``save`` dates it
        self.save()


class PageContentQuerySet(VersionedQuerySet):
    """Rows shown on a live page: bulk writes move their pages' versions."""

    def update(self, **kwargs):
        kwargs = clean_rich_text(self.model, kwargs)  # templates mark it safe, as a save's
        with transaction.atomic(using=self.db):
            page_ids = set(self.values_list("live_page_id", flat=True))
            count = super().update(**kwargs)
            LivePage.objects.filter(pk__in=page_ids).bump_version(*self.model.moved_fields())
        return count

    def delete(self):
        with transaction.atomic(using=self.db):
            page_ids = set(self.values_list("live_page_id", flat=True))
            result = super().delete()
            LivePage.objects.filter(pk__in=page_ids).bump_version(*self.model.moved_fields())
        return result


class PageContent(models.Model):
    """Something shown on a live page whose saving or deleting readers see."""

    # A LivePage field that records the version at which this kind of content last changed.
    version_field = None

    objects = PageContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            LivePage.objects.next_version(self.live_page_id, *self.moved_fields())

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            LivePage.objects.next_version(self.live_page_id, *self.moved_fields())
        return result

    @classmethod
    def moved_fields(cls):
        return [cls.version_field] if cls.version_field else []


class KeyPoint(PageContent):
    """One bullet of “The Latest”, kept current by editors."""

    live_page = models.ForeignKey(
        LivePage, verbose_name=_("live page"), on_delete=models.CASCADE, related_name="key_points"
    )
    version_field = "key_points_version"

    # One line of bold, italic and links (a link used to be a field of its own: it is part of the
    # words now, so a point can link a few of them, or an e-mail address).
    text = RichTextField(
        _("text"), rich_text=INLINE, validators=[MaxTextLengthValidator(300)],
        help_text=_("One line: bold, italic and links (web or e-mail addresses)."),
    )
    position = models.PositiveIntegerField(_("position"), default=0, db_index=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("key point")
        verbose_name_plural = _("The Latest (key points)")

    def __str__(self):
        return Truncator(plain_text(self.text)).chars(80)


class EmbedQuerySet(models.QuerySet):
    def for_body(self, body):
        """The embeds of a clean ``body``, in order, made where new (not resolved: no network)."""
        rows = []
        for url in embeds.canonical_urls(body):
            found = embeds.match(url)
            embed, _created = self.get_or_create(url=url, defaults={"provider": found.provider.slug})
            rows.append(embed)
        return rows

    def pending(self):
        """Never tried yet: resolved as soon as the update that brought them is saved."""
        return self.filter(resolved_at__isnull=True, error="")

    def failed(self):
        return self.filter(resolved_at__isnull=True).exclude(error="")


class Embed(models.Model):
    """A post, video, chart or map from another site, shown in updates (see ``embeds.py``).

    One row per canonical address, resolved once (``resolve``) after the update that brought it
    is saved; readers see what is stored here and nothing is fetched while they wait.
    """

    provider = models.CharField(_("provider"), max_length=40)
    url = models.URLField(_("address"), max_length=2048, unique=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    provider_id = models.CharField(
        _("provider's id"), max_length=200, blank=True,
        help_text=_("What the provider's frame needs besides the address (an account's id)."),
    )
    thumbnail = models.FileField(
        _("thumbnail"), upload_to=embed_thumbnail_upload_to, blank=True, editable=False
    )
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_alt = models.CharField(
        _("thumbnail alt text"), max_length=300, blank=True,
        help_text=_("What the thumbnail shows, for readers who cannot see it."),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, editable=False)
    tried_at = models.DateTimeField(_("last tried at"), null=True, blank=True, editable=False)
    error = models.TextField(_("problem"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EmbedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("embed")
        verbose_name_plural = _("embeds")

    def __str__(self):
        return self.title or self.url

    def save(self, *args, **kwargs):
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if not adding:
                # What readers see of every update showing it changed (a title, a frame).
                Update.objects.filter(embeds=self).touch()

    @cached_property
    def match(self):
        return embeds.match(self.url)

    @property
    def card(self):
        return embeds.Card.for_embed(self)

    def resolve(self):
        """Fill this embed from its address or its provider's answer (network: never call it
        while a reader waits). On failure the problem is kept in ``error`` for the desk and for
        ``manage.py resolve_embeds``; returns whether it worked."""
        self.tried_at = timezone.now()
        found = self.match
        try:
            if found is None:
                raise embeds.EmbedError(_("This address is not from a provider the site embeds."))
            resolved = embeds.resolve(found)
            thumbnail = None
            if resolved.thumbnail_url:
                try:
                    thumbnail = embeds.fetch_thumbnail(resolved.thumbnail_url)
                except embeds.EmbedError:
                    thumbnail = None  # the card does without a picture
        except embeds.EmbedError as error:
            self.error = str(error)
            self.save(update_fields=["tried_at", "error"])
            return False
        self.title = self.title or resolved.title
        self.author_name = self.author_name or resolved.author_name
        self.provider_id = resolved.provider_id
        if thumbnail:
            data, self.thumbnail_width, self.thumbnail_height = thumbnail
            self.thumbnail.save("thumbnail.jpg", ContentFile(data), save=False)
            if not self.thumbnail_alt:
                self.thumbnail_alt = _("Picture from %(provider)s") % {"provider": found.provider.name}
        self.resolved_at, self.error = timezone.now(), ""
        self.save()
        return True


def resolve_embeds(pks):
    """Resolve the embeds among ``pks`` never tried yet; called once an update is saved. Those
    that fail are tried again in the background, later and later (``tasks.resolve_embed``)."""
    from . import tasks  # tasks.py imports the models

    for embed in Embed.objects.filter(pk__in=pks).pending():
        if not embed.resolve():
            tasks.retry_later(tasks.resolve_embed, 1, embed.pk)


class UpdateQuerySet(VersionedQuerySet):
    SHOWN = ("published", "withdrawn")

    def visible(self):
        """Updates readers see: published, on a page that is public."""
        return self.filter(status=Update.Status.PUBLISHED).exclude(
            live_page__status=LivePage.Status.DRAFT
        )

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def scheduled(self):
        """Updates waiting for their "publish at" time, soonest first."""
        return self.filter(publish_at__isnull=False).order_by("publish_at", "pk")

    def due(self, now=None):
        """Scheduled updates whose time has come (``now``, or the clock's)."""
        return self.scheduled().filter(publish_at__lte=now or timezone.now())

    def for_readers(self):
        """Published updates with everything ``_update.html`` shows, in a fixed number of
        queries: permalinks and feeds start here."""
        return self.for_stream().prefetch_related(*self.reader_prefetches())

    def for_stream(self):
        """Published updates as the live page and ``changes.json`` fetch them: bylines and photos
        are fetched later, only for updates whose HTML is not kept yet (``fragments.with_html``)."""
        return self.visible().with_stream_related()

    def with_stream_related(self):
        """What an update's readers' HTML reads besides bylines, photos and embeds."""
        return self.select_related("video__poster", "callout")

    @staticmethod
    def reader_prefetches():
        return [
            models.Prefetch("bylines", queryset=UpdateAuthor.objects.select_related("reporter")),
            models.Prefetch("update_photos", queryset=UpdatePhoto.objects.select_related("photo")),
            "embeds",
        ]

    def stream_batch(self, before=None):
        """One batch of a live page's stream from these updates: the pinned update (it leads the
        first batch and is left out of the stream below it), the next updates newest first, and
        the cursor for older ones (None at the end)."""
        pinned = [] if before else list(self.filter(pinned=True))
        batch = list(
            self.filter(pinned=False).newest_first().older_than(before)[: app_settings.PAGE_SIZE + 1]
        )
        shown = batch[: app_settings.PAGE_SIZE]
        return pinned, shown, shown[-1].cursor if len(batch) > app_settings.PAGE_SIZE else None

    def older_than(self, cursor):
        """Updates after ``cursor`` in newest-first order: keyset paging, so no OFFSET scans.

        A cursor that does not parse is ignored: readers get the newest updates, not an error.
        """
        try:
            micros, pk = (int(part) for part in cursor.split("-"))
            published_at = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
        except (AttributeError, ValueError, OverflowError, OSError):
            return self
        return self.filter(
            Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lt=pk)
        )

    def touch(self):
        """Record a reader-visible change to each published or withdrawn update here.

        Drafts and submitted updates are left alone: readers never learn they exist.
        """
        self.filter(status__in=self.SHOWN).stamp_versions()

    def stamp_versions(self):
        """Move each page's version once and stamp these updates with it."""
        # In page order, so concurrent changes lock page rows in the same order (no deadlock).
        # One transaction: the search entries are written with the versions, in one commit.
        with transaction.atomic(using=self.db):
            for page_id in sorted(set(self.values_list("live_page_id", flat=True))):
                version = LivePage.objects.next_version(page_id, updates_only=True)
                self.filter(live_page_id=page_id).update_bookkeeping(page_version=version)
            search.index_updates(self.order_by())

    def update(self, **kwargs):
        """Bulk edits are edits readers see: each page's version rises and its rows carry it.

        Like a save, a bulk edit moves each row's ``revision`` (so forms opened before it become
        stale) and keeps a revision of each row, saved by nobody: a queryset knows no user.
        """
        kwargs.setdefault("revision", F("revision") + 1)
        kwargs.setdefault("edited_at", timezone.now())  # the desk polls for what was edited
        if isinstance(kwargs.get("body"), str):
            # Templates mark the stored body safe: it is cleaned on every way in.
            kwargs["body"] = clean_html(kwargs["body"])
        with transaction.atomic(using=self.db):
            before = list(self.values_list("pk", "status"))
            count = super().update(**kwargs)
            pks = [pk for pk, _ in before]
            was_shown = [pk for pk, status in before if status in self.SHOWN]
            Update.objects.filter(pk__in=pks).filter(
                Q(status__in=self.SHOWN) | Q(pk__in=was_shown)
            ).stamp_versions()
            UpdateRevision.objects.bulk_create(
                update.revision_snapshot(by=None)
                for update in Update.objects.filter(pk__in=pks).with_bylines_and_photos()
            )
        return count

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for update in objs:
            update.body = clean_html(update.body)
        created = super().bulk_create(objs, *args, **kwargs)
        search.index_updates(
            [u for u in created if u.pk and u.status == Update.Status.PUBLISHED], new=True
        )
        return created

    def with_bylines_and_photos(self):
        """Prefetch what a revision keeps of each update: bylines and photos, in order."""
        return self.prefetch_related(
            models.Prefetch("bylines", queryset=UpdateAuthor.objects.select_related("reporter")),
            models.Prefetch("update_photos", queryset=UpdatePhoto.objects.select_related("photo")),
        )

    def delete(self):
        with transaction.atomic(using=self.db):
            page_ids = set(self.filter(status__in=self.SHOWN).values_list("live_page_id", flat=True))
            result = super().delete()
            LivePage.objects.filter(pk__in=page_ids).bump_version(updates_only=True)
        return result


class Update(models.Model):
    """One entry on a live page. Withdrawing hides it from readers; the row and history stay."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    live_page = models.ForeignKey(
        LivePage, verbose_name=_("live page"), on_delete=models.CASCADE, related_name="updates"
    )
    headline = models.CharField(_("headline"), max_length=200)
    body = RichTextField(
        _("body"), blank=True, rich_text=BODY,
        help_text=_("Paragraphs, bold, italic, links, lists, quotes and subheadings."),
    )
    authors = models.ManyToManyField(
        Reporter, verbose_name=_("authors"), through="UpdateAuthor", related_name="updates",
        blank=True,
    )
    photos = models.ManyToManyField(
        Photo, verbose_name=_("photos"), through="UpdatePhoto", related_name="updates", blank=True
    )
    video = models.ForeignKey(
        Video, verbose_name=_("video"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="updates",
    )
    # Kept from the body on every save: an address alone in its paragraph (``embeds.py``).
    embeds = models.ManyToManyField(
        Embed, verbose_name=_("embeds"), related_name="updates", blank=True, editable=False
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("published at"), null=True, blank=True, db_index=True,
        help_text=_("Shown to readers. Set when first published; may be changed."),
    )
    # A scheduled update stays a draft or a submitted update, so every public queryset (which
    # asks for published ones) keeps it out with no rule of its own; at its time the task worker
    # (or ``manage.py publish_due``) runs the ordinary publish verb (``workflow.publish_due``).
    publish_at = models.DateTimeField(
        _("publish at"), null=True, blank=True,
        help_text=_("Leave empty to publish by hand. The update stays out of readers' sight until "
                    "then."),
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    pinned = models.BooleanField(_("pinned"), default=False, help_text=_("Shown first on the page."))
    key_event = models.BooleanField(_("key event"), default=False)
    correction_note = models.TextField(
        _("correction note"), blank=True, help_text=_("Shown to readers with the update.")
    )
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    editor_note = models.TextField(
        _("note from the editors"), blank=True,
        help_text=_("Why an editor sent it back: its reporter sees this in “My updates”."),
    )
    revised_at = models.DateTimeField(
        _("edited at (shown to readers)"), null=True, blank=True, editable=False,
        help_text=_("When readers last saw it change; minor edits leave it alone."),
    )
    callout = models.ForeignKey(
        "Callout", verbose_name=_("callout"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="updates", help_text=_("A question to readers shown inside this update."),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    edited_at = models.DateTimeField(_("last edited at"), auto_now=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last edited by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    page_version = models.PositiveBigIntegerField(
        _("page version"), default=0, editable=False,
        help_text=_("The live page's version at this update's last visible change."),
    )
    # Edit forms carry the revision they loaded, so a stale save is refused, not applied.
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    # The filing form's one-time key: a double tap or a retried POST finds the update it made.
    filing_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-published_at", "-pk"]
        verbose_name = _("update")
        verbose_name_plural = _("updates")
        permissions = [("publish_update", _("Can publish updates"))]
        indexes = [
            models.Index(fields=["live_page", "status", "-published_at"]),
            models.Index(fields=["live_page", "page_version"]),
            models.Index(
                fields=["live_page", "-published_at"],
                condition=Q(key_event=True, status="published"),
                name="update_key_events",
            ),
            # What the worker and ``publish_due`` look for: only scheduled rows are indexed.
            models.Index(
                fields=["publish_at"], condition=Q(publish_at__isnull=False),
                name="update_scheduled",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="update_published_has_time",
                violation_error_message=_("A published update needs a published time."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "published", "withdrawn"]),
                name="update_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True) | Q(status__in=["draft", "submitted"]),
                name="update_scheduled_not_yet_out",
                violation_error_message=_("Only an update not yet published can be scheduled."),
            ),
            models.UniqueConstraint(
                fields=["live_page"],
                condition=Q(pinned=True),
                name="update_one_pinned_per_page",
                violation_error_message=_("Only one update can be pinned on a live page."),
            ),
        ]

    def __str__(self):
        return self.headline

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def save(self, *args, **kwargs):
        self.body = clean_html(self.body)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        if self.status in UpdateQuerySet.SHOWN and self.publish_at is not None:
            # Out by another way (a form's status, an import): the schedule has done its job.
            self.publish_at = self.scheduled_by = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "publish_at", "scheduled_by"}
        adding = self._state.adding
        loaded_revision = self.revision
        # Every save makes forms opened before it stale. Counted in the database, not from the
        # value this instance loaded, so two saves from old instances still count twice.
        self.revision = (self.revision or 0) + 1 if adding else F("revision") + 1
        try:
            self._save_counted(adding, *args, **kwargs)
        except BaseException:
            self.revision = loaded_revision
            raise
        self._loaded_status = self.status

    def _save_counted(self, adding, *args, **kwargs):
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "revision", "edited_at"}
        with transaction.atomic():
            shown = UpdateQuerySet.SHOWN
            if self.status in shown or getattr(self, "_loaded_status", None) in shown:
                self.page_version = LivePage.objects.next_version(self.live_page_id, updates_only=True)
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "page_version"}
            super().save(*args, **kwargs)
            before = getattr(self, "_loaded_status", None)
            if self.status in shown or before in shown:
                search.index_updates([self], new=adding)
            if Update.Status.PUBLISHED in (before, self.status) and before != self.status:
                # The version moved before the row was written (it carries the version), so the
                # photos readers now see, or no longer see, are synced here: this update's.
                Photo.objects.sync_public_for(self)
            if self.status == self.Status.PUBLISHED and before != self.Status.PUBLISHED:
                workflow.went_public(self)
            if kwargs.get("update_fields") is None or "body" in kwargs["update_fields"]:
                self.link_embeds(adding)
            if not adding:
                self.revision = (
                    Update.objects.using(self._state.db)
                    .filter(pk=self.pk).values_list("revision", flat=True).get()
                )

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            if getattr(self, "_loaded_status", None) in UpdateQuerySet.SHOWN:
                LivePage.objects.next_version(self.live_page_id, updates_only=True)
        return result

    def link_embeds(self, adding=False):
        """Keep ``embeds`` to the body's, and resolve new ones once the save commits (a provider
        may take seconds to answer: no row of a live page stays locked meanwhile)."""
        found = Embed.objects.for_body(self.body)
        if not found and adding:
            return
        self.embeds.set(found)
        if pending := [embed.pk for embed in found if embed.resolved_at is None and not embed.error]:
            transaction.on_commit(lambda: resolve_embeds(pending))

    @property
    def shows_embeds(self):
        """Whether the body has an embed's paragraph: only then are its embeds read, so most
        updates cost no query for them."""
        return "http" in self.body and next(embeds.paragraphs(self.body), None) is not None

    def embed_problems(self):
        """What the desk is told of this update's embeds that could not be resolved."""
        return [
            _("“%(address)s” is shown to readers as a plain link for now: %(problem)s It will be "
              "tried again (manage.py resolve_embeds).") % {"address": embed.url, "problem": embed.error}
            for embed in self.embeds.all() if embed.error and not embed.resolved_at
        ]

    def get_absolute_url(self):
        return reverse(
            "liveblogs:update", kwargs={"slug": self.live_page.slug, "pk": self.pk}
        )

    @property
    def edited_by_name(self):
        """Who saved this update last, as colleagues know them (for conflict messages)."""
        who = self.edited_by
        return (who.get_full_name() or who.get_username()) if who else _("someone")

    @property
    def cursor(self):
        """Where “Show older updates” continues after this one (see ``older_than``)."""
        micros = round(self.published_at.timestamp() * 1_000_000)
        return f"{micros}-{self.pk}"

    def check_publishable(self):
        workflow.check_publishable(self.photos.all())

    @property
    def is_late(self):
        """Scheduled, and its time has passed: the worker is away, or it may not go out."""
        return self.publish_at is not None and self.publish_at <= timezone.now()

    # The verbs, in workflow.py.

    def lock(self):
        return workflow.lock(self)

    def save_edit(self, *, by, expected_revision=None, minor=False, authors=None, photos=None):
        return workflow.save_edit(
            self, by=by, expected_revision=expected_revision, minor=minor, authors=authors,
            photos=photos,
        )

    def publish(self, *, by):
        return workflow.publish(self, by=by)

    def withdraw(self, *, by, reason=""):
        return workflow.withdraw(self, by=by, reason=reason)

    def schedule(self, at, *, by):
        return workflow.schedule(self, at, by=by)

    def cancel_schedule(self, *, by):
        return workflow.cancel_schedule(self, by=by)

    def send_back(self, *, by, note):
        return workflow.send_back(self, by=by, note=note)

    def pin(self, *, by):
        return workflow.pin(self, by=by)

    def set_flag(self, name, value, *, by):
        return workflow.set_flag(self, name, value, by=by)

    def record_revision(self, *, by):
        return workflow.record_revision(self, by=by)

    def revision_snapshot(self, *, by):
        """An unsaved ``UpdateRevision`` of the update as it stands, bylines and photos in order."""
        return UpdateRevision(
            update=self,
            headline=self.headline,
            body=self.body,
            status=self.status,
            authors=[{"id": b.reporter_id, "name": b.reporter.name} for b in self.bylines.all()],
            photos=[{"id": p.photo_id, "caption": p.photo.caption} for p in self.update_photos.all()],
            created_by=by,
            page_version=self.page_version,
        )


class UpdateAuthor(models.Model):
    """A byline on an update, in order."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="bylines")
    reporter = models.ForeignKey(Reporter, verbose_name=_("reporter"), on_delete=models.PROTECT)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.UniqueConstraint(fields=["update", "reporter"], name="update_author_once")
        ]

    def __str__(self):
        return str(self.reporter)


class UpdatePhoto(models.Model):
    """A photo in an update, in order."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="update_photos")
    photo = models.ForeignKey(Photo, verbose_name=_("photo"), on_delete=models.PROTECT)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.UniqueConstraint(fields=["update", "photo"], name="update_photo_once")
        ]

    def __str__(self):
        return str(self.photo)


class UpdateRevision(models.Model):
    """An update as it stood after one save, and who saved it."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="revisions")
    headline = models.CharField(_("headline"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Update.Status)
    authors = models.JSONField(_("authors"), default=list)
    photos = models.JSONField(_("photos"), default=list)
    page_version = models.PositiveBigIntegerField(_("page version"), default=0)
    note = models.TextField(
        _("note"), blank=True, help_text=_("Why: a withdrawal's reason, a note sent back."),
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("saved by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")

    def __str__(self):
        return f"{self.headline} ({self.created_at:%Y-%m-%d %H:%M})"


class CalloutQuerySet(PageContentQuerySet):
    def accepting(self):
        """Callouts taking answers now: open, and before their deadline if they have one."""
        return self.filter(is_open=True).filter(
            Q(deadline__isnull=True) | Q(deadline__gt=timezone.now())
        )

    def delete(self):
        with transaction.atomic(using=self.db):
            # Deleting empties the updates' callout with a bulk SET_NULL, which moves no version:
            # stamp the updates showing these callouts so polling readers lose the box too.
            Update.objects.filter(callout__in=self).touch()
            return super().delete()


class Callout(PageContent):
    """A question the desk puts to readers on a live page."""

    live_page = models.ForeignKey(
        LivePage, verbose_name=_("live page"), on_delete=models.CASCADE, related_name="callouts"
    )
    prompt = models.CharField(
        _("prompt"), max_length=200, help_text=_("E.g. “How is the strike affecting your commute?”")
    )
    description = RichTextField(_("description"), blank=True, rich_text=BODY)
    is_open = models.BooleanField(_("open"), default=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    ask_location = models.BooleanField(_("ask for location"), default=False)
    ask_phone = models.BooleanField(_("ask for a phone number for a call-back"), default=False)
    ask_photo = models.BooleanField(_("ask for a photo"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CalloutQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("callout")
        verbose_name_plural = _("callouts")

    def __str__(self):
        return self.prompt

    def save(self, *args, **kwargs):
        with transaction.atomic():
            super().save(*args, **kwargs)
            # Updates that show this callout show its new words or state: readers who poll
            # get them again.
            Update.objects.filter(callout=self).touch()

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            # As for a bulk delete: SET_NULL on the updates moves no version by itself.
            Update.objects.filter(callout=self).touch()
            return super().delete(*args, **kwargs)

    def get_absolute_url(self):
        """The ask form for this callout."""
        return reverse("liveblogs:ask", kwargs={"slug": self.live_page.slug}) + f"?callout={self.pk}"

    @property
    def is_accepting(self):
        return self.is_open and (self.deadline is None or self.deadline > timezone.now())


class ReaderSubmission(models.Model):
    """A reader's question or story. Private: only what the reader agreed to is ever published."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        ANSWERED = "answered", _("Answered")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    live_page = models.ForeignKey(
        LivePage, verbose_name=_("live page"), on_delete=models.CASCADE, related_name="submissions"
    )
    callout = models.ForeignKey(
        Callout, verbose_name=_("callout"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="submissions",
    )
    body = models.TextField(_("question or story"), max_length=5000)
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"))
    location = models.CharField(_("location"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    photo = models.ForeignKey(
        Photo, verbose_name=_("photo"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_publish = models.BooleanField(_("may publish name and location"), default=False)
    consent_contact = models.BooleanField(_("may contact"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.NEW)
    editor_notes = models.TextField(_("editor notes"), blank=True)
    answered_in = models.ForeignKey(
        Update, verbose_name=_("answered in"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="answers",
    )
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reader submission")
        verbose_name_plural = _("reader submissions")
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        # No name: the admin keeps this in its history (LogEntry.object_repr) for good.
        return _("Submission #%(pk)s: %(words)s") % {
            "pk": self.pk, "words": Truncator(self.body).words(8),
        }

    @property
    def may_contact(self):
        """Whether the desk may reach this reader; their e-mail and phone go nowhere otherwise."""
        return self.consent_contact and bool(self.email or self.phone)

    def public_name(self):
        """The reader as readers may see them: name and location only with consent."""
        name, location = self.name.strip(), self.location.strip()
        if not (self.consent_publish and name):
            return _("A reader")
        if location:
            return _("%(name)s in %(location)s") % {"name": name, "location": location}
        return name


class SearchEntry(models.Model):
    """What readers can find of a page or of a published update, as plain text: the archive's
    search reads these rows, never the pages and updates themselves.

    Kept in step where versions move (``search.py``); the database indexes them: a generated,
    GIN-indexed ``tsvector`` on PostgreSQL, an FTS5 table on SQLite (migration 0014).
    """

    live_page = models.ForeignKey(LivePage, on_delete=models.CASCADE, related_name="+")
    # Empty for the page's own entry (title, standfirst, The Latest, series, lead photo).
    update = models.OneToOneField(
        Update, null=True, blank=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    title = models.TextField()  # the page's title or the update's headline: it weighs most
    text = models.TextField()
    # For recency: the update's published time, or when the page's coverage started.
    published_at = models.DateTimeField()
    # Picks the stemming (see ``search.CONFIGS``).
    language = models.CharField(max_length=12)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(
                fields=["live_page"], condition=Q(update__isnull=True), name="search_entry_one_per_page"
            )
        ]

    def __str__(self):
        return self.title
