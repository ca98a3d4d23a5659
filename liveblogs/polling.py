"""The polling protocol: ``/live/<slug>/changes.json?since=<version>``.

A reader's browser holds the version of the page it shows and asks what changed after it. Readers
at the same version ask the same URL, so a shared cache in front answers most of them; the origin
answers an unchanged page from the cached page state (``caching.page_state``) with a 304 or a tiny
body, and a changed one with a fixed number of queries however long the page is.
"""

import gzip
import json
import zoneinfo

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import memo
from .caching import page_state
from .conf import settings
from .fragments import with_html
from .languages import format_date, state_language
from .models import LivePage, Update


def render_update(update, page):
    return {
        "id": update.pk,
        "html": update.html,
        "published_at": update.published_at.isoformat(),
        "pinned": update.pinned,
        "key_event": update.key_event,
    }


def latest(page):
    """The pinned update and the newest ones, as the page shows them to a reader arriving now,
    with the "Show older updates" address when there are more."""
    pinned, shown, cursor = Update.objects.for_stream().filter(live_page=page).stream_batch()
    return [*pinned, *shown], (f"{page.get_absolute_url()}?before={cursor}" if cursor else None)


@require_safe
def changes(request, slug):
    """What changed on a live page after version ``since``: updates to show or replace, ids to
    remove, and The Latest when it changed. JSON; cacheable by anyone."""
    # Read from the query string itself: building request.GET costs more than the rest of a
    # poll that nothing changed for. A version is digits, never percent-encoded.
    query = dict(part.partition("=")[::2] for part in request.META.get("QUERY_STRING", "").split("&"))
    since = query.get("since", "")
    if not (since.isascii() and since.isdigit() and len(since) <= 18):
        return JsonResponse({"error": _("“since” must be a page version: a whole number.")}, status=400)
    since = int(since)
    state = page_state(request, slug)
    if state is None:
        return JsonResponse({"error": _("No live page has that address.")}, status=404)

    # Compressed once per answer, not per reader: a cache in front keeps the gzip body as it is.
    gzipped = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")  # (request.headers costs more)
    etag = f'"{state["pk"]}-{state["version"]}-{since}{"-gz" if gzipped else ""}"'
    # Most polls carry no condition: Django's checks only for those that do.
    response = None
    if not CONDITIONS.isdisjoint(request.META):
        response = get_conditional_response(request, etag=etag)
    if response is None:
        body, gzip_body = answer(state, since)
        response = HttpResponse(gzip_body if gzipped else body, content_type="application/json")
        if gzipped:
            response["Content-Encoding"] = "gzip"
    # Set whole rather than patched: this response has no other caching headers to merge with.
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = (
        LIVE_CACHE_CONTROL if state["status"] == LivePage.Status.LIVE else recap_cache_control()
    )
    return response


CONDITIONS = {
    "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE"
}
# A live page's answer changes with the next update: kept 5 s, then served stale while a cache
# asks again. A recap's rarely changes.
LIVE_CACHE_CONTROL = "public, max-age=5, stale-while-revalidate=30"


def recap_cache_control():
    return f"public, max-age={settings.RECAP_MAX_AGE}, stale-while-revalidate=86400"


def answer(state, since):
    """The JSON for readers at ``since``, and the same gzipped. Every reader at one version asks
    the same question, so the answer is made and compressed once per version and ``since``, kept
    in the shared cache, and for a second in this process (``memo``)."""
    # Every version from the future gets the same answer (start again): one entry for them all.
    asked = "ahead" if since > state["version"] else since
    key = f"liveblogs:changes:{state['pk']}:{state['version']}:{asked}"
    bodies = memo.answers.get(key)
    if bodies is not None:
        return bodies
    if since != state["version"]:  # nothing changed: no query to save, nothing to keep
        bodies = cache.get(key)
    if bodies is None:
        # The updates' HTML in the page's language (``languages.in_page_language`` for the
        # other views of a page; here the state is already at hand).
        with translation.override(state_language(state)):
            data = changes_since(state, since)
        body = json.dumps(data, cls=DjangoJSONEncoder).encode()
        bodies = body, gzip.compress(body, compresslevel=6, mtime=0)
        if since != state["version"]:
            cache.set(key, bodies, settings.CHANGES_CACHE_SECONDS)
    memo.answers.set(key, bodies)
    return bodies


def changes_since(state, since):
    live = state["status"] == LivePage.Status.LIVE
    data = {
        "version": state["version"],
        "status": state["status"],
        "updated": state["changed_at"].isoformat(),
        "poll_interval": settings.POLL_INTERVAL if live else None,
        "updates": [],
        "withdrawn": [],
    }
    if since == state["version"]:
        return data
    # When the page changed, as the page writes it under its title (language, time zone).
    data["updated_text"] = format_date(
        localtime(state["changed_at"], zoneinfo.ZoneInfo(state["time_zone"])), "page_updated"
    )
    # Enough of the page to render its updates, without loading the page row again.
    # Its real status too: an update's callout box asks readers in only while the page is live.
    page = LivePage(
        pk=state["pk"], slug=state["slug"], time_zone=state["time_zone"], status=state["status"],
        language=state_language(state),
    )
    # Changes up to the state's version only: the answer then depends on nothing but the version
    # and ``since``, which is what makes it safe to keep.
    # One query for what changed: published updates to show, the others to take away.
    changed = list(
        Update.objects.filter(
            live_page=page, page_version__gt=since, page_version__lte=state["version"]
        )
        .with_stream_related()
        .order_by("-page_version")[: settings.PAGE_SIZE + 1]
    )
    updates = [u for u in changed if u.status == Update.Status.PUBLISHED]
    withdrawn = [u.pk for u in changed if u.status != Update.Status.PUBLISHED]
    # A fresh reader, one from the future (the page was restored from a backup), or one too far
    # behind for a list of changes: give the latest updates to start again from.
    if since == 0 or since > state["version"] or len(updates) + len(withdrawn) > settings.PAGE_SIZE:
        updates, data["older_url"] = latest(page)
        withdrawn = []
        data["reset"] = since != 0
    data["updates"] = [render_update(update, page) for update in with_html(updates, page)]
    data["withdrawn"] = withdrawn
    if state["key_points_version"] > since or "older_url" in data:
        data["key_points_html"] = render_to_string(
            "liveblogs/_key_points.html", {"key_points": page.key_points.all()}
        )
    return data
