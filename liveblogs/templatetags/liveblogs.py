import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

register = template.Library()

# The characters that could close the <script> element or start markup inside it.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(value):
    """``value`` as JSON safe to put inside ``<script type="application/ld+json">``."""
    return mark_safe(json.dumps(value, cls=DjangoJSONEncoder).translate(SCRIPT_ESCAPES))
