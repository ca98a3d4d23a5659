"""The newsroom's URLs plus /hello/: the cheapest Django response through the same middleware,
the ceiling a view of this site can reach on this server; and uploads served as the embedded
setup serves them, even with debug off (production has nginx or object storage do it), for
``bench/lighthouse.sh``. Never part of the product's URLs."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import path, re_path

from liveblogs import media
from newsroom.urls import urlpatterns as newsroom_urlpatterns


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("hello/", hello), *newsroom_urlpatterns]
if not settings.DEBUG:
    urlpatterns.append(re_path(
        r"^%s(?P<path>.*)$" % settings.MEDIA_URL.lstrip("/"), media.serve,
        {"document_root": settings.MEDIA_ROOT},
    ))
