"""Rich text for updates, cleaned against an allow-list before it is stored.

Everything readers see of an update's body passed through ``clean_html`` on save (``Update.save``
and the bulk writes of ``UpdateQuerySet``), so templates can mark the stored body safe; every other
text field (headline, correction note, captions, credits, alt text, names) is escaped on output.

The allow-list is what a live update needs and nothing more: paragraphs and line breaks, bold and
italic, links, lists, quotes and subheadings. Subheadings are ``h3`` and ``h4`` only: the page
owns ``h1`` (its title) and ``h2`` (day headings, “The Latest”), and an update's own headline is an
``h3`` on the live page, so a subheading in its body never outranks the structure around it.
(``liveblogs.markup`` turns the filing form's ``#``/``##``/``###`` into ``h3`` and deeper into
``h4`` for the same reason.)

Links keep ``href`` (http, https, mailto or relative; never ``javascript:``, ``data:`` or any other
scheme, however it is spelt or entity-encoded: nh3 decodes before it checks) and ``title``. Every
link gets ``rel="noopener noreferrer nofollow"``, whatever it said: links in updates often point at
pages the newsroom does not vouch for. ``target`` is dropped, so no link opens a window that could
reach back to the page (and ``noopener`` would cover it if it ever came back).

Short rich text (a key point of “The Latest”) is inline: ``clean_inline`` keeps bold, italic and
links only, the same links as bodies.

The editors' rich-text editor (``editors.py``) is configured to exactly these lists, and a test
holds the two together: what an editor can make is what is stored and what readers get.
"""

import re
import unicodedata

import nh3
from django.utils.html import escape, format_html

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "a", "ul", "ol", "li", "blockquote", "h3", "h4",
}
# Inline text: no blocks, no lists; a key point is one line of a list already.
INLINE_TAGS = {"strong", "b", "em", "i", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"
# Elements removed with everything inside them, rather than unwrapped to their text: their
# content is code, markup or fallback, never words meant for readers.
DROPPED_WITH_CONTENT = {
    "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
    "textarea", "title", "xmp", "noembed", "noframes", "select", "option",
}


def clean_html(html):
    """Return ``html`` with every tag, attribute and URL scheme outside the allow-list removed."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


# Where a block ends or a line breaks, inline text gets a space instead: "<p>One</p><p>Two</p>" is
# "One Two", not "OneTwo". (Only a hint to the cleaner below, which is what makes it safe.)
BLOCK_BREAK = re.compile(r"<(?:br|/(?:p|div|li|h[1-6]|blockquote|ul|ol|tr|td|th))\b[^>]*>", re.I)
HTML_SPACE = re.compile("[ \t\n\r\f]+")


def clean_inline(html):
    """Return ``html`` as one line of inline rich text: bold, italic and links (as in
    ``clean_html``), everything else removed, blocks and line breaks turned into spaces."""
    cleaned = nh3.clean(
        BLOCK_BREAK.sub(" ", html or ""),
        tags=INLINE_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # HTML's own white space only: a thin or no-break space between a number and its unit stays.
    return HTML_SPACE.sub(" ", cleaned).strip(" ")


def html_from_text(text):
    """Plain ``text`` (as stored before it was rich text) as clean HTML that reads the same: one
    paragraph, its line breaks kept, as Django's ``linebreaksbr`` showed it."""
    text = (text or "").strip().replace("\r\n", "\n").replace("\r", "\n")
    return clean_html(f"<p>{escape(text).replace(chr(10), '<br>')}</p>") if text else ""


def inline_from_text(text, *, link=""):
    """Plain ``text`` as clean inline HTML, all of it a link to ``link`` if one is given (a key
    point's text and link, as readers saw them before a key point was rich text)."""
    html = format_html('<a href="{}">{}</a>', link, text) if link else escape(text or "")
    return clean_inline(html)


# What XML 1.0 cannot carry at all, even escaped: C0 controls but tab, newline and return, lone
# surrogates, U+FFFE and U+FFFF. A pasted control character must not take a feed down.
XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """``value`` without the characters XML 1.0 cannot hold; lists, tuples and dicts throughout."""
    if isinstance(value, str):
        return XML_UNSAFE.sub("", value)
    if isinstance(value, (list, tuple)):
        return type(value)(xml_safe(item) for item in value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    return value


def strip_invisible(text):
    """``text`` without white space and format characters (Unicode's Cf: zero-width spaces and
    joiners, direction marks, soft hyphens, the BOM) at either end, so a text made only of them
    is empty. Inside, they stay: a ZWJ joins an emoji sequence, a ZWNJ spells Persian words."""
    start, end = 0, len(text)
    while start < end and _invisible(text[start]):
        start += 1
    while end > start and _invisible(text[end - 1]):
        end -= 1
    return text[start:end]


# Blank letters and marks that are not format characters but show nothing: Hangul fillers, the
# combining grapheme joiner, variation selectors, the blank Braille pattern.
INVISIBLE = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u034f", "\u2800", "\u180e"} | {
    chr(code) for code in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
}


def _invisible(character):
    return (
        character.isspace() or character in INVISIBLE or unicodedata.category(character) == "Cf"
    )
