"""Readers ask, the desk answers: the ask form and its defences, and the desk's side of it.

A reader's message goes through, in order: CSRF (the form page is the only reader page that sets
the CSRF cookie), a per-address rate limit counted in the shared cache, the form's honeypot and
minimum fill time, and its length limits. Then its single-use form token is spent (in the shared
cache, ``AskForm.use_token``), and it is saved, before anything else happens; the
desk's e-mail goes out after the commit, and a mail failure is logged, never the reader's problem.
Addresses are kept only as a salted hash (``hash_address``).

The desk's side: ``answer_in_update`` drafts an update quoting questions (naming readers only with
their consent), ``export_csv`` hands a callout's submissions to producers, and
``purge_personal_data`` forgets who sent old submissions while keeping what they said.
"""

import csv
import html
import ipaddress
import logging
import re
import time
from datetime import timedelta
from functools import partial

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from .conf import settings
from .forms import AskForm
from .models import LivePage, Photo, ReaderSubmission, Reporter, Update, Video

logger = logging.getLogger(__name__)

CALLOUT_ID = re.compile(r"[0-9]{1,18}")


# Who is asking --------------------------------------------------------------------------------


def client_address(request):
    """The reader's address: ``REMOTE_ADDR``, unless ``TRUSTED_PROXIES`` says how many proxies
    in front of the site append to X-Forwarded-For; then the address the outermost of them saw.
    Entries further left are whatever the client claimed, so they are never read."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address


def address_key(address):
    """One reader, one key: an IPv6 reader holds a whole /64, so it counts as one address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:100]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hash_address(address):
    """The address as stored and counted: an HMAC keyed from SECRET_KEY, so the table and the
    cache never hold an address, and no one without the key can test a guess against them."""
    return salted_hmac(
        "liveblogs.questions.address", address_key(address), algorithm="sha256"
    ).hexdigest()


def rate_limit_wait(address_hash, *, count=True):
    """Count one message from this address; return the seconds to wait when it is over the
    limit (``ASK_RATE_LIMIT`` per ``ASK_RATE_WINDOW`` seconds), or 0.

    With ``count=False``, only look: the seconds to wait when one more message would be over the
    limit. The view looks before it reads the form, so an address over its limit costs no photo
    decoding at all.

    A fixed window in the shared cache: ``add`` then ``incr`` are atomic in Redis and in the local
    cache, so app servers and threads racing each other count every message.
    """
    window = max(int(settings.ASK_RATE_WINDOW), 1)
    now = time.time()
    slot = int(now // window)
    key = f"liveblogs:ask-rate:{address_hash}:{slot}"
    if not count:
        sent = cache.get(key, 0) + 1
    else:
        cache.add(key, 0, window + 5)
        try:
            sent = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window + 5)
            sent = 1
    if sent > settings.ASK_RATE_LIMIT:
        return max(int((slot + 1) * window - now) + 1, 1)
    return 0


# The reader's pages -----------------------------------------------------------------------------


def open_callout(page):
    """The newest callout on ``page`` that takes answers now, or None."""
    return (
        page.callouts.filter(is_open=True)
        .filter(Q(deadline__isnull=True) | Q(deadline__gt=timezone.now()))
        .first()
    )


def chosen_callout(request, page):
    """The callout named by ``?callout=`` (open or not), else the page's open callout, else None
    for a general question."""
    asked = request.GET.get("callout")
    if asked is None:
        return open_callout(page)
    if not CALLOUT_ID.fullmatch(asked):
        raise Http404("No such callout.")
    return get_object_or_404(page.callouts.all(), pk=asked)


@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def ask(request, slug):
    """The ask form of a live page: for the callout named or open, else a general question.

    Private to the reader (it carries their CSRF token): never cached. A callout that has closed,
    or a page that has ended, explains so instead, and shows a reader who was sending what they
    wrote. Too many messages from one address in a short time get a 429 page with the form and
    their words, to send again later.
    """
    page = get_object_or_404(LivePage.objects.public().select_related("series"), slug=slug)
    callout = chosen_callout(request, page)
    if not page.is_live or (callout is not None and not callout.is_accepting):
        return render(
            request,
            "liveblogs/ask_closed.html",
            {
                "page": page,
                "callout": callout,
                "ended": not page.is_live,
                "their_words": request.POST.get("body", "")[:5000],
            },
        )
    if request.method != "POST":
        return render(request, "liveblogs/ask.html", context(page, callout, AskForm(callout=callout)))

    address_hash = hash_address(client_address(request))
    if wait := rate_limit_wait(address_hash, count=False):
        # Over the limit: refused before any photo is decoded. A message kept already, sent again
        # (a double click), is still thanked; its text alone says so.
        repeat = AskForm(request.POST, callout=callout)
        if repeat.is_valid() and repeat.sent_already:
            return redirect("liveblogs:ask_thanks", slug=page.slug)
        return limited(request, page, callout, wait)
    form = AskForm(request.POST, request.FILES, callout=callout)
    valid = form.is_valid()
    if valid and form.sent_already:
        # Kept already, with this very token (a double click, a retry after a lost answer):
        # thank the reader again, without keeping it twice or counting it against them.
        return redirect("liveblogs:ask_thanks", slug=page.slug)
    # Messages and bots' attempts count against the address; a person fixing a missed field or
    # a typo'd e-mail does not use up their turns.
    if (valid or form.refused_as_bot) and (wait := rate_limit_wait(address_hash)):
        return limited(request, page, callout, wait)
    if valid and not form.use_token():
        # Another request spent the token since the form was checked: the same message sent
        # twice at once (thanked, kept once), or another one (refused as a bot's attempt).
        if form.sent_already:
            return redirect("liveblogs:ask_thanks", slug=page.slug)
        valid = False
    if not valid:
        return render(request, "liveblogs/ask.html", context(page, callout, form), status=400)
    try:
        receive(request, form, page=page, callout=callout, address_hash=address_hash)
    except Exception:
        form.release_token()  # nothing was kept: the reader may send the same message again
        raise
    return redirect("liveblogs:ask_thanks", slug=page.slug)


def context(page, callout, form):
    return {"page": page, "callout": callout, "form": form}


def limited(request, page, callout, wait):
    """The friendly 429: when to try again, and the form holding the reader's words."""
    kept = {
        name: request.POST.get(name, "")
        for name in ("body", "name", "email", "location", "phone")
    }
    kept.update(
        consent_publish=bool(request.POST.get("consent_publish")),
        consent_contact=bool(request.POST.get("consent_contact")),
    )
    form = AskForm(callout=callout, initial=kept)
    minutes = max(round(wait / 60), 1)
    response = render(
        request,
        "liveblogs/ask_limited.html",
        {
            **context(page, callout, form),
            "minutes": minutes,
            "had_photo": bool(request.FILES.get("photo")),
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


@never_cache
@require_safe
def ask_thanks(request, slug):
    """After a reader sends a question: thanks, what happens next, and the way back."""
    page = get_object_or_404(LivePage.objects.public(), slug=slug)
    return render(request, "liveblogs/ask_thanks.html", {"page": page})


def receive(request, form, *, page, callout, address_hash):
    """Keep the reader's message first; then their photo, then (after commit) the desk's mail.
    Neither of those can lose the message: each failure is logged and the message stays."""
    submission = form.save(commit=False)
    submission.live_page = page
    submission.callout = callout
    submission.address_hash = address_hash
    submission.save()
    upload = form.cleaned_data.get("photo")
    if upload:
        attach_photo(submission, upload)
    try:
        admin_url = request.build_absolute_uri(
            reverse("admin:liveblogs_readersubmission_change", args=[submission.pk])
        )
    except NoReverseMatch:  # a site without the admin
        admin_url = ""
    transaction.on_commit(partial(notify_desk, submission.pk, admin_url))
    return submission


def attach_photo(submission, upload):
    """Store the reader's photo like any other (checked, location data stripped, renditions)."""
    try:
        with transaction.atomic():
            photo = Photo(image=upload)
            photo.save()
            ReaderSubmission.objects.filter(pk=submission.pk).update(photo=photo)
            submission.photo = photo
    except Exception:
        logger.exception("The photo of reader submission %s could not be stored", submission.pk)
        note = _("The reader sent a photo that could not be stored.")
        ReaderSubmission.objects.filter(pk=submission.pk).update(editor_notes=note)


def notify_desk(submission_pk, admin_url=""):
    """E-mail ``ASK_NOTIFY_EMAILS`` about a new submission: what was asked and where to find it.
    Contact details stay in the admin. Any failure is logged; the submission is already kept."""
    recipients = list(settings.ASK_NOTIFY_EMAILS)
    if not recipients:
        return
    try:
        submission = ReaderSubmission.objects.select_related("live_page", "callout").get(
            pk=submission_pk
        )
        title = " ".join(submission.live_page.title.split())
        subject = _("New reader submission: %(title)s") % {"title": Truncator(title).chars(120)}
        lines = [
            _("Live page: %(title)s") % {"title": title},
            _("Callout: %(prompt)s") % {"prompt": submission.callout.prompt}
            if submission.callout else _("General question"),
            _("From: %(name)s") % {"name": submission.name}
            + (f", {submission.location}" if submission.location else ""),
            "",
            submission.body,
            "",
            _("Read it and reply in the admin: %(url)s") % {"url": admin_url} if admin_url else "",
        ]
        send_mail(subject, "\n".join(lines), None, recipients)
    except Exception:
        logger.exception("Could not e-mail the desk about reader submission %s", submission_pk)


# The desk's side -------------------------------------------------------------------------------


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
    ReaderSubmission.objects.filter(pk__in=pks).update(answered_by=update)
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
        .select_related("live_page", "callout", "photo", "answered_by")
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
                s.answered_by.headline if s.answered_by else "",
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
            photo.delete()
            transaction.on_commit(partial(delete_files, photo))
    return count


def delete_files(photo):
    try:
        photo.delete_files()
    except Exception:
        logger.exception("Could not delete the files of photo %s", photo.image.name)


def purged_message(count):
    return ngettext(
        "Removed the personal data of %(count)d submission.",
        "Removed the personal data of %(count)d submissions.",
        count,
    ) % {"count": count}
