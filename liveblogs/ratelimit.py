"""Who is asking, and how often: the reader's address (behind trusted proxies), kept only as a
salted hash, and a per-address limit counted in the shared cache, so every app server agrees."""

import ipaddress
import time

from django.core.cache import cache
from django.utils.crypto import salted_hmac

from .conf import settings


def client_address(request):
    """The reader's address: ``REMOTE_ADDR``, unless ``TRUSTED_PROXIES`` says how many proxies
    in front of the site append to X-Forwarded-For; then the address the outermost of them saw.
    Entries further left are whatever the client claimed, so they are never read."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address


def address_key(address):
    """One reader, one key: an IPv6 reader holds a whole /64, so it counts as one address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:100]
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hash_address(address):
    """The address as stored and counted: an HMAC keyed from SECRET_KEY, so the table and the
    cache never hold an address, and no one without the key can test a guess against them."""
    return salted_hmac(
        "liveblogs.questions.address", address_key(address), algorithm="sha256"
    ).hexdigest()


class CountUnavailable(Exception):
    """The shared cache could not count a message (Redis is away). The limit then fails closed:
    a limit that cannot be counted lets a flood through to the desk and to the photo decoder, so
    the message is refused for now and the reader keeps their words (``questions.ask``)."""


def rate_limit_wait(address_hash, *, count=True):
    """Count one message from this address; return the seconds to wait when it is over the
    limit (``ASK_RATE_LIMIT`` per ``ASK_RATE_WINDOW`` seconds), or 0.

    With ``count=False``, only look: the seconds to wait when one more message would be over the
    limit. The view looks before it reads the form, so an address over its limit costs no photo
    decoding at all.

    A fixed window in the shared cache: ``add`` then ``incr`` are atomic in Redis and in the local
    cache, so app servers and threads racing each other count every message. Raises
    ``CountUnavailable`` when the cache cannot count.
    """
    window = max(int(settings.ASK_RATE_WINDOW), 1)
    now = time.time()
    slot = int(now // window)
    key = f"liveblogs:ask-rate:{address_hash}:{slot}"
    if not count:
        sent = cache.get(key, 0) + 1
    else:
        try:
            cache.add(key, 0, window + 5)
            try:
                sent = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window + 5)
                sent = 1
        except Exception as error:  # whatever the cache backend raises when it cannot count
            raise CountUnavailable(str(error)) from error
    if sent > settings.ASK_RATE_LIMIT:
        return max(int((slot + 1) * window - now) + 1, 1)
    return 0
