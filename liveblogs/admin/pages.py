"""Live pages, their series, The Latest, callouts and the reporters on their desks."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Callout, KeyPoint, LivePage, ReaderSubmission
from ..permissions import policy
from ..submissions import export_csv
from .desk import DeskViews
from .forms import AutocompleteSelect, OrderedInline, PolicyAdmin, PolicyInline


def desk_url(page):
    """The address of ``page``'s live desk, or None where the site's admin for live pages has none."""
    try:
        return reverse("admin:liveblogs_livepage_desk", args=[page.pk])
    except NoReverseMatch:
        return None


class KeyPointInline(OrderedInline):
    """The Latest, a row per point: its words in the inline editor, as wide as the form
    (admin.css), put in order by dragging or Move up and Move down (admin/ordering.js)."""

    model = KeyPoint
    extra = 1
    fields = ["position", "text"]
    verbose_name = _("key point")
    verbose_name_plural = _("The Latest — key points, in order")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "text":
            # A table cell has no label of its own: the editor is named for screen readers.
            field.widget.attrs["aria-label"] = _("Key point")
        return field


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




class TwinSelect(AutocompleteSelect):
    """The autocomplete of a page's translation: it offers pages in another language than the
    page's, never the page itself (``LivePageAdmin.get_search_results`` reads the two parameters
    it adds to the autocomplete's address). The page's ``clean`` has the last word, for an
    editor who changes the language in the same form."""

    page = None
    language = None

    def get_url(self):
        asked = {"twin_language_not": self.language or ""}
        if self.page is not None:
            asked["twin_of"] = self.page
        return f"{super().get_url()}?{urlencode(asked)}"


class LivePageAdmin(DeskViews, PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "title", "status_badge", "series", "coverage_start", "published_count", "waiting_count",
        "desk_link",
    ]
    # Choices of only what this user's rows hold: a reporter learns no other page's name.
    list_filter = [
        "status", ("series", admin.RelatedOnlyFieldListFilter),
        ("desk", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "standfirst", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["series", "lead_photo", "lead_video", "desk", "twin"]
    date_hierarchy = "coverage_start"
    inlines = [KeyPointInline, CalloutInline]
    readonly_fields = ["version", "changed_at"]
    list_select_related = ["series"]
    ordering = ["-coverage_start"]  # annotated querysets drop Meta.ordering
    actions = ["go_live", "end_coverage"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "series", "standfirst", "status"]}),
        (_("Coverage"), {"fields": [("coverage_start", "coverage_end"), "time_zone"]}),
        (_("Language"), {"fields": ["language", "twin"]}),
        (_("Lead media"), {"fields": ["lead_photo", "lead_video"],
                           "description": _("A photo or a video, not both.")}),
        (_("Desk"), {"fields": ["desk", "needs_approval"]}),
        (_("For readers' browsers"), {"fields": ["version", "changed_at"], "classes": ["collapse"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "time_zone":
            # Its default is a callable, so Django adds a hidden copy of the initial value, and
            # gives it the field's aria-describedby, which HTML forbids on a hidden input. The
            # default is a plain string: comparing with it needs no copy.
            formfield.show_hidden_initial = False
        if db_field.name == "language":
            # One of the site's languages, by name; the model's validator has the same list.
            formfield = forms.TypedChoiceField(
                label=formfield.label, help_text=formfield.help_text, choices=settings.LANGUAGES,
                initial=formfield.initial, validators=formfield.validators,
            )
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "twin":
            kwargs["widget"] = TwinSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        twin = form.base_fields.get("twin")
        if twin is not None:
            select = getattr(twin.widget, "widget", twin.widget)  # inside the add/change links
            select.page = obj.pk if obj is not None else None
            select.language = obj.language if obj is not None else settings.LANGUAGE_CODE
        return form

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "livepage" and request.GET.get("field_name") == "twin":
            # The translation's autocomplete (``TwinSelect``): pages in another language.
            if language := request.GET.get("twin_language_not"):
                queryset = queryset.exclude(language=language)
            if (page := request.GET.get("twin_of", "")).isdigit():
                queryset = queryset.exclude(pk=page)
        return queryset, may_have_duplicates

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

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        return fields if policy.may_curate(request.user) else [f for f in fields if f != "desk_link"]

    @admin.display(description=_("desk"))
    def desk_link(self, page):
        url = desk_url(page)
        return format_html('<a href="{}">{}</a>', url, _("Open the desk")) if url else ""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            # Where the page's work happens: its desk (editors'; drafts and recaps too: going live
            # and reopening are there), and its updates.
            context["desk_url"] = desk_url(obj) if policy.may_curate(request.user) else None
            if policy.may_see_updates(request.user):
                context["updates_url"] = (
                    reverse("admin:liveblogs_update_changelist") + f"?live_page__id__exact={obj.pk}"
                )
                # As the list counts them: the updates this user may see.
                context["update_count"] = policy.updates_for(request.user).filter(
                    live_page=obj
                ).count()
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, page):
        return format_html(
            '<span class="lb-status lb-status-{}">{}</span>', page.status, page.get_status_display()
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



class CalloutAdmin(PolicyAdmin, admin.ModelAdmin):
    list_display = [
        "prompt", "page", "is_open", "accepting", "deadline", "submission_count", "new_count",
    ]
    list_filter = ["is_open", ("live_page", admin.RelatedOnlyFieldListFilter)]
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
        callouts = list(queryset)
        name = f"callout-{callouts[0].pk}" if len(callouts) == 1 else "callouts"
        return export_csv(
            ReaderSubmission.objects.filter(callout__in=callouts),
            filename=f"{name}-submissions-{timezone.localdate():%Y-%m-%d}.csv",
            request=request,
        )

    def has_view_submissions_permission(self, request):
        return policy.may_see_submissions(request.user)




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


