"""The editors' rich text: one editor (django-prose-editor, ProseMirror/Tiptap) for every body an
editor writes, configured here and nowhere else.

Two configurations, each exactly an allow-list of ``sanitize.py`` (``tests/test_editors.py`` holds
them together), so what an editor can make in the editor is what is stored and what readers get:

- ``BODY``: paragraphs, line breaks, bold, italic, links (http, https, mailto), bullet and numbered
  lists, quotes, subheadings (h3, h4). Update bodies, callout descriptions. ``clean_html``.
- ``INLINE``: one line of bold, italic and links. Key points of “The Latest”. ``clean_inline``.

A field is a ``RichTextField`` on the model: every ModelForm (the admin, the desk's composer) gets
the editor, and every save stores what the sanitiser leaves, whatever form or code it came from.

The editor's script is ``static/liveblogs/prose.js``, which imports the package's ``editor.js``
by a relative address: the package's own loader needs an inline ``<script type="importmap">``,
which the site's Content-Security-Policy (no inline script, no nonces) would block.
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.validators import MaxLengthValidator
from django.db import models
from django.forms.widgets import Script
from django.utils.deconstruct import deconstructible
from django.utils.translation import ngettext_lazy
from django_prose_editor.widgets import ProseEditorWidget

from .user_language import catalog_media

from .sanitize import ALLOWED_URL_SCHEMES, clean_html, clean_inline
from .structured_data import plain_text

# No "open in a new window" (``target`` is never kept), and only the schemes readers' links keep.
LINK = {"enableTarget": False, "protocols": sorted(ALLOWED_URL_SCHEMES)}


@dataclass(frozen=True)
class RichText:
    """What an editor may make in one kind of field, and the cleaner its HTML goes through."""

    name: str
    # django-prose-editor extensions (Tiptap's names) and their options.
    extensions: dict[str, Any] = field(hash=False)
    clean: Any
    # One line: no paragraphs, Enter makes none.
    inline: bool = False

    def __str__(self):
        return self.name


BODY = RichText(
    "body",
    {
        "Bold": True,
        "Italic": True,
        "Link": LINK,
        "BulletList": True,
        # No start number or numbering style: nh3 keeps neither, and prose.js drops both.
        "OrderedList": {"enableListAttributes": False},
        "ListItem": True,
        "Blockquote": True,
        # The page owns h1 and h2 (see sanitize.py).
        "Heading": {"levels": [3, 4]},
        "HardBreak": True,
        # Reporters and editors want the browser's spelling checker.
        "NoSpellCheck": False,
    },
    clean_html,
)
INLINE = RichText(
    "inline",
    {"Bold": True, "Italic": True, "Link": LINK, "NoSpellCheck": False},
    clean_inline,
    inline=True,
)


def has_text(html):
    return bool(plain_text(html).strip())


# The widget ---------------------------------------------------------------------------------------


class RichTextWidget(ProseEditorWidget):
    """A textarea of HTML that ``prose.js`` turns into the editor. Its configuration is the
    package's (``data-django-prose-editor-liveblogs``: the extensions, expanded with the package's
    defaults, and ``inline``). Without JavaScript it stays a textarea of HTML."""

    def __init__(self, rich_text=BODY, attrs=None):
        super().__init__(
            attrs=attrs,
            config={"extensions": rich_text.extensions, "inline": rich_text.inline},
            preset="liveblogs",
        )
        self.rich_text = rich_text

    @property
    def media(self):
        # Not the package's media: its import map is an inline script, which the site's policy
        # blocks. prose.js imports editor.js by its relative address instead. The editor's menus
        # and dialogs take their words from window.gettext as editor.js is first run: our
        # catalogue comes first (user_language.py).
        return catalog_media() + forms.Media(
            css={"all": [
                "django_prose_editor/material-icons.css",
                "django_prose_editor/editor.css",
                "liveblogs/prose.css",
            ]},
            js=[Script("liveblogs/prose.js", type="module")],
        )


class AdminRichTextWidget(RichTextWidget):
    """The editor in the admin: the package's styles for Django's admin on top."""

    @property
    def media(self):
        return super().media + forms.Media(
            css={"all": ["django_prose_editor/overrides.css", "liveblogs/prose.css"]}
        )


# The fields ---------------------------------------------------------------------------------------


class RichTextFormField(forms.CharField):
    """HTML from the editor, cleaned as it will be stored; HTML with no text in it is empty."""

    def __init__(self, *, rich_text=BODY, widget=None, **kwargs):
        self.rich_text = rich_text
        widget = widget or RichTextWidget
        if isinstance(widget, type):
            widget = widget(rich_text) if issubclass(widget, RichTextWidget) else widget()
        super().__init__(widget=widget, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return cleaned(self.rich_text, value)


def cleaned(rich_text, value):
    if not value:
        return value
    value = rich_text.clean(value)
    return value if has_text(value) else ""


class RichTextField(models.TextField):
    """HTML an editor writes with the editor (``rich_text``: ``BODY`` or ``INLINE``), cleaned by
    its allow-list on every save, so templates may mark it safe.

    In the database it is a plain text column (migrations see a ``TextField``); bulk writes
    (``QuerySet.update``) must clean it themselves, as ``clean_rich_text`` does.
    """

    def __init__(self, *args, rich_text=BODY, **kwargs):
        self.rich_text = rich_text
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs

    def to_python(self, value):
        return cleaned(self.rich_text, super().to_python(value))

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = self.rich_text.clean(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        # The admin asks for its textarea (formfield_overrides): it gets its editor instead. A
        # widget a form names itself (Meta.widgets) is its own choice.
        widget = kwargs.pop("widget", None)
        in_admin = widget is not None and (
            isinstance(widget, AdminTextareaWidget)
            or (isinstance(widget, type) and issubclass(widget, AdminTextareaWidget))
        )
        if widget is None or in_admin:
            widget = (AdminRichTextWidget if in_admin else RichTextWidget)(self.rich_text)
        return super().formfield(**{
            "form_class": RichTextFormField,
            "rich_text": self.rich_text,
            **kwargs,
            "widget": widget,
        })


def clean_rich_text(model, values):
    """``values`` (field name → value, as given to ``QuerySet.update``) with the rich text fields
    of ``model`` cleaned."""
    values = dict(values)
    for name, value in values.items():
        field = model._meta.get_field(name)
        if isinstance(field, RichTextField) and isinstance(value, str):
            values[name] = field.rich_text.clean(value)
    return values


@deconstructible
class MaxTextLengthValidator(MaxLengthValidator):
    """At most ``limit_value`` characters of text readers see, however much markup is around it."""

    message = ngettext_lazy(
        "Ensure this text has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this text has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    )
    code = "max_text_length"

    def clean(self, x):
        return len(plain_text(x))

