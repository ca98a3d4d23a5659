"""The desk's side of reader submissions: answering questions in an update (naming readers only
with their consent), handing a callout's submissions to producers as a spreadsheet, and
forgetting who sent old submissions while keeping what they said."""

import csv
import html
import logging
import re
from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import LivePage, Photo, ReaderSubmission, Reporter, Update, Video

logger = logging.getLogger(__name__)


def quote(submission):
    """The submission as it goes into an update: who (as consented) and their words, escaped."""
    verb = _("asked") if "?" in submission.body else _("wrote")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r\n\s*\r\n", submission.body) if p.strip()]
    body = "".join(
        "<p>{}</p>".format(html.escape(p).replace("\n", "<br>")) for p in paragraphs
    )
    return f"<p>{html.escape(str(submission.public_name()))} {verb}:</p><blockquote>{body}</blockquote>"


class CannotAnswer(ValueError):
    pass


@transaction.atomic
def answer_in_update(submissions, *, by):
    """Draft one update on the submissions' live page quoting each of them, and link them to it.

    Readers are named only if they consented (``ReaderSubmission.public_name``). The update is a draft for the
    editor to write the answer in; publishing it marks the submissions answered.
    """
    submissions = list(submissions)
    if not submissions:
        raise CannotAnswer(_("Choose at least one submission."))
    pages = {s.live_page_id for s in submissions}
    if len(pages) > 1:
        raise CannotAnswer(_("Answer questions from one live page at a time."))
    if submissions[0].live_page.status == LivePage.Status.ENDED:
        # As /file/ and the admin: a recap takes no new update.
        raise CannotAnswer(_("This live page has ended: reopen it to answer in a new update."))
    if len(submissions) == 1:
        headline = Truncator(
            _("Your question: %(text)s") % {"text": " ".join(submissions[0].body.split())}
        ).chars(120)
    else:
        headline = _("Your questions answered")
    update = Update.objects.create(
        live_page_id=pages.pop(),
        headline=headline,
        body="".join(quote(s) for s in submissions),
        status=Update.Status.DRAFT,
        created_by=by,
        edited_by=by,
    )
    update.record_revision(by=by)
    pks = [s.pk for s in submissions]
    ReaderSubmission.objects.filter(pk__in=pks).update(answered_in=update)
    ReaderSubmission.objects.filter(pk__in=pks, status=ReaderSubmission.Status.NEW).update(
        status=ReaderSubmission.Status.SHORTLISTED
    )
    return update


CSV_COLUMNS = [
    "received_at", "live_page", "callout", "status", "body", "name", "location",
    "may_publish_name", "may_contact", "email", "phone", "photo", "answered_in", "editor_notes",
]


def spreadsheet_safe(value):
    """A cell no spreadsheet runs as a formula: readers wrote these."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(submissions, *, filename, request=None):
    """A CSV of ``submissions`` for producers, oldest first, spam left out. E-mail and phone
    are there only for readers who agreed to be contacted."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    rows = (
        submissions.exclude(status=ReaderSubmission.Status.SPAM)
        .select_related("live_page", "callout", "photo", "answered_in")
        .order_by("created_at", "pk")
    )
    for s in rows:
        contact = s.consent_contact
        page_tz = s.live_page.tzinfo
        writer.writerow(
            spreadsheet_safe(value)
            for value in [
                timezone.localtime(s.created_at, page_tz).strftime("%Y-%m-%d %H:%M"),
                s.live_page.title,
                s.callout.prompt if s.callout else "",
                s.get_status_display(),
                s.body,
                s.name,
                s.location,
                "yes" if s.consent_publish else "no",
                "yes" if contact else "no",
                s.email if contact else "",
                s.phone if contact else "",
                request.build_absolute_uri(s.photo.original_url) if request and s.photo else "",
                s.answered_in.headline if s.answered_in else "",
                s.editor_notes,
            ]
        )
    return response


def holding_personal_data(*, days, now=None):
    """Submissions received more than ``days`` days ago that still say who sent them."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return ReaderSubmission.objects.filter(created_at__lt=cutoff).exclude(
        name="", email="", phone="", location="", address_hash="", photo__isnull=True
    )


def purge_personal_data(*, days, now=None):
    """Forget who sent submissions received more than ``days`` days ago: name, e-mail, phone,
    location, address hash and photo go; what they said, its status and the consents stay.
    Returns how many submissions lost personal data. Photos only a submission used are deleted
    with their files; those an update shows stay, as published."""
    old = holding_personal_data(days=days, now=now)
    with transaction.atomic():
        photo_ids = set(old.exclude(photo__isnull=True).values_list("photo_id", flat=True))
        ids = list(old.values_list("pk", flat=True))
        count = ReaderSubmission.objects.filter(pk__in=ids).update(
            name="", email="", phone="", location="", address_hash="", photo=None
        )
        # The admin's history named the reader in older versions' object_repr.
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ReaderSubmission),
            object_id__in=[str(pk) for pk in ids],
        ).update(object_repr="")
        used = [
            # (NOT IN a list holding NULL matches nothing, so the NULLs are left out.)
            LivePage.objects.filter(lead_photo__isnull=False).values("lead_photo"),
            Video.objects.filter(poster__isnull=False).values("poster"),
            Reporter.objects.filter(headshot__isnull=False).values("headshot"),
            ReaderSubmission.objects.filter(photo__isnull=False).values("photo"),
        ]
        orphans = Photo.objects.filter(pk__in=photo_ids, updates__isnull=True)
        for in_use in used:
            orphans = orphans.exclude(pk__in=in_use)
        for photo in orphans:
            photo.delete()  # its files go once this commits (signals.py)
    return count


def purged_message(count):
    return ngettext(
        "Removed the personal data of %(count)d submission.",
        "Removed the personal data of %(count)d submissions.",
        count,
    ) % {"count": count}
