"""An update's history for editors: what each revision changed, as a readable diff.

Revisions store the update's words as saved (the body as sanitised HTML). Editors compare words,
not markup, so the body is turned into text with its paragraph breaks before it is compared.
Everything here escapes what it shows: a revision may hold any text an editor ever typed.
"""

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Update

# Words, runs of punctuation and runs of space: a changed comma does not mark its word changed.
TOKENS = re.compile(r"\s+|\w+|[^\w\s]+")
BLOCKS = {"p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "div"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n\n• ")
        elif tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(html):
    """The words of ``html``, one blank line between paragraphs."""
    parser = _Text()
    parser.feed(html or "")
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def diff_words(old, new):
    """``new`` as safe HTML, words added in ``<ins>`` and removed in ``<del>``, text escaped."""
    old_tokens, new_tokens = re.findall(TOKENS, old), re.findall(TOKENS, new)
    out = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(new_tokens[b1:b2])))
            continue
        if a2 > a1:
            out.append(format_html("<del>{}</del>", "".join(old_tokens[a1:a2])))
        if b2 > b1:
            out.append(format_html("<ins>{}</ins>", "".join(new_tokens[b1:b2])))
    return mark_safe("".join(out))


@dataclass
class Change:
    label: str
    html: str


def list_text(items, key):
    return ", ".join(str(item.get(key) or item.get("id")) for item in items) or "—"


def changes_between(older, newer):
    """What ``newer`` changed from ``older`` (None: the first revision), field by field."""
    status = dict(Update.Status.choices)
    fields = [
        (_("Status"), lambda r: str(status.get(r.status, r.status))),
        (_("Headline"), lambda r: r.headline),
        (_("Body"), lambda r: html_to_text(r.body)),
        (_("Bylines"), lambda r: list_text(r.authors, "name")),
        (_("Photos"), lambda r: list_text(r.photos, "caption")),
    ]
    changes = []
    for label, value in fields:
        new = value(newer)
        old = value(older) if older is not None else ""
        if older is None or old != new:
            changes.append(Change(label, diff_words(old, new) if older is not None else escape(new)))
    return changes
