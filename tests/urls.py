"""The URLs the app's tests need: the admin, sign-in (``/file/`` asks for it), the sitemap and
the app's own pages."""

from django.contrib import admin
from django.urls import include, path

from liveblogs.sitemaps import sitemap_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("", include("liveblogs.urls")),
]
