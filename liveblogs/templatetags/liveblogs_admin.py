"""Template tags for the editors' admin."""

from django import template
from django.urls import reverse

from ..models import ReaderSubmission, Update
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
