"""The site's own views: the health check for load balancers, the icon browsers ask for,
robots.txt, and the error handler."""

import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as django_server_error

from .middleware import RETRY_AFTER, UNAVAILABLE, service_unavailable

HEALTH_KEY = "newsroom:healthz"
HEALTH_FILE = "healthz"


@never_cache
@require_safe
def healthz(request):
    """What a load balancer and monitoring need to know, as JSON; never cached.

    ``database``, ``cache`` (Redis), ``storage`` and ``private_storage`` (where photos go) are
    ``"ok"`` or the name of what went wrong; ``tasks`` is the task queue's depth where tasks are
    queued in the database (``waiting`` rows ready to run, and how long the oldest has waited).
    Only the database makes it a 503 (``"status": "unavailable"``): without it this server can
    answer nothing, while without Redis or the storage it still serves readers from the database
    (``"status": "degraded"``), and every server shares them, so a load balancer taking servers out
    for them would only turn a degraded site into one that is down. One query, or two with the
    queue; two cache calls; a file check or one storage request each."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as error:  # whatever the driver raises, the answer is "not ok"
        checks["database"] = type(error).__name__
    try:
        token = get_random_string(12)
        cache.set(HEALTH_KEY, token, 30)
        stored = cache.get(HEALTH_KEY) == token
        checks["cache"] = "ok" if stored else getattr(cache, "unavailable", None) or "not stored"
    except Exception as error:
        checks["cache"] = type(error).__name__
    checks["storage"] = storage_state(storages["default"])
    checks["private_storage"] = storage_state(storages["liveblogs_private"])
    if checks["database"] == "ok":
        checks.update(task_queue())
    if checks["database"] != "ok":
        status = "unavailable"
    elif any(checks[name] != "ok" for name in ("cache", "storage", "private_storage")):
        status = "degraded"
    else:
        status = "ok"
    response = JsonResponse({"status": status, **checks})
    if status == "unavailable":
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def storage_state(storage):
    """"ok" when photos can be stored: a folder that exists and may be written to, or an object
    store that answers a request for one name."""
    try:
        if isinstance(storage, FileSystemStorage):
            # The folder is made with the first file: until then, where it will be made.
            location = Path(storage.location)
            while not location.exists() and location != location.parent:
                location = location.parent
            return "ok" if location.is_dir() and os.access(location, os.W_OK) else "not writable"
        storage.exists(HEALTH_FILE)
        return "ok"
    except Exception as error:  # whatever the storage's client raises
        return type(error).__name__


def task_queue():
    """The depth of the task queue when tasks wait in the database for ``manage.py db_worker``:
    rows ready to run, and the age in seconds of the oldest (a worker that is down or too slow
    shows as that age growing)."""
    if settings.TASKS.get("default", {}).get("BACKEND") != "django_tasks_db.DatabaseBackend":
        return {}
    from django_tasks_db.models import DBTaskResult

    queue = DBTaskResult.objects.ready().aggregate(waiting=Count("pk"), oldest=Min("enqueued_at"))
    oldest = queue["oldest"]
    return {"tasks": {
        "waiting": queue["waiting"],
        "oldest_waiting_seconds": round((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }}


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
