"""Reader submissions: the queue the desk shortlists, answers or rejects."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import ReaderSubmission
from ..permissions import policy
from ..submissions import CannotAnswer, answer_in_update, export_csv
from .forms import PolicyAdmin
from .media import thumbnail


class ReaderSubmissionAdmin(PolicyAdmin, admin.ModelAdmin):
    """The queue: what readers sent, newest first, for the desk to shortlist, answer or reject."""

    change_form_template = "admin/liveblogs/readersubmission/change_form.html"
    list_display = [
        "short_body", "status", "name", "may_name", "may_contact", "photo_preview",
        "asked_for", "answer_link", "created_at",
    ]
    list_filter = [
        "status", ("callout", admin.RelatedOnlyFieldListFilter), "created_at",
        ("live_page", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["body", "name", "email", "location"]
    autocomplete_fields = ["answered_in"]
    list_select_related = ["live_page", "callout", "photo", "answered_in"]
    date_hierarchy = "created_at"
    # Counts beside each filter choice: "New (4)" is what waits for the desk.
    show_facets = admin.ShowFacets.ALWAYS
    actions = ["shortlist", "reject", "mark_spam", "answer_in_update", "export_csv"]
    readonly_fields = [
        "live_page", "callout", "body", "name", "email", "location", "phone", "large_photo",
        "consent_publish", "consent_contact", "created_at", "answer_link",
    ]
    fields = [
        ("live_page", "callout"), "body", "large_photo", ("name", "location"), ("email", "phone"),
        ("consent_publish", "consent_contact"), "created_at", "status", "editor_notes",
        ("answered_in", "answer_link"),
    ]

    def has_add_permission(self, request):
        # Submissions come from readers.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None and "answered_in" in form.base_fields:
            # Answered in an update of the page the reader asked on.
            field = form.base_fields["answered_in"]
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

    def render_change_form(self, request, context, *args, **kwargs):
        # "Answer in an update" makes a draft: for those who may file updates.
        context["can_answer"] = policy.may_file(request.user)
        return super().render_change_form(request, context, *args, **kwargs)

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
            '<a href="{}"><img src="{}" alt="" class="lb-preview-reader"></a>',
            submission.photo.original_url,
            submission.photo.picture.jpeg_url(960),
        )

    @admin.display(description=_("answer"), ordering="answered_in")
    def answer_link(self, submission):
        update = submission.answered_in
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
        if not policy.may_file(request.user):
            raise PermissionDenied
        already = [s for s in queryset.select_related("answered_in") if s.answered_in_id]
        for submission in already:
            self.message_user(request, _("“%(submission)s” is already answered in “%(update)s”.") % {
                "submission": Truncator(submission.body).chars(40),
                "update": submission.answered_in.headline,
            }, messages.WARNING)
        try:
            update = answer_in_update(
                queryset.filter(answered_in__isnull=True).order_by("created_at"), by=request.user
            )
        except CannotAnswer as problem:
            self.message_user(request, str(problem), messages.ERROR)
            return None
        self.message_user(request, format_html(
            _("Draft update “{}” made from {} on {}. Write the answer and publish it: the "
              "questions are then marked answered. <a href=\"{}\">Back to the submissions</a>"),
            update.headline,
            ngettext("%d submission", "%d submissions", update.answers.count())
            % update.answers.count(),
            update.live_page.title,
            reverse("admin:liveblogs_readersubmission_changelist") + f"?answered_in__id__exact={update.pk}",
        ), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:liveblogs_update_change", args=[update.pk]))

    @admin.action(description=_("Export selected submissions (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        return export_csv(
            queryset,
            filename=f"reader-submissions-{timezone.localdate():%Y-%m-%d}.csv",
            request=request,
        )


