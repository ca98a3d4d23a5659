from django.urls import path

from . import feeds, filing, polling, questions, views

app_name = "liveblogs"

urlpatterns = [
    path("", views.home, name="home"),
    path("live/", views.livepage_list, name="livepage_list"),
    path("live/<slug:slug>/", views.livepage_detail, name="livepage"),
    path("live/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update"),
    path("live/<slug:slug>/changes.json", polling.changes, name="changes"),
    path("live/<slug:slug>/feed/", feeds.LivePageFeed(), name="feed"),
    path("live/<slug:slug>/feed/atom/", feeds.LivePageAtomFeed(), name="feed_atom"),
    path("live/<slug:slug>/ask/", questions.ask, name="ask"),
    path("live/<slug:slug>/ask/thanks/", questions.ask_thanks, name="ask_thanks"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("reporters/<slug:slug>/", views.reporter_detail, name="reporter"),
    path("i18n/<str:language>.js", views.javascript_catalog, name="javascript_catalog"),
    path("file/", filing.file_update, name="file"),
    path("file/mine/", filing.my_updates, name="my_updates"),
    path("file/photos/", filing.upload_photo, name="upload_photo"),
    path("file/photos/<int:pk>/", filing.photo_fields_view, name="photo_fields"),
    path("file/photos/<int:pk>/<str:filename>", filing.photo_file, name="photo_file"),
    path("file/<int:pk>/", filing.file_update, name="edit_update"),
    path("file/<int:pk>/filed/", filing.filed, name="filed"),
]
