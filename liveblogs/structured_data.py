"""What search engines and social sites read of a live page: schema.org JSON-LD and share tags.

Google's documented properties, and which we fill: LiveBlogPosting (required: ``coverageStartTime``
with ``coverageEndTime`` once ended, ``liveBlogUpdate`` with ``headline`` and ``datePublished``;
recommended: ``author``, ``image``, ``dateModified``, ``publisher`` with its ``logo``,
``mainEntityOfPage``); Article, as each BlogPosting (recommended: ``author`` with ``name`` and
``url``, ``datePublished``, ``dateModified``, ``headline``, ``image``). Times are ISO 8601 to the
second in the page's time zone.
"""

from html import unescape

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import get_language

from .conf import settings


def plain_text(html):
    """Text of sanitised HTML, with entities decoded: templates and JSON escape it themselves."""
    return unescape(strip_tags(html))


def first_image(page):
    if page.lead_photo:
        return page.lead_photo
    return page.lead_video.poster if page.lead_video else None


def machine_time(page, moment):
    """``moment`` as schema.org and HTML want it: to the second, in the page's time zone."""
    return moment.astimezone(page.tzinfo).replace(microsecond=0).isoformat()


def publisher(request):
    """The newsroom, with its logo (``LIVEBLOGS_PUBLISHER_LOGO``: a static file or a URL)."""
    logo = settings.PUBLISHER_LOGO
    return {
        "@type": "Organization",
        "name": settings.PUBLISHER_NAME,
        "logo": {
            "@type": "ImageObject",
            "url": request.build_absolute_uri(logo if "://" in logo else static(logo)),
        },
    }


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
        "datePublished": machine_time(page, update.published_at),
        "dateModified": machine_time(page, update.edited_at),
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
    if not update.shows_embeds:
        return []
    return [
        {"@type": EMBED_TYPES.get(embed.card.kind, "CreativeWork"), "url": embed.url,
         "name": embed.card.title or str(embed.card.default_title)}
        for embed in update.embeds.all()
    ]


def kept_postings(request, page, updates):
    """Each update as ``blog_posting``, kept as its HTML is (``fragments.kept_per_update``):
    keyed by the update's version and by what else a posting reads — the page's address and time
    zone, the language (embeds' default titles) and the site its links name."""
    from .fragments import kept_per_update

    site = request.build_absolute_uri("/")
    keys = {
        f"liveblogs:update-ld:{update.pk}:{update.page_version}:{page.slug}:{page.time_zone}:"
        f"{get_language()}:{site}": update
        for update in updates
    }
    return kept_per_update(keys, lambda update: blog_posting(request, page, update))


def live_blog_posting(request, page, updates):
    """The page as a schema.org LiveBlogPosting with the updates it shows. Its authors are the
    reporters with bylines among them (the newsroom where there are none)."""
    image = first_image(page)
    latest = max((u.edited_at for u in updates), default=page.changed_at)
    url = request.build_absolute_uri(page.get_absolute_url())
    postings = kept_postings(request, page, updates)
    authors = {author["url"]: author for posting in postings for author in posting["author"]}
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": page.title,
        "description": page.standfirst,
        "inLanguage": page.language,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "coverageStartTime": machine_time(page, page.coverage_start),
        "datePublished": machine_time(page, page.coverage_start),
        "dateModified": machine_time(page, max(latest, page.changed_at)),
        "author": list(authors.values()) or [publisher(request)],
        "publisher": publisher(request),
        "liveBlogUpdate": postings,
    }
    if page.is_recap:
        # An ended page has ended even if its end was never dated (a bulk status change): then
        # its last update, or its last change, is when coverage ended.
        newest = max((u.published_at for u in updates), default=page.changed_at)
        data["coverageEndTime"] = machine_time(page, page.coverage_end or newest)
    if image:
        data["image"] = request.build_absolute_uri(image.jpeg_url)
    if uploaded(page.lead_video):
        data["video"] = video_object(request, page.lead_video)
    return data


def update_posting(request, page, update):
    """An update on its own page (the permalink): a BlogPosting that is the page's main entity,
    part of the live page."""
    url = request.build_absolute_uri(
        reverse("liveblogs:update", kwargs={"slug": page.slug, "pk": update.pk})
    )
    return {
        "@context": "https://schema.org",
        **blog_posting(request, page, update),
        "inLanguage": page.language,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "publisher": publisher(request),
        "isPartOf": {
            "@type": "LiveBlogPosting",
            "headline": page.title,
            "url": request.build_absolute_uri(page.get_absolute_url()),
        },
    }


def share_tags(request, *, title, description, url, image=None, video=None, kind="article"):
    """Open Graph and Twitter card values, one place for every reader page (``kind`` is the
    Open Graph type: ``article``, or ``website`` for the lists)."""
    tags = {
        "type": kind,
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
