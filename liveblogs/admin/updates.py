"""Updates in the admin: the change form with its bylines and photos, the list and its actions.

Every action goes through the workflow (``workflow.py``), so each change moves the page's version
and leaves a revision, whether it comes from a form or a bulk action.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import workflow
from ..models import Update, UpdateAuthor, UpdatePhoto
from ..permissions import policy
from .forms import (
    CalloutSelect,
    OrderedInline,
    PolicyAdmin,
    UpdateAdminForm,
    UpdatePhotoFormSet,
    ordered_rows,
)
from .media import thumbnail
from .update_views import UpdateViews


class UpdateAuthorInline(OrderedInline):
    model = UpdateAuthor
    extra = 1
    autocomplete_fields = ["reporter"]
    fields = ["position", "reporter"]
    verbose_name = _("byline")
    verbose_name_plural = _("bylines, in order")




class UpdatePhotoInline(OrderedInline):
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
        return row.photo.alt_text or format_html('<strong class="lb-missing">{}</strong>', _("missing"))




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




class UpdateAdmin(UpdateViews, PolicyAdmin, admin.ModelAdmin):
    form = UpdateAdminForm
    change_form_template = "admin/liveblogs/update/change_form.html"
    list_display = [
        "headline", "page", "byline", "status", "schedule", "published_at", "pinned", "key_event",
        "photo_thumbnails", "publish_button",
    ]
    list_display_links = ["headline"]
    # Choices of only what this user's updates hold: a reporter learns no other page's name.
    list_filter = [
        "status", "key_event", "pinned", ("live_page", admin.RelatedOnlyFieldListFilter),
        ("authors", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["headline", "body"]
    # The page is a plain menu of the pages this user may file to (few: a recap takes none).
    autocomplete_fields = ["video"]
    date_hierarchy = "published_at"
    inlines = [UpdateAuthorInline, UpdatePhotoInline]
    list_select_related = ["live_page"]
    # Counts beside each filter choice: "Submitted for approval (3)" is the desk's queue.
    show_facets = admin.ShowFacets.ALWAYS
    actions = [
        "publish", "cancel_schedule", "withdraw", "pin", "unpin", "mark_key_event",
        "unmark_key_event",
    ]
    fieldsets = [
        # ``revision`` is a hidden field of the form, rendered by change_form.html without a label.
        (None, {"fields": ["live_page", "headline", "body", "video", "callout", "minor"]}),
        (_("Publishing"), {
            "fields": ["status", "publish_at", "published_at", ("pinned", "key_event")],
        }),
        (_("Correction"), {
            "fields": ["correction_note", "corrected_at"],
            "description": _("A note shown to readers with the update, with the time it was written."),
        }),
        (_("Who and when"), {"fields": [
            ("created_by", "created_at"), ("edited_by", "edited_at"), "revised_at",
            "scheduled_by", "published_by", "page_version",
        ]}),
    ]
    readonly_fields = [
        "created_by", "created_at", "edited_by", "edited_at", "revised_at", "corrected_at",
        "scheduled_by", "published_by", "page_version",
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
            kwargs["widget"] = CalloutSelect
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
        if "publish_at" in form.base_fields:
            zone = obj.live_page.time_zone if obj else timezone.get_current_timezone_name()
            form.base_fields["publish_at"].help_text = _(
                "In %(zone)s time, the live page's. Until then the update stays as it is, out of "
                "readers' sight; at that time it is published. Empty it to cancel."
            ) % {"zone": zone}
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
            fields += ["status", "publish_at", "published_at", "pinned", "key_event"]
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
        # After the commit, once the embeds the body brought were resolved (models.resolve_embeds).
        update = form.instance
        transaction.on_commit(lambda: [
            self.message_user(request, problem, messages.WARNING)
            for problem in update.embed_problems()
        ])

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Times are shown and typed in the live page's time zone, as its readers read them.
        zone = None
        if object_id and str(object_id).isdigit():
            zone = Update.objects.filter(pk=object_id).values_list(
                "live_page__time_zone", flat=True
            ).first()
        try:
            with timezone.override(zone or timezone.get_current_timezone()):
                return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.EditConflict as conflict:
            # Only if a save slipped in between the form's check and ours (the check locks the
            # row, so on PostgreSQL it cannot): nothing was written.
            self.message_user(request, workflow.conflict_message(conflict.current), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

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

    @admin.display(description=_("scheduled"), ordering="publish_at")
    def schedule(self, update):
        if update.publish_at is None:
            return ""
        time = workflow.local_time(update, update.publish_at)
        return _("Scheduled for %(time)s") % {"time": time}

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

    @admin.action(description=_("Cancel the schedule of selected updates"), permissions=["publish"])
    def cancel_schedule(self, request, queryset):
        self._each(
            request, queryset.filter(publish_at__isnull=False),
            lambda update: update.cancel_schedule(by=request.user),
            lambda n: ngettext("%d schedule cancelled.", "%d schedules cancelled.", n) % n,
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

