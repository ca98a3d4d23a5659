"""The app's settings, each with a default, read when used (never at import time).

Set any of them in the site's settings with the ``LIVEBLOGS_`` prefix, e.g. ``LIVEBLOGS_PAGE_SIZE``.
"""

from django.conf import settings as django_settings

DEFAULTS = {
    # Updates shown on a live page before "Show older updates".
    "PAGE_SIZE": 20,
    # Key events listed near the top of a live page (the newest ones).
    "KEY_EVENTS": 10,
    # Live pages per page of the archive.
    "ARCHIVE_PAGE_SIZE": 12,
    # The publisher named in feeds and structured data.
    "PUBLISHER_NAME": "Newsroom",
    # Its logo in structured data: a static file's path, or an absolute URL. Google asks for a
    # logo that fits 600 × 60 pixels.
    "PUBLISHER_LOGO": "liveblogs/publisher-logo.png",
    # Seconds shared caches may keep a reader page while the page is live, and once it is a recap.
    "LIVE_MAX_AGE": 30,
    "RECAP_MAX_AGE": 3600,
    # Seconds between polls that the server asks of readers' browsers while a page is live.
    "POLL_INTERVAL": 10,
    # Seconds a page's version may be served from the shared cache. Changes drop the entry as
    # they commit; this bounds staleness where the cache is per process (no REDIS_URL).
    "STATE_CACHE_SECONDS": 5,
    # Seconds an answer of changes.json is kept in the shared cache (it is keyed by version).
    "CHANGES_CACHE_SECONDS": 60,
    # Seconds each process keeps a page's state and a poll's answer it read from the shared cache
    # (memo.py); 0 turns it off. Stays inside the 5 s a poll's answer may be kept anyway.
    "PROCESS_MEMO_SECONDS": 1,
    # Seconds an update's rendered HTML is kept (it is keyed by the update's version).
    "FRAGMENT_CACHE_SECONDS": 3600,
    # Seconds a live page's or a permalink's whole answer is kept (keyed by the page's version):
    # a few minutes, so a busy night's many versions of a large page do not pile up in Redis.
    "ANSWER_CACHE_SECONDS": 300,
    # Photo uploads: the largest file in bytes, and the most pixels (width × height). Pillow
    # refuses images over twice its own MAX_IMAGE_PIXELS (about 179 million) whatever this says.
    "MAX_UPLOAD_BYTES": 25 * 1024 * 1024,
    "MAX_PIXELS": 100_000_000,
    # Readers' photos (the ask form), which anyone may send: a stricter pixel limit.
    "READER_MAX_PIXELS": 25_000_000,
    # The most memory decoding one upload may take (bytes). A baseline JPEG is decoded at reduced
    # scale and stays far below it at any size; PNG, WebP, HEIC and progressive JPEG are decoded
    # in full, so this sets their pixel limit (about 24 megapixels for an RGB PNG). See images.py.
    "MAX_DECODE_BYTES": 96 * 1024 * 1024,
    # Private photos (originals, photos not yet shown to readers, readers' own) are streamed by
    # the app; behind nginx, set the prefix of an ``internal`` location over the private storage's
    # folder (``/private-media/``) and nginx sends them instead (X-Accel-Redirect).
    "PRIVATE_ACCEL_REDIRECT": "",
    # The private storage signs its URLs and they expire (object storage, ``liveblogs.s3``):
    # staff who may see a private file are sent to its signed URL rather than streamed it through
    # the app. Never on for a storage whose URLs anyone may open.
    "PRIVATE_SIGNED_URLS": False,
    # Video uploads: the largest file in bytes. Videos are checked by their bytes (videos.py).
    "MAX_VIDEO_BYTES": 1024 * 1024 * 1024,
    # A video's captions (WebVTT): the largest file in bytes.
    "MAX_CAPTIONS_BYTES": 512 * 1024,
    # Embeds (embeds.py). Providers added to the built-in ones: each a ``embeds.Provider`` or a
    # dict of its fields (slug, name, kind, hosts, paths, canonical, frame, frame_origin …).
    "EMBED_PROVIDERS": (),
    # Mastodon servers whose posts are embedded (each is its own site, and its own frame-src).
    "EMBED_MASTODON_HOSTS": ("mastodon.social", "mastodon.online", "mstdn.social", "journa.host"),
    # Meta's app token ("app-id|client-token") for Instagram and Facebook posts; without it they
    # stay links, and the desk is told why.
    "EMBED_META_TOKEN": "",
    # Seconds a provider has to answer, when an update is saved (never while a reader waits).
    "EMBED_TIMEOUT": 4,
    # The most bytes read of an oEmbed answer and of a thumbnail; past that, refused.
    "EMBED_MAX_ANSWER_BYTES": 256 * 1024,
    "EMBED_MAX_THUMBNAIL_BYTES": 4 * 1024 * 1024,
    "EMBED_USER_AGENT": "django-liveblogs (embeds)",
    # Widths of the renditions readers are served. A photo gets those narrower than itself, and
    # its own width when it is no wider than the widest: never upscaled.
    "RENDITION_WIDTHS": (320, 640, 960, 1280, 1920),
    # Their formats, served in the order AVIF, WebP, JPEG. JPEG, the fallback, is always made;
    # "avif" is made only where Pillow can write it (see README, "Photos").
    "RENDITION_FORMATS": ("webp", "jpeg"),
    # The width made while the uploader waits (in WebP and JPEG): what the live page's ``sizes``
    # picks on a phone until the others, made in the background (tasks.py), are there.
    "FIRST_RENDITION_WIDTH": 640,
    # Reader questions (questions.py, ratelimit.py, submissions.py).
    # Seconds a person needs at least between seeing the ask form and sending it; quicker is a
    # bot. And how long (seconds) a form may stay open before it must be sent again.
    "ASK_MIN_SECONDS": 3,
    "ASK_FORM_MAX_AGE": 24 * 3600,
    # Messages one address may send in a window of seconds, counted in the shared cache.
    # Readers behind one carrier or office address share it: keep it generous.
    "ASK_RATE_LIMIT": 5,
    "ASK_RATE_WINDOW": 600,
    # How many reverse proxies in front of the site append to X-Forwarded-For. 0 trusts no
    # header and uses REMOTE_ADDR; 1 for one nginx or CDN, and so on. Too high, and readers
    # can claim any address and escape the rate limit.
    "TRUSTED_PROXIES": 0,
    # Who hears of each new reader submission by e-mail (Django's mail). Empty: no mail.
    "ASK_NOTIFY_EMAILS": (),
    # Days after which ``manage.py purge_submissions`` removes a submission's personal data.
    "SUBMISSION_RETENTION_DAYS": 90,
}


class Settings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown liveblogs setting {name!r}")
        return getattr(django_settings, f"LIVEBLOGS_{name}", DEFAULTS[name])


settings = Settings()
