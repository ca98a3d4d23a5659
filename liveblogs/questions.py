"""Readers ask: the ask form's pages and what happens to a message.

A reader's message goes through, in order: CSRF (the form page is the only reader page that sets
the CSRF cookie), a per-address rate limit counted in the shared cache, the form's honeypot and
minimum fill time, and its length limits. Then its single-use form token is spent (in the shared
cache, ``AskForm.use_token``), and it is saved, before anything else happens; the desk's e-mail
is a task queued after the commit (``tasks.notify_desk``), so a slow mail server never holds up
the reader's answer, and a mail failure is logged and tried again, never the reader's problem.
Addresses are kept only as a salted hash (``hash_address``).

The address and rate limit are ``ratelimit.py``'s; the desk's side is ``submissions.py``.
"""

import logging
import re
from functools import partial

from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from . import tasks
from .conf import settings
from .forms import AskForm
from .languages import in_page_language, in_site_language
from .models import LivePage, Photo, ReaderSubmission
from .ratelimit import CountUnavailable, client_address, hash_address, rate_limit_wait

logger = logging.getLogger(__name__)

CALLOUT_ID = re.compile(r"[0-9]{1,18}")


def chosen_callout(request, page):
    """The callout named by ``?callout=`` (open or not), else the page's open callout, else None
    for a general question."""
    asked = request.GET.get("callout")
    if asked is None:
        return page.open_callout()
    if not CALLOUT_ID.fullmatch(asked):
        raise Http404(_("No such callout."))
    return get_object_or_404(page.callouts.all(), pk=asked)


@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@in_page_language
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
    # The words first, alone: checking them decodes no photo.
    words = AskForm(request.POST, callout=callout)
    words_valid = words.is_valid()
    if words_valid and words.sent_already:
        # Kept already, with this very token (a double click, a retry after a lost answer):
        # thank the reader again, without keeping it twice or counting it against them.
        return redirect("liveblogs:ask_thanks", slug=page.slug)
    if wait := rate_limit_wait(address_hash, count=False):
        return limited(request, page, callout, wait)
    photo = request.FILES.get("photo") if "photo" in words.fields else None
    if not words_valid and not words.refused_as_bot:
        # A person fixing a missed field or a typo'd e-mail: their turns are not used up, and a
        # photo they sent is not decoded until the rest is right.
        if photo:
            words.add_error("photo", _("Choose your photo again when you send: it is checked "
                                       "once the rest is right."))
        return render(request, "liveblogs/ask.html", context(page, callout, words), status=400)
    # From here each attempt counts against the address, before any photo is decoded: a
    # message, a bot's attempt, or a photo to check.
    try:
        wait = rate_limit_wait(address_hash)
    except CountUnavailable as error:
        return not_counted(request, page, callout, words, error)
    if wait:
        return limited(request, page, callout, wait)
    form = AskForm(request.POST, request.FILES, callout=callout) if photo and words_valid else words
    valid = words_valid and (form is words or form.is_valid())
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


def not_counted(request, page, callout, words, error):
    """The shared cache cannot count messages just now: a 503 with Retry-After, and the form
    holding the reader's words (and its token, unspent) to send again in a moment."""
    logger.warning("Reader message not taken: the rate limit could not count it (%s)", error)
    words.add_error(None, _("Your message could not be sent just now. It is still here: "
                            "please press “Send to the newsroom” again in a minute."))
    if request.FILES.get("photo") and "photo" in words.fields:
        words.add_error("photo", _("Choose your photo again when you send."))
    response = render(request, "liveblogs/ask.html", context(page, callout, words), status=503)
    response["Retry-After"] = "60"
    return response


@never_cache
@require_safe
@in_page_language
def ask_thanks(request, slug):
    """After a reader sends a question: thanks, what happens next, and the way back."""
    page = get_object_or_404(LivePage.objects.public(), slug=slug)
    return render(request, "liveblogs/ask_thanks.html", {"page": page})


def receive(request, form, *, page, callout, address_hash):
    """Keep the reader's message first; then their photo, then (after commit) queue the desk's
    mail. None of those can lose the message: each failure is logged and the message stays."""
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
    transaction.on_commit(partial(queue_desk_mail, submission.pk, admin_url))
    return submission


def queue_desk_mail(submission_pk, admin_url):
    """Queue the desk's e-mail (``tasks.notify_desk``); where tasks run at once, it is sent here,
    after the reader's message was committed."""
    if not settings.ASK_NOTIFY_EMAILS:
        return
    try:
        tasks.notify_desk.enqueue(submission_pk, admin_url)
    except Exception:
        logger.exception("Could not queue the desk's e-mail about reader submission %s",
                         submission_pk)


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


@in_site_language  # the desk reads its mail in the site's language, whatever the page's
def notify_desk(submission_pk, admin_url=""):
    """E-mail ``ASK_NOTIFY_EMAILS`` about a new submission: what was asked and where to find it.
    Contact details stay in the admin. Any failure is logged; the submission is already kept.
    Returns False if the mail could not be sent (the task tries again later)."""
    recipients = list(settings.ASK_NOTIFY_EMAILS)
    if not recipients:
        return True
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
    except ReaderSubmission.DoesNotExist:
        return True  # deleted as spam before the mail went: nothing to tell
    except Exception:
        logger.exception("Could not e-mail the desk about reader submission %s", submission_pk)
        return False
    return True
