"""The editors' desk. Every action goes through the model's workflow methods, so each change
moves the page's version and leaves a revision, whether it comes from a form or a bulk action."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import revisions, workflow
from .forms import PhotoForm
from .permissions import policy
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
    UpdateRevision,
    Video,
)


def thumbnail(photo, size=60):
    """The photo's smallest rendition, cropped square."""
    if not photo or not photo.image:
        return ""
    return format_html(
        '<img src="{}" alt="{}" style="width:{}px;height:{}px;object-fit:cover;border-radius:3px">',
        photo.thumbnail_url,
        photo.alt_text,
        size,
        size,
    )


def keep_current(form_class, current):
    """Let the choice fields of ``form_class`` also accept what the object has now (``current``:
    field name → ids), so an edit keeps what a colleague chose, which this user could not."""
    for name, ids in current.items():
        field = form_class.base_fields.get(name)
        ids = [pk for pk in ids if pk is not None]
        if isinstance(field, forms.ModelChoiceField) and ids:
            model = field.queryset.model
            field.queryset = model._default_manager.filter(
                Q(pk__in=field.queryset.values("pk")) | Q(pk__in=ids)
            )
    return form_class


class PolicyAdmin:
    """Rows and choices by the desk policy (``permissions.py``).

    A list shows the rows ``policy.choices`` allows this user, and every foreign key or
    many-to-many a form accepts is limited the same way, server-side: the autocomplete that
    offers a photo searches the photo list, so what a form accepts is what it offers. Values the
    object already has stay valid.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        allowed = policy.choices(request.user, self.model)
        return queryset if allowed is None else queryset.filter(pk__in=allowed.values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (allowed := policy.choices(request.user, db_field.related_model)) is not None:
            kwargs.setdefault("queryset", allowed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if (allowed := policy.choices(request.user, db_field.related_model)) is not None:
            kwargs.setdefault("queryset", allowed)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form
        current = {}
        for field in obj._meta.get_fields():
            if field.name not in form.base_fields:
                continue
            if field.many_to_one:
                current[field.name] = [getattr(obj, field.attname)]
            elif field.many_to_many and not field.auto_created:
                current[field.name] = list(getattr(obj, field.name).values_list("pk", flat=True))
        return keep_current(form, current)


class PolicyInline(PolicyAdmin):
    """The same for an inline: the parent's rows keep what they hold."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and obj.pk is not None:
            rows = self.model._default_manager.filter(**{formset.fk.name: obj})
            keep_current(formset.form, {
                field.name: list(rows.values_list(field.attname, flat=True))
                for field in self.model._meta.concrete_fields
                if field.many_to_one and field.name in formset.form.base_fields
            })
        return formset


# Editors paste links without a scheme; assume the secure one (Django 6's default).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class KeyPointInline(PolicyInline, admin.TabularInline):
    model = KeyPoint
    formfield_overrides = HTTPS_LINKS
    extra = 1
    fields = ["position", "text", "link"]
    verbose_name = _("key point")
    verbose_name_plural = _("The Latest — key points, in order (lowest position first)")


class CalloutInline(PolicyInline, admin.StackedInline):
    model = Callout
    extra = 0
    fields = [
        "prompt", "description", ("is_open", "deadline"), ("ask_location", "ask_phone", "ask_photo"),
        "submissions_link",
    ]
    readonly_fields = ["submissions_link"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(**CalloutAdmin.counts)

    @admin.display(description=_("reader submissions"))
    def submissions_link(self, callout):
        return CalloutAdmin.submissions_link(callout) if callout.pk else ""


@admin.register(LivePage)
class LivePageAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "title", "status_badge", "series", "coverage_start", "published_count", "waiting_count",
    ]
    list_filter = ["status", "series", "desk"]
    search_fields = ["title", "standfirst", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["series", "lead_photo", "lead_video", "desk"]
    date_hierarchy = "coverage_start"
    inlines = [KeyPointInline, CalloutInline]
    readonly_fields = ["version", "changed_at"]
    list_select_related = ["series"]
    ordering = ["-coverage_start"]  # annotated querysets drop Meta.ordering
    actions = ["go_live", "end_coverage"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "series", "standfirst", "status"]}),
        (_("Coverage"), {"fields": [("coverage_start", "coverage_end"), "time_zone"]}),
        (_("Lead media"), {"fields": ["lead_photo", "lead_video"],
                           "description": _("A photo or a video, not both.")}),
        (_("Desk"), {"fields": ["desk", "needs_approval"]}),
        (_("For readers' browsers"), {"fields": ["version", "changed_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                published_count=Count("updates", filter=Q(updates__status="published")),
                waiting_count=Count("updates", filter=Q(updates__status="submitted")),
            )
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, page):
        colours = {"live": "#b00020", "ended": "#555", "draft": "#8a6d00"}
        return format_html(
            '<strong style="color:{}">{}</strong>', colours[page.status], page.get_status_display()
        )

    @admin.display(description=_("published"), ordering="published_count")
    def published_count(self, page):
        return page.published_count

    @admin.display(description=_("waiting for approval"), ordering="waiting_count")
    def waiting_count(self, page):
        return page.waiting_count or ""

    @admin.action(description=_("Go live: open to readers"), permissions=["change"])
    def go_live(self, request, queryset):
        for page in queryset:
            page.go_live()
        self.message_user(request, _("%(count)d live page(s) are now live.") % {"count": len(queryset)})

    @admin.action(description=_("End coverage and turn into a recap"), permissions=["change"])
    def end_coverage(self, request, queryset):
        ended = 0
        for page in queryset.filter(status=LivePage.Status.LIVE):
            page.end()
            ended += 1
        self.message_user(request, _("%(count)d live page(s) ended; readers now see the recap.") % {"count": ended})


class UpdateAuthorInline(PolicyInline, admin.TabularInline):
    model = UpdateAuthor
    extra = 1
    autocomplete_fields = ["reporter"]
    fields = ["position", "reporter"]
    verbose_name = _("byline")
    verbose_name_plural = _("bylines, in order")


class UpdatePhotoFormSet(BaseInlineFormSet):
    """An update saved as published may show no photo that lacks alt text or a credit.

    The photos are saved after the update itself, so ``Update.publish()`` cannot see them when the
    change form publishes: the check happens here, before anything is saved.
    """

    def clean(self):
        super().clean()
        if self.instance.status == Update.Status.PUBLISHED:
            workflow.check_publishable(
                photo
                for form in self.forms
                if not (self.can_delete and self._should_delete_form(form))
                and (photo := form.cleaned_data.get("photo")) is not None
            )


class UpdatePhotoInline(PolicyInline, admin.TabularInline):
    model = UpdatePhoto
    formset = UpdatePhotoFormSet
    extra = 1
    autocomplete_fields = ["photo"]
    fields = ["position", "photo", "preview", "caption", "credit", "alt_text"]
    readonly_fields = ["preview", "caption", "credit", "alt_text"]
    verbose_name_plural = _("photos, in order (edit caption, credit and alt text on the photo)")

    @admin.display(description=_("preview"))
    def preview(self, row):
        return thumbnail(row.photo, 80) if row.pk else ""

    @admin.display(description=_("caption"))
    def caption(self, row):
        return row.photo.caption if row.pk else ""

    @admin.display(description=_("credit"))
    def credit(self, row):
        return row.photo.credit if row.pk else ""

    @admin.display(description=_("alt text"))
    def alt_text(self, row):
        if not row.pk:
            return ""
        return row.photo.alt_text or format_html('<strong style="color:#b00020">{}</strong>', _("missing"))


def flag_action(flag, value, description, permissions, done_message):
    """An admin action setting ``pinned`` or ``key_event`` on the selected updates that differ."""

    @admin.action(description=description, permissions=permissions)
    def action(modeladmin, request, queryset):
        modeladmin._each(
            request,
            queryset.exclude(**{flag: value}),
            lambda update: update.set_flag(flag, value, by=request.user),
            done_message,
        )

    return action


class UpdateAdminForm(forms.ModelForm):
    """The update change form, carrying the revision it was loaded at.

    A save based on an older revision is refused in ``clean()``, before the update or any byline
    or photo row is written, so the editor gets the form back with everything they typed.
    """

    # Set per request by UpdateAdmin.get_form: whether this user is the desk.
    may_withdraw = False

    revision = forms.IntegerField(widget=forms.HiddenInput)
    minor = forms.BooleanField(
        label=_("Minor edit (typo fix): readers see no “edited” mark"), required=False
    )

    class Meta:
        model = Update
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # Nothing to conflict with, nothing to mark edited.
            del self.fields["revision"], self.fields["minor"]
        else:
            self.fields["revision"].initial = self.instance.revision

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("status") == Update.Status.PUBLISHED and not cleaned_data.get(
            "published_at"
        ) and "published_at" in self.fields:
            # Published now, as the help text promises, rather than an error about a blank time.
            cleaned_data["published_at"] = timezone.now()
        callout, page = cleaned_data.get("callout"), cleaned_data.get("live_page") or (
            self.instance.live_page if self.instance.live_page_id else None
        )
        if callout and page and callout.live_page_id != page.pk:
            self.add_error("callout", _("Choose a callout of this update's live page."))
        if (
            cleaned_data.get("status") == Update.Status.WITHDRAWN
            and self.instance.status != Update.Status.WITHDRAWN
            and not self.may_withdraw
        ):
            # As the bulk action: taking down what readers see is the desk's call.
            self.add_error("status", _("Only the desk can withdraw an update. Ask an editor."))
        if self.instance.pk is not None and "revision" in self.fields:
            # Locked until the admin's transaction ends, so no save can slip in before ours.
            current = (
                Update.objects.select_for_update(of=("self",)).select_related("edited_by")
                .get(pk=self.instance.pk)
            )
            if cleaned_data.get("revision") != current.revision:
                raise ValidationError(workflow.conflict_message(current), code="edit_conflict")
        return cleaned_data


def loaded_revision(request):
    """The update revision a POST says its page was showing, or None."""
    value = request.POST.get("revision", "")
    return int(value) if value.isascii() and value.isdigit() else None


def ordered_rows(formset, field):
    """The objects the inline ``formset`` names in ``field``, in the order of their positions."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if data.get(field) is not None:
            rows.append((data.get("position") or 0, index, data[field]))
    return [value for _position, _index, value in sorted(rows, key=lambda row: row[:2])]


@admin.register(Update)
class UpdateAdmin(PolicyAdmin, admin.ModelAdmin):
    form = UpdateAdminForm
    change_form_template = "admin/liveblogs/update/change_form.html"
    list_display = [
        "headline", "page", "byline", "status", "published_at", "pinned", "key_event",
        "photo_thumbnails", "publish_button",
    ]
    list_display_links = ["headline"]
    list_filter = ["status", "key_event", "pinned", "live_page", "authors"]
    search_fields = ["headline", "body"]
    # The page is a plain menu of the pages this user may file to (few: a recap takes none).
    autocomplete_fields = ["video"]
    date_hierarchy = "published_at"
    inlines = [UpdateAuthorInline, UpdatePhotoInline]
    list_select_related = ["live_page"]
    # Counts beside each filter choice: "Submitted for approval (3)" is the desk's queue.
    show_facets = admin.ShowFacets.ALWAYS
    actions = ["publish", "withdraw", "pin", "unpin", "mark_key_event", "unmark_key_event"]
    fieldsets = [
        (None, {"fields": ["live_page", "headline", "body", "video", "callout", "minor", "revision"]}),
        (_("Publishing"), {"fields": ["status", "published_at", ("pinned", "key_event")]}),
        (_("Correction"), {
            "fields": ["correction_note", "corrected_at"],
            "description": _("A note shown to readers with the update, with the time it was written."),
        }),
        (_("Who and when"), {"fields": [
            ("created_by", "created_at"), ("edited_by", "edited_at"), "revised_at", "published_by",
            "page_version",
        ]}),
    ]
    readonly_fields = [
        "created_by", "created_at", "edited_by", "edited_at", "revised_at", "corrected_at",
        "published_by", "page_version",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("bylines", queryset=UpdateAuthor.objects.select_related("reporter")),
                Prefetch("update_photos", queryset=UpdatePhoto.objects.select_related("photo")),
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "live_page":
            # As in /file/: a new update goes to a page this user may file to that has not ended.
            kwargs["queryset"] = policy.pages_to_file_to(request.user)
        elif db_field.name == "callout":
            # A question of this user's pages; clean() checks it is the update's own page's.
            kwargs["queryset"] = policy.callouts_for(request.user).select_related("live_page")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Withdraw instead: the row and its history stay.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        # ``revision`` is the form's own field (the model's is not editable): not the model's.
        fields = kwargs.get("fields")
        if fields is None:
            fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [f for f in fields if f != "revision"]
        form = super().get_form(request, obj, change, **kwargs)
        form.may_withdraw = policy.is_editor(request.user)  # a class of its own per call
        if obj is not None and "callout" in form.base_fields:
            # Only the callouts of the update's own page (and the one it has).
            field = form.base_fields["callout"]
            field.queryset = field.queryset.filter(
                Q(live_page_id=obj.live_page_id) | Q(pk=obj.callout_id)
            )
            field.error_messages["invalid_choice"] = _("Choose a callout of this update's live page.")
        return form

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        # Adding has nothing to conflict with or to mark edited; viewing saves nothing.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in {"minor", "revision"}]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not policy.may_publish(request.user):
            # What readers see of placement and timing is the editors' call.
            fields += ["status", "published_at", "pinned", "key_event"]
        elif not policy.may_curate(request.user):
            # Publishing is theirs; pins and key events, as in the bulk actions, the editors'.
            fields += ["pinned", "key_event"]
        if obj is not None:
            # Moving an update between pages would leave it on the old page's readers' screens.
            fields.append("live_page")
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return policy.can_change(request.user, obj)
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # Saved in save_related, with its bylines and photos, as one edit and one revision.
        pass

    def save_related(self, request, form, formsets, change):
        authors = photos = None
        for formset in formsets:
            formset.save(commit=False)  # what changed, for the admin's log message; writes nothing
            if formset.model is UpdateAuthor:
                authors = ordered_rows(formset, "reporter")
            elif formset.model is UpdatePhoto:
                photos = ordered_rows(formset, "photo")
        if form.cleaned_data.get("pinned") and "pinned" in form.changed_data:
            # As Update.pin(): the page's other pinned update is unpinned, with its revision.
            workflow.unpin_others(form.instance, by=request.user)
        form.instance.save_edit(
            by=request.user,
            expected_revision=form.cleaned_data.get("revision") if change else None,
            minor=form.cleaned_data.get("minor", False),
            authors=authors,
            photos=photos,
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.EditConflict as conflict:
            # Only if a save slipped in between the form's check and ours (the check locks the
            # row, so on PostgreSQL it cannot): nothing was written.
            self.message_user(request, workflow.conflict_message(conflict.current), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/revisions/", self.admin_site.admin_view(self.revisions_view),
                 name="%s_%s_revisions" % info),
            path("<path:object_id>/revisions/<int:revision_id>/restore/",
                 self.admin_site.admin_view(self.restore_view), name="%s_%s_restore" % info),
            path("<path:object_id>/publish/", self.admin_site.admin_view(self.publish_view),
                 name="%s_%s_publish" % info),
            *super().get_urls(),
        ]

    def _update_or_404(self, request, object_id):
        """The update, if it is on this user's desk (404 otherwise) and they may see it."""
        update = self.get_object(request, object_id)
        if update is None:
            raise Http404
        if not self.has_view_or_change_permission(request, update):
            raise PermissionDenied
        return update

    def revisions_view(self, request, object_id):
        """An update's revisions, newest first, each with what it changed from the one before."""
        update = self._update_or_404(request, object_id)
        saved = list(update.revisions.select_related("created_by").order_by("-created_at", "-pk"))
        history = [
            (revision, revisions.changes_between(older, revision))
            for revision, older in zip(saved, [*saved[1:], None])
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(update)s") % {"update": update},
            "subtitle": None,
            "opts": self.opts,
            "original": update,
            "history": history,
            "can_restore": self.has_change_permission(request, update),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/liveblogs/update/revisions.html", context)

    def restore_view(self, request, object_id, revision_id):
        """Write a revision's headline, body, bylines and photos back, as a new revision.

        The status stays as it is: restoring words never publishes or withdraws anything.
        """
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:liveblogs_update_revisions", args=[object_id]))
        update = self._update_or_404(request, object_id)
        if not self.has_change_permission(request, update):
            raise PermissionDenied
        revision = get_object_or_404(update.revisions, pk=revision_id)
        back = reverse("admin:liveblogs_update_revisions", args=[update.pk])
        authors = {r.pk: r for r in Reporter.objects.filter(pk__in=[a["id"] for a in revision.authors])}
        photos = {p.pk: p for p in Photo.objects.filter(pk__in=[p["id"] for p in revision.photos])}
        photos = [photos[p["id"]] for p in revision.photos if p["id"] in photos]
        if update.status == Update.Status.PUBLISHED:
            try:
                workflow.check_publishable(photos)
            except ValidationError as problems:
                for problem in problems.messages:
                    self.message_user(request, problem, messages.ERROR)
                return HttpResponseRedirect(back)
        update.headline, update.body = revision.headline, revision.body
        try:
            with transaction.atomic():
                update.save_edit(
                    by=request.user,
                    expected_revision=loaded_revision(request),
                    authors=[authors[a["id"]] for a in revision.authors if a["id"] in authors],
                    photos=photos,
                )
        except workflow.EditConflict as conflict:
            self.message_user(request, workflow.conflict_message(conflict.current), messages.ERROR)
            return HttpResponseRedirect(back)
        self.log_change(request, update, _("Restored the version saved at %(time)s.") % {
            "time": dateformat.format(timezone.localtime(revision.created_at), "Y-m-d g:i a T")
        })
        self.message_user(request, _("Restored the version saved at %(time)s; it is now the latest revision.") % {
            "time": dateformat.format(timezone.localtime(revision.created_at), "g:i a T")
        }, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:liveblogs_update_change", args=[update.pk]))

    def publish_view(self, request, object_id):
        """Publish one update from the list or its change form: the desk's second click."""
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:liveblogs_update_change", args=[object_id]))
        update = self._update_or_404(request, object_id)
        if not (self.has_publish_permission(request) and self.has_change_permission(request, update)):
            raise PermissionDenied
        back = request.POST.get("next") or request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = reverse("admin:liveblogs_update_changelist")
        if update.status == Update.Status.PUBLISHED:
            self.message_user(request, _("“%(update)s” was already published.") % {"update": update}, messages.INFO)
            return HttpResponseRedirect(back)
        try:
            update.publish(by=request.user)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, f"{update}: {message}", messages.ERROR)
        else:
            self.log_change(request, update, _("Published."))
            self.message_user(request, _("Published “%(update)s”.") % {"update": update}, messages.SUCCESS)
        return HttpResponseRedirect(back)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is not None and form.has_error(NON_FIELD_ERRORS, "edit_conflict"):
            # The heading names the update as it is now, not as this editor's stale form has it.
            context["original"] = obj = Update.objects.get(pk=obj.pk)
        context["can_publish_now"] = bool(
            obj is not None and obj.status in (Update.Status.SUBMITTED, Update.Status.DRAFT)
            and self.has_publish_permission(request) and self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("publish"))
    def publish_button(self, update):
        if update.status != Update.Status.SUBMITTED:
            return ""
        # The list is one form already (for actions): the button posts it to this update's own
        # publish address, which reads only the CSRF token from it.
        return format_html(
            '<button type="submit" class="button publish-now" formaction="{}" '
            'aria-label="{} {}">{}</button>',
            reverse("admin:liveblogs_update_publish", args=[update.pk]),
            _("Publish"), update.headline, _("Publish"),
        )

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        if not self.has_publish_permission(request):
            return [f for f in fields if f != "publish_button"]
        return fields

    @admin.display(description=_("live page"), ordering="live_page__title")
    def page(self, update):
        return Truncator(update.live_page.title).chars(40)

    @admin.display(description=_("byline"))
    def byline(self, update):
        return ", ".join(str(b.reporter) for b in update.bylines.all())

    @admin.display(description=_("photos"))
    def photo_thumbnails(self, update):
        return format_html_join(" ", "{}", ((thumbnail(row.photo, 40),) for row in update.update_photos.all()))

    def _each(self, request, queryset, do, done_message):
        """Apply ``do`` to each update. The workflow methods re-read each row under lock and
        write only status and flags, so an action never undoes a colleague's newer edit."""
        done = 0
        for update in queryset:
            try:
                with transaction.atomic():
                    do(update)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{update}: {message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish selected updates"), permissions=["publish"])
    def publish(self, request, queryset):
        self._each(
            request, queryset.exclude(status=Update.Status.PUBLISHED),
            lambda update: update.publish(by=request.user),
            lambda n: ngettext("%d update published.", "%d updates published.", n) % n,
        )

    @admin.action(description=_("Withdraw selected updates (hide from readers)"), permissions=["curate"])
    def withdraw(self, request, queryset):
        self._each(
            request, queryset.exclude(status=Update.Status.WITHDRAWN),
            lambda update: update.withdraw(by=request.user),
            lambda n: ngettext("%d update withdrawn.", "%d updates withdrawn.", n) % n,
        )

    @admin.action(description=_("Pin to the top of its page"), permissions=["curate"])
    def pin(self, request, queryset):
        pages = {}
        for update in queryset:
            pages.setdefault(update.live_page_id, update)
        if len(pages) < queryset.count():
            self.message_user(
                request, _("Only one update per page can be pinned; pinned the newest selected one."),
                messages.WARNING,
            )
        self._each(
            request, pages.values(), lambda update: update.pin(by=request.user),
            lambda n: ngettext("%d update pinned.", "%d updates pinned.", n) % n,
        )

    unpin = flag_action(
        "pinned", False, _("Unpin"), ["curate"],
        lambda n: ngettext("%d update unpinned.", "%d updates unpinned.", n) % n,
    )
    mark_key_event = flag_action(
        "key_event", True, _("Mark as key event"), ["curate"],
        lambda n: ngettext("%d update marked as a key event.", "%d updates marked as key events.", n) % n,
    )
    unmark_key_event = flag_action(
        "key_event", False, _("Unmark key event"), ["curate"],
        lambda n: ngettext("%d key event unmarked.", "%d key events unmarked.", n) % n,
    )

    def has_publish_permission(self, request):
        return policy.may_publish(request.user)

    def has_curate_permission(self, request):
        """Withdrawing, pinning and key events: ``policy.may_curate``."""
        return policy.may_curate(request.user)


@admin.register(Photo)
class PhotoAdmin(PolicyAdmin, admin.ModelAdmin):
    form = PhotoForm
    list_display = ["preview", "caption", "credit", "has_alt_text", "size", "uploaded_by", "created_at"]
    list_display_links = ["preview", "caption"]
    search_fields = ["caption", "credit", "alt_text"]
    list_filter = ["created_at"]
    fields = ["image", "large_preview", "caption", "credit", "alt_text", "size", "uploaded_by"]
    readonly_fields = ["large_preview", "size", "uploaded_by"]
    list_select_related = ["uploaded_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("photo"))
    def preview(self, photo):
        return thumbnail(photo, 60)

    @admin.display(description=_("preview"))
    def large_preview(self, photo):
        if not photo.pk:
            return ""
        return format_html(
            '<img src="{}" alt="{}" style="max-width:480px;height:auto">',
            photo.picture.jpeg_url(960),
            photo.alt_text,
        )

    @admin.display(description=_("alt text"), boolean=True)
    def has_alt_text(self, photo):
        return bool(photo.alt_text.strip())

    @admin.display(description=_("size"))
    def size(self, photo):
        return f"{photo.width} × {photo.height}" if photo.width else ""


@admin.register(Reporter)
class ReporterAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["name", "role", "user", "is_active", "update_count"]
    list_filter = ["is_active", "role"]
    search_fields = ["name", "role", "bio"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["headshot", "user"]
    list_select_related = ["user"]
    ordering = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            update_count=Count("updates", filter=Q(updates__status="published"))
        )

    @admin.display(description=_("published updates"), ordering="update_count")
    def update_count(self, reporter):
        return reporter.update_count


@admin.register(Series)
class SeriesAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "page_count"]
    ordering = ["name"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(page_count=Count("live_pages"))

    @admin.display(description=_("live pages"), ordering="page_count")
    def page_count(self, series):
        return series.page_count


@admin.register(Video)
class VideoAdmin(PolicyAdmin, admin.ModelAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ["title", "duration_display", "poster_preview", "created_at"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["poster"]
    list_select_related = ["poster"]

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, video):
        return video.duration_display()

    @admin.display(description=_("poster"))
    def poster_preview(self, video):
        return thumbnail(video.poster, 60)


@admin.register(Callout)
class CalloutAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "prompt", "page", "is_open", "accepting", "deadline", "submission_count", "new_count",
    ]
    list_filter = ["is_open", "live_page"]
    search_fields = ["prompt", "description"]
    autocomplete_fields = ["live_page"]
    list_select_related = ["live_page"]
    ordering = ["-created_at"]
    fields = [
        "live_page", "prompt", "description", ("is_open", "deadline"),
        ("ask_location", "ask_phone", "ask_photo"),
    ]
    actions = ["close_callouts", "export_submissions"]
    counts = {
        "submission_count": Count("submissions"),
        "new_count": Count("submissions", filter=Q(submissions__status="new")),
    }

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(**self.counts)

    @staticmethod
    def submissions_link(callout):
        url = reverse("admin:liveblogs_readersubmission_changelist")
        return format_html(
            '<a href="{}?callout__id__exact={}">{}</a>',
            url,
            callout.pk,
            ngettext("%(all)d submission (%(new)d new)", "%(all)d submissions (%(new)d new)",
                     callout.submission_count) % {"all": callout.submission_count,
                                                  "new": callout.new_count},
        )

    @admin.display(description=_("live page"), ordering="live_page__title")
    def page(self, callout):
        return Truncator(callout.live_page.title).chars(40)

    @admin.display(description=_("taking answers"), boolean=True)
    def accepting(self, callout):
        return callout.is_accepting

    @admin.display(description=_("new"), ordering="new_count")
    def new_count(self, callout):
        return callout.new_count or ""

    @admin.display(description=_("submissions"), ordering="submission_count")
    def submission_count(self, callout):
        return self.submissions_link(callout)

    @admin.action(description=_("Close selected callouts"), permissions=["change"])
    def close_callouts(self, request, queryset):
        closed = 0
        for callout in queryset.filter(is_open=True):
            callout.is_open = False
            callout.save()
            closed += 1
        self.message_user(request, ngettext(
            "%d callout closed.", "%d callouts closed.", closed) % closed, messages.SUCCESS)

    @admin.action(description=_("Export submissions (CSV)"), permissions=["view_submissions"])
    def export_submissions(self, request, queryset):
        from . import questions

        callouts = list(queryset)
        name = f"callout-{callouts[0].pk}" if len(callouts) == 1 else "callouts"
        return questions.export_csv(
            ReaderSubmission.objects.filter(callout__in=callouts),
            filename=f"{name}-submissions-{timezone.localdate():%Y-%m-%d}.csv",
            request=request,
        )

    def has_view_submissions_permission(self, request):
        return policy.may_see_submissions(request.user)


@admin.register(ReaderSubmission)
class ReaderSubmissionAdmin(PolicyAdmin, admin.ModelAdmin):
    """The queue: what readers sent, newest first, for the desk to shortlist, answer or reject."""

    change_form_template = "admin/liveblogs/readersubmission/change_form.html"
    list_display = [
        "short_body", "status", "name", "may_name", "may_contact", "photo_preview",
        "asked_for", "answered_in", "created_at",
    ]
    list_filter = ["status", "callout", "created_at", "live_page"]
    search_fields = ["body", "name", "email", "location"]
    autocomplete_fields = ["answered_by"]
    list_select_related = ["live_page", "callout", "photo", "answered_by"]
    date_hierarchy = "created_at"
    # Counts beside each filter choice: "New (4)" is what waits for the desk.
    show_facets = admin.ShowFacets.ALWAYS
    actions = ["shortlist", "reject", "mark_spam", "answer_in_update", "export_csv"]
    readonly_fields = [
        "live_page", "callout", "body", "name", "email", "location", "phone", "large_photo",
        "consent_publish", "consent_contact", "created_at", "answered_in",
    ]
    fields = [
        ("live_page", "callout"), "body", "large_photo", ("name", "location"), ("email", "phone"),
        ("consent_publish", "consent_contact"), "created_at", "status", "editor_notes",
        ("answered_by", "answered_in"),
    ]

    def has_add_permission(self, request):
        # Submissions come from readers.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "answered_by" in form.base_fields:
            # Answered in an update of the page the reader asked on.
            field = form.base_fields["answered_by"]
            field.queryset = field.queryset.filter(live_page_id=obj.live_page_id)
            field.error_messages["invalid_choice"] = _(
                "Choose an update of the live page this question was asked on."
            )
        return form

    def changelist_view(self, request, extra_context=None):
        new = self.get_queryset(request).filter(status=ReaderSubmission.Status.NEW).count()
        title = ngettext(
            "Reader submissions: %(count)d new", "Reader submissions: %(count)d new", new
        ) % {"count": new}
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def response_change(self, request, obj):
        if "_answer" in request.POST and self.has_change_permission(request, obj):
            return self._answer(request, ReaderSubmission.objects.filter(pk=obj.pk))
        return super().response_change(request, obj)

    @admin.display(description=_("question or story"))
    def short_body(self, submission):
        return Truncator(submission.body).chars(90)

    @admin.display(description=_("may name"), boolean=True, ordering="consent_publish")
    def may_name(self, submission):
        return submission.consent_publish

    @admin.display(description=_("may contact"), boolean=True, ordering="consent_contact")
    def may_contact(self, submission):
        return submission.consent_contact

    @admin.display(description=_("for"), ordering="callout__prompt")
    def asked_for(self, submission):
        """The callout, or the page for a general question: short, the queue is wide."""
        if submission.callout_id:
            return Truncator(submission.callout.prompt).chars(40)
        return format_html(
            "{} <small>({})</small>", _("General question"),
            Truncator(submission.live_page.title).chars(30),
        )

    @admin.display(description=_("photo"))
    def photo_preview(self, submission):
        return thumbnail(submission.photo, 40)

    @admin.display(description=_("photo"))
    def large_photo(self, submission):
        if not submission.photo_id:
            return "—"
        # A reader's photo is theirs, not the newsroom's: shown here, never offered elsewhere.
        return format_html(
            '<a href="{}"><img src="{}" alt="" style="max-width:360px;height:auto"></a>',
            submission.photo.original_url,
            submission.photo.picture.jpeg_url(960),
        )

    @admin.display(description=_("answer"), ordering="answered_by")
    def answered_in(self, submission):
        update = submission.answered_by
        if update is None:
            return ""
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("admin:liveblogs_update_change", args=[update.pk]),
            Truncator(update.headline).chars(50),
            update.get_status_display(),
        )

    def _set_status(self, request, queryset, status, message):
        count = queryset.exclude(status__in=[status, ReaderSubmission.Status.ANSWERED]).update(
            status=status
        )
        self.message_user(request, message(count), messages.SUCCESS)

    @admin.action(description=_("Shortlist selected submissions"), permissions=["change"])
    def shortlist(self, request, queryset):
        self._set_status(request, queryset, ReaderSubmission.Status.SHORTLISTED, lambda n: ngettext(
            "%d submission shortlisted.", "%d submissions shortlisted.", n) % n)

    @admin.action(description=_("Reject selected submissions"), permissions=["change"])
    def reject(self, request, queryset):
        self._set_status(request, queryset, ReaderSubmission.Status.REJECTED, lambda n: ngettext(
            "%d submission rejected.", "%d submissions rejected.", n) % n)

    @admin.action(description=_("Mark selected submissions as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        self._set_status(request, queryset, ReaderSubmission.Status.SPAM, lambda n: ngettext(
            "%d submission marked as spam.", "%d submissions marked as spam.", n) % n)

    @admin.action(
        description=_("Answer in an update (a draft quoting the selected questions)"),
        permissions=["change"],
    )
    def answer_in_update(self, request, queryset):
        return self._answer(request, queryset)

    def _answer(self, request, queryset):
        from . import questions

        if not policy.may_file(request.user):
            raise PermissionDenied
        already = [s for s in queryset.select_related("answered_by") if s.answered_by_id]
        for submission in already:
            self.message_user(request, _("“%(submission)s” is already answered in “%(update)s”.") % {
                "submission": Truncator(submission.body).chars(40),
                "update": submission.answered_by.headline,
            }, messages.WARNING)
        try:
            update = questions.answer_in_update(
                queryset.filter(answered_by__isnull=True).order_by("created_at"), by=request.user
            )
        except questions.CannotAnswer as problem:
            self.message_user(request, str(problem), messages.ERROR)
            return None
        self.message_user(request, format_html(
            _("Draft update “{}” made from {} on {}. Write the answer and publish it: the "
              "questions are then marked answered. <a href=\"{}\">Back to the submissions</a>"),
            update.headline,
            ngettext("%d submission", "%d submissions", update.answers.count())
            % update.answers.count(),
            update.live_page.title,
            reverse("admin:liveblogs_readersubmission_changelist") + f"?answered_by__id__exact={update.pk}",
        ), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:liveblogs_update_change", args=[update.pk]))

    @admin.action(description=_("Export selected submissions (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        from . import questions

        return questions.export_csv(
            queryset,
            filename=f"reader-submissions-{timezone.localdate():%Y-%m-%d}.csv",
            request=request,
        )


@admin.register(UpdateRevision)
class UpdateRevisionAdmin(admin.ModelAdmin):
    list_display = ["headline", "update", "status", "created_by", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["headline", "body"]
    list_select_related = ["update", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
