"""Key points and callout descriptions become rich text (HTML, edited with the editor).

Their plain text is escaped into HTML, so readers see the same words. A key point's link, a field
of its own until now, becomes a link around the point's words, as readers saw it; the field goes.
A callout description keeps its line breaks, as ``linebreaksbr`` showed them. What is stored is
HTML cleaned by the allow-lists of ``sanitize.py``, as the app stores it.
"""

import re
from html import unescape

from django.db import migrations, models
from django.utils.html import strip_tags

import liveblogs.editors
from liveblogs.sanitize import html_from_text, inline_from_text


def to_html(apps, schema_editor):
    KeyPoint = apps.get_model("liveblogs", "KeyPoint")
    Callout = apps.get_model("liveblogs", "Callout")
    for point in KeyPoint.objects.all():
        point.text = inline_from_text(point.text, link=point.link)
        point.save(update_fields=["text"])
    for callout in Callout.objects.exclude(description=""):
        callout.description = html_from_text(callout.description)
        callout.save(update_fields=["description"])


def to_text(html):
    html = html.replace("<br>", "\n").replace("</p>", "\n\n")
    return unescape(strip_tags(html)).strip()


def to_plain_text(apps, schema_editor):
    """Back to plain text; a point that is all one link gets its link field back."""
    KeyPoint = apps.get_model("liveblogs", "KeyPoint")
    Callout = apps.get_model("liveblogs", "Callout")
    for point in KeyPoint.objects.all():
        whole_link = re.fullmatch(r'<a href="([^"]*)"[^>]*>((?:(?!<a ).)*)</a>', point.text)
        point.link = unescape(whole_link[1])[:200] if whole_link else ""
        point.text = to_text(point.text)[:300]
        point.save(update_fields=["text", "link"])
    for callout in Callout.objects.exclude(description=""):
        callout.description = to_text(callout.description)
        callout.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [
        ("liveblogs", "0011_desk_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="keypoint",
            name="text",
            field=models.TextField(
                help_text="One line: bold, italic and links (web or e-mail addresses).",
                validators=[liveblogs.editors.MaxTextLengthValidator(300)],
                verbose_name="text",
            ),
        ),
        migrations.RunPython(to_html, to_plain_text),
        migrations.RemoveField(model_name="keypoint", name="link"),
    ]
