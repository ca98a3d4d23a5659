import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

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
