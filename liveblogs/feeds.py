"""RSS and Atom feeds of a live page's published updates, newest first.

Only public pages have a feed and only published updates are in it: the updates come from
``Update.objects.for_readers()``, the same queryset the reader pages use, so a feed costs the same fixed
number of queries however many updates the page has.
"""

import html
from functools import partial

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from .caching import reader_cache
from .conf import settings
from .embeds import linked_body
from .languages import in_page_language
from .models import LivePage, Update
from .sanitize import xml_safe

FEED_LENGTH = 50


class PageUpdatedMixin:
    """Date the feed by its page's last reader-visible change (``changed_at``) rather than by its
    newest item, so edits to older updates and to the page itself count too."""

    def latest_post_date(self):
        return self.feed["updateddate"]


class XmlSafeMixin:
    """Leave out what XML 1.0 cannot hold (a control character pasted into a headline or a
    caption), rather than fail the whole feed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*xml_safe(args), **xml_safe(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*xml_safe(args), **xml_safe(kwargs))


def escaped(fields, *names):
    """``fields`` with the plain text ones among ``names`` escaped as HTML. Quotes are left as
    they are: text outside an attribute needs no escaping of them, and a reader that shows the
    title as text after all then shows a headline's quotes as they were typed."""
    return {
        key: html.escape(value, quote=False) if key in names and value else value
        for key, value in fields.items()
    }


class LivePageRss201rev2Feed(XmlSafeMixin, PageUpdatedMixin, Rss201rev2Feed):
    """RSS 2.0 never says whether ``<title>`` and ``<description>`` hold text or HTML, and many
    feed readers render both as HTML. So the plain text ones (titles, the standfirst) are escaped
    as HTML before the XML writer escapes them again: "Fish & <b>chips</b>" reaches readers as
    those characters, not in bold. Atom says what each holds, so its feed needs none of this."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **escaped(kwargs, "title", "description"))

    def add_item(self, *args, **kwargs):
        # An item's description is the update's body: HTML already, sanitised when it was saved.
        super().add_item(*args, **escaped(kwargs, "title"))


class LivePageAtom1Feed(XmlSafeMixin, PageUpdatedMixin, Atom1Feed):
    """Atom allows an ``<author>`` for each byline, where RSS has one creator line."""

    def add_item_elements(self, handler, item):
        bylines = item["bylines"]
        super().add_item_elements(handler, {**item, "author_name": None} if bylines else item)
        for name, link in bylines:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", link)
            handler.endElement("author")


class LivePageFeed(Feed):
    """RSS 2.0 of a live page's latest published updates."""

    feed_type = LivePageRss201rev2Feed
    item_guid_is_permalink = True

    def __call__(self, request, slug):
        """The feed, revalidated and cached as the live page is (``reader_cache``): its ETag is
        the page's version, its Last-Modified the page's last change, and an unchanged feed is
        a 304 that costs no more than the page's state.

        Written out rather than extending ``Feed.__call__``, so the conditional answer comes
        before the feed is built. Like the reader pages, a feed reads no session and sets no
        cookie. It is in the page's language: ``<language>`` in RSS, ``xml:lang`` in Atom
        (Django's ``Feed`` writes the active language).
        """
        return reader_cache(in_page_language(self.respond))(request, slug)

    def respond(self, request, slug):
        page = self.get_object(request, slug)
        feed = self.get_feed(page, request)
        response = HttpResponse(content_type=feed.content_type)
        feed.write(response, "utf-8")
        return response

    def get_object(self, request, slug):
        page = get_object_or_404(LivePage.objects.public(), slug=slug)
        # Item methods are handed only the item, and one Feed instance serves every request:
        # what they need of the request (to make photo and byline URLs absolute) rides on the page.
        page.absolute_url = partial(
            add_domain, get_current_site(request).domain, secure=request.is_secure()
        )
        return page

    def title(self, page):
        return page.title

    def link(self, page):
        return page.get_absolute_url()

    def description(self, page):
        # RSS requires a description; a page without a standfirst is described by its title.
        return page.standfirst or page.title

    def author_name(self, page):
        return settings.PUBLISHER_NAME

    def feed_extra_kwargs(self, page):
        return {"updateddate": page.changed_at}

    def items(self, page):
        updates = list(
            Update.objects.for_readers().filter(live_page=page).order_by("-published_at", "-pk")[
                :FEED_LENGTH
            ]
        )
        for update in updates:
            # The page is already here: permalinks need its slug, not a query per update.
            update.live_page = page
        return updates

    def item_title(self, update):
        return update.headline

    def item_link(self, update):
        return update.get_absolute_url()

    def item_description(self, update):
        """The body (sanitised when it was saved; each embed a link with its title) and the first
        photo, with its alt text."""
        body = mark_safe(linked_body(update))
        photo = next((row.photo for row in update.update_photos.all()), None)
        if photo is None:
            return body
        caption = " ".join(filter(None, [photo.caption, photo.credit and f"({photo.credit})"]))
        return format_html(
            '{}<figure><img src="{}" alt="{}">{}</figure>',
            body,
            update.live_page.absolute_url(photo.jpeg_url),
            photo.alt_text,
            format_html("<figcaption>{}</figcaption>", caption) if caption else "",
        )

    def item_author_name(self, update):
        names = [byline.reporter.name for byline in update.bylines.all()]
        return get_text_list(names, _("and")) if names else None

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return update.edited_at


class LivePageAtomFeed(LivePageFeed):
    """Atom 1.0 of the same updates, the standfirst as its subtitle and every byline an author."""

    feed_type = LivePageAtom1Feed

    def subtitle(self, page):
        return page.standfirst or None

    def item_extra_kwargs(self, update):
        absolute_url = update.live_page.absolute_url
        return {
            "bylines": [
                (byline.reporter.name, absolute_url(byline.reporter.get_absolute_url()))
                for byline in update.bylines.all()
            ]
        }
