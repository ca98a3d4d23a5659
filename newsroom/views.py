"""The site's own views: the health check for load balancers, the icon browsers ask for,
robots.txt, and the error handler."""

import sys

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as django_server_error
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from .middleware import UNAVAILABLE, service_unavailable

HEALTH_KEY = "newsroom:healthz"


@never_cache
@require_safe
def healthz(request):
    """200 and ``{"database": "ok", "cache": "ok"}`` when PostgreSQL (or SQLite) and the cache
    answer; 503 naming what did not. One query and two cache calls; never cached. With the
    database task queue, also ``"tasks": {"waiting": …, "oldest_waiting_seconds": …}`` (one query more)
    for monitoring the worker: a queue that grows means no worker, or too few; it never makes
    this answer a 503, since the web servers serve readers without it."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as error:  # whatever the driver raises, the answer is "not ok"
        checks["database"] = type(error).__name__
    try:
        cache.set(HEALTH_KEY, "ok", 30)
        checks["cache"] = "ok" if cache.get(HEALTH_KEY) == "ok" else "not stored"
    except Exception as error:
        checks["cache"] = type(error).__name__
    healthy = all(value == "ok" for value in checks.values())
    if checks["database"] == "ok" and (queue := task_queue()) is not None:
        checks["tasks"] = queue
    response = JsonResponse({"status": "ok" if healthy else "unavailable", **checks})
    if not healthy:
        response.status_code = 503
        response["Retry-After"] = "10"
    return response


def task_queue():
    """How many tasks wait for the worker and for how long the oldest has, when tasks are queued
    in the database (django-tasks-db); None where they run at once."""
    if not isinstance(task_backends["default"], DatabaseBackend):
        return None
    try:
        waiting = DBTaskResult.objects.ready().aggregate(
            count=Count("pk"), oldest=Min("enqueued_at")
        )
    except Exception as error:  # the answer is about the database and the cache, not the queue
        return type(error).__name__
    oldest = waiting["oldest"]
    return {
        "waiting": waiting["count"],
        "oldest_waiting_seconds": round((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links (the admin's pages link none): send
    them to the icon among the static files, whose hashed address changes with it, rather than
    log a 404 for every new visitor. A day in any cache."""
    response = HttpResponseRedirect(static("newsroom/favicon.ico"))
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


@require_safe
def robots_txt(request):
    """What crawlers may read: everything but the newsroom's own screens (the admin, filing,
    sign-in), and where the sitemap is. A day in any cache."""
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /file/",
        "Disallow: /accounts/",
        "",
        f"Sitemap: {sitemap}",
        "",
    ]
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


def server_error(request):
    """handler500: a database that went away outside a view (in a middleware) is still a 503,
    not a 500; anything else is Django's own 500 page (templates/500.html)."""
    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE):
        return service_unavailable(request, error)
    return django_server_error(request)
