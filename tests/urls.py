"""The URLs the app's tests need: the admin, sign-in (``/file/`` asks for it), the sitemap and
the app's own pages."""

from django.contrib import admin
from django.urls import include, path

from liveblogs.sitemaps import sitemap_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    # set_language: the "Français / English" switcher of the admin and /file/.
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("", include("liveblogs.urls")),
]
