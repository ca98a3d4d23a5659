"""The newsroom's URLs plus /hello/: the cheapest Django response through the same middleware,
the ceiling a view of this site can reach on this server. Never part of the product's URLs."""

from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as newsroom_urlpatterns


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("hello/", hello), *newsroom_urlpatterns]
