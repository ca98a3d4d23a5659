"""The site's own middleware: security headers, and a short 503 when the database is away.

Django 5.2 has no Content-Security-Policy of its own; the policy here is one constant header
(no nonces), so responses stay identical for every reader and any shared cache may keep them.
"""

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response

try:  # the shared cache of production (REDIS_URL); the embedded setup runs without redis-py
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover
    RedisConnectionError = RedisTimeoutError = OperationalError

from liveblogs.embeds import frame_origins

logger = logging.getLogger("newsroom")

# What a service the site cannot answer without (PostgreSQL, Redis) raises while it is away.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
# Seconds a client is asked to wait: about what a database restart or fail-over takes.
RETRY_AFTER = 10

# Features no page of the site uses, switched off for any script that gets in anyway.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment", "usb",
    )
)


def content_security_policy(media_origins=(), *, code="'self'", scripts="", frames=None):
    """Everything from this site only: no inline script or style, no plugins, no framing, in the
    admin as on reader pages (the app's admin styles are a stylesheet, ``liveblogs/admin.css``).

    Scripts, styles and fonts come from ``code``: the static files' address (``static_source``),
    not the whole site, so nothing stored under the media URL can ever be loaded as a script or
    a stylesheet, whatever got uploaded there. ``scripts`` adds script addresses that are views
    (the translated strings: ours under ``/i18n/``, the admin's).

    ``img-src`` and ``media-src`` also take the media storage's origins (object storage, a CDN);
    ``data:`` is the empty favicon of the base templates, ``blob:`` a photo previewed before its
    upload. ``frames`` are the origins of the embeds' frames (``liveblogs.embeds.frame_origins``):
    a reader's click on an embed's card inserts one of them; no script of theirs ever runs in
    the site's own pages. A fixed list, not the providers of each page, so an update arriving
    through ``changes.json`` with a provider new to the page loads too. JSON data blocks (``<script type="application/ld+json">`` and the admin's) are not
    scripts, so ``script-src 'self'`` leaves them alone. Scripts may still set styles through the
    DOM (``element.style``), which no policy blocks.
    """
    media = " ".join(["'self'", *media_origins])
    frames = frame_origins() if frames is None else frames
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {code}{f' {scripts}' if scripts else ''}",
            f"style-src {code}",
            f"img-src {media} data: blob:",
            f"media-src {media}",
            f"font-src {code}",
            f"frame-src {' '.join(frames) if frames else chr(39) + 'none' + chr(39)}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def static_source(request):
    """The static files' address as a CSP source: ``STATIC_URL`` if it is absolute (a CDN), else
    the site's own address with its path (``https://news.example.org/static/``). CSP takes no path
    without a host, and matches ``http:`` to ``https:`` as well. A request for a host the site
    does not serve gets no code at all."""
    static = settings.STATIC_URL or "/static/"
    if "://" in static:
        return static
    try:
        host = request.get_host()
    except DisallowedHost:
        return "'none'"
    return f"{request.scheme}://{host}/{static.lstrip('/')}"


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy,
    Cross-Origin-Opener-Policy and HSTS (settings.py). Django's own debug pages (DEBUG only)
    are made of inline style and script, so error responses keep no policy there.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.media = getattr(settings, "CSP_MEDIA_ORIGINS", ())
        self.policies = {}  # (static source, admin?) -> policy; a few hosts at most
        self.admin_prefix = None

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 400:
            return response
        in_admin = self.in_admin(request)
        key = (static_source(request), in_admin)
        if (policy := self.policies.get(key)) is None:
            scripts = []
            if key[0] != "'none'":
                # Translated words come as scripts from views, not files: ours (every page that
                # runs our scripts) and, in the admin, the admin's.
                origin = f"{request.scheme}://{request.get_host()}"
                catalog = reverse("liveblogs:javascript_catalog", args=[settings.LANGUAGE_CODE])
                scripts.append(origin + catalog.rpartition("/")[0] + "/")
                if in_admin:
                    scripts.append(origin + reverse("admin:jsi18n"))
            policy = self.policies[key] = content_security_policy(
                self.media, code=key[0], scripts=" ".join(scripts)
            )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    def in_admin(self, request):
        if self.admin_prefix is None:
            try:
                self.admin_prefix = reverse("admin:index")
            except NoReverseMatch:
                self.admin_prefix = False
        return bool(self.admin_prefix) and request.path.startswith(self.admin_prefix)


def service_unavailable(request, error):
    """A 503 with Retry-After, in one log line: no traceback, no error page of the database's."""
    if request.path.endswith(".json") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"error": "Temporarily unavailable. Try again shortly.", "retry_after": RETRY_AFTER},
            status=503,
        )
    else:
        # No request context: its processors may need the database that is away.
        response = HttpResponse(
            render_to_string("503.html", {"sent": request.method == "POST"}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER)
    add_never_cache_headers(response)
    log_response(
        "Service Unavailable: %s (%s: %s)",
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
        response=response,
        request=request,
        level="warning",
    )
    return response


class ServiceUnavailableMiddleware:
    """Turn the database (or shared cache) being away into a quick 503 with Retry-After.

    Connections recover by themselves: Django drops a connection that failed at the end of the
    request, and ``CONN_HEALTH_CHECKS`` tests a kept one before it is used again.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return service_unavailable(request, exception)
        return None
