"""The editors' rich text (``liveblogs/editors.py``): the editor is configured to exactly the
sanitiser's allow-lists, its fields store only what those keep, and the admin's forms use it."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django_prose_editor.config import allowlist_from_extensions, expand_extensions

from liveblogs.editors import BODY, INLINE, RichTextFormField
from liveblogs.models import Update
from liveblogs.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    INLINE_TAGS,
    LINK_REL,
)

from .factories import make_update
from .test_admin import admin_url, update_form_data

PROSE_JS = Path(__file__).resolve().parent.parent / "liveblogs/static/liveblogs/prose.js"
REL = f'rel="{LINK_REL}"'
# What the editor writes for what nh3 also accepts in its older spelling.
ALIASES = {"b", "i"}


# The configurations and the allow-lists -----------------------------------------------------------


@pytest.mark.parametrize(("rich_text", "tags"), [(BODY, ALLOWED_TAGS), (INLINE, INLINE_TAGS)],
                         ids=["body", "inline"])
def test_each_configuration_is_exactly_its_allow_list(rich_text, tags):
    made = allowlist_from_extensions(rich_text.extensions)
    # Inline text is held in the one paragraph of the editor's document, which clean_inline unwraps.
    assert made["tags"] | ALIASES == tags | ({"p"} if rich_text.inline else set())
    assert made["url_schemes"] == ALLOWED_URL_SCHEMES
    # Links: address and title; no target (nh3 sets rel itself, whatever a link says).
    assert made["attributes"].pop("a") - {"rel"} == ALLOWED_ATTRIBUTES["a"]
    # The package's numbered list would keep a start number and a style, which readers' lists
    # lose: prose.js takes those attributes away (the browser test pastes one), nothing else.
    dropped = {"ol": {"start", "type", "data-type"}} if rich_text is BODY else {}
    assert made["attributes"] == dropped


def test_the_editor_script_knows_every_extension_a_configuration_names():
    source = PROSE_JS.read_text()
    known = set(re.search(r"const EXTENSIONS = \{([^}]*)\}", source)[1].replace(",", " ").split())
    for rich_text in (BODY, INLINE):
        assert set(expand_extensions(rich_text.extensions)) <= known


# The form field -----------------------------------------------------------------------------------

PASTED = (
    '<html><head><style>p{color:red}</style></head><body>'
    '<p class="MsoNormal" style="margin:0"><span style="font-family:Calibri"><b>Bold</b> and '
    '<i>italic</i> and <font color="red">font</font></span><script>alert(1)</script></p>'
    '<p><img src="https://elsewhere.example/x.png" onerror="alert(1)"></p>'
    '<table><tr><td>cell one</td><td>cell two</td></tr></table>'
    '<h1>Big</h1><h3>Sub</h3><ol start="3" type="a"><li>third</li></ol>'
    '<p><a href="javascript:alert(1)">bad</a> <a href="https://example.org/" target="_blank" '
    'class="x">good</a> <a href="mailto:desk@example.org">write</a> <u>under</u></p>'
    '</body></html>'
)


def test_the_body_field_keeps_only_the_allow_list():
    cleaned = RichTextFormField(rich_text=BODY).clean(PASTED)
    assert cleaned == (
        "<p><b>Bold</b> and <i>italic</i> and font</p><p></p>cell onecell two"
        "Big<h3>Sub</h3><ol><li>third</li></ol>"
        f'<p><a {REL}>bad</a> <a href="https://example.org/" {REL}>good</a> '
        f'<a href="mailto:desk@example.org" {REL}>write</a> under</p>'
    )


def test_the_inline_field_keeps_one_line_of_bold_italic_and_links():
    cleaned = RichTextFormField(rich_text=INLINE).clean(PASTED)
    assert cleaned == (
        f'<b>Bold</b> and <i>italic</i> and font cell one cell two Big Sub third <a {REL}>bad</a> '
        f'<a href="https://example.org/" {REL}>good</a> '
        f'<a href="mailto:desk@example.org" {REL}>write</a> under'
    )


@pytest.mark.parametrize("rich_text", [BODY, INLINE], ids=["body", "inline"])
def test_markup_without_words_is_empty(rich_text):
    field = RichTextFormField(rich_text=rich_text)
    with pytest.raises(ValidationError) as refused:
        field.clean("<p><strong> </strong><br></p><img src=x>")
    assert refused.value.code == "required"
    assert RichTextFormField(rich_text=rich_text, required=False).clean("<p></p>") == ""


# The update form ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_update_form_edits_the_body_in_the_editor_and_stores_it_clean(editor_client):
    update = make_update(body="<p>Water is <b>rising</b>.</p>")
    html = editor_client.get(admin_url(Update, "change", update.pk)).content.decode()
    [textarea] = re.findall(r'<textarea name="body"[^>]*>', html)
    assert "data-django-prose-editor-liveblogs" in textarea
    for asset in ["django_prose_editor/editor.css", "django_prose_editor/overrides.css",
                  "liveblogs/prose.css"]:
        assert f'<link href="/static/{asset}" media="all" rel="stylesheet">' in html
    assert '<script src="/static/liveblogs/prose.js" type="module"></script>' in html
    # No inline import map (the site's policy would block it): prose.js imports editor.js.
    assert "importmap" not in html
    response = editor_client.post(
        admin_url(Update, "change", update.pk),
        update_form_data(update, body=PASTED),
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == RichTextFormField(rich_text=BODY).clean(PASTED)
