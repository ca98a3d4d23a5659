"""Portable recaps: one live page as a self-contained archive, restored on another installation.

The archive is a zip file: ``livepage.json`` (the page, its series, key points, callouts, updates
with bylines, photos and video, and the reporters named) and ``media/`` (each photo's stored
original and any uploaded video). Renditions are not carried: the importing site makes its own
with its own settings, as for any new photo.

What readers never saw stays behind: draft and submitted updates only with ``drafts=True``;
reader submissions, which hold readers' personal data, only with ``submissions=True``. Logins
(who created, edited or published what) belong to one installation and are never exported.

Import maps series and reporters by slug (an existing one is kept as it is), makes new photos and
videos, and refuses a page slug that exists unless told to replace that page. The page continues
from the version it had (or the replaced page's, if higher) and every row is validated and saved
the way the admin saves it, so versions stay the page's own and only rise, and cached page state
is dropped.

An archive comes from elsewhere, so nothing in it is trusted. Before anything is read, its sizes
are checked in the zip's central directory (``check_entries``, ``Importer.check_sizes``); files
are then unpacked in chunks, never past their limit (``unpack``). The manifest's shape is checked
in one place (``check_shape``). A refusal is one sentence (``ArchiveError``), and all or nothing:
the database rolls back, and the files stored so far are deleted (``files_removed_on_failure``).
"""

import io
import json
import logging
import lzma
import os
import tempfile
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import File
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone

from .conf import settings
from .models import (
    Callout,
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
from .sanitize import html_from_text, inline_from_text

logger = logging.getLogger(__name__)

FORMAT = "django-liveblogs.livepage"
# 2: key points and callout descriptions are HTML (rich text); a key point's link is in its text.
FORMAT_VERSION = 2
MANIFEST = "livepage.json"

PAGE_FIELDS = ["slug", "title", "standfirst", "status", "coverage_start", "coverage_end",
               "time_zone", "needs_approval", "version", "changed_at"]
UPDATE_FIELDS = ["headline", "body", "status", "published_at", "pinned", "key_event",
                 "correction_note", "corrected_at", "revised_at", "page_version"]
CALLOUT_FIELDS = ["prompt", "description", "is_open", "deadline", "ask_location", "ask_phone",
                  "ask_photo"]
SUBMISSION_FIELDS = ["body", "name", "email", "location", "phone", "consent_publish",
                     "consent_contact", "status", "editor_notes", "created_at"]
REPORTER_FIELDS = ["slug", "name", "role", "bio", "is_active"]
KEY_POINT_FIELDS = ["text", "position"]
# A format 1 key point's link, as the admin took it, of the schemes readers' links keep.
validate_link = URLValidator(schemes=["http", "https"])
VIDEO_FIELDS = ["title", "description", "url"]
PHOTO_FIELDS = ["caption", "credit", "alt_text"]


class ArchiveError(Exception):
    """The archive cannot be written or imported; the message says why."""


def saved(instance, row):
    """``instance``, validated as the admin validates it, then saved; ``row`` names it in the
    refusal. Saving checks too (a photo is decoded as it is stored)."""
    try:
        instance.full_clean()
        instance.save()
    except ValidationError as error:
        raise ArchiveError(f"The archive's {row} is refused: {plain(error)}") from None
    except OverflowError as error:
        # What full_clean lets through but no database holds: a time in the year 9999 east of
        # UTC is in the year 10000 once stored in UTC.
        raise ArchiveError(f"The archive's {row} is refused: a value is out of range ({error}).") \
            from None
    return instance


def plain(error):
    """A ``ValidationError``'s messages as sentences, each naming the field it is about."""
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )


def dump(instance, fields):
    data = {}
    for name in fields:
        value = getattr(instance, name, None)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def load(data, fields):
    # Times stay ISO 8601 text: full_clean reads them, and refuses one that is not a time.
    return {name: data[name] for name in fields if name in data}


# Export -------------------------------------------------------------------------------------------


class Exporter:
    def __init__(self, page, *, drafts=False, submissions=False):
        self.page = page
        self.drafts = drafts
        self.submissions = submissions
        self.photos = {}  # archive key -> Photo
        self.videos = {}
        self.reporters = {}

    def photo(self, photo):
        if photo is None:
            return None
        key = f"photo-{photo.pk}"
        self.photos[key] = photo
        return key

    def video(self, video):
        if video is None:
            return None
        key = f"video-{video.pk}"
        if key not in self.videos:
            self.videos[key] = video
            self.photo(video.poster)
        return key

    def reporter(self, reporter):
        if reporter.slug not in self.reporters:
            self.reporters[reporter.slug] = reporter
            self.photo(reporter.headshot)
        return reporter.slug

    def updates(self):
        shown = [Update.Status.PUBLISHED, Update.Status.WITHDRAWN]
        if self.drafts:
            shown += [Update.Status.DRAFT, Update.Status.SUBMITTED]
        return (
            self.page.updates.filter(status__in=shown)
            .select_related("video__poster", "callout")
            .prefetch_related("bylines__reporter__headshot", "update_photos__photo")
            .order_by("published_at", "pk")
        )

    def manifest(self):
        page = self.page
        callouts = list(page.callouts.order_by("created_at", "pk"))
        callout_keys = {c.pk: f"callout-{c.pk}" for c in callouts}
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "exported_at": timezone.now().isoformat(),
            "page": {
                **dump(page, PAGE_FIELDS),
                "series": page.series.slug if page.series else None,
                "lead_photo": self.photo(page.lead_photo),
                "lead_video": self.video(page.lead_video),
                "desk": [self.reporter(r) for r in page.desk.order_by("slug")],
            },
            "series": (
                {"slug": page.series.slug, "name": page.series.name,
                 "description": page.series.description}
                if page.series else None
            ),
            "key_points": [dump(p, KEY_POINT_FIELDS) for p in page.key_points.all()],
            "callouts": [
                {"key": callout_keys[c.pk], **dump(c, CALLOUT_FIELDS)} for c in callouts
            ],
            "updates": [],
        }
        update_keys = {}
        for update in self.updates():
            update_keys[update.pk] = f"update-{update.pk}"
            data["updates"].append({
                "key": update_keys[update.pk],
                **dump(update, UPDATE_FIELDS),
                "authors": [self.reporter(b.reporter) for b in update.bylines.all()],
                "photos": [self.photo(row.photo) for row in update.update_photos.all()],
                "video": self.video(update.video),
                "callout": callout_keys.get(update.callout_id),
            })
        if self.submissions:
            data["submissions"] = [
                {
                    **dump(s, SUBMISSION_FIELDS),
                    "callout": callout_keys.get(s.callout_id),
                    "photo": self.photo(s.photo),
                    "answered_in": update_keys.get(s.answered_in_id),
                }
                for s in page.submissions.select_related("photo").order_by("created_at", "pk")
            ]
        data["reporters"] = [
            {**dump(r, REPORTER_FIELDS), "headshot": self.photo(r.headshot)}
            for r in self.reporters.values()
        ]
        data["videos"] = {
            key: {
                "title": v.title,
                "description": v.description,
                "duration": v.duration.total_seconds() if v.duration is not None else None,
                "poster": self.photo(v.poster),
                "url": v.url,
                "file": f"media/{key}{PurePosixPath(v.file.name).suffix}" if v.file else None,
            }
            for key, v in self.videos.items()
        }
        data["photos"] = {
            key: {
                "file": f"media/{key}{PurePosixPath(p.image.name).suffix}",
                "caption": p.caption,
                "credit": p.credit,
                "alt_text": p.alt_text,
            }
            for key, p in self.photos.items()
        }
        return data

    def write(self, file):
        data = self.manifest()
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(data, indent=1, ensure_ascii=False))
            for key, photo in self.photos.items():
                copy_file(archive, photo.image, data["photos"][key]["file"])
            for key, video in self.videos.items():
                if video.file:
                    copy_file(archive, video.file, data["videos"][key]["file"])
        return data


def copy_file(archive, field_file, name):
    try:
        source = field_file.open("rb")
    except OSError as error:
        raise ArchiveError(
            f"The stored file {field_file.name} cannot be read ({error.strerror or error}); "
            f"restore it, or remove it from the page, and export again."
        ) from None
    # Photos and videos are compressed already: stored as they are.
    with source, archive.open(
        zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6]), "w"
    ) as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)


def export_livepage(page, file, *, drafts=False, submissions=False):
    """Write ``page`` to ``file`` (a path or a binary file) as a zip archive; return the manifest.

    Draft and submitted updates only with ``drafts``; reader submissions only with
    ``submissions``.
    """
    return Exporter(page, drafts=drafts, submissions=submissions).write(file)


# Import -------------------------------------------------------------------------------------------

MB = 1024 * 1024
# An archive's sizes are checked in its central directory before anything in it is read (a zip
# of 2 MB can hold 2 GB of zeros). A large recap's manifest is a few MB.
MAX_MANIFEST_BYTES = 50 * MB
MAX_ENTRIES = 10_000
MAX_TOTAL_BYTES = 20 * 1024 * MB
# Photos and videos are compressed already, and JSON shrinks perhaps tenfold: a file that grows a
# hundredfold is a bomb. One of a megabyte or less does no harm whatever it unpacks from.
MAX_RATIO = 100
RATIO_FLOOR = MB
# Unpacked files larger than this go to a temporary file on disk rather than memory.
SPOOL_BYTES = 8 * MB
# Longer would overflow a database's interval; no video runs for a year.
MAX_VIDEO_DURATION = timedelta(days=365)

# What zipfile raises for an archive that is damaged, encrypted or packed in a way it cannot read.
DAMAGED = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError,
           RuntimeError, NotImplementedError)


@dataclass(frozen=True)
class Rows:
    """An object of rows named by their keys (the manifest's ``photos`` and ``videos``)."""

    row: dict


def field_types(model, names):
    """The JSON type of each of ``model``'s fields ``names`` (times are ISO 8601 text)."""
    types = {}
    for name in names:
        field = model._meta.get_field(name)
        if isinstance(field, models.BooleanField):
            kind = bool
        elif isinstance(field, models.IntegerField):
            kind = int
        else:
            kind = str
        types[name] = (kind, None) if field.null else kind
    return types


KEY = (str, None)  # the key of another row of the manifest, or none
# The manifest as the importer reads it: checked before anything is imported, so that a value of
# another type is refused in a sentence naming it rather than failing somewhere in the import.
SHAPE = {
    "page": {**field_types(LivePage, PAGE_FIELDS), "series": KEY, "lead_photo": KEY,
             "lead_video": KEY, "desk": [str]},
    "series": (field_types(Series, ["slug", "name", "description"]), None),
    # Format 1's key points also had a link.
    "key_points": [{**field_types(KeyPoint, KEY_POINT_FIELDS), "link": str}],
    "callouts": [{"key": str, **field_types(Callout, CALLOUT_FIELDS)}],
    "updates": [{"key": str, **field_types(Update, UPDATE_FIELDS), "authors": [str],
                 "photos": [str], "video": KEY, "callout": KEY}],
    "submissions": [{**field_types(ReaderSubmission, SUBMISSION_FIELDS), "callout": KEY,
                     "photo": KEY, "answered_in": KEY, "answered_by": KEY}],
    "reporters": [{**field_types(Reporter, REPORTER_FIELDS), "headshot": KEY}],
    "videos": Rows({**field_types(Video, VIDEO_FIELDS), "duration": (int, float, None),
                    "poster": KEY, "file": (str, None)}),
    "photos": Rows({"file": str, **field_types(Photo, PHOTO_FIELDS)}),
}
# Names read without a default; any other may be left out.
REQUIRED = {"page", "slug", "key"}
TYPE_NAMES = {str: "text", bool: "true or false", int: "a whole number", float: "a number",
              list: "a list", dict: "an object"}


def check_shape(value, shape, where=""):
    """Refuse ``value`` unless it has ``shape``, naming the first value that differs.

    A shape is a type, or a tuple of types (``None`` allows null too); ``[shape]`` is a list of
    them; ``{name: shape}`` an object whose names are optional but for ``REQUIRED``;
    ``Rows(shape)`` an object of rows named by their keys.
    """
    if isinstance(shape, tuple) and None in shape:
        if value is None:
            return
        shape = tuple(kind for kind in shape if kind is not None)
        shape = shape[0] if len(shape) == 1 else shape
    if isinstance(shape, list):
        expect(value, list, where)
        for number, item in enumerate(value):
            check_shape(item, shape[0], f"{where}[{number}]")
    elif isinstance(shape, Rows):
        expect(value, dict, where)
        for key, row in value.items():
            check_shape(row, shape.row, f"{where}[{key!r}]")
    elif isinstance(shape, dict):
        expect(value, dict, where)
        for name, kind in shape.items():
            inner = f"{where}.{name}" if where else name
            if name in value:
                check_shape(value[name], kind, inner)
            elif name in REQUIRED:
                raise ArchiveError(f"{MANIFEST} is not as expected: it lacks {inner}.")
    else:
        expect(value, shape, where)


def expect(value, kinds, where):
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(
            TYPE_NAMES[kind] for kind in kinds if not (kind is int and float in kinds)
        )
        raise ArchiveError(f"{MANIFEST} is not as expected: {where} should be {names}.")
    if isinstance(value, str) and not storable(value):
        raise ArchiveError(
            f"{MANIFEST} is not as expected: {where} holds a character no database stores."
        )


def storable(text):
    # PostgreSQL refuses NUL in text, and no database takes half a surrogate pair (JSON's
    # "\ud800"): refused here rather than by the database halfway through the import.
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def megabytes(size):
    return f"{size / MB:,.1f}".removesuffix(".0") + " MB"


def check_entries(archive):
    """Refuse an archive that would unpack to too much, judged by its central directory alone."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ArchiveError(
            f"This archive holds {len(entries):,} files; a live page archive holds at most "
            f"{MAX_ENTRIES:,}."
        )
    total = sum(entry.file_size for entry in entries)
    if total > MAX_TOTAL_BYTES:
        raise ArchiveError(
            f"This archive unpacks to {megabytes(total)}; a live page archive unpacks to at most "
            f"{megabytes(MAX_TOTAL_BYTES)}."
        )
    for entry in entries:
        if entry.file_size > max(RATIO_FLOOR, MAX_RATIO * entry.compress_size):
            raise ArchiveError(
                f"The archive's {entry.filename} would unpack to "
                f"{entry.file_size / max(entry.compress_size, 1):,.0f} times its packed size, "
                f"as no photo, video or manifest does."
            )


def sized(archive, name, limit, what):
    """The archive's entry ``name``, refused if it declares more than ``limit`` bytes."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ArchiveError(f"The archive lacks {name}, which {MANIFEST} names.") from None
    if info.file_size > limit:
        raise ArchiveError(
            f"The archive's {name} is {megabytes(info.file_size)}; {what} can be at most "
            f"{megabytes(limit)}."
        )
    return info


def unpack(archive, name, limit, what, target):
    """Write the archive's ``name`` to ``target`` and return it, rewound.

    Refused past ``limit`` bytes: by the size its header declares, and then by what comes out,
    reading at most ``limit + 1`` bytes whatever the header says.
    """
    info = sized(archive, name, limit, what)
    size = 0
    try:
        with archive.open(info) as source:
            while chunk := source.read(min(MB, limit + 1 - size)):
                size += len(chunk)
                if size > limit:
                    raise ArchiveError(
                        f"The archive's {name} holds more than its header says, and is refused."
                    )
                target.write(chunk)
    except DAMAGED as error:
        raise ArchiveError(f"The archive's {name} cannot be read ({error}).") from None
    target.seek(0)
    return target


def upgrade_from_plain_text(data):
    """Make a format 1 manifest's plain text the HTML that format 2 holds: key points (each with
    its link around its words, checked as the admin checked it) and callout descriptions."""
    for number, point in enumerate(data.get("key_points", []), start=1):
        link = point.pop("link", "")
        if link:
            try:
                validate_link(link)
            except ValidationError as error:
                raise ArchiveError(
                    f"The archive's key point {number} is refused: link: {plain(error)}"
                ) from None
        point["text"] = inline_from_text(point.get("text", ""), link=link)
    for callout in data.get("callouts", []):
        callout["description"] = html_from_text(callout.get("description", ""))


def not_json(constant):
    raise ValueError(f"{constant} is not a JSON number")


class Importer:
    def __init__(self, archive, data):
        self.archive = archive
        self.data = data
        self.photos = {}
        self.videos = {}
        self.stored = []  # every photo and video made, added before it is saved

    def limits(self):
        return {"photo": settings.MAX_UPLOAD_BYTES, "video": settings.MAX_VIDEO_BYTES}

    def check_sizes(self):
        """Refuse a photo or video file larger than this site takes, before any file is read."""
        for kind, limit in self.limits().items():
            for entry in self.data.get(f"{kind}s", {}).values():
                if entry.get("file"):
                    sized(self.archive, entry["file"], limit, f"a {kind}")

    @contextmanager
    def unpacked(self, name, kind):
        """The archive's file ``name`` (a ``kind``), as a temporary ``File``; None without name."""
        if not name:
            yield None
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as file:
            unpack(self.archive, name, self.limits()[kind], f"a {kind}", file)
            yield File(file, name=PurePosixPath(name).name)

    def described(self, kind, key):
        """The manifest's row for photo or video ``key``."""
        try:
            return self.data[f"{kind}s"][key]
        except KeyError:
            raise ArchiveError(f"{MANIFEST} names {kind} {key!r} but does not describe it.") \
                from None

    def photo(self, key):
        if key is None:
            return None
        if key not in self.photos:
            entry = self.described("photo", key)
            photo = Photo(**load(entry, PHOTO_FIELDS))
            with self.unpacked(entry.get("file"), "photo") as file:
                if file:  # without one, the photo is refused: its image is required
                    photo.image = file
                self.stored.append(photo)
                saved(photo, f"photo {key!r}")  # decoded and rendered as any upload is
            words = {f: entry.get(f, "") for f in ("caption", "credit")}
            if any(getattr(photo, f) != v for f, v in words.items()):
                # Ingesting fills a blank caption from the file; the archive's words stand.
                Photo.objects.filter(pk=photo.pk).update(**words)
                for f, v in words.items():
                    setattr(photo, f, v)
            self.photos[key] = photo
        return self.photos[key]

    def video(self, key):
        if key is None:
            return None
        if key not in self.videos:
            entry = self.described("video", key)
            duration = entry.get("duration")
            if duration is not None:
                if not 0 <= duration <= MAX_VIDEO_DURATION.total_seconds():
                    raise ArchiveError(
                        f"The archive's video {key!r} is refused: duration: {duration} seconds "
                        f"is not the length of a video."
                    )
                duration = timedelta(seconds=duration)
            video = Video(
                **load(entry, VIDEO_FIELDS), duration=duration,
                poster=self.photo(entry.get("poster")),
            )
            with self.unpacked(entry.get("file"), "video") as file:
                if file:
                    # Attached, not stored: validation reads its bytes (a video is what they say,
                    # not what its name says) and sees that the video has a file; saving stores it.
                    video.file = file
                self.stored.append(video)
                saved(video, f"video {key!r}")
            self.videos[key] = video
        return self.videos[key]

    def reporter(self, slug):
        try:
            return self.by_slug[slug]
        except KeyError:
            raise ArchiveError(f"{MANIFEST} names reporter {slug!r} but does not describe it.") \
                from None

    def reporters(self):
        """Every reporter the archive describes, by slug: this site's where it has the slug."""
        by_slug = {}
        for entry in self.data.get("reporters", []):
            reporter = Reporter.objects.filter(slug=entry["slug"]).first()
            if reporter is None:
                reporter = Reporter(
                    **load(entry, REPORTER_FIELDS), headshot=self.photo(entry.get("headshot"))
                )
                saved(reporter, f"reporter {entry['slug']!r}")
            by_slug[reporter.slug] = reporter
        return by_slug

    def series(self):
        entry = self.data.get("series")
        if not entry:
            return None
        series = Series.objects.filter(slug=entry["slug"]).first()
        if series is None:
            series = saved(
                Series(slug=entry["slug"], name=entry.get("name", ""),
                       description=entry.get("description", "")),
                f"series {entry['slug']!r}",
            )
        return series

    def run(self, *, replace=False):
        page_data = self.data["page"]
        slug = page_data["slug"]
        existing = LivePage.objects.select_for_update().filter(slug=slug).first()
        if existing and not replace:
            raise ArchiveError(
                f"A live page with the address {slug!r} exists. Use --replace to replace it."
            )
        start_version = max(page_data.get("version") or 0, existing.version if existing else 0)
        if existing:
            existing.delete()

        self.by_slug = self.reporters()
        page = LivePage(
            **load(page_data, [f for f in PAGE_FIELDS if f != "version"]),
            series=self.series(),
            lead_photo=self.photo(page_data.get("lead_photo")),
            lead_video=self.video(page_data.get("lead_video")),
            version=start_version,
            key_points_version=start_version,
        )
        saved(page, f"page {slug!r}")
        changed_at = page.changed_at  # the archive's, read by full_clean
        page.desk.set([self.reporter(s) for s in page_data.get("desk", [])])

        for number, point in enumerate(self.data.get("key_points", []), start=1):
            saved(KeyPoint(live_page=page, **load(point, KEY_POINT_FIELDS)), f"key point {number}")
        callouts = {}
        for entry in self.data.get("callouts", []):
            callouts[entry["key"]] = saved(
                Callout(live_page=page, **load(entry, CALLOUT_FIELDS)), f"callout {entry['key']!r}"
            )
        updates = {}
        for entry in self.data.get("updates", []):
            values = load(entry, UPDATE_FIELDS)
            values.pop("page_version", None)  # the page's own, given as it is saved
            row = f"update {entry['key']!r}"
            update = saved(
                Update(
                    live_page=page, video=self.video(entry.get("video")),
                    callout=callouts.get(entry.get("callout")), **values,
                ),
                row,
            )
            for position, slug_ in enumerate(entry.get("authors", [])):
                saved(
                    UpdateAuthor(update=update, reporter=self.reporter(slug_),
                                 position=position),
                    f"byline {position + 1} of {row}",
                )
            for position, key in enumerate(entry.get("photos", [])):
                saved(
                    UpdatePhoto(update=update, photo=self.photo(key), position=position),
                    f"photo {position + 1} of {row}",
                )
            updates[entry["key"]] = update
        for number, entry in enumerate(self.data.get("submissions", []), start=1):
            saved(
                ReaderSubmission(
                    live_page=page,
                    callout=callouts.get(entry.get("callout")),
                    photo=self.photo(entry.get("photo")),
                    # Archives written before the field's rename say "answered_by".
                    answered_in=updates.get(entry.get("answered_in", entry.get("answered_by"))),
                    **{k: v for k, v in load(entry, SUBMISSION_FIELDS).items()
                       if k != "created_at"},
                ),
                f"reader submission {number}",
            )
        # One change more, recorded when the import commits: it drops the cached page state
        # (bump_version) and readers' caches see a version above any they held.
        LivePage.objects.next_version(page.pk)
        if not existing and page_data.get("changed_at"):
            # Readers see when the page last changed, not when it was copied here. (A replaced
            # page keeps "now": its readers may have seen a later change.)
            LivePage.objects.filter(pk=page.pk).update_bookkeeping(changed_at=changed_at)
        page.refresh_from_db()
        return page


@contextmanager
def files_removed_on_failure(stored):
    """If the block fails, delete the files of the photos and videos in ``stored``: a rollback
    forgets their rows, not what storage holds. All or nothing, files too."""
    try:
        yield
    except BaseException:
        for instance in stored:
            field_file = instance.image if isinstance(instance, Photo) else instance.file
            if not (field_file and field_file._committed):  # never stored
                continue
            try:
                if isinstance(instance, Photo):
                    instance.delete_files()  # the original, renditions, and any public copies
                else:
                    field_file.storage.delete(field_file.name)
            except Exception:  # the import's own error is the one to report
                logger.exception("Could not delete the files of %r after a failed import", instance)
        raise


def declared_entries(file):
    """How many files a zip says it holds, from its end record alone: ``zipfile`` reads the whole
    directory into memory first (866 MB for two million entries). 0 when there is no end record
    to read; ``zipfile`` then refuses the file in its own words."""
    opened = None
    if isinstance(file, str | os.PathLike):
        file = opened = open(file, "rb")  # noqa: SIM115 - closed below
    try:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(max(size - 66_000, 0))  # the end record and its comment (at most 64 KB)
        tail = file.read()
        file.seek(0)
    finally:
        if opened:
            opened.close()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or end + 12 > len(tail):
        return 0
    count = int.from_bytes(tail[end + 10 : end + 12], "little")
    zip64 = tail.rfind(b"PK\x06\x06", 0, end)
    if count == 0xFFFF and zip64 >= 0 and zip64 + 40 <= len(tail):
        count = int.from_bytes(tail[zip64 + 32 : zip64 + 40], "little")
    return count


def import_livepage(file, *, replace=False):
    """Restore the live page archived in ``file`` (a path or a binary file); return it.

    Raises ``ArchiveError`` when the archive is not one, or the page's address is taken and
    ``replace`` is false. All or nothing: a failure leaves the database and the files stored as
    they were.
    """
    declared = declared_entries(file)
    if declared > MAX_ENTRIES:
        raise ArchiveError(
            f"This archive holds {declared:,} files; a live page archive holds at most "
            f"{MAX_ENTRIES:,}."
        )
    try:
        archive = zipfile.ZipFile(file)
    except DAMAGED:
        raise ArchiveError("This is not a live page archive (not a zip file).") from None
    with archive:
        if MANIFEST not in archive.namelist():
            raise ArchiveError(f"This is not a live page archive (no {MANIFEST}).")
        check_entries(archive)
        manifest = unpack(archive, MANIFEST, MAX_MANIFEST_BYTES, "a manifest", io.BytesIO())
        try:
            data = json.loads(manifest.getvalue(), parse_constant=not_json)
        except (ValueError, RecursionError) as error:
            raise ArchiveError(
                f"This is not a live page archive ({MANIFEST} is not JSON: {error})."
            ) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ArchiveError(f"This is not a live page archive ({MANIFEST} says otherwise).")
        check_shape(data, {"format_version": int})  # before the rest: a later format may differ
        if data.get("format_version", 0) > FORMAT_VERSION:
            raise ArchiveError(
                f"This archive is format {data['format_version']}; this installation reads "
                f"up to {FORMAT_VERSION}. Upgrade django-liveblogs here first."
            )
        check_shape(data, SHAPE)
        if data.get("format_version", 0) < 2:
            upgrade_from_plain_text(data)
        importer = Importer(archive, data)
        importer.check_sizes()
        with files_removed_on_failure(importer.stored), transaction.atomic():
            return importer.run(replace=replace)
