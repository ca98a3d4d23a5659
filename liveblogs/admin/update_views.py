"""The update's own admin pages: its history (revisions, with what each changed), restoring a
revision, and the desk's one-click publish."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from .. import diffs, workflow
from ..models import Photo, Reporter, Update
from .forms import loaded_revision


class UpdateViews:
    """The views ``UpdateAdmin`` adds to the admin's own (``get_urls``)."""

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
            (revision, diffs.changes_between(older, revision))
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
        saved_at = {"time": workflow.local_time(update, revision.created_at)}
        self.log_change(request, update, _("Restored the version saved at %(time)s.") % saved_at)
        self.message_user(request, _("Restored the version saved at %(time)s; it is now the latest revision.") % saved_at, messages.SUCCESS)
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

