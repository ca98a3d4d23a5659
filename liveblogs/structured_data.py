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
        **({"video": video_object(request, update.video)} if uploaded(update.video) else {}),
        **({"sharedContent": shared} if (shared := shared_content(update)) else {}),
    }


def uploaded(video):
    return video is not None and bool(video.file)


def video_object(request, video):
    """An uploaded video as a schema.org VideoObject: search engines show it with its length."""
    data = {
        "@type": "VideoObject",
        "name": video.title,
        "description": video.description or video.title,
        "uploadDate": video.created_at,
        "contentUrl": request.build_absolute_uri(video.file.url),
    }
    if video.duration is not None:
        data["duration"] = video.iso_duration()
    if video.poster:
        data["thumbnailUrl"] = request.build_absolute_uri(video.poster.jpeg_url)
    if video.width:
        data["width"], data["height"] = video.width, video.height
    return data


EMBED_TYPES = {"video": "VideoObject", "audio": "AudioObject", "map": "Map"}


def shared_content(update):
    """The update's embeds as links (their address and title): what the post shares."""
    if "http" not in update.body:
        return []
    return [
        {"@type": EMBED_TYPES.get(embed.card.kind, "CreativeWork"), "url": embed.url,
         "name": embed.card.title or str(embed.card.default_title)}
        for embed in update.embeds.all()
    ]


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
    if uploaded(page.lead_video):
        data["video"] = video_object(request, page.lead_video)
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
        # Bylines, photos and embeds are fetched here for every update shown.
        prefetch_related_objects(updates, *Update.objects.reader_prefetches())
        data = live_blog_posting(request, page, updates)
        cache.set(key, data, settings.FRAGMENT_CACHE_SECONDS)
    return data


def share_tags(request, *, title, description, url, image=None, video=None):
    """Open Graph and Twitter card values, one place for the page and the permalink."""
    tags = {
        "title": title,
        "description": Truncator(plain_text(description)).chars(200),
        "url": url,
    }
    if image:
        tags["image"] = request.build_absolute_uri(image.jpeg_url)
        tags["image_alt"] = image.alt_text
    if uploaded(video):
        # og:video for an uploaded file only: a provider's player is theirs to announce.
        tags["video"] = {
            "url": request.build_absolute_uri(video.file.url),
            "type": video.content_type,
            "width": video.width,
            "height": video.height,
        }
    return tags
