"""The editors' rich text (``liveblogs/editors.py``): the editor is configured to exactly the
sanitiser's allow-lists, its fields store only what those keep, key points and callout descriptions
are rich text (and were converted from plain text), and the admin's forms use the editor."""

import re
from pathlib import Path

import pytest
from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_prose_editor.config import allowlist_from_extensions, expand_extensions

from liveblogs.editors import (
    BODY,
    INLINE,
    AdminRichTextWidget,
    RichTextFormField,
    RichTextWidget,
)
from liveblogs.models import Callout, KeyPoint, LivePage, Update
from liveblogs.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    INLINE_TAGS,
    LINK_REL,
)

from .factories import make_callout, make_key_point, make_page, make_update
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


# Key points ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_point_is_inline_rich_text_with_mail_links():
    page = make_page()
    point = make_key_point(
        live_page=page,
        text='<p>Shelter <b>open</b>: <a href="mailto:desk@example.org" target="_blank" '
             'onclick="x()">write to us</a> <a href="javascript:alert(1)">x</a></p><p>More</p>',
    )
    assert point.text == (
        f'Shelter <b>open</b>: <a href="mailto:desk@example.org" {REL}>write to us</a> '
        f"<a {REL}>x</a> More"
    )
    assert str(point) == "Shelter open: write to us x More"
    # Bulk writes are cleaned too: the page marks the text safe.
    KeyPoint.objects.filter(pk=point.pk).update(text="<em>Calm</em><script>alert(1)</script>")
    assert KeyPoint.objects.get(pk=point.pk).text == "<em>Calm</em>"


@pytest.mark.django_db
def test_a_key_point_is_at_most_300_characters_of_text_however_long_its_links():
    page = make_page()
    link = f'<a href="https://example.org/{"x" * 400}">{"w" * 300}</a>'
    KeyPoint(live_page=page, text=link).full_clean()
    with pytest.raises(ValidationError) as refused:
        KeyPoint(live_page=page, text=f"<b>{'w' * 301}</b>").full_clean()
    assert refused.value.message_dict["text"] == [
        "Ensure this text has at most 300 characters (it has 301)."
    ]
    with pytest.raises(ValidationError) as refused:
        KeyPoint(live_page=page, text="<b> </b>").full_clean()
    assert "text" in refused.value.message_dict


@pytest.mark.django_db
def test_readers_get_the_key_points_formatting_on_the_page_and_in_changes_json(client):
    page = make_page(slug="harbour-flood")
    make_key_point(live_page=page, text='Roads <strong>closed</strong>; '
                                        '<a href="mailto:desk@example.org">tell us</a>')
    expected = (
        f'<li>Roads <strong>closed</strong>; <a href="mailto:desk@example.org" {REL}>tell us</a>'
        "</li>"
    )
    assert expected in client.get(page.get_absolute_url()).content.decode()
    data = client.get(f"{page.get_absolute_url()}changes.json", {"since": 0}).json()
    assert expected in data["key_points_html"]


@pytest.mark.django_db
def test_the_live_page_form_edits_key_points_in_the_inline_editor(editor_client):
    page = make_page(slug="harbour-flood")
    make_key_point(live_page=page, text="Roads <strong>closed</strong>")
    html = editor_client.get(admin_url(LivePage, "change", page.pk)).content.decode()
    [textarea] = re.findall(r'<textarea name="key_points-0-text"[^>]*>', html)
    assert '"inline":true' in textarea.replace("&quot;", '"')
    assert 'aria-label="Key point"' in textarea
    assert "Roads &lt;strong&gt;closed&lt;/strong&gt;" in html
    assert 'name="key_points-0-link"' not in html
    assert "/static/liveblogs/prose.js" in html


# Callouts -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_callout_description_is_rich_text_where_readers_see_it(client):
    page = make_page(slug="harbour-flood", status=LivePage.Status.LIVE)
    callout = make_callout(
        live_page=page,
        description='<p>Tell us <strong>what you see</strong>.</p><ul><li>Photos welcome</li></ul>'
                    '<p style="color:red" onclick="x()">No <font>fonts</font></p>',
    )
    callout.refresh_from_db()
    assert callout.description == (
        "<p>Tell us <strong>what you see</strong>.</p><ul><li>Photos welcome</li></ul>"
        "<p>No fonts</p>"
    )
    for url in [page.get_absolute_url(), callout.get_absolute_url()]:
        assert callout.description in client.get(url).content.decode(), url


@pytest.mark.django_db
def test_the_callout_forms_edit_the_description_in_the_body_editor(editor_client):
    callout = make_callout(live_page=make_page())
    for url in [admin_url(Callout, "change", callout.pk),
                admin_url(LivePage, "change", callout.live_page_id)]:
        html = editor_client.get(url).content.decode()
        # (The live page's form also has the template row of a new callout.)
        textarea = re.findall(r'<textarea name="[\w-]*description"[^>]*>', html)[0]
        assert '"inline":false' in textarea.replace("&quot;", '"'), url


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


def test_a_model_form_gets_the_editor_unless_it_names_a_widget():
    class Composer(forms.ModelForm):
        class Meta:
            model = Update
            fields = ["headline", "body"]

    class Plain(Composer):
        class Meta(Composer.Meta):
            widgets = {"body": forms.Textarea}

    field = Composer().fields["body"]
    assert isinstance(field, RichTextFormField) and type(field.widget) is RichTextWidget
    assert field.widget.rich_text is BODY
    assert type(Plain().fields["body"].widget) is forms.Textarea
    # The admin asks for its textarea and gets its editor.
    body = Update._meta.get_field("body")
    assert type(body.formfield(widget=AdminTextareaWidget).widget) is AdminRichTextWidget


# The migration ------------------------------------------------------------------------------------

BEFORE = [("liveblogs", "0011_desk_notes")]
AFTER = [("liveblogs", "0012_rich_key_points_and_callouts")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_plain_key_points_and_descriptions_into_the_same_html():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        page = apps.get_model("liveblogs", "LivePage").objects.create(title="Flood", slug="flood")
        points = apps.get_model("liveblogs", "KeyPoint").objects
        plain = points.create(live_page=page, text="Fish & <chips> shut", position=0)
        linked = points.create(live_page=page, text="Shelter map", position=1,
                               link="https://example.org/map?a=1&b=2")
        callout = apps.get_model("liveblogs", "Callout").objects.create(
            live_page=page, prompt="Seen it?", description="Line one\nLine <two>\n\nThree",
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        points = apps.get_model("liveblogs", "KeyPoint").objects
        assert points.get(pk=plain.pk).text == "Fish &amp; &lt;chips&gt; shut"
        assert points.get(pk=linked.pk).text == (
            f'<a href="https://example.org/map?a=1&amp;b=2" {REL}>Shelter map</a>'
        )
        assert apps.get_model("liveblogs", "Callout").objects.get(pk=callout.pk).description == (
            "<p>Line one<br>Line &lt;two&gt;<br><br>Three</p>"
        )

        # And back, for a release rolled back.
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        points = apps.get_model("liveblogs", "KeyPoint").objects
        assert (points.get(pk=plain.pk).text, points.get(pk=plain.pk).link) == (
            "Fish & <chips> shut", ""
        )
        assert (points.get(pk=linked.pk).text, points.get(pk=linked.pk).link) == (
            "Shelter map", "https://example.org/map?a=1&b=2"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

