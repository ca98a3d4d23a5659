"""Reader-facing pages. Only public pages and published updates ever reach these templates."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .conf import settings
from .models import LivePage, Reporter, Series, Update, UpdateAuthor, UpdatePhoto


def updates_for_readers():
    """Published updates with everything ``_update.html`` shows, in a fixed number of queries."""
    return Update.objects.visible().select_related("video__poster").prefetch_related(
        Prefetch("bylines", queryset=UpdateAuthor.objects.select_related("reporter")),
        Prefetch("update_photos", queryset=UpdatePhoto.objects.select_related("photo")),
    )


def public_pages():
    return (
        LivePage.objects.public()
        .select_related("series", "lead_photo", "lead_video__poster")
        .annotate(update_count=Count("updates", filter=Q(updates__status=Update.Status.PUBLISHED)))
    )


@require_GET
def home(request):
    """What is live now, then the latest recaps."""
    pages = public_pages()
    return render(
        request,
        "liveblogs/home.html",
        {
            "live_pages": pages.filter(status=LivePage.Status.LIVE),
            "recaps": pages.filter(status=LivePage.Status.ENDED)[:6],
        },
    )


@require_GET
def livepage_list(request):
    """Every live page and recap, newest first."""
    return render(request, "liveblogs/livepage_list.html", {"pages": public_pages()})


@require_GET
def livepage_detail(request, slug):
    """The live page: The Latest, then its updates, pinned first and newest first."""
    page = get_object_or_404(
        LivePage.objects.public().select_related("series", "lead_photo", "lead_video__poster"),
        slug=slug,
    )
    updates = updates_for_readers().filter(live_page=page)
    return render(
        request,
        "liveblogs/livepage_detail.html",
        {
            "page": page,
            "key_points": page.key_points.all(),
            "pinned": updates.filter(pinned=True),
            "updates": updates.filter(pinned=False).order_by("-published_at", "-pk")[
                : settings.PAGE_SIZE
            ],
        },
    )


@require_GET
def update_detail(request, slug, pk):
    """One update on its own page, to share."""
    update = get_object_or_404(
        updates_for_readers().select_related("live_page"), live_page__slug=slug, pk=pk
    )
    return render(
        request, "liveblogs/update_detail.html", {"page": update.live_page, "update": update}
    )


@require_GET
def series_detail(request, slug):
    """A series and its live pages."""
    series = get_object_or_404(Series, slug=slug)
    return render(
        request,
        "liveblogs/series_detail.html",
        {"series": series, "pages": public_pages().filter(series=series)},
    )


@require_GET
def reporter_detail(request, slug):
    """A reporter's profile and latest published updates."""
    reporter = get_object_or_404(Reporter.objects.select_related("headshot"), slug=slug)
    updates = updates_for_readers().select_related("live_page").filter(authors=reporter)
    return render(
        request,
        "liveblogs/reporter_detail.html",
        {"reporter": reporter, "updates": updates[: settings.PAGE_SIZE]},
    )
