"""The verbs of the live desk: edit, publish, withdraw, pin, mark a key event, keep a revision.

Each is one function, inside one transaction, acting on the update as it is in the database (the
row is locked and read again), so an action never writes back words a colleague changed since the
form was loaded. The admin, ``/file/``, the bulk actions and any code reach them through the model's
one-line methods (``update.publish(by=...)``), as Wagtail's actions do. The rules that more than one
verb needs are here once: what a photo needs before it goes out (``check_publishable``), that one
update is pinned per page (``unpin_others``), what publishing sets off (``went_public``) and what
an editor who saved too late is told (``conflict_message``).
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .sanitize import clean_html

logger = logging.getLogger(__name__)


class EditConflict(Exception):
    """An edit based on an older revision of the update; ``current`` is the update as it is now."""

    def __init__(self, current):
        self.current = current
        super().__init__(
            f"Update {current.pk} is at revision {current.revision}, saved by "
            f"{current.edited_by_name} at {current.edited_at:%Y-%m-%d %H:%M:%S %Z}."
        )


def conflict_message(current):
    """What an editor whose save came too late is told: who saved first, when, and what to do."""
    return _(
        "Saved by %(name)s at %(time)s while you were editing. Your text is below; copy what you "
        "need, then reload to see their version."
    ) % {
        "name": current.edited_by_name,
        "time": local_time(current, current.edited_at),
    }


def check_publishable(photos):
    """Refuse, naming each, photos that may not go out yet: every photo needs alt text and a
    credit before an update showing it is published."""
    problems = [problem for photo in photos if (problem := photo.publishing_problem())]
    if problems:
        raise ValidationError(problems)


def local_time(update, moment):
    """``moment`` as the desk reads it: in the live page's time zone, the zone named."""
    # The desk's own date format, translated as its templates translate it ("30 nov. à 21 h 47").
    from .languages import PageDateFormat  # (languages reads the models, which read this module)

    when_format = pgettext("date and time format (Django's date filter)", "M j, g:i a")
    return PageDateFormat(timezone.localtime(moment, update.live_page.tzinfo)).format(f"{when_format} T")


def check_schedulable(update, at, *, now=None):
    """Refuse a "publish at" time that cannot be kept: one already past (a slip of the day or
    the hour is likelier than a wish to publish at once, which is what Publish is for), or on an
    update readers already see."""
    Status = type(update).Status
    if update.status in (Status.PUBLISHED, Status.WITHDRAWN):
        raise ValidationError(_("Only an update not yet published can be scheduled."))
    if update.live_page.status == update.live_page.Status.ENDED:
        raise ValidationError(_("Coverage on this page has ended: reopen it to schedule updates."))
    if at <= (now or timezone.now()):
        raise ValidationError(
            _("%(time)s has passed: choose a time still to come, or publish it now.")
            % {"time": local_time(update, at)}
        )


def lock(update):
    """Read ``update``'s row again, locked until the transaction ends, into the instance.

    Status and flag changes start here, so they act on the update as it is now and never write
    back text a colleague has changed since it was loaded.
    """
    fresh = type(update).objects.select_for_update().get(pk=update.pk)
    for field in update._meta.concrete_fields:
        setattr(update, field.attname, getattr(fresh, field.attname))
    update._loaded_status = fresh._loaded_status
    return update


def went_public(update):
    """What publishing an update sets off, however it was published (an action, a form that set
    the status, an import): the reader questions it answers are marked answered. Called by
    ``Update.save`` as the row is written (its photos are made public there too)."""
    from .models import ReaderSubmission

    if update.pk is not None:
        update.answers.update(status=ReaderSubmission.Status.ANSWERED)


@transaction.atomic
def save_edit(update, *, by, expected_revision=None, minor=False, authors=None, photos=None):
    """Save an editor's changes to ``update``: the one way an editing form saves.

    Lock the row; refuse with ``EditConflict`` an edit based on another revision than the stored
    one (``expected_revision``, when given); record who edited; mark the update "edited" for
    readers (``revised_at``) when it was already published, stays published and something readers
    see changed, unless the edit is ``minor`` (a correction never is); stamp a changed correction
    note with ``corrected_at``; replace the bylines and photos with ``authors`` and ``photos``
    (lists in order; None leaves them); save; and keep one revision. Returns the update.
    """
    from .models import Update, UpdateAuthor, UpdatePhoto

    adding = update._state.adding or update.pk is None
    current = None
    if not adding:
        current = (
            Update.objects.select_for_update(of=("self",)).select_related("edited_by")
            .get(pk=update.pk)
        )
        if expected_revision is not None and int(expected_revision) != current.revision:
            raise EditConflict(current)
        # The row's status, not the one this instance may have loaded long ago.
        update._loaded_status = current.status
    now = timezone.now()
    photos = None if photos is None else list(photos)
    note = reschedule(update, current.publish_at if current else None, by=by, now=now,
                      photos=photos)
    old_note = current.correction_note if current else ""
    if update.correction_note.strip() != old_note.strip():
        update.corrected_at = now if update.correction_note.strip() else None
        minor = False
    authors = None if authors is None else list(authors)
    Status = Update.Status
    if (
        current is not None
        and not minor
        and current.status == Status.PUBLISHED
        and update.status == Status.PUBLISHED
        and reader_visible_change(update, current, authors, photos)
    ):
        update.revised_at = now
    if adding:
        update.created_by = update.created_by or by
    if update.status == Status.PUBLISHED and (current is None or current.status != update.status):
        update.published_by = by
    if update.status in (Status.SUBMITTED, Status.PUBLISHED):
        update.editor_note = ""  # sent again, or out: the editors' note has done its job
    update.edited_by = by
    update.save()
    if authors is not None and authors != [
        b.reporter for b in update.bylines.select_related("reporter")
    ]:
        UpdateAuthor.objects.filter(update=update).delete()
        UpdateAuthor.objects.bulk_create(
            UpdateAuthor(update=update, reporter=reporter, position=position)
            for position, reporter in enumerate(authors)
        )
        Update.objects.filter(pk=update.pk).touch()
    if photos is not None and photos != [p.photo for p in update.update_photos.select_related("photo")]:
        UpdatePhoto.objects.filter(update=update).delete()
        UpdatePhoto.objects.bulk_create(
            UpdatePhoto(update=update, photo=photo, position=position)
            for position, photo in enumerate(photos)
        )
        Update.objects.filter(pk=update.pk).touch()
    update.page_version = (
        Update.objects.filter(pk=update.pk).values_list("page_version", flat=True).get()
    )
    record_revision(update, by=by, note=note)
    return update


def reschedule(update, before, *, by, now, photos=None):
    """Within ``save_edit``: keep ``update.publish_at`` (set by a form) to the rules, recording who
    scheduled it and asking the task worker to publish it then. ``before`` is the stored time;
    ``photos`` the ones it will show (None: those it has). Returns the note its revision keeps,
    if the schedule changed."""
    Status = type(update).Status
    if update.status in (Status.PUBLISHED, Status.WITHDRAWN):
        update.publish_at = None  # published now: the schedule is over
    if update.publish_at == before:
        return ""
    if update.publish_at is None:
        update.scheduled_by = None
        return _("Schedule cancelled.") if update.status != Status.PUBLISHED else ""
    check_schedulable(update, update.publish_at, now=now)
    if photos is None:
        photos = update.photos.all() if update.pk else []
    # Told now, while the editor is here, rather than found at the time with nobody watching.
    check_publishable(photos)
    update.scheduled_by = by
    at = update.publish_at
    transaction.on_commit(lambda: publish_when_due(at))
    return _("Scheduled for %(time)s.") % {"time": local_time(update, at)}


def reader_visible_change(update, current, authors, photos):
    """Whether readers would see ``update`` differ from ``current`` (the stored row)."""
    if (update.headline, clean_html(update.body), update.video_id, update.correction_note) != (
        current.headline, current.body, current.video_id, current.correction_note
    ):
        return True
    if authors is not None and [r.pk for r in authors] != list(
        current.bylines.values_list("reporter_id", flat=True)
    ):
        return True
    return photos is not None and [p.pk for p in photos] != list(
        current.update_photos.values_list("photo_id", flat=True)
    )


@transaction.atomic
def publish(update, *, by):
    """Put ``update`` in front of readers, now unless a published time was set.

    A scheduled update, published at its time or earlier by hand, is dated the moment it goes
    out: when readers could first read it, so it arrives at the top of the page even when the
    worker was late."""
    lock(update)
    check_publishable(update.photos.all())
    if update.publish_at is not None:
        update.published_at = None
    update.status = update.Status.PUBLISHED
    update.published_at = update.published_at or timezone.now()
    update.publish_at = update.scheduled_by = None
    update.published_by = by
    update.edited_by = by
    update.save(update_fields=["status", "published_at", "published_by", "edited_by",
                               "publish_at", "scheduled_by"])
    record_revision(update, by=by)


@transaction.atomic
def schedule(update, at, *, by):
    """Publish ``update`` at ``at`` (an aware datetime still to come), through the task worker;
    until then it stays as it is (a draft, or waiting for approval), out of every public view."""
    lock(update)
    check_schedulable(update, at)
    check_publishable(update.photos.all())
    update.publish_at = at
    update.scheduled_by = by
    update.edited_by = by
    update.save(update_fields=["publish_at", "scheduled_by", "edited_by"])
    transaction.on_commit(lambda: publish_when_due(at))
    note = _("Scheduled for %(time)s.") % {"time": local_time(update, at)}
    record_revision(update, by=by, note=note)


@transaction.atomic
def cancel_schedule(update, *, by):
    """Keep ``update`` from going out at its time: it stays a draft, or waiting for approval."""
    lock(update)
    if update.publish_at is None:
        return
    update.publish_at = update.scheduled_by = None
    update.edited_by = by
    update.save(update_fields=["publish_at", "scheduled_by", "edited_by"])
    record_revision(update, by=by, note=_("Schedule cancelled."))


def publish_when_due(at):
    """Ask the task worker to publish what is due at ``at`` (``tasks.publish_scheduled``)."""
    from .tasks import publish_scheduled_at

    publish_scheduled_at(at)


def publish_due(now=None):
    """Publish every scheduled update whose time (``now``, or the clock's) has come, each in its
    own transaction, by the person who scheduled it. Returns ``(published, refused)``: the updates
    that went out, and ``(update, reason)`` for those that may not (a photo lost its alt text,
    the person may no longer publish on the page), which stay scheduled and late for the desk to
    see.

    Safe to run any number of times, from any number of workers at once: each update is read
    again under its row lock and published only if it is still due, so a stale task (the update
    rescheduled, cancelled or already out) does nothing and none goes out twice or early.
    """
    from .models import Update
    from .permissions import policy

    published, refused = [], []
    for pk in list(Update.objects.due(now).values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                update = (
                    Update.objects.select_for_update(of=("self",)).select_related(
                        "live_page", "scheduled_by"
                    ).due(now).filter(pk=pk).first()
                )
                if update is None:
                    continue
                by = update.scheduled_by
                if update.live_page.status == update.live_page.Status.ENDED:
                    # A recap takes corrections, not new updates: reopen the page to publish it.
                    raise ValidationError(_("Its live page has ended."))
                if by is None or not policy.can_publish(by, update.live_page):
                    raise ValidationError(
                        _("Whoever scheduled it may no longer publish on this page.")
                    )
                publish(update, by=by)
        except ValidationError as error:
            logger.warning("Scheduled update %s not published: %s", pk, " ".join(error.messages))
            refused.append((Update.objects.get(pk=pk), " ".join(error.messages)))
            continue
        published.append(update)
    return published, refused


@transaction.atomic
def withdraw(update, *, by, reason=""):
    """Take ``update`` down. Readers stop seeing it; the row and its revisions stay, the last
    with the ``reason`` given."""
    lock(update)
    update.status = update.Status.WITHDRAWN
    update.pinned = False
    update.edited_by = by
    update.save(update_fields=["status", "pinned", "edited_by"])
    record_revision(update, by=by, note=reason)


@transaction.atomic
def send_back(update, *, by, note):
    """Return an update a reporter sent for approval to them as a draft, with the editors' note
    (shown in their "My updates" and on the filing form until they send it again)."""
    lock(update)
    if update.status != update.Status.SUBMITTED:
        raise ValidationError(_("Only an update waiting for approval can be sent back."))
    update.status = update.Status.DRAFT
    update.editor_note = note
    update.edited_by = by
    update.save(update_fields=["status", "editor_note", "edited_by"])
    record_revision(update, by=by, note=note)


@transaction.atomic
def unpin_others(update, *, by):
    """One update is pinned per page: unpin the page's others, each with its revision."""
    others = type(update).objects.filter(live_page_id=update.live_page_id, pinned=True)
    if update.pk is not None:
        others = others.exclude(pk=update.pk)
    for other in others:
        set_flag(other, "pinned", False, by=by)


@transaction.atomic
def pin(update, *, by):
    """Show ``update`` first on its page, unpinning any other."""
    unpin_others(update, by=by)
    set_flag(update, "pinned", True, by=by)


@transaction.atomic
def set_flag(update, name, value, *, by):
    """Set ``pinned`` or ``key_event`` and keep a revision."""
    if name not in {"pinned", "key_event"}:
        raise ValueError(f"{name} is not a flag of an update")
    lock(update)
    setattr(update, name, value)
    update.edited_by = by
    update.save(update_fields=[name, "edited_by"])
    record_revision(update, by=by)


def record_revision(update, *, by, note=""):
    """Keep ``update`` as it stands now, authors and photos included, and why (``note``)."""
    # Read afresh: a prefetch made before the bylines or photos changed would be stale.
    getattr(update, "_prefetched_objects_cache", {}).clear()
    fresh = type(update).objects.filter(pk=update.pk).with_bylines_and_photos().get()
    fresh.headline, fresh.body, fresh.status = update.headline, update.body, update.status
    fresh.page_version = update.page_version
    revision = fresh.revision_snapshot(by=by)
    revision.update = update
    revision.note = note
    revision.save()
    return revision
