"""Forms shared by the admin, the filing form and the reader form."""

import hashlib
import re
import secrets
import time

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.core import signing
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from . import images, markup, workflow
from .conf import settings as app_settings
from .models import LivePage, Photo, ReaderSubmission, Reporter, Update
from .permissions import policy
from .sanitize import strip_invisible


class PhotoField(forms.FileField):
    """A photo upload, checked by decoding it (``images.inspect_upload``), never by its name or
    the type the browser claims. Its errors say in plain words what is wrong with the file."""

    widget = forms.ClearableFileInput(attrs={"accept": images.ACCEPT})
    default_validators = [images.validate_photo_file]

    def __init__(self, *, from_readers=False, **kwargs):
        # The client's file name is never stored, so its length is no reason to refuse the photo;
        # an empty file gets our own message, from the validator.
        kwargs.setdefault("max_length", None)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)
        if from_readers:
            self.validators = [images.validate_reader_photo_file]


class PhotoForm(forms.ModelForm):
    """Upload or replace a photo and the words that go with it."""

    image = PhotoField(
        label=capfirst(_("image")),  # as the admin writes its other labels
        help_text=_("A JPEG, PNG, WebP or HEIC photo. Location data is removed when it is stored."),
    )

    class Meta:
        model = Photo
        fields = ["image", "caption", "credit", "alt_text"]
        help_texts = {
            "credit": _(
                "Who took it, e.g. “Jane Doe/Agency”. Left blank, it is filled from the byline "
                "and credit embedded in the file, else with the uploader's name and the "
                "publisher's."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("image", "caption", "credit", "alt_text")


# Filing from the field (/file/)


class TypedText(forms.CharField):
    """Text a person typed, in a box or a text area: every such field of our forms is one.

    Invisible characters (zero-width spaces, direction marks) at either end are trimmed like
    spaces (``sanitize.strip_invisible``), so a value of nothing else is empty and a required
    field refuses it. Browsers send each line break as CR LF but count it as one character
    against ``maxlength``; so does this field, or a text the box accepted is refused.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return strip_invisible(value).replace("\r\n", "\n") or self.empty_value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class NewPhotosField(forms.FileField):
    """Several photos at once, from the camera or the library. Each is checked by the Photos
    validator; the view keeps every good one even when another is refused."""

    widget = MultipleFileInput(attrs={"accept": images.ACCEPT, "multiple": True})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", None)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        return [file for file in (data or []) if file]


class PublishAtField(forms.DateTimeField):
    """ "Publish at": a date and time typed in the live page's time zone (a phone's or a desktop
    browser's own date and time picker), whichever zone the site or the browser is in.

    ``for_page`` turns the cleaned value, which Django read in the current time zone, into that
    time in ``page``'s; ``shown`` is how a stored time fills the input again."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Publish at"))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    @staticmethod
    def for_page(value, page):
        if value is None or page is None:
            return value
        return timezone.make_aware(timezone.make_naive(value), page.tzinfo)

    @staticmethod
    def shown(value, page):
        return timezone.localtime(value, page.tzinfo).strftime("%Y-%m-%dT%H:%M") if value else ""


def clean_publish_at(form, cleaned, page, *, user):
    """The "publish at" time of ``form`` (a field named ``publish_at``), in ``page``'s time
    zone; an error on the field when ``user`` may not publish there or the time cannot be kept.
    Where it did not change, nothing is checked (a scheduled update that is late stays so)."""
    at = PublishAtField.for_page(cleaned.get("publish_at"), page)
    cleaned["publish_at"] = at
    if at is None or page is None or at == form.instance.publish_at:
        return
    if not policy.can_schedule(user, page):
        form.add_error("publish_at", _("Only those who may publish on “%(page)s” can schedule "
                                       "an update.") % {"page": page})
        return
    try:
        workflow.check_schedulable(Update(live_page=page, status=form.instance.status), at)
    except forms.ValidationError as error:
        form.add_error("publish_at", error)


class FilingForm(forms.ModelForm):
    """What a reporter files: the page, a headline, the text, co-authors and photos.

    ``body`` is the light markup of ``liveblogs.markup``; the stored body is the HTML it becomes.
    The photos travel as ids of photos already stored (uploaded by this reporter), so a form that
    comes back with an error still has them; their words are in one ``FilingPhotoForm`` each.
    """

    PUBLISH, SUBMIT, DRAFT, SAVE = "publish", "submit", "draft", "save"

    body = TypedText(
        label=_("Text"), required=False, max_length=20_000,
        widget=forms.Textarea(
            attrs={"rows": 10, "autocapitalize": "sentences", "spellcheck": "true"}
        ),
        help_text=_(
            "A blank line starts a new paragraph. **bold**, _italic_, [words](https://link), "
            "“- ” for a list, “> ” for a quote, “### ” for a subheading."
        ),
    )
    coauthors = forms.ModelMultipleChoiceField(
        label=_("Co-authors"), queryset=Reporter.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_photos = NewPhotosField(
        label=_("Add photos"),
        help_text=_("JPEG, PNG, WebP or HEIC, several at once. Location data is removed."),
    )
    minor = forms.BooleanField(
        label=_("Minor edit (a typo fix): readers see no “edited” mark"), required=False
    )
    filing_key = forms.UUIDField(widget=forms.HiddenInput)
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    action = forms.ChoiceField(
        choices=[(PUBLISH, PUBLISH), (SUBMIT, SUBMIT), (DRAFT, DRAFT), (SAVE, SAVE)],
        widget=forms.HiddenInput, required=False,
    )

    class Meta:
        model = Update
        fields = ["live_page", "headline", "body", "publish_at"]
        field_classes = {"headline": TypedText, "publish_at": PublishAtField}
        widgets = {
            "headline": forms.TextInput(
                attrs={"autocapitalize": "sentences", "enterkeyhint": "next"}
            ),
        }

    def __init__(self, *args, user, pages, photos, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["live_page"].queryset = pages
        self.fields["live_page"].empty_label = None
        self.fields["live_page"].label = _("Live page")
        self.photo_choices = photos
        self.fields["coauthors"].queryset = coauthor_choices(user)
        if self.instance.pk:
            # Keep every byline it has, even one the reporter could not add (off the desk, a
            # freelancer no longer active): a box not offered would be a byline dropped.
            offered = self.fields["coauthors"].queryset.values("pk")
            self.fields["coauthors"].queryset = (
                Reporter.objects.filter(Q(pk__in=offered) | Q(updates=self.instance))
                .exclude(user=user).distinct().order_by("name")
            )
            self.fields["revision"].required = True
            # An update stays on its page, even one that has ended since (a late correction).
            self.fields["live_page"].queryset = LivePage.objects.filter(pk=self.instance.live_page_id)
            self.fields["live_page"].disabled = True
            self.initial["body"] = markup.to_markup(self.instance.body)
            self.initial["coauthors"] = [
                r.pk for r in self.instance.authors.all() if r.user_id != user.pk
            ]
        if not self.is_published:
            del self.fields["minor"]
        if self.is_published or not any(policy.can_schedule(user, page) for page in pages):
            del self.fields["publish_at"]
        else:
            page = self.instance.live_page if self.instance.live_page_id else None
            self.initial["publish_at"] = PublishAtField.shown(self.instance.publish_at, page)
            self.fields["publish_at"].help_text = _(
                "Leave empty to publish now. With a time, Publish schedules it: it stays out of "
                "readers' sight until then. In the live page's time zone: %(zones)s."
            ) % {"zones": page.time_zone if page else ", ".join(sorted({
                page.time_zone for page in pages if policy.can_schedule(user, page)
            }))}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    @property
    def is_published(self):
        return self.instance.pk is not None and self.instance.status == Update.Status.PUBLISHED

    def clean_body(self):
        typed = self.cleaned_data["body"]
        if self.instance.pk and typed == markup.to_markup(self.instance.body):
            # Untouched: keep the stored HTML exactly (written in the admin, say), so a save that
            # changed nothing here rewrites nothing and shows readers no "edited" mark.
            return self.instance.body
        return markup.to_html(typed)

    def attached_photos(self, extra=()):
        """The attached photos in the order the form lists them, then ``extra`` (just uploaded).

        Only photos this form may attach count (the reporter's own, or the update's already).
        """
        if self.is_bound:
            removed = set(ids_in(self.data.getlist("remove_photo")))
            ids = [i for i in ids_in(self.data.getlist("photos")) if i not in removed]
        else:
            ids = list(self.instance.photos.values_list("pk", flat=True)) if self.instance.pk else []
        ids = list(dict.fromkeys([*ids, *(photo.pk for photo in extra)]))
        found = self.photo_choices.in_bulk(ids)
        return [found[i] for i in ids if i in found]

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action") or (self.SAVE if self.is_published else self.DRAFT)
        if self.is_published and action in (self.DRAFT, self.SUBMIT):
            # Taking an update off the page is withdrawing it: the desk's call, in the admin.
            raise forms.ValidationError(
                _("This update is published: save your changes, or ask the desk to withdraw it."),
                code="published",
            )
        page = cleaned.get("live_page") or self.instance.live_page_id and self.instance.live_page
        if action == self.PUBLISH and page and not policy.can_publish(self.user, page):
            raise forms.ValidationError(
                _("Updates on “%(page)s” need an editor's approval: use “Send to editors”."),
                code="needs_approval", params={"page": page},
            )
        if action == self.SAVE and not self.is_published:
            action = self.DRAFT
        cleaned["action"] = action
        if "publish_at" in self.fields:
            clean_publish_at(self, cleaned, page or None, user=self.user)
        if action != self.DRAFT and "body" in cleaned and not cleaned["body"].strip():
            self.add_error("body", _("Write the update's text before sending it."))
        return cleaned


class FilingPhotoForm(forms.ModelForm):
    """The words for one attached photo. Alt text and credit are needed before it goes out."""

    class Meta:
        model = Photo
        fields = ["caption", "credit", "alt_text"]
        field_classes = dict.fromkeys(fields, TypedText)
        widgets = {
            "caption": forms.Textarea(attrs={"rows": 2, "autocapitalize": "sentences"}),
            "alt_text": forms.Textarea(attrs={"rows": 2, "autocapitalize": "sentences"}),
        }
        help_texts = {
            "caption": "",
            "credit": _(
                "From the agency's details in the file if it has them, else your name and the "
                "publisher's."
            ),
            "alt_text": _("What the photo shows, for readers who cannot see it."),
        }

    def __init__(self, *args, sending=False, editable=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending, self.editable = sending, editable
        # A draft may wait for its words; an update going to readers or the desk may not.
        self.fields["alt_text"].required = sending and editable
        self.fields["credit"].required = sending and editable
        if not editable:
            # A colleague's photo (an editor put it in the update): its words show wherever it
            # does, so only its uploader or an editor changes them (``policy.can_change_photo``).
            for field in self.fields.values():
                field.disabled = True
                field.help_text = ""
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean(self):
        cleaned = super().clean()
        if self.sending and not self.editable and self.instance.missing_for_publishing():
            raise forms.ValidationError(
                _("This photo needs %(missing)s, which only an editor can add: ask the desk, or "
                  "remove the photo."),
                params={"missing": _(" and ").join(map(str, self.instance.missing_for_publishing()))},
                code="needs_editor",
            )
        return cleaned

    def save(self, commit=True):
        # Saving unchanged words would still tell every page showing the photo that it changed.
        if not self.editable or not self.has_changed():
            return self.instance
        return super().save(commit)


def ids_in(values):
    """The row ids among posted values; anything else (a huge number, "²") is not an id."""
    return [int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 19]


def coauthor_choices(user):
    """Co-authors offered in ``/file/``: the active reporters ``user`` may put in a byline."""
    return policy.reporters_for(user).filter(is_active=True).exclude(user=user).order_by("name")


# Reader questions (questions.py) ----------------------------------------------------------------

RENDERED_SALT = "liveblogs.questions.rendered"
PHONE_CHARACTERS = re.compile(r"[0-9+()./\- ]+")


def render_token(at=None):
    """When the ask form was shown, signed, so a bot cannot claim it took its time. The nonce
    makes each form shown a token of its own, even two shown at the same instant."""
    return signing.dumps(
        {"at": time.time() if at is None else at, "n": secrets.token_urlsafe(9)},
        salt=RENDERED_SALT,
    )


class AskForm(forms.ModelForm):
    """A reader's question, or their story for a callout, with only the fields the callout asks.

    Two fields catch bots: ``website`` (a honeypot hidden from people, who leave it empty) and
    ``rendered`` (when the form was shown, signed: people take a few seconds to write). A message
    they refuse is not lost: the form comes back with the reader's words, ready to send again.

    ``rendered`` sends one message: ``use_token`` spends it, in the shared cache, when the message
    is kept. Sent again with the very same message (a double click, a retry after a lost answer),
    the form is ``sent_already``; with another, it is refused as a bot's attempt.
    """

    photo = PhotoField(
        label=_("Photo (optional)"),
        required=False,
        from_readers=True,
        help_text=_("A JPEG, PNG, WebP or HEIC photo. Location data is removed when it is stored."),
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)
    rendered = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)

    class Meta:
        model = ReaderSubmission
        fields = [
            "body", "name", "email", "location", "phone", "consent_publish", "consent_contact",
        ]
        labels = {
            "name": _("Your name"),
            "email": _("Your e-mail address"),
            "location": _("Where are you? (optional)"),
            "phone": _("Phone number for a call-back (optional)"),
            "consent_publish": _("You may publish my name and location"),
            "consent_contact": _("You may contact me"),
        }
        help_texts = {
            "location": _("A town or neighbourhood is enough."),
            "email": _("Only for the newsroom, never published."),
        }
        field_classes = {name: TypedText for name in ("body", "name", "location", "phone")}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 7}),
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "location": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "phone": forms.TextInput(
                attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}
            ),
        }

    def __init__(self, *args, callout=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.callout = callout
        self.refused_as_bot = False
        self.sent_already = False
        asked = {
            "location": bool(callout and callout.ask_location),
            "phone": bool(callout and callout.ask_phone),
            "photo": bool(callout and callout.ask_photo),
        }
        for name, wanted in asked.items():
            if not wanted:
                del self.fields[name]
        self.fields["body"].label = (
            _("Your question or story") if callout else _("Your question")
        )
        if not asked["location"]:
            self.fields["consent_publish"].label = _("You may publish my name")
        self.fields["consent_contact"].help_text = (
            _("By e-mail or phone, about what you sent.") if asked["phone"]
            else _("By e-mail, about what you sent.")
        )
        self.fields["rendered"].initial = render_token()

        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "ask-form"
        self.helper.layout = Layout(
            "body",
            "name",
            "email",
            *(name for name in ("location", "phone", "photo") if asked[name]),
            "consent_publish",
            "consent_contact",
            # What the form asks is what the note promises about.
            HTML(format_html(
                '<p class="ask-privacy form-text">{} {} {}</p>',
                _("Privacy: we use your e-mail address and phone number only to reach you about "
                  "what you sent, and only if you say we may.") if asked["phone"]
                else _("Privacy: we use your e-mail address only to reach you about what you "
                       "sent, and only if you say we may."),
                _("We publish your name and location only if you say we may, and never your "
                  "contact details.") if asked["location"]
                else _("We publish your name only if you say we may, and never your contact "
                       "details."),
                _("We delete your contact details after %(days)d days.")
                % {"days": app_settings.SUBMISSION_RETENTION_DAYS},
            )),
            # Hidden from people (off screen in forms.css, out of the tab order, silent to screen
            # readers).
            Div(
                Field("website", autocomplete="off", tabindex="-1"),
                aria_hidden="true",
                css_class="ask-website",
            ),
            "rendered",
            Div(Submit("send", _("Send to the newsroom")), css_class="form-actions"),
        )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if phone and (
            not PHONE_CHARACTERS.fullmatch(phone) or sum(c.isdigit() for c in phone) < 6
        ):
            raise forms.ValidationError(
                _("Enter a phone number with digits, spaces, +, - or brackets only."),
                code="invalid",
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and not cleaned.get("consent_contact"):
            self.add_error(
                "consent_contact",
                _("Tick “You may contact me” if you would like a call-back, or leave out the phone "
                  "number."),
            )
        if cleaned.get("website"):
            self._refuse_as_bot(reset="website")
        problem = self._render_time_problem(cleaned.get("rendered", ""))
        if problem == "expired":
            self._restart_clock()
            self.add_error(None, _("This form was open for a long time. Please press “Send to "
                                   "the newsroom” again."))
        elif problem:
            self._refuse_as_bot()
        elif not self.errors:
            self._check_token_unspent()
        return cleaned

    def use_token(self):
        """Spend this form's token on its message, atomically: False when it was spent already
        (say by the same message sent twice at once), and the form says so as in ``clean``.
        A spent token is remembered as long as it could be valid, so it is never spent twice."""
        if cache.add(self._token_key(), self._message_hash(), app_settings.ASK_FORM_MAX_AGE):
            return True
        self._check_token_unspent()
        return False

    def release_token(self):
        """Give the token back: the message it was spent on could not be kept after all."""
        cache.delete(self._token_key())

    def _check_token_unspent(self):
        """A token spent on this very message makes the form ``sent_already``; spent on another,
        the form is refused as a bot's attempt, with a fresh token for a person to send."""
        spent_on = cache.get(self._token_key())
        if spent_on is None:
            return
        if spent_on == self._message_hash():
            self.sent_already = True
        else:
            self._restart_clock()
            self._refuse_as_bot()

    def _token_key(self):
        # Hashed: a short key, whatever was posted.
        token = self.cleaned_data.get("rendered", "")
        return "liveblogs:ask-token:" + hashlib.sha256(token.encode()).hexdigest()

    def _message_hash(self):
        """The message as the cache keeps it: a keyed hash, never the reader's words."""
        message = {name: self.cleaned_data.get(name) for name in self._meta.fields}
        photo = self.cleaned_data.get("photo")
        message.update(callout=self.callout and self.callout.pk, photo=photo and photo.size)
        return salted_hmac(
            "liveblogs.questions.message", repr(sorted(message.items())), algorithm="sha256"
        ).hexdigest()

    def _render_time_problem(self, token):
        """None when the form was shown at least ``ASK_MIN_SECONDS`` ago, by us; else why not."""
        try:
            shown = signing.loads(token, salt=RENDERED_SALT, max_age=app_settings.ASK_FORM_MAX_AGE)
            at = float(shown["at"])
        except signing.SignatureExpired:
            return "expired"
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            self._restart_clock()
            return "missing"
        if time.time() - at < app_settings.ASK_MIN_SECONDS:
            return "too fast"
        return None

    def _refuse_as_bot(self, reset=None):
        if reset:
            self.data = self.data.copy()
            self.data[reset] = ""
        if not self.refused_as_bot:
            self.refused_as_bot = True
            self.add_error(
                None,
                _("Your message was not sent yet. Please check it and press “Send to the newsroom” "
                  "again."),
            )

    def _restart_clock(self):
        self.data = self.data.copy()
        self.data["rendered"] = render_token()
