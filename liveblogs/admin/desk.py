"""The live desk: one screen of the admin from which editors run a live page.

``/admin/liveblogs/livepage/<id>/desk/`` puts the composer at the top, the page's stream below it
as readers see it (pinned first, newest first) with each update's controls, The Latest, what
reporters sent for approval (Waiting), drafts, and the page's own controls. Everything on it is a
small JSON view beside the page, so an editor publishes, edits, pins or sends back without a page
load, and the desk updates itself from ``desk/changes.json`` (private, never cached, never the
readers' ``changes.json``). Every change goes through the workflow (``workflow.py``) and the desk
policy (``permissions.py``), as the admin's own forms do: editors only.
"""

import time
import uuid
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import workflow
from ..user_language import catalog_media
from ..editors import INLINE, RichTextWidget
from ..forms import FilingPhotoForm, PublishAtField, TypedText, clean_publish_at, ids_in
from ..models import KeyPoint, Photo, ReaderSubmission, Reporter, Update
from ..permissions import policy
from ..sanitize import clean_html

Status = Update.Status
# Seconds between the desk's polls, and how far back each looks again: an edit saved just before
# a poll may commit just after it.
POLL_SECONDS = 5
OVERLAP_SECONDS = 10
STREAM_LENGTH = 60


# What the desk says was done by one click on a card (``desk_act``).
DONE = {
    "publish": gettext_lazy("Published: %(headline)s"),
    "pin": gettext_lazy("Pinned: %(headline)s"),
    "unpin": gettext_lazy("Unpinned: %(headline)s"),
    "key-event": gettext_lazy("Marked as a key event: %(headline)s"),
    "not-key-event": gettext_lazy("No longer a key event: %(headline)s"),
    "withdraw": gettext_lazy("Withdrawn: %(headline)s"),
    "send-back": gettext_lazy("Sent back to its reporter: %(headline)s"),
    "cancel-schedule": gettext_lazy("Schedule cancelled, kept as a draft: %(headline)s"),
}


class DeskUpdateForm(forms.ModelForm):
    """What the composer sends: an update's words and flags. Bylines and photos travel as ordered
    ids (``authors``, ``photos``), each photo's words in a ``FilingPhotoForm``."""

    PUBLISH, DRAFT, SAVE = "publish", "draft", "save"

    action = forms.ChoiceField(choices=[(PUBLISH, PUBLISH), (DRAFT, DRAFT), (SAVE, SAVE)])
    filing_key = forms.UUIDField(required=False)
    revision = forms.IntegerField(required=False)
    minor = forms.BooleanField(required=False)

    class Meta:
        model = Update
        fields = [
            "headline", "body", "key_event", "pinned", "callout", "correction_note", "publish_at",
        ]
        field_classes = {"headline": TypedText, "publish_at": PublishAtField}

    def __init__(self, *args, page, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.user = user
        self.fields["callout"].queryset = page.callouts.all()
        self.fields["callout"].error_messages["invalid_choice"] = gettext_lazy(
            "Choose a callout of this live page."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.PUBLISH and not cleaned.get("body", "").strip():
            self.add_error("body", _("Write the update's text before publishing it."))
        if self.instance.pk and cleaned.get("revision") is None:
            raise ValidationError(_("This edit lacks the revision it was made from. Reload the desk."))
        if self.instance.status == Status.PUBLISHED:
            cleaned["publish_at"] = None  # out already: nothing to schedule
        elif self.user is not None:
            clean_publish_at(self, cleaned, self.page, user=self.user)
        return cleaned


class DeskViews:
    """The desk's views, added to ``LivePageAdmin`` (``get_urls``), each for editors only."""

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "liveblogs_livepage_desk"
        return [
            path("<int:page_id>/desk/", view(self.desk_view), name=name),
            path("<int:page_id>/desk/changes.json", view(self.desk_changes),
                 name=f"{name}_changes"),
            path("<int:page_id>/desk/updates/", view(self.desk_save), name=f"{name}_new"),
            path("<int:page_id>/desk/updates/<int:update_id>/", view(self.desk_save),
                 name=f"{name}_update"),
            path("<int:page_id>/desk/updates/<int:update_id>/<slug:verb>/",
                 view(self.desk_act), name=f"{name}_act"),
            path("<int:page_id>/desk/key-points/", view(self.desk_key_points),
                 name=f"{name}_key_points"),
            path("<int:page_id>/desk/page/<slug:verb>/", view(self.desk_page),
                 name=f"{name}_page"),
            *super().get_urls(),
        ]

    # Who may use it ------------------------------------------------------------------------------

    def desk_page_for(self, request, page_id):
        """The live page, if this user is an editor who may act on it; 403 for anyone else."""
        if not policy.may_curate(request.user):
            raise PermissionDenied
        return get_object_or_404(policy.pages_for(request.user), pk=page_id)

    # The page --------------------------------------------------------------------------------------

    def desk_view(self, request, page_id):
        """The desk of one live page."""
        page = self.desk_page_for(request, page_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Desk: %(page)s") % {"page": page.title},
            "opts": self.opts,
            "original": page,
            "page": page,
            "has_view_permission": True,
            "stream": stream_of(page),
            "waiting": list(desk_updates(page).filter(status=Status.SUBMITTED, publish_at=None)),
            "scheduled": list(desk_updates(page).scheduled()),
            "drafts": list(desk_updates(page).filter(status=Status.DRAFT, publish_at=None)),
            "key_points": key_point_rows(page),
            "new_key_point": key_point_row(KeyPoint(text=""), "point-new"),
            "callouts": list(page.callouts.all()),
            "form": DeskUpdateForm(page=page, initial={"filing_key": uuid.uuid4()}),
            "own_reporter": getattr(request.user, "reporter", None),
            "new_submissions": new_submissions(page),
            "poll_seconds": POLL_SECONDS,
            "now": time.time(),
            "desk_config": desk_config(page),
            # Not the change form's media (jQuery, its widgets): the desk's own, and the editor's.
            "media": catalog_media()
            + forms.Media(css={"all": ["liveblogs/admin.css", "liveblogs/desk/desk.css"]})
            + DeskUpdateForm(page=page).media + RichTextWidget(INLINE).media,
        }
        return TemplateResponse(request, "admin/liveblogs/livepage/desk.html", context)

    # What changed ----------------------------------------------------------------------------------

    def desk_changes(self, request, page_id):
        """What changed on the page since ``?since=`` (seconds since the epoch): the updates
        edited since (any status, as desk cards), The Latest when it moved, the page's state and
        the queues' counts. Staff data: private, never stored by any cache."""
        page = self.desk_page_for(request, page_id)
        now = time.time()
        try:
            since = float(request.GET.get("since", ""))
        except ValueError:
            since = None
        changed = desk_updates(page)
        if since is not None:
            after = datetime.fromtimestamp(max(since - OVERLAP_SECONDS, 0), tz=UTC)
            changed = changed.filter(edited_at__gte=after)
        else:
            changed = changed.none()
        data = {
            "now": now,
            "page": {"status": page.status, "version": page.version},
            "updates": [card_data(request, page, update) for update in changed],
            "waiting": desk_updates(page).filter(status=Status.SUBMITTED, publish_at=None).count(),
            "new_submissions": new_submissions(page),
        }
        if str(page.key_points_version) != request.GET.get("key_points", ""):
            data["key_points"] = {
                "version": page.key_points_version,
                "html": render_to_string("admin/liveblogs/livepage/_desk_key_points.html",
                                         {"key_points": key_point_rows(page), "page": page}),
            }
        return private(JsonResponse(data))

    # Composing and editing -------------------------------------------------------------------------

    def desk_save(self, request, page_id, update_id=None):
        """GET: an update's words and flags for the composer (editing). POST: the composer's
        update saved, new or edited, as a draft or published; JSON either way."""
        page = self.desk_page_for(request, page_id)
        update = None
        if update_id is not None:
            update = get_object_or_404(policy.updates_editable_by(request.user), pk=update_id,
                                       live_page=page)
        if request.method == "GET":
            if update is None:
                raise Http404
            return private(JsonResponse(edit_data(update)))
        if request.method != "POST":
            return JsonResponse({"error": _("Send the form.")}, status=405)
        return self._save(request, page, update)

    def _save(self, request, page, update):
        user = request.user
        if update is None and (done := already_filed(request)):
            # A retry whose first answer was lost, or a double press: the update exists.
            return private(JsonResponse({"ok": True, "update": card_data(request, page, done)}))
        form = DeskUpdateForm(request.POST, instance=update or Update(live_page=page), page=page,
                              user=user)
        authors = ordered(Reporter, policy.reporters_for(user), request.POST.getlist("authors"),
                          keep=update.authors.all() if update else ())
        usable = policy.photos_usable_by(user).values("pk")
        photos = ordered(Photo, Photo.objects.filter(
            Q(pk__in=usable) | (Q(updates=update) if update else Q(pk__in=[]))
        ).distinct(), request.POST.getlist("photos"))
        sending = request.POST.get("action") in (DeskUpdateForm.PUBLISH, DeskUpdateForm.SAVE)
        photo_forms = [
            FilingPhotoForm(request.POST, instance=photo, prefix=f"photo-{photo.pk}",
                            sending=sending, editable=policy.can_change_photo(user, photo))
            for photo in photos
        ]
        valid = form.is_valid() & all([f.is_valid() for f in photo_forms])
        if not valid:
            return form_errors(form, photo_forms)
        try:
            with transaction.atomic():
                for photo_form in photo_forms:
                    photo_form.save()
                saved = save_from_desk(form, photos, authors, by=user)
        except ValidationError as error:
            return JsonResponse({"ok": False, "errors": {"__all__": error.messages}}, status=400)
        except workflow.EditConflict as conflict:
            return JsonResponse({"ok": False, "conflict": workflow.conflict_message(
                conflict.current)}, status=409)
        except IntegrityError:
            if done := already_filed(request):
                return private(JsonResponse({"ok": True, "update": card_data(request, page, done)}))
            raise
        # The embeds were resolved as the transaction committed: the desk hears what failed.
        return private(JsonResponse({"ok": True, "update": card_data(request, page, saved),
                                     "notices": saved.embed_problems()}))

    # One click on a card ---------------------------------------------------------------------------

    def desk_act(self, request, page_id, update_id, verb):
        """Publish, pin, unpin, mark or unmark a key event, withdraw (with a reason), send back
        (with a note) or cancel a schedule: POST only, answered with the update's card."""
        page = self.desk_page_for(request, page_id)
        if request.method != "POST":
            return JsonResponse({"error": _("Send the form.")}, status=405)
        update = get_object_or_404(Update, pk=update_id, live_page=page)
        by = request.user
        reason = request.POST.get("note", "").strip()[:2000]
        verbs = {
            "publish": lambda: update.publish(by=by),
            "pin": lambda: update.pin(by=by),
            "unpin": lambda: update.set_flag("pinned", False, by=by),
            "key-event": lambda: update.set_flag("key_event", True, by=by),
            "not-key-event": lambda: update.set_flag("key_event", False, by=by),
            "withdraw": lambda: update.withdraw(by=by, reason=reason),
            "send-back": lambda: update.send_back(by=by, note=reason),
            "cancel-schedule": lambda: update.cancel_schedule(by=by),
        }
        if verb not in verbs:
            raise Http404
        if verb == "send-back" and not reason:
            return JsonResponse({"ok": False, "errors": {"note": [
                _("Say what the reporter should change: they see this note.")]}}, status=400)
        try:
            with transaction.atomic():
                verbs[verb]()
        except ValidationError as error:
            return JsonResponse({"ok": False, "errors": {"__all__": error.messages}}, status=400)
        update.refresh_from_db()
        return private(JsonResponse({
            "ok": True,
            "update": card_data(request, page, update),
            # What a screen reader hears: what was done, not the status the card now has.
            "said": DONE[verb] % {"headline": update.headline},
        }))

    # The Latest ------------------------------------------------------------------------------------

    def desk_key_points(self, request, page_id):
        """The Latest, saved whole: the ``text`` of each point (inline rich text) in order.
        Points not sent are deleted; readers' pages move once."""
        page = self.desk_page_for(request, page_id)
        if request.method != "POST":
            return JsonResponse({"error": _("Send the form.")}, status=405)
        points, errors = [], {}
        for position, text in enumerate(request.POST.getlist("text")):
            text = text.strip()
            if not strip_tags(text).strip():
                continue
            point = KeyPoint(live_page=page, text=text, position=position)
            try:
                point.full_clean(exclude=["live_page"])
            except ValidationError as error:
                errors[str(position)] = error.messages
            points.append(point)
        if errors:
            return JsonResponse({"ok": False, "errors": errors}, status=400)
        with transaction.atomic():
            page.key_points.all().delete()
            for point in points:
                point.save()
        page.refresh_from_db()
        return private(JsonResponse({"ok": True, "key_points": {
            "version": page.key_points_version,
            "html": render_to_string("admin/liveblogs/livepage/_desk_key_points.html",
                                     {"key_points": key_point_rows(page), "page": page}),
        }}))

    # The page itself -------------------------------------------------------------------------------

    def desk_page(self, request, page_id, verb):
        """Go live, end coverage (a recap) or reopen: POST only."""
        page = self.desk_page_for(request, page_id)
        if request.method != "POST":
            return JsonResponse({"error": _("Send the form.")}, status=405)
        if verb == "go-live" or verb == "reopen":
            page.go_live()
        elif verb == "end":
            page.end()
        else:
            raise Http404
        return private(JsonResponse({"ok": True, "page": {"status": page.status,
                                                          "label": page.get_status_display()}}))


# Helpers -------------------------------------------------------------------------------------------


def private(response):
    """Staff data: never kept by a browser's or a shared cache."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response


def key_point_row(point, editor_id):
    """``point`` with its inline editor (bold, italic, links), for The Latest on the desk."""
    point.editor_id = editor_id
    point.editor = RichTextWidget(INLINE).render("text", point.text, attrs={"id": editor_id})
    return point


def key_point_rows(page):
    return [key_point_row(point, f"point-{point.pk}") for point in page.key_points.all()]


def desk_updates(page):
    """The page's updates with what a desk card shows, in a fixed number of queries."""
    return (
        page.updates.select_related("created_by", "edited_by", "callout", "video")
        .with_bylines_and_photos()
        .order_by("-pinned", "-published_at", "-edited_at", "-pk")
    )


def stream_of(page):
    """The stream as readers see it, pinned first and newest first (the latest ones)."""
    return list(desk_updates(page).filter(status=Status.PUBLISHED)[:STREAM_LENGTH])


def new_submissions(page):
    return page.submissions.filter(status=ReaderSubmission.Status.NEW).count()


def card_data(request, page, update):
    """One update for the desk's script: where it goes and its card."""
    place = "scheduled" if update.publish_at else {
        Status.PUBLISHED: "stream", Status.SUBMITTED: "waiting", Status.DRAFT: "drafts",
    }.get(update.status)
    return {
        "id": update.pk,
        "status": update.status,
        "place": place,
        "revision": update.revision,
        "pinned": update.pinned,
        "published_at": update.published_at.timestamp() if update.published_at else None,
        "publish_at": update.publish_at.timestamp() if update.publish_at else None,
        "headline": update.headline,
        "html": render_to_string("admin/liveblogs/livepage/_desk_update.html",
                                 {"update": update, "page": page}, request=request)
        if place else "",
    }


def edit_data(update):
    """What the composer needs to edit ``update``."""
    return {
        "id": update.pk,
        "revision": update.revision,
        "status": update.status,
        "headline": update.headline,
        "body": update.body,
        "key_event": update.key_event,
        "pinned": update.pinned,
        "callout": update.callout_id,
        "correction_note": update.correction_note,
        "publish_at": PublishAtField.shown(update.publish_at, update.live_page),
        "authors": [{"id": b.reporter_id, "name": b.reporter.name} for b in update.bylines.all()],
        "photos": [photo_data(row.photo) for row in update.update_photos.all()],
    }


def photo_data(photo):
    return {
        "id": photo.pk, "thumbnail": photo.thumbnail_url, "caption": photo.caption,
        "credit": photo.credit, "alt_text": photo.alt_text, "width": photo.width,
        "height": photo.height,
    }


def ordered(model, allowed, posted, keep=()):
    """The rows of ``model`` named by the posted ids, in their order, that ``allowed`` holds or
    the update has already (``keep``): a colleague's byline stays."""
    ids = list(dict.fromkeys(ids_in(posted)))
    kept = {row.pk for row in keep}
    found = model.objects.filter(Q(pk__in=allowed.values("pk")) | Q(pk__in=kept)).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def already_filed(request):
    """The update this composer's one-time key already made for this editor, if any."""
    try:
        key = uuid.UUID(request.POST.get("filing_key", ""))
    except ValueError:
        return None
    return Update.objects.filter(filing_key=key, created_by=request.user).first()


def form_errors(form, photo_forms):
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    for photo_form in photo_forms:
        for name, errs in photo_form.errors.items():
            key = f"{photo_form.prefix}-{name}" if name != "__all__" else photo_form.prefix
            errors[key] = [str(e) for e in errs]
    return JsonResponse({"ok": False, "errors": errors}, status=400)


def save_from_desk(form, photos, authors, *, by):
    """Store the composer's update with the status its button asked for, through the workflow:
    the photo rule for publishing, one pinned update per page, a revision, conflicts refused."""
    update = form.save(commit=False)
    data = form.cleaned_data
    adding = update.pk is None
    update.body = clean_html(update.body)
    if adding:
        update.filing_key = data.get("filing_key")
    action = data["action"]
    if action == DeskUpdateForm.PUBLISH and update.publish_at:
        # Scheduled: a draft, or still a reporter's submission, until its time.
        update.status = Status.DRAFT if adding else update.status
    elif action == DeskUpdateForm.PUBLISH:
        update.status = Status.PUBLISHED
    elif action == DeskUpdateForm.DRAFT and update.status != Status.PUBLISHED:
        update.status = Status.DRAFT
    if update.status == Status.PUBLISHED:
        workflow.check_publishable(photos)
    if update.pinned and (adding or "pinned" in form.changed_data):
        workflow.unpin_others(update, by=by)
    return update.save_edit(
        by=by,
        expected_revision=None if adding else data.get("revision"),
        minor=data.get("minor", False),
        authors=authors,
        photos=photos,
    )


def desk_config(page):
    """What the desk's script needs, as JSON in the page: addresses and the words it shows
    (translated here, so the script holds no sentence of its own)."""
    base = "admin:liveblogs_livepage_desk"
    return {
        "changes": reverse(f"{base}_changes", args=[page.pk]),
        "new": reverse(f"{base}_new", args=[page.pk]),
        "update": reverse(f"{base}_update", args=[page.pk, 0]),
        "act": reverse(f"{base}_act", args=[page.pk, 0, "verb"]),
        "keyPoints": reverse(f"{base}_key_points", args=[page.pk]),
        "page": reverse(f"{base}_page", args=[page.pk, "verb"]),
        "uploadPhoto": reverse("liveblogs:upload_photo"),
        "reporters": reverse("admin:autocomplete"),
        "pollSeconds": POLL_SECONDS,
        "pageId": page.pk,
        "strings": {
            "published": _("Published: %(headline)s"),
            "saved": _("Saved as a draft: %(headline)s"),
            "updated": _("Saved: %(headline)s"),
            "arrived": _("New on the page: %(headline)s"),
            "waiting": _("Sent for approval: %(headline)s"),
            "restore": _("You have an unsent update from %(time)s."),
            "restoreButton": _("Restore it"),
            "discardButton": _("Discard it"),
            "uploading": _("Uploading %(name)s…"),
            "uploadFailed": _("%(name)s could not be uploaded: %(error)s"),
            "offline": _("The desk could not reach the server; your text is kept here. Trying again."),
            "failed": _("Not saved: %(error)s"),
            "noHeadline": _("Not saved: write a headline first."),
            "conflict": _("Not saved."),
            "editing": _("Editing: %(headline)s"),
            "removeByline": _("Remove %(name)s"),
            "removePhoto": _("Remove this photo"),
            "moveUp": _("Move up"),
            "moveDown": _("Move down"),
            "caption": _("Caption"),
            "credit": _("Credit"),
            "altText": _("Alt text (what the photo shows)"),
            "needsWords": _("Alt text and credit are needed before publishing."),
            "noResults": _("No reporter by that name."),
            "keyPointsSaved": _("The Latest is saved."),
            "pageLive": _("The page is live."),
            "pageEnded": _("Coverage has ended: readers see the recap."),
        },
    }
