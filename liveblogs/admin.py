"""The editors' desk. Every action goes through the model's workflow methods, so each change
moves the page's version and leaves a revision, whether it comes from a form or a bulk action."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .forms import PhotoForm
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


class DeskScopedAdmin(admin.ModelAdmin):
    """Editors see every page; anyone else only the pages whose desk they are on."""

    desk_lookup = "live_page"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm("liveblogs.change_livepage"):
            return queryset
        pages = LivePage.objects.on_desk_of(request.user)
        return queryset.filter(**{f"{self.desk_lookup}__in": pages})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "live_page":
            kwargs["queryset"] = LivePage.objects.on_desk_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Editors paste links without a scheme; assume the secure one (Django 6's default).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class KeyPointInline(admin.TabularInline):
    model = KeyPoint
    formfield_overrides = HTTPS_LINKS
    extra = 1
    fields = ["position", "text", "link"]
    verbose_name = _("key point")
    verbose_name_plural = _("The Latest — key points, in order (lowest position first)")


class CalloutInline(admin.StackedInline):
    model = Callout
    extra = 0
    fields = ["prompt", "description", ("is_open", "deadline"), ("ask_location", "ask_phone", "ask_photo")]
    show_change_link = True


@admin.register(LivePage)
class LivePageAdmin(DeskScopedAdmin):
    desk_lookup = "pk"
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


class UpdateAuthorInline(admin.TabularInline):
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
        if self.instance.status != Update.Status.PUBLISHED:
            return
        problems = [
            problem
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))
            and (photo := form.cleaned_data.get("photo")) is not None
            and (problem := photo.publishing_problem())
        ]
        if problems:
            raise ValidationError(problems)


class UpdatePhotoInline(admin.TabularInline):
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


class RevisionInline(admin.TabularInline):
    model = UpdateRevision
    extra = 0
    can_delete = False
    fields = ["created_at", "created_by", "status", "headline"]
    readonly_fields = fields
    verbose_name_plural = _("history")
    classes = ["collapse"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Update)
class UpdateAdmin(DeskScopedAdmin):
    list_display = [
        "headline", "page", "byline", "status", "published_at", "pinned", "key_event",
        "photo_thumbnails",
    ]
    list_display_links = ["headline"]
    list_filter = ["status", "key_event", "pinned", "live_page", "authors"]
    search_fields = ["headline", "body"]
    autocomplete_fields = ["live_page", "video"]
    date_hierarchy = "published_at"
    inlines = [UpdateAuthorInline, UpdatePhotoInline, RevisionInline]
    list_select_related = ["live_page"]
    # Counts beside each filter choice: "Submitted for approval (3)" is the desk's queue.
    show_facets = admin.ShowFacets.ALWAYS
    actions = ["publish", "withdraw", "pin", "unpin", "mark_key_event", "unmark_key_event"]
    fieldsets = [
        (None, {"fields": ["live_page", "headline", "body", "video"]}),
        (_("Publishing"), {"fields": ["status", "published_at", ("pinned", "key_event")]}),
        (_("Correction"), {"fields": ["correction_note", "corrected_at"], "classes": ["collapse"]}),
        (_("Who and when"), {"fields": [
            ("created_by", "created_at"), ("edited_by", "edited_at"), "published_by", "page_version",
        ]}),
    ]
    readonly_fields = [
        "created_by", "created_at", "edited_by", "edited_at", "published_by", "page_version",
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

    def has_delete_permission(self, request, obj=None):
        # Withdraw instead: the row and its history stay.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("liveblogs.publish_update"):
            # What readers see of placement and timing is the desk's call.
            fields += ["status", "published_at", "pinned", "key_event"]
        if obj is not None:
            # Moving an update between pages would leave it on the old page's readers' screens.
            fields.append("live_page")
        return fields

    def has_change_permission(self, request, obj=None):
        # Without the publish permission, what readers already see (or saw) is read-only.
        if obj is not None and obj.status in (Update.Status.PUBLISHED, Update.Status.WITHDRAWN):
            return request.user.has_perm("liveblogs.publish_update")
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if obj.status == Update.Status.PUBLISHED and "status" in form.changed_data:
            obj.published_by = request.user
        if not change:
            obj.created_by = request.user
        obj.edited_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Now the bylines and photos are saved too: this is the update as the editor left it.
        form.instance.record_revision(by=request.user)

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
        done = 0
        for update in queryset:
            try:
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

    @admin.action(description=_("Withdraw selected updates (hide from readers)"), permissions=["publish"])
    def withdraw(self, request, queryset):
        self._each(
            request, queryset.exclude(status=Update.Status.WITHDRAWN),
            lambda update: update.withdraw(by=request.user),
            lambda n: ngettext("%d update withdrawn.", "%d updates withdrawn.", n) % n,
        )

    @admin.action(description=_("Pin to the top of its page"), permissions=["publish"])
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
        "pinned", False, _("Unpin"), ["publish"],
        lambda n: ngettext("%d update unpinned.", "%d updates unpinned.", n) % n,
    )
    mark_key_event = flag_action(
        "key_event", True, _("Mark as key event"), ["publish"],
        lambda n: ngettext("%d update marked as a key event.", "%d updates marked as key events.", n) % n,
    )
    unmark_key_event = flag_action(
        "key_event", False, _("Unmark key event"), ["publish"],
        lambda n: ngettext("%d key event unmarked.", "%d key events unmarked.", n) % n,
    )

    def has_publish_permission(self, request):
        return request.user.has_perm("liveblogs.publish_update")


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    form = PhotoForm
    list_display = ["preview", "caption", "credit", "has_alt_text", "size", "uploaded_by", "created_at"]
    list_display_links = ["preview", "caption"]
    search_fields = ["caption", "credit", "alt_text"]
    list_filter = ["created_at"]
    fields = ["image", "large_preview", "caption", "credit", "alt_text", "size", "uploaded_by"]
    readonly_fields = ["large_preview", "size", "uploaded_by"]
    list_select_related = ["uploaded_by"]

    def get_queryset(self, request):
        # A photo can show on any page; only editors may change those they did not upload.
        queryset = super().get_queryset(request)
        if request.user.has_perm("liveblogs.change_livepage"):
            return queryset
        return queryset.filter(uploaded_by=request.user)

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
class ReporterAdmin(admin.ModelAdmin):
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
class SeriesAdmin(admin.ModelAdmin):
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
class VideoAdmin(admin.ModelAdmin):
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
class CalloutAdmin(DeskScopedAdmin):
    list_display = ["prompt", "live_page", "is_open", "deadline", "submission_count"]
    list_filter = ["is_open", "live_page"]
    search_fields = ["prompt", "description"]
    autocomplete_fields = ["live_page"]
    list_select_related = ["live_page"]
    ordering = ["-created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(submission_count=Count("submissions"))

    @admin.display(description=_("submissions"), ordering="submission_count")
    def submission_count(self, callout):
        return callout.submission_count


@admin.register(ReaderSubmission)
class ReaderSubmissionAdmin(DeskScopedAdmin):
    list_display = ["short_body", "name", "live_page", "callout", "status", "consent_publish", "consent_contact", "created_at"]
    list_filter = ["status", "callout", "live_page", "created_at"]
    search_fields = ["body", "name", "email", "location"]
    autocomplete_fields = ["answered_by"]
    list_select_related = ["live_page", "callout"]
    date_hierarchy = "created_at"
    readonly_fields = ["live_page", "callout", "body", "name", "email", "location", "phone", "consent_publish", "consent_contact", "created_at"]
    fields = [
        ("live_page", "callout"), "body", ("name", "location"), ("email", "phone"),
        ("consent_publish", "consent_contact"), "created_at", "status", "editor_notes", "answered_by",
    ]

    def has_add_permission(self, request):
        # Submissions come from readers.
        return False

    @admin.display(description=_("question or story"))
    def short_body(self, submission):
        return submission.body[:90]


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
