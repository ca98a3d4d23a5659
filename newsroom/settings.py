"""Settings for the newsroom site: one module, read from the environment.

With no variables set this is the embedded setup (SQLite, local-memory cache, files under media/),
which is what `make run` and `make test` use. Production sets the variables below; see README.md.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    """Read a yes/no variable; anything but a clear yes or no is a mistake worth stopping for."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and os.environ.get("DATABASE_URL"):
        # A production database without a secret key would sign sessions with a published value.
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY when DATABASE_URL is set.")
    SECRET_KEY = "django-insecure-embedded-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "liveblogs",
    # The site itself, for its own management commands (`manage.py demo`). It has no templates of
    # its own: the site's are in templates/ (DIRS below), searched before any app's.
    "newsroom",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "newsroom.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin, /file/ and sign-in in the person's language; reader pages left alone (cacheable).
    "liveblogs.user_language.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite in the project unless DATABASE_URL names another (postgres://user@host/db).
if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.config(conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # An unreachable server costs a request this many seconds, then a 503 (middleware.py),
        # rather than the whole of gunicorn's timeout.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DJANGO_DB_CONNECT_TIMEOUT", 3)
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            # Read the file through the system's cache (mapped) rather than copying pages into
            # each connection's own small cache, which starts cold with every request: a search
            # that matches ten thousand updates reads their entries in 10 ms rather than 60.
            "OPTIONS": {"init_command": "PRAGMA mmap_size=268435456"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared Redis when REDIS_URL is set (several app servers agree), else per process.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # An unreachable Redis costs a request at most this long; the site then answers from
            # the database for a few seconds before trying again (newsroom/cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "liveblogs:file"

LANGUAGE_CODE = "en"
# The languages a live page may be written in, each named in its own language for the switcher.
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/Toronto")
USE_I18N = True
# The site's own words (templates/ and newsroom/: the admin's branding, sign-in, the demo
# command); the app's are in liveblogs/locale.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT") or BASE_DIR / "media")
# Photos readers have not been shown (originals, photos not yet published, readers' own): never
# under MEDIA_URL; staff get them through the app (liveblogs/media.py).
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("DJANGO_PRIVATE_MEDIA_ROOT") or MEDIA_ROOT.with_name(f"{MEDIA_ROOT.name}-private")
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "liveblogs_private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/private-media/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # WhiteNoise's, with ES module imports hashed as well (newsroom/whitenoise_storage.py).
            else "newsroom.whitenoise_storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Media on S3-compatible object storage (README, "Media on object storage"): DJANGO_S3_BUCKET
# turns it on, for public and private files alike. Credentials left unset come from boto3's own
# chain (AWS_* variables, ~/.aws, an instance role).
S3_BUCKET = os.environ.get("DJANGO_S3_BUCKET", "").strip()
if S3_BUCKET:
    from urllib.parse import urlsplit

    S3_ENDPOINT_URL = os.environ.get("DJANGO_S3_ENDPOINT_URL", "").strip().rstrip("/")
    S3_REGION = os.environ.get("DJANGO_S3_REGION", "").strip()
    # A host name (served over https), or an address with its scheme (a local proxy over http).
    S3_CUSTOM_DOMAIN = os.environ.get("DJANGO_S3_CUSTOM_DOMAIN", "").strip().rstrip("/")
    S3_CUSTOM_SCHEME, _, S3_CUSTOM_DOMAIN = S3_CUSTOM_DOMAIN.rpartition("://")
    S3_CUSTOM_SCHEME = S3_CUSTOM_SCHEME or "https"
    S3_PRIVATE_BUCKET = os.environ.get("DJANGO_S3_PRIVATE_BUCKET", "").strip()
    s3 = {
        "endpoint_url": S3_ENDPOINT_URL or None,
        "region_name": S3_REGION or None,
        "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("DJANGO_S3_SECRET_ACCESS_KEY") or None,
        # MinIO, Ceph and a local server know buckets by path, not by host name.
        "addressing_style": "path" if S3_ENDPOINT_URL else None,
        # Signed addresses as every region and provider takes them.
        "signature_version": "s3v4",
        # Names are ours and never reused (a replaced photo gets a new one): no look-up first.
        "file_overwrite": True,
    }
    STORAGES["default"] = {
        "BACKEND": "liveblogs.s3.MediaStorage",
        "OPTIONS": {
            **s3,
            "bucket_name": S3_BUCKET,
            "custom_domain": S3_CUSTOM_DOMAIN or None,
            "url_protocol": f"{S3_CUSTOM_SCHEME}:",
            "querystring_auth": False,
            # Where the bucket decides who reads what by its own policy (R2, AWS buckets without
            # ACLs), DJANGO_S3_PUBLIC_ACL="" sends none.
            "default_acl": os.environ.get("DJANGO_S3_PUBLIC_ACL", "public-read").strip() or None,
        },
    }
    STORAGES["liveblogs_private"] = {
        "BACKEND": "liveblogs.s3.MediaStorage",
        "OPTIONS": {
            **s3,
            "bucket_name": S3_PRIVATE_BUCKET or S3_BUCKET,
            "location": "" if S3_PRIVATE_BUCKET else "private",
            "querystring_auth": True,
            "querystring_expire": env_int("DJANGO_S3_SIGNED_URL_SECONDS", 300),
            "default_acl": "private",
        },
    }
    LIVEBLOGS_PRIVATE_SIGNED_URLS = True

    def s3_origins(bucket):
        """Where the bucket's files are fetched from, as CSP sources (a path is allowed). AWS
        names a bucket by its global host or its region's, depending on the signature."""
        if S3_ENDPOINT_URL:
            endpoint = urlsplit(S3_ENDPOINT_URL)
            return [f"{endpoint.scheme}://{endpoint.netloc}/{bucket}/"]
        return [f"https://{bucket}.s3.amazonaws.com"] + (
            [f"https://{bucket}.s3.{S3_REGION}.amazonaws.com"] if S3_REGION else []
        )

    S3_MEDIA_ORIGINS = [
        *(
            # A CSP source with a path matches that path only, unless it ends in a slash.
            [f"{S3_CUSTOM_SCHEME}://{S3_CUSTOM_DOMAIN}{'/' if '/' in S3_CUSTOM_DOMAIN else ''}"]
            if S3_CUSTOM_DOMAIN
            else s3_origins(S3_BUCKET)
        ),
        # Staff are sent to signed addresses of private files, which are never on the CDN.
        *s3_origins(S3_PRIVATE_BUCKET or S3_BUCKET),
    ]
else:
    S3_MEDIA_ORIGINS = []

# Background work (django-tasks). The embedded setup runs each task at once, inside the request,
# so `make run` needs no worker; production queues them in the database for `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND")
        or (
            "django_tasks_db.DatabaseBackend"
            if os.environ.get("DATABASE_URL") and not DEBUG
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# The fictional newsroom of the demo; a real one puts its own name here.
LIVEBLOGS_PUBLISHER_NAME = "The Valley Courier"
# How many proxies in front of the site append to X-Forwarded-For (1 behind one nginx), so each
# reader gets their own rate limit rather than all sharing the proxy's address.
LIVEBLOGS_TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. Served over HTTPS (DJANGO_HTTPS), the site redirects plain http, sends cookies over
# HTTPS only and asks browsers to remember that (HSTS). On by default in production (debug off and
# a DATABASE_URL, the same signal that makes DJANGO_SECRET_KEY required), so a production site is
# secure unless told otherwise; off in the embedded setup, which is plain http on 127.0.0.1.
# Behind a proxy that ends TLS, DJANGO_PROXY_SSL_HEADER names the header it sets
# ("X-Forwarded-Proto"); the proxy must overwrite it on every request.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG and bool(os.environ.get("DATABASE_URL")))
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check over plain http
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# Only a permission for the browsers' preload list: a domain joins it when someone submits it.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", HTTPS)
if os.environ.get("DJANGO_PROXY_SSL_HEADER", "").strip():
    header = os.environ["DJANGO_PROXY_SSL_HEADER"].strip().upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{header}", "https")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy and Permissions-Policy (newsroom/middleware.py): scripts and styles from
# this site only, never inline. Photos and video may come from the media storage's own origin
# (object storage, a CDN): list it here, e.g. "https://media.example-cdn.org".
# Object storage's own origins (above) are listed without being asked.
CSP_MEDIA_ORIGINS = [
    *dict.fromkeys([*env_list("DJANGO_CSP_MEDIA_ORIGINS"), *S3_MEDIA_ORIGINS])
]

# E-mail (reader questions reach the desk by e-mail). Printed to the console unless an SMTP
# server is configured.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("DJANGO_EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = SERVER_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "live-desk@localhost"
)

# Logs go to standard output, one line each, for the process manager to collect.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
        }
    },
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO" if DEBUG else "WARNING").upper(),
    },
}
