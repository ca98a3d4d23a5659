"""HTTP caching for readers' pages of a live page.

A page's ``version`` rises with every change readers can see, so it is the ETag: a browser or CDN
revalidating an unchanged page gets a 304 for the price of one indexed query. Reader pages read no
session and no CSRF token, so they set no cookie and do not vary on Cookie: any shared cache may
keep them.
"""

from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
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


def kept_per_version(*, variant=None, not_for=()):
    """Keep a reader view's whole answer in the shared cache for each version of its page.

    Every reader of a page at one version gets the same bytes: the version is the ETag
    (``reader_cache``) and nothing on these pages depends on who asks. So the first request after
    a change renders the page (from its updates' kept HTML, ``fragments.py``) and the others,
    whichever server they reach, get that answer back with no query. The key holds the page's
    version and what else of its state the page reads (status, time zone, language), the address
    asked (absolute links name the host), and ``variant(request)``: which of its few forms the view
    makes of the parameters it reads (reduced to those, so no typed value makes another entry). A
    request with a parameter in ``not_for`` (an older batch's cursor: whatever a reader types) is
    rendered as before. Other parameters (a campaign's tag) change nothing and share the entry. A
    page that shows a callout with a deadline sets ``response.kept_until``: nothing changes when
    the deadline passes, so the answer is not kept past it.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, **kwargs):
            state = page_state(request, slug)
            if not state or any(name in request.GET for name in not_for):
                return view(request, slug, **kwargs)
            address = request.build_absolute_uri(request.path)
            key = (
                f"liveblogs:answer:{state['pk']}:{state['version']}:{state['status']}:"
                f"{state['time_zone']}:{state.get('language')}:{address}:"
                f"{variant(request) if variant else ''}"
            )
            kept = cache.get(key)
            if kept is not None and (kept["until"] is None or timezone.now() < kept["until"]):
                response = HttpResponse(kept["content"], status=kept["status"])
                for header, value in kept["headers"]:
                    response.headers[header] = value
                return response
            response = view(request, slug, **kwargs)
            until = getattr(response, "kept_until", None)
            if response.status_code == 200 and not response.streaming and (
                until is None or timezone.now() < until
            ):
                cache.set(key, {
                    "content": response.content,
                    "status": response.status_code,
                    "headers": list(response.headers.items()),
                    "until": until,
                }, settings.ANSWER_CACHE_SECONDS)
            return response

        return wrapper

    return decorator


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
