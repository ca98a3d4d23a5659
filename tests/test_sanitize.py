"""Hostile text never becomes executable markup, wherever an update is shown.

Each string of the corpus goes into every text an update shows (headline, body, correction note,
a photo's caption, credit and alt text, a reporter's name, its callout's prompt and description)
and a key point of its page, is published, and is then fetched the ways readers and editors see
it: the live page, the permalink, the reporter's page, the ask page, RSS, Atom, changes.json, and
the admin's list, change forms and history. Each answer is parsed as a browser
would (``html.parser``; feeds as XML, then their HTML as a feed reader would) and checked for
anything that runs: scripts other than the page's own, event handlers, script URLs, frames,
plugins, SVG/MathML, ``<base>``, a meta refresh, forms going elsewhere.
"""

import json
import re
import unicodedata
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from liveblogs.models import Update, UpdateRevision
from liveblogs.sanitize import clean_html, strip_invisible

from .factories import (
    make_callout,
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_update,
)

pytestmark = pytest.mark.django_db

HOSTILE = [
    # Script tags, spelt many ways.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script/src=data:,alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1)//<</script>",
    "</script><script>alert(1)</script>",
    '<script type="application/ld+json">{"@type": "x"}</script>',
    # Event handlers.
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)">click</p>',
    "<body onload=alert(1)>",
    '<a href="https://example.org" onmouseover="alert(1)">hover</a>',
    "<details open ontoggle=alert(1)>",
    '<input autofocus onfocus="alert(1)">',
    # javascript:, vbscript: and data: URLs, plain, encoded and disguised.
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
    '<a href="javascript&#x3A;alert(1)">x</a>',
    # Style.
    '<p style="background:url(javascript:alert(1))">styled</p>',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="behavior:url(x.htc)">x</div>',
    # Frames, plugins, SVG, MathML.
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x><script>alert(1)</script></svg>#x"/></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>',
    # Document-level tricks.
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<form action="https://evil.example"><button>Go</button></form>',
    '<button formaction="javascript:alert(1)">Go</button>',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    # Unicode tricks.
    "Bridge \u202eshut\u202c safe \u200b\u200d<scr\u200bipt>alert(1)</script>",
    '<a href="java\u0000script:alert(1)">x</a>',
    "\ufeff<script>alert(1)</script>",
    # Unclosed tags, comments and CDATA, mutation XSS.
    "<p>unclosed <b>bold <a href='javascript:alert(1)'>link",
    "<!--<img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<textarea></textarea><img src=x onerror=alert(1)>",
    '<title></title><img src=x onerror=alert(1)>',
    '"><img src=x onerror=alert(1)>',
    "'-alert(1)-'",
    "{{ 7*7 }}{% debug %}",
]

ALLOWED_SCRIPT_TYPES = {"application/ld+json", "application/json"}
FORBIDDEN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "portal",
}
# The Django admin's own icons (base.html's sprite, the theme toggle): attribute-free drawings.
ADMIN_OWN_SVG = re.compile(r"base-svgs|theme-icon-when-(auto|dark|light)")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background"}


def script_url(value):
    """Whether a URL would run script or load a document from itself, as a browser reads it:
    spaces and control characters around and inside the scheme do not count."""
    squeezed = "".join(
        ch for ch in value if not (ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf"})
    ).lower()
    return squeezed.startswith(("javascript:", "vbscript:", "data:", "livescript:"))


class Checker(HTMLParser):
    """Collect what in an HTML document could run."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.script = None  # the attributes of the script element being read
        self.script_text = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if tag == "link" and attributes.get("rel") == "icon" and value == "data:,":
                continue  # the site's own empty favicon, which saves a request
            if name in URL_ATTRIBUTES and value and script_url(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc>")
        if tag in FORBIDDEN_TAGS and not ADMIN_OWN_SVG.fullmatch(attributes.get("class") or ""):
            self.problems.append(f"<{tag}>")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "form" and re.match(r"\s*(\w+:|//)", attributes.get("action") or ""):
            self.problems.append(f"<form action={attributes.get('action')!r}> goes elsewhere")
        if tag == "script":
            self.script = attributes
            self.script_text = []
            src = attributes.get("src")
            kind = attributes.get("type")
            if src is not None:
                if not src.startswith(("/static/", "/admin/jsi18n/", "/i18n/")):
                    self.problems.append(f"<script src={src!r}>")
            elif kind not in ALLOWED_SCRIPT_TYPES:
                self.problems.append(f"inline <script type={kind!r}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.script is not None:
            self.script_text.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self.script is not None:
            text = "".join(self.script_text)
            if self.script.get("type") in ALLOWED_SCRIPT_TYPES:
                # A data block that a hostile string broke out of would no longer parse.
                try:
                    json.loads(text)
                except ValueError:
                    self.problems.append(f"a JSON block that does not parse: {text[:80]!r}")
            self.script = None


def problems_in(html):
    checker = Checker()
    checker.feed(html)
    checker.close()
    return checker.problems


def assert_safe(html, where):
    assert not problems_in(html), f"{where}: {problems_in(html)}"


def test_the_checker_finds_what_it_looks_for():
    """A test that cannot fail is worse than none: the raw corpus trips the checker."""
    caught = [payload for payload in HOSTILE if problems_in(payload)]
    assert len(caught) >= 30
    assert problems_in('<script type="application/ld+json">{"headline": "</script><script>x</script>"}')


@pytest.mark.parametrize("payload", HOSTILE)
def test_clean_html_leaves_nothing_that_runs(payload):
    assert_safe(clean_html(payload), "clean_html")
    assert_safe(clean_html(clean_html(payload)), "cleaned twice")


def test_clean_html_keeps_the_allow_list():
    html = (
        '<p>One<br>two <strong>bold</strong> <b>b</b> <em>em</em> <i>i</i></p>'
        '<ul><li>a</li></ul><ol><li>b</li></ol><blockquote><p>q</p></blockquote>'
        '<h3>Sub</h3><h4>Subsub</h4>'
        '<p><a href="https://example.org/x" title="t" target="_blank" rel="opener">w</a> '
        '<a href="mailto:desk@example.org">m</a> <a href="/live/x/">r</a></p>'
    )
    cleaned = clean_html(html)
    for kept in ["<br>", "<strong>bold</strong>", "<b>b</b>", "<em>em</em>", "<i>i</i>",
                 "<ul><li>a</li></ul>", "<ol><li>b</li></ol>", "<blockquote><p>q</p></blockquote>",
                 "<h3>Sub</h3>", "<h4>Subsub</h4>"]:
        assert kept in cleaned
    assert (
        '<a href="https://example.org/x" title="t" rel="noopener noreferrer nofollow">w</a>' in cleaned
    )
    assert '<a href="mailto:desk@example.org" rel="noopener noreferrer nofollow">m</a>' in cleaned
    assert "target" not in cleaned and 'rel="opener"' not in cleaned
    # The page's own levels are not the body's: an h2 keeps its words, not its rank.
    assert clean_html("<h2>Sub</h2><h1>Top</h1>") == "SubTop"
    assert clean_html('<p style="color:red" class="x" id="y">p</p>') == "<p>p</p>"


def test_bulk_writes_clean_the_body_too():
    update = make_update()
    Update.objects.filter(pk=update.pk).update(body="<p onclick=alert(1)>x</p><script>y</script>")
    assert Update.objects.get(pk=update.pk).body == "<p>x</p>"
    [made] = Update.objects.bulk_create(
        [Update(live_page=update.live_page, headline="h", body="<img src=x onerror=alert(1)>")]
    )
    assert Update.objects.get(pk=made.pk).body == ""


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("\u200b\u200c\u200d\u2060\ufeff", ""),
        (" \u00ad\u200e\n\u202a\u202c\t\u3000", ""),
        ("\u200bSam Reader\ufeff", "Sam Reader"),
        ("\u202a+1 555 010 0199\u202c", "+1 555 010 0199"),
        # Inside a word or an emoji sequence they are spelling: a joiner, a non-joiner.
        ("Noor 👩\u200d🚒", "Noor 👩\u200d🚒"),
        ("\u2060نیک\u200cنام\u200b", "نیک\u200cنام"),
        ("Mill\u00adRoad", "Mill\u00adRoad"),
    ],
)
def test_strip_invisible_trims_format_characters_and_keeps_them_inside(typed, kept):
    assert strip_invisible(typed) == kept


def feed_html(xml_text):
    """The HTML a feed reader would render from a feed: descriptions and content, unescaped."""
    root = ElementTree.fromstring(xml_text.encode())  # also: the feed is well-formed XML
    parts = []
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in {"description", "content", "summary"} and element.text:
            parts.append(element.text)
    return parts


@pytest.fixture
def hostile_update(request, editor):
    payload = request.param
    if connection.vendor == "postgresql":
        # PostgreSQL cannot store NUL, and no form lets one in (Django's forms refuse it).
        payload = payload.replace("\x00", "")
    page = make_page(title="Harbour flood")
    reporter = make_reporter(name=payload[:120])
    photo = make_photo(caption=payload, credit=payload[:200], alt_text=payload[:400])
    make_key_point(live_page=page, text=payload)
    callout = make_callout(live_page=page, prompt=payload[:200], description=payload)
    update = make_update(
        live_page=page, headline=payload[:200], body=payload, authors=[reporter], photos=[photo],
        correction_note=payload, status=Update.Status.DRAFT, callout=callout,
    )
    update.publish(by=editor)
    update.headline = (payload + " edited")[:200]
    update.save_edit(by=editor, expected_revision=update.revision)
    return update


@pytest.mark.parametrize("hostile_update", HOSTILE, indirect=True)
def test_hostile_text_runs_nowhere_it_is_shown(client, editor, hostile_update):
    update = hostile_update
    page = update.live_page
    reporter = update.authors.get()
    pages = {
        "live page": page.get_absolute_url(),
        "permalink": update.get_absolute_url(),
        "reporter page": reporter.get_absolute_url(),
        "ask page": update.callout.get_absolute_url(),
    }
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        html = response.content.decode()
        assert_safe(html, where)
        if where in {"live page", "permalink"}:
            assert 'type="application/ld+json"' in html and f'id="update-{update.pk}"' in html
        shown = update.callout.prompt if where == "ask page" else update.headline
        assert shown[:20] in html or escape(shown)[:20] in html

    for where, url in {"rss": reverse("liveblogs:feed", args=[page.slug]),
                       "atom": reverse("liveblogs:feed_atom", args=[page.slug])}.items():
        response = client.get(url)
        assert response.status_code == 200, where
        parts = feed_html(response.content.decode())
        assert parts, where
        for part in parts:
            assert_safe(part, where)

    data = client.get(reverse("liveblogs:changes", args=[page.slug]), {"since": 0}).json()
    assert [u["id"] for u in data["updates"]] == [update.pk]
    for item in data["updates"]:
        assert_safe(item["html"], "changes.json")
    assert_safe(data.get("key_points_html", ""), "changes.json key points")

    client.force_login(editor)
    for where, url in {
        "admin list": reverse("admin:liveblogs_update_changelist"),
        "admin change form": reverse("admin:liveblogs_update_change", args=[update.pk]),
        "admin live page form": reverse("admin:liveblogs_livepage_change", args=[page.pk]),
        "admin callout form": reverse("admin:liveblogs_callout_change", args=[update.callout.pk]),
        "admin history": reverse("admin:liveblogs_update_revisions", args=[update.pk]),
        "admin photo list": reverse("admin:liveblogs_photo_changelist"),
        "admin reporter list": reverse("admin:liveblogs_reporter_changelist"),
        "admin revision list": reverse("admin:liveblogs_updaterevision_changelist"),
    }.items():
        response = client.get(url)
        assert response.status_code == 200, where
        assert_safe(response.content.decode(), where)
    assert UpdateRevision.objects.filter(update=update).count() == 2


def test_a_headline_cannot_break_out_of_the_structured_data(client):
    update = make_update(headline='</script><script>alert(1)</script><!--')
    for url in [update.live_page.get_absolute_url(), update.get_absolute_url()]:
        html = client.get(url).content.decode()
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        assert blocks
        data = [json.loads(block) for block in blocks]
        assert "</script><script>alert(1)</script><!--" in json.dumps(data)
        assert_safe(html, url)
