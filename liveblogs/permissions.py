"""Who may do what on the live desk: one policy for the admin, the filing pages and the queue.

Two groups of people use the desk (``roles.py``). **Editors** run every live page: they hold the
``change_livepage`` permission, and nothing else in the code spells "is an editor". **Reporters**
file to the pages whose *desk* (``LivePage.desk``) they are on; ``publish_update`` lets a trusted
one publish without an editor's approval, which a page that needs no approval gives everyone on
its desk.

The policy answers both kinds of question from the same rules, as Wagtail's permission policies
do: "may this user do this to this object" (``can_*``) and "which rows may this user see or use"
(querysets, ``*_for``). A form field that offers a choice takes its queryset from here, and so does
the admin list and the autocomplete that show it, so what a form accepts is what it offers.
"""

from django.db.models import Exists, OuterRef, Q


class DeskPolicy:
    """The live desk's rules. ``policy`` below is the one instance the app uses."""

    # Who someone is --------------------------------------------------------------------------

    def is_editor(self, user):
        """Editors run every live page, not only file to the ones whose desk they are on."""
        return user.has_perm("liveblogs.change_livepage")

    def may_file(self, user):
        """Filing updates at all (``/file/``, the admin's Add update)."""
        return user.has_perm("liveblogs.add_update")

    def may_publish(self, user):
        """Publishing without approval, on the pages this user may file to."""
        return user.has_perm("liveblogs.publish_update")

    def may_curate(self, user):
        """Withdrawing, pinning and marking key events place what readers see: editors' work,
        not that of a reporter trusted to publish their own updates."""
        return self.is_editor(user) and self.may_publish(user)

    def may_see_submissions(self, user):
        return user.has_perm("liveblogs.view_readersubmission") or user.has_perm(
            "liveblogs.change_readersubmission"
        )

    def may_see_updates(self, user):
        return user.has_perm("liveblogs.view_update") or user.has_perm("liveblogs.change_update")

    def may_see_pages(self, user):
        """Opening a live page's form in the admin (to read it, or to change it)."""
        return user.has_perm("liveblogs.view_livepage") or self.is_editor(user)

    # Live pages ------------------------------------------------------------------------------

    def pages_for(self, user):
        """Pages ``user`` may act on: every page for editors, their desk's for reporters."""
        from .models import LivePage

        if self.is_editor(user):
            return LivePage.objects.all()
        if not user.is_authenticated:
            return LivePage.objects.none()
        return LivePage.objects.filter(desk__user=user).distinct()

    def pages_to_file_to(self, user):
        """Pages a new update may be filed to, from ``/file/`` or the admin: those of
        ``pages_for`` that have not ended. A recap takes corrections to its updates, not new
        ones; reopen it first."""
        from .models import LivePage

        return self.pages_for(user).exclude(status=LivePage.Status.ENDED)

    def can_act_on(self, user, page):
        return self.pages_for(user).filter(pk=page.pk).exists()

    def can_publish(self, user, page):
        """Editors and reporters with the publish permission publish; so does the desk when the
        page needs no approval."""
        if not self.can_act_on(user, page):
            return False
        return self.may_publish(user) or not page.needs_approval

    # Updates ---------------------------------------------------------------------------------

    def updates_for(self, user):
        """Updates on the pages ``user`` may act on (the admin's list)."""
        from .models import Update

        return Update.objects.filter(live_page__in=self.pages_for(user))

    def updates_editable_by(self, user):
        """Updates ``user`` may change.

        Editors: any on their pages but withdrawn ones. Reporters: their own drafts and submitted
        updates, and their own published ones where they may publish (the ``publish_update``
        permission, or a page that needs no approval).
        """
        from .models import Update

        Status = Update.Status
        updates = self.updates_for(user).exclude(status=Status.WITHDRAWN)
        if self.is_editor(user):
            return updates
        own = updates.filter(created_by=user)
        if self.may_publish(user):
            return own
        # A scheduled update is approved to go out as it stands: like a published one, it is
        # changed only by those who may publish it.
        return own.filter(
            Q(status__in=[Status.DRAFT, Status.SUBMITTED], publish_at__isnull=True)
            | Q(status__in=[Status.DRAFT, Status.SUBMITTED, Status.PUBLISHED],
                live_page__needs_approval=False)
        )

    def can_change(self, user, update):
        """Whether ``user`` may change ``update`` in the admin's change form.

        Reporters change their own updates; a colleague's are the editors'. What readers see or
        saw (published, withdrawn), or will see at a set time (scheduled), takes the publish
        permission; withdrawn ones stay editable by
        editors in the admin (for the record), unlike in ``/file/``.
        """
        from .models import Update

        if not self.is_editor(user) and update.created_by_id != user.pk:
            return False
        if update.status in (Update.Status.PUBLISHED, Update.Status.WITHDRAWN) or update.publish_at:
            return self.may_publish(user)
        return user.has_perm("liveblogs.change_update")

    def can_schedule(self, user, page):
        """Setting, changing or cancelling an update's "publish at" time: publishing later is
        publishing, so whoever may publish on the page."""
        return self.can_publish(user, page)

    # Photos ----------------------------------------------------------------------------------

    def photos_usable_by(self, user):
        """Photos ``user`` may put in an update, a lead, a poster or a headshot, and change the
        words of: editors any but readers' (private to the moderation queue); anyone else their
        own uploads."""
        from .models import Photo, ReaderSubmission

        photos = Photo.objects.exclude(
            Exists(ReaderSubmission.objects.filter(photo=OuterRef("pk")))
        )
        if self.is_editor(user):
            return photos
        if not user.is_authenticated:
            return photos.none()
        return photos.filter(uploaded_by=user)

    def can_view_photo(self, user, photo):
        """Whether ``user`` may see a photo's private files: one they may use, one in an update
        on their pages, or, for those who moderate them, a reader's."""
        from .models import Photo

        if not user.is_authenticated:
            return False
        allowed = Q(pk__in=self.photos_usable_by(user).values("pk")) | Q(
            updates__in=self.updates_for(user)
        )
        if self.may_see_submissions(user):
            allowed |= Q(pk__in=self.submissions_for(user).values("photo"))
        return Photo.objects.filter(allowed, pk=photo.pk).exists()

    def can_change_photo(self, user, photo):
        """A photo's caption, credit and alt text show wherever it does: changed only by its
        uploader or an editor."""
        return self.photos_usable_by(user).filter(pk=photo.pk).exists()

    # Bylines, videos, callouts ---------------------------------------------------------------

    def reporters_for(self, user):
        """Reporters ``user`` may put in a byline: any for editors; for reporters themselves and
        the active reporters on the desks of their pages."""
        from .models import Reporter

        if self.is_editor(user):
            return Reporter.objects.all()
        if not user.is_authenticated:
            return Reporter.objects.none()
        return Reporter.objects.filter(
            Q(user=user) | Q(is_active=True, live_pages__in=self.pages_for(user))
        ).distinct()

    def videos_usable_by(self, user):
        """Videos are the newsroom's (made by editors, who alone may add them): any, for anyone
        who may use the admin."""
        from .models import Video

        return Video.objects.all() if user.is_authenticated else Video.objects.none()

    def callouts_for(self, user):
        from .models import Callout

        return Callout.objects.filter(live_page__in=self.pages_for(user))

    def submissions_for(self, user):
        """Reader submissions on the pages ``user`` may act on (moderating takes its own
        permissions, which only editors have)."""
        from .models import ReaderSubmission

        return ReaderSubmission.objects.filter(live_page__in=self.pages_for(user))

    # Choices in forms ------------------------------------------------------------------------

    def choices(self, user, model):
        """The rows of ``model`` a form may offer ``user`` for a foreign key or many-to-many, or
        None where any row will do (users, series)."""
        from .models import Callout, LivePage, Photo, ReaderSubmission, Reporter, Update, Video

        return {
            Photo: self.photos_usable_by,
            Reporter: self.reporters_for,
            Video: self.videos_usable_by,
            Callout: self.callouts_for,
            LivePage: self.pages_for,
            Update: self.updates_for,
            ReaderSubmission: self.submissions_for,
        }.get(model, lambda user: None)(user)


policy = DeskPolicy()
