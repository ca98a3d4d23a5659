"""Reader-facing pages. Only public pages and published updates ever reach these templates."""

from django.conf import settings as django_settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

from .caching import kept_per_version, listing_cache, reader_cache
from .conf import settings
from .filters import LivePageFilter
from .fragments import with_html
from .languages import alternates, in_page_language
from .models import LivePage, Reporter, Series, Update
from .structured_data import first_image, live_blog_posting, share_tags, update_posting


@require_safe
@listing_cache
def home(request):
    """What is live now, then the six latest recaps, with a way into the archive."""
    pages = LivePage.objects.cards()
    return render(
        request,
        "liveblogs/home.html",
        {
            "live_pages": pages.filter(status=LivePage.Status.LIVE).with_update_counts(),
            "recaps": pages.filter(status=LivePage.Status.ENDED)[:6].with_update_counts(),
            "share": share_tags(
                request, kind="website", title=_("Live coverage"),
                description=_("What %(publisher)s is covering live now, and the latest recaps.")
                % {"publisher": settings.PUBLISHER_NAME},
                url=request.build_absolute_uri(reverse("liveblogs:home")),
            ),
        },
    )


@require_safe
@listing_cache
def livepage_list(request):
    """The archive: live pages and recaps, newest first (best match first when searching),
    filtered and paginated. Filters or a page number that cannot be used are explained on the
    page and left out; they never turn the archive into an error page."""
    filterset = LivePageFilter(request.GET, queryset=LivePage.objects.cards())
    search = filterset.search()
    # A search lists what matched, pages and updates, best first; otherwise the pages.
    paginator = Paginator(filterset.qs if search is None else search, settings.ARCHIVE_PAGE_SIZE)
    asked = request.GET.get("page", "1")
    page_notice = ""
    try:
        number = paginator.validate_number(asked)
    except PageNotAnInteger:
        number = 1
        page_notice = _("“%(asked)s” is not a page number, so here is the first page.") % {
            "asked": asked[:20]
        }
    except EmptyPage:
        number = paginator.num_pages if int(asked) > 1 else 1
        if number > 1:
            page_notice = _("There are only %(count)d pages, so here is the last one.") % {
                "count": number
            }
    page_obj = paginator.page(number)
    if search is None:
        page_obj.object_list = page_obj.object_list.with_update_counts()
    else:
        # The matched pages as cards: one query for those on this page of results.
        matched = [entry.live_page_id for entry in page_obj if entry.update_id is None]
        cards = {
            page.pk: page
            for page in LivePage.objects.cards().filter(pk__in=matched).with_update_counts()
        } if matched else {}
        for entry in page_obj:
            entry.card = cards.get(entry.live_page_id) if entry.update_id is None else None
    return render(
        request,
        "liveblogs/livepage_list.html",
        {
            "filterset": filterset,
            "search": search,
            "problems": filterset.problems,
            "page_obj": page_obj,
            "page_notice": page_notice,
            "query": filterset.usable_query(),
            # Every filtered or searched list has the archive (at this page number) as its
            # canonical page.
            "share": share_tags(
                request, kind="website", title=_("Live pages and recaps"),
                description=_(
                    "Every live page and recap from %(publisher)s: search them, or list them"
                    " by series, reporter, status and date."
                ) % {"publisher": settings.PUBLISHER_NAME},
                url=request.build_absolute_uri(
                    reverse("liveblogs:livepage_list") + (f"?page={number}" if number > 1 else "")
                ),
            ),
        },
    )


def ask_url(page):
    """Where readers send questions, once the site has the form (it may not)."""
    try:
        return reverse("liveblogs:ask", kwargs={"slug": page.slug})
    except NoReverseMatch:
        return None


def first_deadline(callouts):
    """When the first of these callouts stops taking answers by itself, or None: a deadline
    passing saves nothing, so no version moves to tell a kept answer (``kept_per_version``)."""
    return min(
        (c.deadline for c in callouts if c is not None and c.deadline and c.is_accepting),
        default=None,
    )


def key_events_only(request):
    return request.GET.get("key") == "1"


@require_safe
@reader_cache
@kept_per_version(variant=key_events_only, not_for=["before"])
@in_page_language
def livepage_detail(request, slug):
    """The live page: The Latest, key events, then updates, pinned first and newest first.

    ``?key=1`` keeps key events only; ``?before=<cursor>`` continues with older updates.
    """
    page = get_object_or_404(
        LivePage.objects.public().select_related(
            "series", "lead_photo", "lead_video__poster", "twin"
        ),
        slug=slug,
    )
    key_only = key_events_only(request)
    before = request.GET.get("before")
    updates = Update.objects.for_stream().filter(live_page=page)
    if key_only:
        updates = updates.filter(key_event=True)
    pinned, shown, next_cursor = updates.stream_batch(before)
    # Each update's structured data and HTML are kept per update version: only the updates
    # new or changed since have their bylines, photos and embeds fetched (once, for both).
    structured_data = live_blog_posting(request, page, [*pinned, *shown])
    with_html([*pinned, *shown], page)
    # The latest few only, so the page costs the same at 10 updates and at 10,000;
    # "Show key events only" lists them all.
    key_events = list(
        Update.objects.visible()
        .filter(live_page=page, key_event=True)
        .newest_first()
        .values("pk", "headline", "published_at")[: settings.KEY_EVENTS]
    )
    on_this_page = {u.pk for u in [*pinned, *shown]}
    for event in key_events:
        event["here"] = event["pk"] in on_this_page
    callout = page.open_callout() if page.is_live else None
    response = render(
        request,
        "liveblogs/livepage_detail.html",
        {
            "page": page,
            "key_points": page.key_points.all(),
            "key_events": key_events,
            "key_only": key_only,
            "older": bool(before),
            "pinned": pinned,
            "updates": shown,
            "next_cursor": next_cursor,
            "poll_interval": settings.POLL_INTERVAL,
            "callout": callout,
            "ask_url": ask_url(page) if page.is_live else None,
            "structured_data": structured_data,
            "alternates": alternates(request, page),
            "share": share_tags(
                request,
                title=page.title,
                description=page.standfirst,
                url=request.build_absolute_uri(page.get_absolute_url()),
                image=first_image(page),
            ),
        },
    )
    response.kept_until = first_deadline([callout, *(u.callout for u in [*pinned, *shown])])
    return response


@require_safe
@reader_cache
@kept_per_version()
@in_page_language
def update_detail(request, slug, pk):
    """One update on its own page, to share, with the way back to its place on the live page."""
    update = get_object_or_404(
        Update.objects.for_readers().select_related(
            "live_page__series", "live_page__lead_photo", "live_page__lead_video__poster"
        ),
        live_page__slug=slug,
        pk=pk,
    )
    page = update.live_page
    with_html([update], page, headline_level=1)
    photos = [row.photo for row in update.update_photos.all()]
    response = render(
        request,
        "liveblogs/update_detail.html",
        {
            "page": page,
            "update": update,
            "share": share_tags(
                request,
                title=update.headline,
                description=update.body,
                url=request.build_absolute_uri(update.get_absolute_url()),
                image=photos[0] if photos else first_image(page),
                video=update.video,
            ),
            "structured_data": update_posting(request, page, update),
        },
    )
    response.kept_until = first_deadline([update.callout])
    return response


@require_safe
@listing_cache
def series_detail(request, slug):
    """A series and its newest live pages and recaps; the archive, filtered to it, has the rest."""
    series = get_object_or_404(Series, slug=slug)
    # One more than we show tells us whether to link to the rest, without counting.
    pages = (
        LivePage.objects.cards().filter(series=series)[: settings.ARCHIVE_PAGE_SIZE + 1]
        .with_update_counts()
    )
    if not pages:
        # A series whose pages are all drafts may be an embargoed story: it does not exist yet.
        raise Http404(_("No public live pages in this series."))
    return render(
        request,
        "liveblogs/series_detail.html",
        {
            "series": series,
            "pages": pages[: settings.ARCHIVE_PAGE_SIZE],
            "has_more": len(pages) > settings.ARCHIVE_PAGE_SIZE,
            "share": share_tags(
                request, kind="website", title=series.name,
                description=series.description
                or _("Live pages and recaps in the series %(series)s.") % {"series": series.name},
                url=request.build_absolute_uri(series.get_absolute_url()),
                image=first_image(pages[0]),
            ),
        },
    )


@require_safe
@listing_cache
def reporter_detail(request, slug):
    """An active reporter's profile and their 20 latest published updates on public pages:
    headline, page and time only, each linking to the update's permalink."""
    reporter = get_object_or_404(
        Reporter.objects.filter(is_active=True).select_related("headshot"), slug=slug
    )
    updates = (
        Update.objects.visible()
        .filter(authors=reporter)
        .select_related("live_page")
        .only(
            "headline", "published_at",
            "live_page__slug", "live_page__title", "live_page__time_zone", "live_page__language",
        )
        .order_by("-published_at", "-pk")
    )
    return render(
        request,
        "liveblogs/reporter_detail.html",
        {
            "reporter": reporter,
            "updates": updates[:20],
            "share": share_tags(
                request, kind="profile", title=reporter.name,
                description=reporter.bio
                or _("The latest updates by %(name)s.") % {"name": reporter.name},
                url=request.build_absolute_uri(reporter.get_absolute_url()),
                image=reporter.headshot,
            ),
        },
    )


@require_safe
def javascript_catalog(request, language):
    """Our scripts' words in one language (``gettext``, ``ngettext``, ``interpolate`` … as
    Django's ``JavaScriptCatalog`` defines them). The language is in the address, never taken from
    a cookie or ``Accept-Language``, so a shared cache keeps each language once. The rich-text
    editor's own words (django-prose-editor's catalogue) come with ours; ours win where both have
    a word."""
    if language not in dict(django_settings.LANGUAGES):
        raise Http404(_("No such language."))
    with translation.override(language):
        response = JavaScriptCatalog.as_view(packages=["django_prose_editor", "liveblogs"])(request)
    # Not a hashed static file: a day in caches is as late as a new translation may arrive.
    patch_cache_control(response, public=True, max_age=3600, stale_while_revalidate=86400)
    return response
