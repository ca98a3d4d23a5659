import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from ..languages import format_date, zone_abbreviation

register = template.Library()

# The characters that could close the <script> element or start markup inside it.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(value):
    """``value`` as JSON safe to put inside ``<script type="application/ld+json">``."""
    return mark_safe(json.dumps(value, cls=DjangoJSONEncoder).translate(SCRIPT_ESCAPES))


@register.filter
def machine_time(value):
    """A time for ``<time datetime>`` and machines: ISO 8601 to the second, in the current time
    zone (``{% timezone %}``). Django's ``date:'c'`` keeps microseconds, which HTML refuses."""
    if not value:
        return ""
    return localtime(value).replace(microsecond=0).isoformat()


@register.filter(expects_localtime=True)
def date_as(value, kind):
    """A date or time on a reader page, written as the active language writes that ``kind`` of
    date (``languages.DATE_FORMATS``): "March 28, 9:47 p.m. EDT", "28 mars, 21 h 47 HAE"."""
    if not value:
        return ""
    return format_date(value, kind)


@register.filter(expects_localtime=True)
def zone(value):
    """The abbreviation of ``value``'s time zone as the active language writes it: "EDT",
    in French "HAE" (``languages.ZONE_ABBREVIATIONS``)."""
    return zone_abbreviation(value) if value else ""


@register.simple_tag
def update_body(update):
    """An update's body (clean HTML, stored so) with each embed's paragraph shown as its card
    (``_embed.html``). Its embeds are read only when the body has an embed's paragraph, so an
    update without one costs no query even where ``embeds`` was not prefetched."""
    from django.template.loader import render_to_string

    from ..embeds import replace_paragraphs

    body = update.body
    if "http" not in body:
        return mark_safe(body)
    rows = None

    def card(url):
        nonlocal rows
        if rows is None:
            rows = {embed.url: embed for embed in update.embeds.all()}
        if (embed := rows.get(url)) is None:
            return None  # not linked yet (a bulk write): it stays the link it is
        return render_to_string("liveblogs/_embed.html", {"card": embed.card})

    return mark_safe(replace_paragraphs(body, card))
