"""What search engines and social sites read of a live page: schema.org JSON-LD and share tags."""

from html import unescape

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.text import Truncator

from .conf import settings


def plain_text(html):
    """Text of sanitised HTML, with entities decoded: templates and JSON escape it themselves."""
    return unescape(strip_tags(html))


def first_image(page):
    if page.lead_photo:
        return page.lead_photo
    return page.lead_video.poster if page.lead_video else None


def person(request, reporter):
    return {
        "@type": "Person",
        "name": reporter.name,
        "url": request.build_absolute_uri(reporter.get_absolute_url()),
    }


def blog_posting(request, page, update):
    """One update as a schema.org BlogPosting; ``url`` is its place on the live page."""
    photos = [row.photo for row in update.update_photos.all()]
    return {
        "@type": "BlogPosting",
        "headline": update.headline,
        "datePublished": update.published_at,
        "dateModified": update.edited_at,
        "url": request.build_absolute_uri(f"{page.get_absolute_url()}#update-{update.pk}"),
        "author": [person(request, byline.reporter) for byline in update.bylines.all()],
        "articleBody": plain_text(update.body),
        **({"image": request.build_absolute_uri(photos[0].jpeg_url)} if photos else {}),
    }


def live_blog_posting(request, page, updates):
    """The page as a schema.org LiveBlogPosting with the updates it shows."""
    image = first_image(page)
    latest = max((u.edited_at for u in updates), default=page.changed_at)
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": page.title,
        "description": page.standfirst,
        "url": request.build_absolute_uri(page.get_absolute_url()),
        "coverageStartTime": page.coverage_start,
        "datePublished": page.coverage_start,
        "dateModified": max(latest, page.changed_at),
        "publisher": {"@type": "Organization", "name": settings.PUBLISHER_NAME},
        "liveBlogUpdate": [blog_posting(request, page, update) for update in updates],
    }
    if page.is_recap and page.coverage_end:
        data["coverageEndTime"] = page.coverage_end
    if image:
        data["image"] = request.build_absolute_uri(image.jpeg_url)
    return data


def kept_live_blog_posting(request, page, updates):
    """``live_blog_posting``, made once per page version for each address it is asked at (the
    latest updates, key events, an older batch) and kept in the shared cache."""
    from .models import Update

    key = (
        f"liveblogs:ld:{page.pk}:{page.version}:{get_language()}:"
        f"{request.build_absolute_uri()}"
    )
    data = cache.get(key)
    if data is None:
        # Bylines and photos of the updates whose HTML was kept are not fetched yet.
        prefetch_related_objects(updates, *Update.objects.reader_prefetches())
        data = live_blog_posting(request, page, updates)
        cache.set(key, data, settings.FRAGMENT_CACHE_SECONDS)
    return data


def share_tags(request, *, title, description, url, image=None):
    """Open Graph and Twitter card values, one place for the page and the permalink."""
    tags = {
        "title": title,
        "description": Truncator(plain_text(description)).chars(200),
        "url": url,
    }
    if image:
        tags["image"] = request.build_absolute_uri(image.jpeg_url)
        tags["image_alt"] = image.alt_text
    return tags
