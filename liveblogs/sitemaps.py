"""The sitemap: public live pages and recaps, the series that have them, the reporters readers
can read.

Which pages and updates are public is decided by ``LivePage.objects.public()`` and
``Update.objects.visible()`` alone, here as on every reader page, so a draft can never slip in.
Last-modified times are annotated, never looked up row by row: each section costs the same two
queries (a count and a page of rows) however large the newsroom grows.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import OuterRef, Subquery

from .models import LivePage, Reporter, Series, Update


class LivePageSitemap(Sitemap):
    """Live pages change by the minute; recaps rarely."""

    def items(self):
        return LivePage.objects.public().order_by("-coverage_start", "pk")

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


sitemaps = {
    "live": LivePageSitemap,
    "series": SeriesSitemap,
    "reporters": ReporterSitemap,
}
