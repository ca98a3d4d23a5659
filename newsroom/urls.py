"""The newsroom site's URLs: the editors' admin, then the live pages at the root."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from liveblogs import media
from liveblogs.sitemaps import sitemap_view

from .views import favicon, healthz, robots_txt

# The desk's lists are wide (headline, page, bylines, flags, thumbnails): give them the room.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("admin/", admin.site.urls),
    # Sign-in, sign-out and password change for reporters filing from /file/.
    path("accounts/", include("django.contrib.auth.urls")),
    # set_language: the "Français / English" switcher of the admin and /file/.
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("", include("liveblogs.urls")),
]

# A database that went away in a middleware is a 503 too, not a 500 (see views.server_error).
handler500 = "newsroom.views.server_error"

if settings.DEBUG:
    # The embedded setup serves uploads itself, typed from an allow-list so nothing there runs
    # (liveblogs/media.py); production serves them from nginx or object storage, the same way.
    urlpatterns += static(settings.MEDIA_URL, view=media.serve, document_root=settings.MEDIA_ROOT)
