"""Our scripts show no words that skip the translation machinery.

Every string literal in the scripts below that reads like prose — two words or more, or one
capitalised word, once markup is taken out — must be an argument of ``gettext``, ``ngettext``,
``pgettext`` or ``npgettext`` (Django's JavaScriptCatalog), or be on the allow-list with the reason
it is not a reader's word. Literals given to ``interpolate`` directly do not count: they would not
be translated.
"""

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parent.parent / "liveblogs" / "static" / "liveblogs"

# The scripts checked: all of ours, the readers' (livepage/), the filing page's, the desk's and
# the admin's.
SCRIPTS = ["*.js", "*/*.js"]

TRANSLATING = {"gettext", "ngettext", "pgettext", "npgettext"}

# Literals that look like prose but are not words for people, each with why.
NOT_PROSE = {
    "copy failed",  # an Error's message for the promise chain; never shown (share.js)
    "PM",  # Intl's dayPeriod value we compare against (live.js), not a word we show
    "POST",  # an HTTP method (fetch)
    "Files",  # a drag's DataTransfer type (composer.js)
    "Enter",  # a KeyboardEvent's key
    "INPUT",  # element.tagName values compared against (filing.js)
    "FIELDSET",
    "input, select, textarea",  # CSS selectors (admin/ordering.js)
    "tbody > tr input[data-ordering]",
    # django-prose-editor's English names of its menu buttons, which prose.js looks up to give
    # ours in their place
    "insert link",
    "remove link",
    "unordered list",
    "ordered list",
}


def literals(source):
    """``(text, translated)`` for each string literal of ``source``: its text with template
    substitutions blanked, and whether it is an argument of a translating call. A small scanner:
    comments, regular-expression literals and nested template strings are skipped as a
    JavaScript parser would."""
    found, calls = [], []  # calls: the function name before each open bracket, innermost last
    i, n = 0, len(source)
    previous = ""  # the last significant character, to tell a regex "/" from a division
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
            continue
        if source.startswith("/*", i):
            i = source.index("*/", i) + 2
            continue
        if c == "/" and (not previous or previous in "(,=:[!&|?{};+-*%<>~^" or
                         re.search(r"\b(return|typeof|case|in|of)\s*$", source[max(0, i - 8):i])):
            i += 1
            in_class = False
            while source[i] != "/" or in_class:
                if source[i] == "\\":
                    i += 1
                elif source[i] == "[":
                    in_class = True
                elif source[i] == "]":
                    in_class = False
                i += 1
            i += 1
            previous = "/"
            continue
        if c in "'\"`":
            j, text = i + 1, []
            while source[j] != c:
                if source[j] == "\\":
                    text.append(source[j:j + 2])
                    j += 2
                    continue
                if c == "`" and source.startswith("${", j):
                    depth, j = 1, j + 2
                    while depth:
                        depth += {"{": 1, "}": -1}.get(source[j], 0)
                        j += 1
                    text.append(" ")
                    continue
                text.append(source[j])
                j += 1
            found.append(("".join(text), bool(calls) and calls[-1] in TRANSLATING))
            i, previous = j + 1, c
            continue
        if c == "(":
            name = re.search(r"([\w$.]*)\s*$", source[:i])[1].rpartition(".")[2]
            calls.append(name)
        elif c == ")" and calls:
            calls.pop()
        if not c.isspace():
            previous = c
        i += 1
    return found


def reads_like_prose(text):
    text = re.sub(r"<[^>]*>", " ", text)  # markup built in a string: its text only
    words = [w.rstrip(".,:;!?…") for w in text.split()]
    plain = [w for w in words if re.fullmatch(r"[^\W\d_]+(?:['’][^\W\d_]+)*", w)]
    return len(plain) >= 2 or any(w[:1].isupper() and w[1:].islower() for w in plain) or any(
        w.isupper() and len(w) > 1 for w in plain
    )


def scripts():
    return sorted({path for pattern in SCRIPTS for path in STATIC.glob(pattern)})


@pytest.mark.parametrize("script", scripts(), ids=lambda p: str(p.relative_to(STATIC)))
def test_every_word_in_our_scripts_goes_through_gettext(script):
    left = [
        text for text, translated in literals(script.read_text())
        if not translated and text not in NOT_PROSE and reads_like_prose(text)
    ]
    assert left == []


def test_the_scan_finds_words_outside_gettext():
    source = r"""
        const a = gettext("Live updates paused");  // "Not this comment"
        const b = pgettext("badge", "Recap");
        const c = interpolate(ngettext("%s new update", "%s new updates", n), [n]);
        el.textContent = `${n} min ago`;
        el.innerHTML = '<span class="badge">Recap</span>';
        const re = /^LIVE: /;
        x.querySelectorAll(".update-meta time[datetime]");
    """
    left = [
        text for text, translated in literals(source)
        if not translated and reads_like_prose(text)
    ]
    assert left == ["  min ago", '<span class="badge">Recap</span>']


def test_every_script_is_scanned():
    names = {str(p.relative_to(STATIC)) for p in scripts()}
    assert {"livepage.js", "livepage/live.js", "livepage/older.js", "livepage/share.js",
            "livepage/embeds.js", "filing.js", "prose.js", "admin.js", "desk/desk.js",
            "desk/composer.js", "admin/ordering.js"} <= names
