"""HTTP caching for readers' pages of a live page.

A page's ``version`` rises with every change readers can see, so it is the ETag: a browser or CDN
revalidating an unchanged page gets a 304 for the price of one indexed query. Reader pages read no
session and no CSRF token, so they set no cookie and do not vary on Cookie: any shared cache may
keep them.
"""

from functools import wraps

from django.core.cache import cache
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from . import memo
from .conf import settings
from .models import LivePage

STATE_FIELDS = [
    "pk", "slug", "version", "key_points_version", "changed_at", "status", "time_zone", "language",
]


def page_state(request, slug):
    """What answering a revalidation needs of a public page: its version, last change, status.

    Kept in the shared cache (Redis in production) so most polls and revalidations touch no
    database, and for a second in this process (``memo``) so most touch no Redis either; a change
    to the page drops both when it commits (``bump_version``). On a miss, one indexed query. None
    for an unknown or draft page.
    """
    if not hasattr(request, "_liveblogs_page_state"):
        key = LivePage.state_cache_key(slug)
        state = memo.states.get(key)
        if state is None:
            state = cache.get(key)
            if state is None:
                state = (
                    LivePage.objects.public().filter(slug=slug).values(*STATE_FIELDS).first() or {}
                )
                cache.set(key, state, settings.STATE_CACHE_SECONDS)
            memo.states.set(key, state)
        request._liveblogs_page_state = state or None
    return request._liveblogs_page_state


def etag(request, slug, **kwargs):
    state = page_state(request, slug)
    return state and f'"{state["pk"]}-{state["version"]}"'


def last_modified(request, slug, **kwargs):
    state = page_state(request, slug)
    return state and state["changed_at"]


def reader_cache(view):
    """Answer revalidations with 304 and let shared caches keep the page: briefly while it is
    live (readers' browsers poll for what is new), for an hour once it is a recap."""
    conditional_view = condition(etag_func=etag, last_modified_func=last_modified)(view)

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        response = conditional_view(request, slug, **kwargs)
        state = page_state(request, slug)
        if state and response.status_code in (200, 304):
            live = state["status"] == LivePage.Status.LIVE
            patch_cache_control(
                response,
                public=True,
                max_age=settings.LIVE_MAX_AGE if live else settings.RECAP_MAX_AGE,
                stale_while_revalidate=30 if live else 86400,
            )
        return response

    return wrapper


def listing_cache(view):
    """Home, archive, series and reporter pages: the same for every reader, kept briefly by any
    cache, since they show what is live now."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=settings.LIVE_MAX_AGE)
        return response

    return wrapper
