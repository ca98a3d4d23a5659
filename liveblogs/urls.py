from django.urls import path

from . import views

app_name = "liveblogs"

urlpatterns = [
    path("", views.home, name="home"),
    path("live/", views.livepage_list, name="livepage_list"),
    path("live/<slug:slug>/", views.livepage_detail, name="livepage"),
    path("live/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("reporters/<slug:slug>/", views.reporter_detail, name="reporter"),
]
