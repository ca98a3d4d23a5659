"""Template tags for the editors' admin."""

from django import template
from django.urls import reverse

from ..admin import pages as page_admin
from ..models import LivePage, ReaderSubmission, Update
from ..permissions import policy

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_queue(context):
    """What waits for the desk: updates submitted for approval and new reader submissions, on
    the pages this user may see, each with the admin list it links to. Only what the user may
    view is counted; an empty list when there is nothing they may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return []
    queue = []
    if policy.may_see_updates(user):
        count = policy.updates_for(user).filter(status=Update.Status.SUBMITTED).count()
        queue.append({
            "count": count, "kind": "updates",
            "url": reverse("admin:liveblogs_update_changelist") + "?status__exact=submitted",
        })
    if policy.may_see_submissions(user):
        count = policy.submissions_for(user).filter(status=ReaderSubmission.Status.NEW).count()
        queue.append({
            "count": count, "kind": "submissions",
            "url": reverse("admin:liveblogs_readersubmission_changelist") + "?status__exact=new",
        })
    return queue


@register.simple_tag(takes_context=True)
def live_now(context):
    """The live pages this user may act on (``policy.pages_for``), newest first, each with its
    desk's address (None where the site has no desk) and its change form's (None where they may
    not see it); none for someone who may open neither a page nor its updates."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return []
    may_view = policy.may_see_pages(user)
    if not (may_view or policy.may_see_updates(user)):
        return []  # nothing of a page's they could open
    pages = policy.pages_for(user).filter(status=LivePage.Status.LIVE).order_by("-coverage_start")
    return [
        {
            "page": page,
            "desk_url": page_admin.desk_url(page),
            "change_url": reverse("admin:liveblogs_livepage_change", args=[page.pk])
            if may_view else None,
        }
        for page in pages
    ]
