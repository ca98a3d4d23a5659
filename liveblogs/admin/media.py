"""Photos and videos in the admin: previews, and the words that go with them."""

import logging

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .. import media
from ..forms import PhotoForm
from ..permissions import policy
from .forms import HTTPS_LINKS, PolicyAdmin

logger = logging.getLogger(__name__)


def thumbnail(photo, size=60):
    """The photo's smallest rendition, cropped square."""
    if not photo or not photo.image:
        return ""
    return format_html(
        '<img src="{}" alt="{}" class="lb-thumb" width="{}" height="{}">',
        photo.thumbnail_url,
        photo.alt_text,
        size,
        size,
    )


def store_away(form):
    """The photo form's check when the photo store did not take the photo: it says so."""
    raise ValidationError(media.STORAGE_UNAVAILABLE_MESSAGE)


class PhotoAdmin(PolicyAdmin, admin.ModelAdmin):
    form = PhotoForm
    list_display = ["preview", "caption", "credit", "has_alt_text", "size", "uploaded_by", "created_at"]
    list_display_links = ["preview", "caption"]
    search_fields = ["caption", "credit", "alt_text"]
    list_filter = ["created_at"]
    fields = ["image", "large_preview", "caption", "credit", "alt_text", "size", "uploaded_by"]
    readonly_fields = ["large_preview", "size", "uploaded_by"]
    list_select_related = ["uploaded_by"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if self.image_locked(request, obj):
            return [f for f in fields if f != "image"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj),
                *(["image"] if self.image_locked(request, obj) else [])]

    @staticmethod
    def image_locked(request, photo):
        """Readers are shown this photo: swapping its picture is publishing, for those who may
        publish (its words stay its uploader's to fix)."""
        return photo is not None and photo.public and not policy.may_publish(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The photo store not answering rolls the save back (the admin saves in a transaction);
        the editor then gets the form again with what they typed and why, not a server error."""
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except media.STORAGE_UNAVAILABLE as error:
            if request.method != "POST":
                raise
            logger.warning("Photo not stored: the storage did not take it (%s: %s)",
                           type(error).__name__, error)
            request.photo_store_away = True
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "photo_store_away", False):
            return type(form.__name__, (form,), {"clean": store_away})
        return form

    @admin.display(description=_("photo"))
    def preview(self, photo):
        return thumbnail(photo, 60)

    @admin.display(description=_("preview"))
    def large_preview(self, photo):
        if not photo.pk:
            return ""
        return format_html(
            '<img src="{}" alt="{}" class="lb-preview">',
            photo.picture.jpeg_url(960),
            photo.alt_text,
        )

    @admin.display(description=_("alt text"), boolean=True)
    def has_alt_text(self, photo):
        return bool(photo.alt_text.strip())

    @admin.display(description=_("size"))
    def size(self, photo):
        return f"{photo.width} × {photo.height}" if photo.width else ""




class VideoAdmin(PolicyAdmin, admin.ModelAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ["title", "duration_display", "poster_preview", "created_at"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["poster"]
    list_select_related = ["poster"]

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, video):
        return video.duration_display()

    @admin.display(description=_("poster"))
    def poster_preview(self, video):
        return thumbnail(video.poster, 60)




class EmbedAdmin(PolicyAdmin, admin.ModelAdmin):
    """Embeds are made from updates' bodies; here the desk sees which could not be resolved,
    tries them again, and may word a title, an author or a thumbnail's alt text."""

    list_display = ["__str__", "provider", "author_name", "status", "resolved_at", "tried_at"]
    list_filter = ["provider", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["url", "title", "author_name"]
    fields = ["url", "provider", "title", "author_name", "thumbnail_preview", "thumbnail_alt",
              "status", "resolved_at", "tried_at"]
    readonly_fields = ["url", "provider", "thumbnail_preview", "status", "resolved_at", "tried_at"]
    actions = ["try_again"]

    def has_add_permission(self, request):
        return False  # an embed comes from an update's body

    @admin.display(description=_("status"))
    def status(self, embed):
        if embed.resolved_at:
            return _("Shown as a card readers can load")
        if embed.error:
            return _("A plain link for now: %(problem)s") % {"problem": embed.error}
        return _("Not tried yet")

    @admin.display(description=_("thumbnail"))
    def thumbnail_preview(self, embed):
        if not embed.thumbnail:
            return ""
        return format_html('<img src="{}" alt="{}" class="lb-thumb" width="{}" height="{}">',
                           embed.thumbnail.url, embed.thumbnail_alt,
                           embed.thumbnail_width or "", embed.thumbnail_height or "")

    @admin.action(description=_("Try these embeds again"))
    def try_again(self, request, queryset):
        done = sum(embed.resolve() for embed in queryset)
        self.message_user(request, _("%(done)s of %(count)s resolved.") % {
            "done": done, "count": len(queryset)})
