"""The sitemap: the home page and the archive, public live pages and recaps, the series that
have them, the reporters readers can read.

Which pages and updates are public is decided by ``LivePage.objects.public()`` and
``Update.objects.visible()`` alone, here as on every reader page, so a draft can never slip in.
Last-modified times are annotated, never looked up row by row: each section costs the same two
queries (a count and a page of rows) however large the newsroom grows.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from .conf import settings

from .models import LivePage, Reporter, Series, Update


def latest_change():
    """When the newest change to a public page was: the home page and the archive list them."""
    return LivePage.objects.public().aggregate(latest=Max("changed_at"))["latest"]


class ListingSitemap(Sitemap):
    """The home page and the archive, which change whenever a public page does."""

    changefreq = "always"

    def items(self):
        latest = latest_change()
        return [("liveblogs:home", latest), ("liveblogs:livepage_list", latest)]

    def location(self, item):
        return reverse(item[0])

    def lastmod(self, item):
        return item[1]


class LivePageSitemap(Sitemap):
    """Live pages change by the minute; recaps rarely. A page and its translation each name
    both as ``xhtml:link`` alternates (and themselves, as search engines ask).

    Django's own alternates are for ``i18n_patterns`` (one address per language prefix); a
    page's translation is another page, at its own address, so the alternates are added to
    each entry here, where ``get_urls`` has built them.
    """

    def items(self):
        return (
            LivePage.objects.public()
            .select_related("twin")
            .only("slug", "status", "changed_at", "language", "twin__slug", "twin__status",
                  "twin__language")
            .order_by("-coverage_start", "pk")
        )

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page, site, protocol)
        for url in urls:
            live_page = url["item"]
            twin = live_page.twin
            if twin is not None and twin.status != LivePage.Status.DRAFT:
                # The entry's own address, less its path, is the site's.
                origin = url["location"][: -len(live_page.get_absolute_url())]
                url["alternates"] = [
                    {"lang_code": each.language, "location": origin + each.get_absolute_url()}
                    for each in (live_page, twin)
                ]
        return urls

    def lastmod(self, page):
        return page.changed_at

    def changefreq(self, page):
        return "always" if page.is_live else "monthly"


class SeriesSitemap(Sitemap):
    """Series with at least one public page, changed when the series or one of its pages was."""

    def items(self):
        latest_page_change = (
            LivePage.objects.public()
            .filter(series=OuterRef("pk"))
            .order_by("-changed_at")
            .values("changed_at")[:1]
        )
        return (
            Series.objects.annotate(latest_page_change=Subquery(latest_page_change))
            .filter(latest_page_change__isnull=False)
            .order_by("name", "pk")
        )

    def lastmod(self, series):
        return max(series.latest_page_change, series.updated_at)


class ReporterSitemap(Sitemap):
    """Active reporters with at least one published update, as of their latest one."""

    def items(self):
        latest_published = (
            Update.objects.visible()
            .filter(bylines__reporter=OuterRef("pk"))
            .order_by("-published_at")
            .values("published_at")[:1]
        )
        return (
            Reporter.objects.filter(is_active=True)
            .annotate(latest_published=Subquery(latest_published))
            .filter(latest_published__isnull=False)
            .order_by("name", "pk")
        )

    def lastmod(self, reporter):
        return reporter.latest_published


def last_modified(request, **kwargs):
    """The sitemap's Last-Modified, for revalidation: the newest change to a public page. Series
    and reporters are listed as of their pages' changes, and saving either moves those pages'
    versions (``Series.save``, ``Reporter.save``)."""
    return latest_change()


sitemaps = {
    "listings": ListingSitemap,
    "live": LivePageSitemap,
    "series": SeriesSitemap,
    "reporters": ReporterSitemap,
}


def sitemap_view(request, **kwargs):
    """Django's sitemap view with ours, answering revalidations with 304; shared caches keep it
    as briefly as the archive, which changes as often."""
    response = condition(last_modified_func=last_modified)(sitemap)(
        request, sitemaps=sitemaps, **kwargs
    )
    if response.status_code in (200, 304):
        patch_cache_control(response, public=True, max_age=settings.LIVE_MAX_AGE)
    return response
