"""Forms shared by the admin, the filing form and the reader form."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from . import images
from .models import Photo


class PhotoField(forms.FileField):
    """A photo upload, checked by decoding it (``images.inspect_upload``), never by its name or
    the type the browser claims. Its errors say in plain words what is wrong with the file."""

    widget = forms.ClearableFileInput(attrs={"accept": images.ACCEPT})
    default_validators = [images.validate_photo_file]

    def __init__(self, **kwargs):
        # The client's file name is never stored, so its length is no reason to refuse the photo;
        # an empty file gets our own message, from the validator.
        kwargs.setdefault("max_length", None)
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)


class PhotoForm(forms.ModelForm):
    """Upload or replace a photo and the words that go with it."""

    image = PhotoField(
        label=_("image"),
        help_text=_("A JPEG, PNG, WebP or HEIC photo. Location data is removed when it is stored."),
    )

    class Meta:
        model = Photo
        fields = ["image", "caption", "credit", "alt_text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("image", "caption", "credit", "alt_text")
