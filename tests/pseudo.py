"""A pseudo-locale, to find words that skip the translation machinery.

Inside ``pseudo_locale()`` every lookup in Django's catalogues — ``gettext``, ``pgettext``,
``ngettext``, ``{% translate %}``, ``{% blocktranslate %}``, lazy strings, Django's own month names
and form errors — answers with its message wrapped in markers: "Live" becomes "⟦Live⟧", whatever
language is active (so a view that switches to a page's language with ``translation.override`` is
wrapped too). A page rendered there and read by ``untranslated_words()`` shows every word that did
not come through a catalogue: a word a template or a view wrote in plain English.

No ``.mo`` file and no GNU gettext are needed: the wrapping happens where Django looks a message
up, so a string marked but not yet extracted by ``makemessages`` passes (the catalogue checks in
tests/test_translations.py catch that), and one not marked at all fails.

Test data must not look like words the site wrote: wrap it in the markers (``pseudo("Flood")``) or
make it of digits. Rendered fragments are cached by the app, so clear the cache before rendering.

To cover more pages (the filing pages, the desk, the admin), render them inside ``pseudo_locale()``
and assert ``untranslated_words(html) == []``, as tests/test_pseudo_locale.py does for readers.
"""

import gettext as gettext_module
import re
from contextlib import contextmanager
from html.parser import HTMLParser
from unittest import mock

from django.utils import translation
from django.utils.translation import trans_real

OPEN, CLOSE = "⟦", "⟧"

# Words a page may show that no one translates: formats' names, time zone abbreviations are
# handled apart (inside <time>). Keep this short; each entry says why it is here.
NOT_WORDS = {
    "RSS",  # a format's name, the same in every language
    "Atom",  # idem
    # The language switcher (admin, /file/) names each language in itself, for whoever reads it.
    "English",
    "Français",
}


def pseudo(text):
    """``text`` as the pseudo-locale writes a translated message: test data that passes."""
    return f"{OPEN}{text}{CLOSE}"


class PseudoTranslation(gettext_module.NullTranslations):
    """Every message wrapped in the markers; the language still says ``language`` so formats,
    ``<html lang>`` and per-language choices behave as they would in it."""

    def __init__(self, language):
        super().__init__()
        self._language = language
        self._catalog = {}  # what JavaScriptCatalog reads: no words of its own

    def gettext(self, message):
        # pgettext asks for "context\x04message"; answering without the separator says "found".
        return pseudo(message.rpartition(trans_real.CONTEXT_SEPARATOR)[2])

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)

    def language(self):
        return self._language

    def to_language(self):
        return self._language


@contextmanager
def pseudo_locale(language="en"):
    """Render in the pseudo-locale: every language Django activates inside is the pseudo one
    (under its own code), and ``language`` is active to begin with."""
    made = {}

    def translation_for(code):
        return made.setdefault(code, PseudoTranslation(code))

    # Restored by hand: translation.override() would re-activate the old language while the
    # patch still stands, leaving a pseudo translation active after the block.
    before = getattr(trans_real._active, "value", None)
    with (
        mock.patch.object(trans_real, "translation", translation_for),
        mock.patch.object(trans_real, "_default", translation_for(language)),
    ):
        translation.activate(language)
        try:
            yield
        finally:
            if before is None:
                translation.deactivate()
            else:
                trans_real._active.value = before


class _VisibleText(HTMLParser):
    """The text a reader sees or hears: text outside <script>/<style>/<head> but its <title>,
    and the attributes read out or shown (alt, title, aria-label, placeholder, label, the
    value of buttons, the descriptions and titles shared with other sites)."""

    HIDDEN = {"script", "style", "template"}
    SPOKEN = {"alt", "title", "aria-label", "placeholder", "label"}
    SHARED_META = {
        "description", "og:title", "og:description", "og:image:alt", "twitter:title",
        "twitter:description",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.attributes = [], []
        self.hidden = 0
        self.in_time = 0
        self.in_head = False
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "head":
            self.in_head = True
        elif tag == "title":
            self.in_title = True
        elif tag == "time":
            self.in_time += 1
        if tag == "meta":
            if (attrs.get("name") or attrs.get("property")) in self.SHARED_META:
                self.attributes.append(attrs.get("content") or "")
            return
        if tag == "link":
            return  # a feed's title is the page's title and the format's name
        for name in self.SPOKEN:
            if attrs.get(name):
                self.attributes.append(attrs[name])
        if tag == "input" and attrs.get("type") in {"submit", "button", "reset"}:
            self.attributes.append(attrs.get("value") or "")
        # A block boundary is a word boundary.
        self.text.append(" ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden -= 1
        elif tag == "head":
            self.in_head = False
        elif tag == "title":
            self.in_title = False
        elif tag == "time":
            self.in_time -= 1

    def handle_data(self, data):
        if self.hidden or (self.in_head and not self.in_title):
            return
        if self.in_time:
            # A time zone's abbreviation that languages.ZONE_ABBREVIATIONS does not name ("UTC",
            # "CET") is the zone's own, not a word of ours.
            data = re.sub(r"\b[A-Z]{2,5}\b", " ", data)
        self.text.append(data)


def _outside_markers(text):
    """``text`` without what stands between the markers, nested ones included."""
    kept, depth = [], 0
    for char in text:
        if char == OPEN:
            depth += 1
        elif char == CLOSE:
            depth = max(depth - 1, 0)
        elif not depth:
            kept.append(char)
    return "".join(kept)


def untranslated_words(html):
    """The words of ``html`` (a page rendered in ``pseudo_locale()``) a reader would see that did
    not come through a catalogue, in order, each once. A page fully translated gives ``[]``."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    # Text nodes joined before the markers are read: a message may hold markup ("Open until
    # <time>…</time>."), so its markers sit in different nodes.
    return untranslated_text("".join(parser.text), *parser.attributes)


def untranslated_text(*texts):
    """As ``untranslated_words`` for plain text (an e-mail, a JSON message, a feed's title)."""
    found = []
    for text in texts:
        for word in re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)*", _outside_markers(text)):
            if word not in NOT_WORDS and word not in found:
                found.append(word)
    return found
