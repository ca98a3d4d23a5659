"""Reporters file from the field: /file/, its photo uploads, the confirmation and "My updates".

Nothing a reporter typed may be lost. Photos are stored the moment they arrive (with JavaScript,
as soon as they are picked; without it, with the form) and travel as ids, so a form that comes
back with an error still holds them. A one-time key in the form turns a double tap or a retried
POST into the update it already made. Edits carry the revision they loaded (``save_edit``).
"""

import logging
import uuid
from functools import wraps
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, Q, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import markup, media, workflow
from .forms import FilingForm, FilingPhotoForm
from .models import LivePage, Photo, Update
from .permissions import policy

logger = logging.getLogger(__name__)

Status = Update.Status


def filer_required(view):
    """Signed in (else to the sign-in page and back) and allowed to file updates at all."""

    @wraps(view)
    @never_cache
    @login_required
    def wrapped(request, *args, **kwargs):
        if not policy.may_file(request.user):
            return render(request, "liveblogs/filing/not_a_filer.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def filing_pages(user):
    """Pages ``user`` may file to (``policy.pages_to_file_to``), live ones first."""
    return (
        policy.pages_to_file_to(user)
        .annotate(not_live=Case(When(status=LivePage.Status.LIVE, then=Value(0)), default=Value(1)))
        .order_by("not_live", "-coverage_start", "-pk")
    )


def attachable_photos(user, update):
    """Photos a filing may attach: those the reporter may use (their own uploads), and the
    update's own, put there by an editor, say."""
    query = Q(pk__in=policy.photos_usable_by(user).values("pk"))
    if update.pk:
        query |= Q(updates=update)
    return Photo.objects.filter(query).distinct()


def store_photo(file, user):
    """Check and store one uploaded photo for ``user``. The credit is the agency's when the file
    carries one, else the reporter's and the publisher's (``Photo.house_credit``). Raises
    ``ValidationError`` saying what is wrong."""
    photo = Photo(image=file, uploaded_by=user)
    try:
        photo.save()
    except media.STORAGE_UNAVAILABLE as error:
        # The words around it are kept (the form, the browser's copy): only the photo waits.
        logger.warning("Photo not stored: the storage did not take it (%s: %s)",
                       type(error).__name__, error)
        raise ValidationError(media.STORAGE_UNAVAILABLE_MESSAGE) from error
    return photo


@filer_required
def file_update(request, pk=None):
    """The filing form: a new update, or an edit of one the reporter may still change."""
    user = request.user
    pages = filing_pages(user)
    if pk is not None:
        update = get_object_or_404(policy.updates_editable_by(user).select_related("live_page"), pk=pk)
    else:
        if request.method == "POST" and (done := already_filed(request)):
            if same_words(done, request.POST):
                return redirect("liveblogs:filed", pk=done.pk)
            return sent_already(request, done, pages)
        update = Update()
        if not pages.exists():
            return render(request, "liveblogs/filing/no_pages.html", status=403)

    photos = attachable_photos(user, update)
    if request.method != "POST":
        form = FilingForm(
            instance=update, user=user, pages=pages, photos=photos,
            initial={
                "filing_key": uuid.uuid4(), "revision": update.revision,
                "live_page": default_page(pages),
            },
        )
        photo_forms = photo_forms_for(user, form.attached_photos())
        return render_form(request, form, photo_forms, update)

    form = FilingForm(request.POST, request.FILES, instance=update, user=user, pages=pages, photos=photos)
    sending = request.POST.get("action") in (FilingForm.PUBLISH, FilingForm.SUBMIT, FilingForm.SAVE)
    # New photos are kept before anything else is checked, so an error elsewhere loses none.
    stored, upload_errors = [], []
    for file in request.FILES.getlist("new_photos"):
        try:
            stored.append(store_photo(file, user))
        except ValidationError as error:
            upload_errors.append(refused(file, error))
    attached = form.attached_photos(extra=stored)
    photo_forms = photo_forms_for(user, attached, request.POST, sending=sending)
    form_ok = form.is_valid()
    for message in upload_errors:
        form.add_error("new_photos", message)
    photos_ok = all([photo_form.is_valid() for photo_form in photo_forms])
    if not (form_ok and photos_ok and not upload_errors):
        if not photos_ok:
            form.add_error(None, _("Each photo needs alt text and a credit before the update is sent."))
        return render_form(request, form, photo_forms, update, status=400)

    try:
        with transaction.atomic():
            for photo_form in photo_forms:
                photo_form.save()
            update = save_filing(form, attached)
    except ValidationError as error:
        form.add_error(None, error)
        return render_form(request, form, photo_forms, update, status=400)
    except workflow.EditConflict as conflict:
        if is_own_repeat(conflict.current, form, user):
            return redirect("liveblogs:filed", pk=conflict.current.pk)
        form.add_error(None, workflow.conflict_message(conflict.current))
        return render_form(request, form, photo_forms, update, status=409)
    except IntegrityError:
        # The same form sent twice at once: the other request made the update.
        if done := already_filed(request):
            return redirect("liveblogs:filed", pk=done.pk)
        form.add_error(None, _("This form was already sent once. Reload the page to file again: copy your text first."))
        return render_form(request, form, photo_forms, update, status=409)
    return redirect("liveblogs:filed", pk=update.pk)


def refused(file, error):
    """Why one uploaded file was refused, naming it."""
    return _("“%(name)s”: %(error)s") % {"name": file.name, "error": " ".join(error.messages)}


def same_words(update, data):
    """A repeat of what made ``update`` (a double tap, a retry after a lost answer)."""
    return update.headline == data.get("headline", "").strip() and update.body == markup.to_html(
        data.get("body", "").replace("\r\n", "\n")
    )


def sent_already(request, update, pages):
    """This form made ``update`` already but now says something else (sent again after Back,
    say): keep the new words in the form and point to the update, rather than drop them."""
    form = FilingForm(
        request.POST, instance=Update(), user=request.user, pages=pages,
        photos=attachable_photos(request.user, Update()),
    )
    form.is_valid()
    form.add_error(None, format_html(
        _(
            "This form was already sent as “{headline}” ({status}). What is below was not saved: "
            '<a href="{url}">open that update</a> to change it.'
        ),
        headline=update.headline, status=update.get_status_display().lower(),
        url=reverse("liveblogs:edit_update", args=[update.pk]),
    ))
    return render_form(request, form,
                       photo_forms_for(request.user, form.attached_photos(), request.POST),
                       Update(), status=409)


def default_page(pages):
    """The page a new update goes to unless the reporter picks another: a live one, in the
    language the reporter reads /file/ in where there is one (a bilingual desk files each
    reporter's words to the page of their language), else the newest."""
    live = pages.filter(status=LivePage.Status.LIVE)
    return (
        live.filter(language=translation.get_language()).first() or live.first() or pages.first()
    )


def already_filed(request):
    """The update this form's one-time key already made for this reporter, if any."""
    try:
        key = uuid.UUID(request.POST.get("filing_key", ""))
    except ValueError:
        return None
    return Update.objects.filter(filing_key=key, created_by=request.user).first()


def photo_forms_for(user, photos, data=None, *, sending=False):
    """One words form per attached photo, read-only for a photo ``user`` may not change. A photo
    that arrived with this very POST has no words in it yet: its form starts from what the file
    said, so it is checked like the others."""
    changeable = set(
        policy.photos_usable_by(user).filter(pk__in=[p.pk for p in photos]).values_list("pk", flat=True)
    )
    forms = []
    for photo in photos:
        prefix = f"photo-{photo.pk}"
        if data is not None and f"{prefix}-caption" not in data:
            data_for_photo = {f"{prefix}-{name}": getattr(photo, name) for name in FilingPhotoForm.Meta.fields}
        else:
            data_for_photo = data
        forms.append(FilingPhotoForm(
            data_for_photo, instance=photo, prefix=prefix, sending=sending,
            editable=photo.pk in changeable,
        ))
    return forms


def save_filing(form, photos):
    """Store the filed update with the status its button asked for."""
    user, data = form.user, form.cleaned_data
    update = form.save(commit=False)
    action = data["action"]
    if update.pk is None:
        update.filing_key = data["filing_key"]
    if action == FilingForm.PUBLISH and update.publish_at:
        # Scheduled: it stays as it is (a draft, or waiting) until its time.
        update.status = update.status if update.pk else Status.DRAFT
    elif action == FilingForm.PUBLISH:
        update.status = Status.PUBLISHED
    elif action == FilingForm.SUBMIT:
        update.status = Status.SUBMITTED
    elif action == FilingForm.DRAFT:
        update.status = Status.DRAFT
    if update.status == Status.PUBLISHED:
        workflow.check_publishable(photos)
    reporter = getattr(user, "reporter", None)
    own = [reporter] if reporter and (update.pk is None or reporter in update.authors.all()) else []
    authors = [*own, *data["coauthors"]] if update.pk is None else keep_order(update, own, data)
    return update.save_edit(
        by=user,
        expected_revision=data.get("revision") if update.pk else None,
        minor=data.get("minor", False),
        authors=authors,
        photos=photos,
    )


def keep_order(update, own, data):
    """An edit keeps the bylines' order, the filer first, co-authors as chosen."""
    chosen = list(data["coauthors"])
    bylines = [byline.reporter for byline in update.bylines.select_related("reporter")]
    current = [r for r in bylines if r in own or r in chosen]
    return current + [r for r in chosen if r not in current]


def is_own_repeat(current, form, user):
    """A double tap on an edit: the first tap saved exactly this text, so nothing was lost."""
    data = form.cleaned_data
    return (
        current.edited_by_id == user.pk
        and current.headline == data.get("headline")
        and current.body == data.get("body")
    )


def render_form(request, form, photo_forms, update, status=200):
    pages = form.fields["live_page"].queryset
    return render(
        request,
        "liveblogs/filing/file.html",
        {
            "form": form,
            "photo_forms": photo_forms,
            "update": update,
            "publishable": [page.pk for page in pages if policy.can_publish(request.user, page)],
            "draft_key": f"update-{update.pk}" if update.pk else "new",
        },
        status=status,
    )


@filer_required
@require_POST
def upload_photo(request):
    """Store one photo picked in the filing form (sent by its script, with progress) and answer
    with the fields for its words, or with why the file was refused."""
    file = request.FILES.get("image")
    if file is None:
        return JsonResponse({"error": _("No file arrived. Try again.")}, status=400)
    try:
        photo = store_photo(file, request.user)
    except ValidationError as error:
        return JsonResponse({"error": refused(file, error)}, status=400)
    return JsonResponse({
        "id": photo.pk, "html": photo_fields(request, photo),
        # The desk's composer builds its own fields for the words.
        "photo": {"id": photo.pk, "thumbnail": photo.thumbnail_url, "caption": photo.caption,
                  "credit": photo.credit, "alt_text": photo.alt_text, "width": photo.width,
                  "height": photo.height},
    })


@filer_required
@require_GET
def photo_fields_view(request, pk):
    """The fields for one of the reporter's photos, to put back a copy kept in the browser."""
    photo = get_object_or_404(Photo, pk=pk, uploaded_by=request.user)
    return JsonResponse({"id": photo.pk, "html": photo_fields(request, photo)})


@login_required
@require_GET
def photo_file(request, pk, filename):
    """One of a photo's private files (its original, or a rendition before readers are shown it)
    for someone who may see it (``policy.can_view_photo``); 404 for anyone else."""
    photo = get_object_or_404(Photo, pk=pk)
    names = [name for name in photo.stored_names() if PurePosixPath(name).name == filename]
    if not names or not policy.can_view_photo(request.user, photo):
        raise Http404
    return media.private_response(request, photo.image.storage, names[0])


def photo_fields(request, photo):
    form = FilingPhotoForm(instance=photo, prefix=f"photo-{photo.pk}")
    return render_to_string(
        "liveblogs/filing/_photo_fields.html", {"photo_form": form}, request=request
    )


@filer_required
@require_GET
def filed(request, pk):
    """What happened to what the reporter just filed, and where to see it."""
    update = get_object_or_404(
        Update.objects.filter(Q(created_by=request.user) | Q(pk__in=policy.updates_editable_by(request.user)))
        .select_related("live_page"),
        pk=pk,
    )
    return render(
        request,
        "liveblogs/filing/filed.html",
        {"update": update, "can_edit": policy.updates_editable_by(request.user).filter(pk=pk).exists()},
    )


@filer_required
@require_GET
def my_updates(request):
    """The reporter's drafts, submitted and published updates, newest first."""
    user = request.user
    mine = (
        Update.objects.filter(Q(created_by=user) | Q(authors__user=user))
        .distinct()
        .select_related("live_page")
        .order_by("-edited_at", "-pk")
    )
    page = Paginator(mine, 30).get_page(request.GET.get("page"))
    editable = set(policy.updates_editable_by(user).filter(pk__in=[u.pk for u in page]).values_list("pk", flat=True))
    return render(
        request, "liveblogs/filing/mine.html", {"page_obj": page, "editable": editable}
    )
