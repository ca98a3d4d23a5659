"""What the admin's forms accept: choices by the desk policy, and the update form's checks; and
what keyboard and screen-reader users need of them: named inputs, rows put in order."""

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .. import workflow
from ..user_language import catalog_media
from ..models import Update
from ..permissions import policy


def keep_current(form_class, current):
    """Let the choice fields of ``form_class`` also accept what the object has now (``current``:
    field name → ids), so an edit keeps what a colleague chose, which this user could not."""
    for name, ids in current.items():
        field = form_class.base_fields.get(name)
        ids = [pk for pk in ids if pk is not None]
        if isinstance(field, forms.ModelChoiceField) and ids:
            model = field.queryset.model
            field.queryset = model._default_manager.filter(
                Q(pk__in=field.queryset.values("pk")) | Q(pk__in=ids)
            )
    return form_class


class AutocompleteSelect(widgets.AutocompleteSelect):
    """The admin's autocomplete, whose “nothing chosen” option reads as a plain select's does:
    Django leaves it empty, which HTML forbids (an empty ``<option>`` needs a label)."""

    def create_option(self, name, value, label, *args, **kwargs):
        if value == "" and not label:
            label = BLANK_CHOICE_DASH[0][1]
        return super().create_option(name, value, label, *args, **kwargs)


class PolicyAdmin:
    """Rows and choices by the desk policy (``permissions.py``), and the desk's stylesheet and
    script (``liveblogs/admin.js``: each of its features works on the pages that have its
    elements).

    A list shows the rows ``policy.choices`` allows this user, and every foreign key or
    many-to-many a form accepts is limited the same way, server-side: the autocomplete that
    offers a photo searches the photo list, so what a form accepts is what it offers. Values the
    object already has stay valid.
    """

    @property
    def media(self):
        return catalog_media() + super().media + forms.Media(
            css={"all": ["liveblogs/admin.css"]},
            js=[forms.Script("liveblogs/admin.js", type="module")],
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
            # The admin writes "Date:" and "Time:" before the two boxes, in no <label>: name
            # each box for screen readers, after its field.
            date, time = formfield.widget.widgets
            field = capfirst(formfield.label)
            date.attrs["aria-label"] = _("%(field)s: date") % {"field": field}
            time.attrs["aria-label"] = _("%(field)s: time") % {"field": field}
        return formfield

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        allowed = policy.choices(request.user, self.model)
        return queryset if allowed is None else queryset.filter(pk__in=allowed.values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if (allowed := policy.choices(request.user, db_field.related_model)) is not None:
            kwargs.setdefault("queryset", allowed)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if (allowed := policy.choices(request.user, db_field.related_model)) is not None:
            kwargs.setdefault("queryset", allowed)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            return form
        current = {}
        for field in obj._meta.get_fields():
            if field.name not in form.base_fields:
                continue
            if field.many_to_one:
                current[field.name] = [getattr(obj, field.attname)]
            elif field.many_to_many and not field.auto_created:
                current[field.name] = list(getattr(obj, field.name).values_list("pk", flat=True))
        return keep_current(form, current)


class PolicyInline(PolicyAdmin):
    """The same for an inline: the parent's rows keep what they hold."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None and obj.pk is not None:
            rows = self.model._default_manager.filter(**{formset.fk.name: obj})
            keep_current(formset.form, {
                field.name: list(rows.values_list(field.attname, flat=True))
                for field in self.model._meta.concrete_fields
                if field.many_to_one and field.name in formset.form.base_fields
            })
        return formset


# Editors paste links without a scheme; assume the secure one (Django 6's default).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class TabularFormSet(BaseInlineFormSet):
    """The rows of a table inline. The table heads each column with its field's label, which
    screen readers do not tie to the inputs below it: each input is named after its column."""

    def add_fields(self, form, index):
        super().add_fields(form, index)  # the delete box and the primary key among them
        for field in form.fields.values():
            # The widget itself, inside the admin's wrapper of add and change links, whose own
            # attrs are those of the form class's widget, not this form's copy.
            widget = getattr(field.widget, "widget", field.widget)
            if not widget.is_hidden:
                widget.attrs.setdefault("aria-label", capfirst(field.label))


class OrderedInline(PolicyInline, admin.TabularInline):
    """A table of rows in order (key points, bylines, photos). Editors drag a row by its handle,
    or use its Move up and Move down buttons (``liveblogs/admin/ordering.js``), and the rows'
    ``position`` follows; without script, positions are typed."""

    formset = TabularFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "position":
            # The script's words, translated here: the admin's JavaScript catalog, the one
            # script view its Content-Security-Policy allows, holds only the admin's own.
            formfield.widget.attrs.update({
                "data-ordering": "",
                "data-move-up": _("Move up"),
                "data-move-down": _("Move down"),
                "data-drag": _("Drag to reorder"),
                "data-moved": _("Moved to position %(position)s of %(count)s."),
            })
        return formfield


class UpdatePhotoFormSet(TabularFormSet):
    """An update saved as published may show no photo that lacks alt text or a credit.

    The photos are saved after the update itself, so ``Update.publish()`` cannot see them when the
    change form publishes: the check happens here, before anything is saved.
    """

    def clean(self):
        super().clean()
        if self.instance.status == Update.Status.PUBLISHED or self.instance.publish_at:
            workflow.check_publishable(
                photo
                for form in self.forms
                if not (self.can_delete and self._should_delete_form(form))
                and (photo := form.cleaned_data.get("photo")) is not None
            )




class CalloutSelect(forms.Select):
    """The update form's callout menu, each callout marked with its live page, so the add form
    offers only those of the page chosen (``liveblogs/admin/callouts.js``). The server checks
    all the same (``UpdateAdminForm.clean``)."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if (callout := getattr(value, "instance", None)) is not None:
            option["attrs"]["data-page"] = callout.live_page_id
        return option


class UpdateAdminForm(forms.ModelForm):
    """The update change form, carrying the revision it was loaded at.

    A save based on an older revision is refused in ``clean()``, before the update or any byline
    or photo row is written, so the editor gets the form back with everything they typed.
    """

    # Set per request by UpdateAdmin.get_form: whether this user is the desk.
    may_withdraw = False

    revision = forms.IntegerField(widget=forms.HiddenInput)
    minor = forms.BooleanField(
        label=_("Minor edit (typo fix): readers see no “edited” mark"), required=False
    )

    class Meta:
        model = Update
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # Nothing to conflict with, nothing to mark edited.
            del self.fields["revision"], self.fields["minor"]
        else:
            self.fields["revision"].initial = self.instance.revision

    def clean(self):
        cleaned_data = super().clean()
        if cleaned_data.get("status") == Update.Status.PUBLISHED and not cleaned_data.get(
            "published_at"
        ) and "published_at" in self.fields:
            # Published now, as the help text promises, rather than an error about a blank time.
            cleaned_data["published_at"] = timezone.now()
        callout, page = cleaned_data.get("callout"), cleaned_data.get("live_page") or (
            self.instance.live_page if self.instance.live_page_id else None
        )
        if callout and page and callout.live_page_id != page.pk:
            self.add_error("callout", _("Choose a callout of this update's live page."))
        at = cleaned_data.get("publish_at")
        if at and page and "publish_at" in self.changed_data:
            try:
                status = cleaned_data.get("status", self.instance.status)
                workflow.check_schedulable(Update(live_page=page, status=status), at)
            except ValidationError as error:
                self.add_error("publish_at", error)
        if (
            cleaned_data.get("status") == Update.Status.WITHDRAWN
            and self.instance.status != Update.Status.WITHDRAWN
            and not self.may_withdraw
        ):
            # As the bulk action: taking down what readers see is the desk's call.
            self.add_error("status", _("Only the desk can withdraw an update. Ask an editor."))
        if self.instance.pk is not None and "revision" in self.fields:
            # Locked until the admin's transaction ends, so no save can slip in before ours.
            current = (
                Update.objects.select_for_update(of=("self",)).select_related("edited_by")
                .get(pk=self.instance.pk)
            )
            if cleaned_data.get("revision") != current.revision:
                raise ValidationError(workflow.conflict_message(current), code="edit_conflict")
        return cleaned_data


def loaded_revision(request):
    """The update revision a POST says its page was showing, or None."""
    value = request.POST.get("revision", "")
    return int(value) if value.isascii() and value.isdigit() else None


def ordered_rows(formset, field):
    """The objects the inline ``formset`` names in ``field``, in the order of their positions."""
    rows = []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if data.get(field) is not None:
            rows.append((data.get("position") or 0, index, data[field]))
    return [value for _position, _index, value in sorted(rows, key=lambda row: row[:2])]


