"""The editors' admin, by topic: live pages (``pages``), updates (``updates``, with their own
pages in ``update_views``), photos and videos (``media``), reader submissions (``submissions``),
and what the forms accept (``forms``). Registered here, in one place."""

from django.contrib import admin

from ..models import (
    Callout,
    Embed,
    LivePage,
    Photo,
    ReaderSubmission,
    Reporter,
    Series,
    Update,
    UpdateRevision,
    Video,
)
from .media import EmbedAdmin, PhotoAdmin, VideoAdmin
from .pages import CalloutAdmin, LivePageAdmin, ReporterAdmin, SeriesAdmin
from .submissions import ReaderSubmissionAdmin
from .updates import UpdateAdmin, UpdateRevisionAdmin

admin.site.register(LivePage, LivePageAdmin)
admin.site.register(Update, UpdateAdmin)
admin.site.register(UpdateRevision, UpdateRevisionAdmin)
admin.site.register(Callout, CalloutAdmin)
admin.site.register(ReaderSubmission, ReaderSubmissionAdmin)
admin.site.register(Photo, PhotoAdmin)
admin.site.register(Video, VideoAdmin)
admin.site.register(Embed, EmbedAdmin)
admin.site.register(Reporter, ReporterAdmin)
admin.site.register(Series, SeriesAdmin)
