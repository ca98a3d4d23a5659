"""Readers' HTML of each update, rendered once per visible change and kept in the shared cache.

An update's HTML (``_update.html``) changes only when something it shows changes, and every such
change — its own words, a photo's caption, a byline's name, its callout — stamps the update with a
new ``page_version`` (``UpdateQuerySet.touch``). So the key holds the update's id and
``page_version``, and beside them everything else the partial reads that is not the update's: the
page's address, status and time zone, the language (the page's, ``languages.in_page_language``), the heading level (the page's or the
permalink's), and whether its callout still takes answers (a deadline passes without a change).
The live page, permalinks and ``changes.json`` share the entries.
"""

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.translation import get_language

from .conf import settings
from .models import Update


def fragment_key(update, page, headline_level):
    callout_open = (
        update.callout_id is not None
        and update.callout.live_page_id == page.pk
        and update.callout.is_accepting
    )
    return (
        f"liveblogs:update-html:{update.pk}:{update.page_version}:{page.slug}:{page.status}:"
        f"{page.time_zone}:{get_language()}:{headline_level}:{int(callout_open)}"
    )


def with_html(updates, page, headline_level=3):
    """Give each of ``updates`` (``Update.objects.for_stream()``) its readers' HTML as
    ``update.html``: one cache round trip for them all, and the partial rendered only for those
    not kept yet."""
    keys = {fragment_key(update, page, headline_level): update for update in updates}
    made = kept_per_update(keys, lambda update: render_to_string(
        "liveblogs/_update.html",
        {"update": update, "page": page, "headline_level": headline_level},
    ))
    for update, html in zip(keys.values(), made, strict=True):
        update.html = html
    return updates


def kept_per_update(keys, make):
    """What ``make(update)`` gives for each update of ``keys`` (key: update), in their order,
    kept in the shared cache under the key: one round trip for them all, and bylines, photos and
    embeds (of bodies that show some) fetched together and ``make`` called only for those not
    kept yet. The updates' HTML here and their structured data (``structured_data.kept_postings``)
    are kept this way."""
    kept = cache.get_many(list(keys))
    missing = {key: update for key, update in keys.items() if key not in kept}
    bylines, photos, embeds = Update.objects.reader_prefetches()
    prefetch_related_objects(list(missing.values()), bylines, photos)
    prefetch_related_objects([u for u in missing.values() if u.shows_embeds], embeds)
    made = {key: make(update) for key, update in missing.items()}
    if made:
        cache.set_many(made, settings.FRAGMENT_CACHE_SECONDS)
    return [kept[key] if key in kept else made[key] for key in keys]
