"""Embeds: posts, videos, charts and maps from other sites, shown to readers only when they ask.

An address alone in its paragraph (``<p><a href="…">…</a></p>``, or the bare address), from a
provider below, is an embed; any other link stays a link. The same rule holds wherever a body
comes from: the filing form's markup, the editors' rich text, the admin.

- **Recognised by parsing.** Each provider knows its hosts and the paths of its posts; from a
  match come the post's ids and a canonical address (share variants and tracking parameters
  gone, so one post is one ``Embed`` row however it was pasted).
- **Resolved once, when saved** (``Embed.resolve``), never while a reader waits: from the
  address alone (YouTube, Vimeo, Threads, Datawrapper, Flourish, Google Maps, OpenStreetMap) or
  from the provider's oEmbed endpoint (``fetch_json``: a timeout, a cap on the bytes read, JSON
  only). Of the answer we keep plain text (title, author), an id where the frame needs one
  (Bluesky's DID, TikTok's video id) and a copy of the thumbnail, checked as photos are
  (``images.py``) and stored re-encoded. Never its HTML or scripts.
- **Shown as a card** (``_embed.html``): provider, title, author, our thumbnail, a link to the
  original, and a button that inserts the provider's iframe, whose address we build from the
  parsed ids (``Provider.frame_src``). Nothing is requested from the provider before the click.
  The frames' origins are a fixed list (``frame_origins``), the site's ``frame-src``.

A provider that cannot be reached, answers badly or needs a token the site lacks leaves an
``Embed`` with an ``error``: readers get a plain link card, the desk a message, and
``manage.py resolve_embeds`` tries again.
"""

import html
import ipaddress
import json
import math
import re
import socket
from dataclasses import dataclass, field
from urllib.error import URLError
from urllib.parse import parse_qs, quote, urlencode, urlsplit
from urllib.request import Request, urlopen

from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from .conf import settings

# What a reader is offered to load, by kind of content ("Load the video from YouTube").
KINDS = ("post", "video", "chart", "map", "audio")
ID = r"[A-Za-z0-9_-]+"
USER = r"[A-Za-z0-9_.-]+"


class EmbedError(Exception):
    """A provider's answer we cannot use; the message is for the desk."""


@dataclass(frozen=True)
class Provider:
    """One site whose posts become embeds.

    ``paths`` are regular expressions matched against the whole path; their named groups, and
    the query parameters named in ``query``, are the post's ids. ``canonical`` and ``frame`` are
    formats of those ids (plus ``{url_q}``, the canonical address URL-encoded, and
    ``{provider_id}``, what resolving found). ``oembed`` is the provider's endpoint, empty when
    the address alone is enough; ``token`` the setting that holds a token it needs.
    """

    slug: str
    name: str
    kind: str
    hosts: tuple
    paths: tuple
    canonical: str
    frame: str
    frame_origin: str
    oembed: str = ""
    token: str = ""
    query: tuple = ()
    # The frame's shape in the page: a 16:9 video, a tall post, a short audio player…
    shape: str = "post"

    def match(self, parts):
        """The ids of a post at ``parts`` (a ``urlsplit``), or None."""
        host = (parts.hostname or "").lower()
        if host not in self.hosts:
            return None
        for pattern in self.paths:
            if found := re.fullmatch(pattern, parts.path):
                ids = {key: value for key, value in found.groupdict().items() if value}
                break
        else:
            return None
        params = parse_qs(parts.query)
        for key in self.query:
            value = params.get(key, [""])[0]
            if not re.fullmatch(r"[A-Za-z0-9_.,@:-]+", value):
                return None
            ids[key] = value
        ids.setdefault("host", host)
        return ids

    def canonical_url(self, ids):
        return self.canonical.format(**ids)

    def frame_src(self, ids, provider_id=""):
        """The iframe's address, built from parsed ids only; "" if it needs an id not found."""
        if "{provider_id}" in self.frame and not provider_id:
            return ""
        values = {**ids, "url_q": quote(self.canonical_url(ids), safe=""),
                  "provider_id": provider_id}
        try:
            return self.frame.format(**values)
        except KeyError:
            return ""

    def provider_id(self, ids, answer):
        """What the frame needs of an oEmbed answer (most need nothing more than the address)."""
        return ""

    def oembed_url(self, url, ids):
        query = {"url": url, "format": "json", "maxwidth": 640}
        if self.token:
            query["access_token"] = getattr(settings, self.token)
        return f"{self.oembed.format(**ids)}?{urlencode(query)}"

    def needs_token(self):
        return bool(self.token) and not getattr(settings, self.token)


class YouTube(Provider):
    def match(self, parts):
        ids = super().match(parts)
        if ids is None:
            return None
        if "v" in ids and "id" not in ids:
            ids["id"] = ids.pop("v")
        if not re.fullmatch(r"[A-Za-z0-9_-]{11}", ids.get("id", "")):
            return None
        start = parse_qs(parts.query).get("t", parse_qs(parts.query).get("start", [""]))[0]
        if seconds := youtube_seconds(start):
            ids["start"] = f"&start={seconds}"
        return ids

    def canonical_url(self, ids):
        return f"https://www.youtube.com/watch?v={ids['id']}"

    def frame_src(self, ids, provider_id=""):
        return f"https://www.youtube-nocookie.com/embed/{ids['id']}?rel=0{ids.get('start', '')}"


def youtube_seconds(value):
    """YouTube's start time (``t=90``, ``t=1m30s``) in seconds, or 0."""
    if found := re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", value or ""):
        hours, minutes, seconds = (int(part or 0) for part in found.groups())
        return hours * 3600 + minutes * 60 + seconds
    return 0


class YouTubeWatch(YouTube):
    """``youtube.com/watch?v=…``: the id is a query parameter."""

    def match(self, parts):
        if parts.path not in ("/watch", "/watch/"):
            return None
        return super().match(parts)


class Bluesky(Provider):
    def frame_src(self, ids, provider_id=""):
        if not provider_id and ids.get("actor", "").startswith("did:"):
            provider_id = ids["actor"]
        return super().frame_src(ids, provider_id)

    def provider_id(self, ids, answer):
        # The frame names the account by its DID, which a handle in the address is not.
        found = re.search(r'at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/(' + ID + ")",
                          str(answer.get("html", "")))
        if ids.get("actor", "").startswith("did:"):
            return ids["actor"]
        if not found:
            raise EmbedError(_("Bluesky's answer did not name the post's account."))
        return found.group(1)


class TikTok(Provider):
    def provider_id(self, ids, answer):
        video = str(answer.get("embed_product_id") or ids.get("id", ""))
        if not re.fullmatch(r"\d{5,25}", video):
            raise EmbedError(_("TikTok's answer did not name the video."))
        return video


class OpenStreetMap(Provider):
    """``openstreetmap.org/#map=15/45.50/-73.56`` (with ``?mlat=…&mlon=…`` for a marker)."""

    def match(self, parts):
        host = (parts.hostname or "").lower()
        if host not in self.hosts or parts.path not in ("", "/"):
            return None
        found = re.fullmatch(r"map=(\d{1,2})/(-?\d{1,2}(?:\.\d+)?)/(-?\d{1,3}(?:\.\d+)?)(?:&.*)?",
                             parts.fragment)
        if not found:
            return None
        zoom, lat, lon = int(found.group(1)), float(found.group(2)), float(found.group(3))
        if not (0 <= zoom <= 19 and -90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        params = parse_qs(parts.query)
        marker = ""
        try:
            mlat, mlon = float(params["mlat"][0]), float(params["mlon"][0])
            if -90 <= mlat <= 90 and -180 <= mlon <= 180:
                marker = f"{mlat:.5f},{mlon:.5f}"
        except (KeyError, ValueError):
            pass
        return {"zoom": zoom, "lat": f"{lat:.5f}", "lon": f"{lon:.5f}", "marker": marker}

    def canonical_url(self, ids):
        marker = ""
        if ids["marker"]:
            mlat, mlon = ids["marker"].split(",")
            marker = f"?mlat={mlat}&mlon={mlon}"
        return (f"https://www.openstreetmap.org/{marker}"
                f"#map={ids['zoom']}/{ids['lat']}/{ids['lon']}")

    def frame_src(self, ids, provider_id=""):
        # The frame shows a box, not a zoom level: about 600 × 400 pixels' worth around the centre.
        lat, lon, zoom = float(ids["lat"]), float(ids["lon"]), int(ids["zoom"])
        degrees = 360 / 2**zoom * 600 / 256
        half_lon, half_lat = degrees / 2, degrees / 3 * math.cos(math.radians(lat))
        box = ",".join(f"{v:.5f}" for v in (lon - half_lon, lat - half_lat,
                                            lon + half_lon, lat + half_lat))
        query = {"bbox": box, "layer": "mapnik"}
        if ids["marker"]:
            query["marker"] = ids["marker"]
        return f"https://www.openstreetmap.org/export/embed.html?{urlencode(query)}"


class GoogleMaps(Provider):
    """A map's embed address (``/maps/embed?pb=…``) or a place or view (``/maps/@lat,lon,15z``)."""

    def match(self, parts):
        host = (parts.hostname or "").lower()
        if host not in self.hosts:
            return None
        if parts.path == "/maps/embed":
            pb = parse_qs(parts.query).get("pb", [""])[0]
            if re.fullmatch(r"[A-Za-z0-9!.%_:+-]{1,2000}", pb):
                return {"pb": pb}
            return None
        found = re.fullmatch(
            r"/maps(?:/place/[^/@]{1,200})?/@(-?\d{1,2}(?:\.\d+)?),(-?\d{1,3}(?:\.\d+)?),(\d{1,2}(?:\.\d+)?)z.*",
            parts.path,
        )
        if not found:
            return None
        return {"lat": found.group(1), "lon": found.group(2), "zoom": str(int(float(found.group(3))))}

    def canonical_url(self, ids):
        if "pb" in ids:
            return f"https://www.google.com/maps/embed?pb={ids['pb']}"
        return f"https://www.google.com/maps/@{ids['lat']},{ids['lon']},{ids['zoom']}z"

    def frame_src(self, ids, provider_id=""):
        if "pb" in ids:
            return self.canonical_url(ids)
        query = urlencode({"q": f"{ids['lat']},{ids['lon']}", "z": ids["zoom"], "output": "embed"})
        return f"https://www.google.com/maps?{query}"


def built_in_providers():
    """The providers every site has; ``LIVEBLOGS_EMBED_PROVIDERS`` adds to them."""
    mastodon = tuple(settings.EMBED_MASTODON_HOSTS)
    return [
        YouTube(
            "youtube", "YouTube", "video",
            hosts=("youtu.be",),
            paths=(rf"/(?P<id>{ID})/?",),
            canonical="", frame="", frame_origin="https://www.youtube-nocookie.com",
            shape="video",
        ),
        YouTubeWatch(
            "youtube", "YouTube", "video",
            hosts=("youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"),
            paths=(r"/watch/?",), query=("v",),
            canonical="", frame="", frame_origin="https://www.youtube-nocookie.com",
            shape="video",
        ),
        YouTube(
            "youtube", "YouTube", "video",
            hosts=("youtube.com", "www.youtube.com", "m.youtube.com", "www.youtube-nocookie.com"),
            paths=(rf"/(?:shorts|embed|live|v)/(?P<id>{ID})/?",),
            canonical="", frame="", frame_origin="https://www.youtube-nocookie.com",
            shape="video",
        ),
        Provider(
            "vimeo", "Vimeo", "video",
            hosts=("vimeo.com", "www.vimeo.com", "player.vimeo.com"),
            paths=(
                r"/(?:video/)?(?P<id>\d{1,12})(?:/(?P<hash>[0-9a-f]{6,20}))?/?",
                r"/channels/[A-Za-z0-9_-]+/(?P<id>\d{1,12})/?",
                r"/groups/[A-Za-z0-9_-]+/videos/(?P<id>\d{1,12})/?",
            ),
            canonical="https://vimeo.com/{id}",
            frame="https://player.vimeo.com/video/{id}?dnt=1",
            frame_origin="https://player.vimeo.com",
            shape="video",
        ),
        Provider(
            "x", "X", "post",
            hosts=("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com",
                   "mobile.x.com"),
            paths=(rf"/(?P<user>{ID})/status(?:es)?/(?P<id>\d{{1,25}})(?:/(?:photo|video)/\d)?/?",),
            canonical="https://x.com/{user}/status/{id}",
            frame="https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true",
            frame_origin="https://platform.twitter.com",
            oembed="https://publish.twitter.com/oembed",
        ),
        Bluesky(
            "bluesky", "Bluesky", "post",
            hosts=("bsky.app",),
            paths=(rf"/profile/(?P<actor>[A-Za-z0-9._:-]{{3,253}})/post/(?P<rkey>{ID})/?",),
            canonical="https://bsky.app/profile/{actor}/post/{rkey}",
            frame="https://embed.bsky.app/embed/{provider_id}/app.bsky.feed.post/{rkey}",
            frame_origin="https://embed.bsky.app",
            oembed="https://embed.bsky.app/oembed",
        ),
        Provider(
            "instagram", "Instagram", "post",
            hosts=("instagram.com", "www.instagram.com"),
            paths=(rf"/(?:{USER}/)?(?P<type>p|reel|reels|tv)/(?P<code>{ID})/?",),
            canonical="https://www.instagram.com/p/{code}/",
            frame="https://www.instagram.com/p/{code}/embed/",
            frame_origin="https://www.instagram.com",
            oembed="https://graph.facebook.com/v22.0/instagram_oembed",
            token="EMBED_META_TOKEN",
        ),
        TikTok(
            "tiktok", "TikTok", "video",
            hosts=("tiktok.com", "www.tiktok.com", "m.tiktok.com"),
            paths=(rf"/@(?P<user>{USER})/video/(?P<id>\d{{5,25}})/?",),
            canonical="https://www.tiktok.com/@{user}/video/{id}",
            frame="https://www.tiktok.com/embed/v2/{provider_id}",
            frame_origin="https://www.tiktok.com",
            oembed="https://www.tiktok.com/oembed",
            shape="tall",
        ),
        Provider(
            "facebook", "Facebook", "post",
            hosts=("facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"),
            paths=(rf"/(?P<page>[A-Za-z0-9.]{{1,80}})/(?P<type>posts|videos)/(?P<id>{ID})/?",),
            canonical="https://www.facebook.com/{page}/{type}/{id}",
            frame="https://www.facebook.com/plugins/post.php?href={url_q}&show_text=true",
            frame_origin="https://www.facebook.com",
            oembed="https://graph.facebook.com/v22.0/oembed_post",
            token="EMBED_META_TOKEN",
        ),
        Provider(
            "threads", "Threads", "post",
            hosts=("threads.net", "www.threads.net", "threads.com", "www.threads.com"),
            paths=(rf"/@(?P<user>{USER})/post/(?P<code>{ID})/?",),
            canonical="https://www.threads.net/@{user}/post/{code}",
            frame="https://www.threads.net/@{user}/post/{code}/embed",
            frame_origin="https://www.threads.net",
        ),
        Provider(
            "mastodon", "Mastodon", "post",
            hosts=mastodon,
            paths=(rf"/@(?P<user>{USER})/(?P<id>\d{{1,25}})/?",),
            canonical="https://{host}/@{user}/{id}",
            frame="https://{host}/@{user}/{id}/embed",
            frame_origin=" ".join(f"https://{host}" for host in mastodon),
            oembed="https://{host}/api/oembed",
        ),
        Provider(
            "datawrapper", "Datawrapper", "chart",
            hosts=("datawrapper.dwcdn.net", "www.datawrapper.de", "app.datawrapper.de"),
            paths=(r"/(?P<id>[A-Za-z0-9]{5})(?:/\d{1,3})?/?", r"/_/(?P<id>[A-Za-z0-9]{5})/?",
                   r"/chart/(?P<id>[A-Za-z0-9]{5})(?:/[a-z]+)?/?"),
            canonical="https://datawrapper.dwcdn.net/{id}/",
            frame="https://datawrapper.dwcdn.net/{id}/",
            frame_origin="https://datawrapper.dwcdn.net",
            shape="chart",
        ),
        Provider(
            "flourish", "Flourish", "chart",
            hosts=("public.flourish.studio", "flourish.studio", "app.flourish.studio",
                   "flo.uri.sh"),
            paths=(r"/(?P<type>visualisation|story)/(?P<id>\d{1,12})(?:/embed)?/?",),
            canonical="https://public.flourish.studio/{type}/{id}/",
            frame="https://flo.uri.sh/{type}/{id}/embed",
            frame_origin="https://flo.uri.sh",
            shape="chart",
        ),
        Provider(
            "soundcloud", "SoundCloud", "audio",
            hosts=("soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"),
            paths=(rf"/(?P<user>{ID})/(?P<track>(?!sets/){ID})/?",
                   rf"/(?P<user>{ID})/sets/(?P<set>{ID})/?"),
            canonical="https://soundcloud.com/{user}/{track}",
            frame="https://w.soundcloud.com/player/?url={url_q}&visual=false",
            frame_origin="https://w.soundcloud.com",
            oembed="https://soundcloud.com/oembed",
            shape="audio",
        ),
        Provider(
            "spotify", "Spotify", "audio",
            hosts=("open.spotify.com",),
            paths=(r"/(?:intl-[a-z]{2}(?:-[A-Za-z]{2})?/)?(?P<type>track|album|playlist|episode|show|artist)/(?P<id>[A-Za-z0-9]{22})/?",),
            canonical="https://open.spotify.com/{type}/{id}",
            frame="https://open.spotify.com/embed/{type}/{id}",
            frame_origin="https://open.spotify.com",
            oembed="https://open.spotify.com/oembed",
            shape="audio",
        ),
        GoogleMaps(
            "google-maps", "Google Maps", "map",
            hosts=("www.google.com", "google.com", "maps.google.com"),
            paths=(), canonical="", frame="", frame_origin="https://www.google.com",
            shape="map",
        ),
        OpenStreetMap(
            "openstreetmap", "OpenStreetMap", "map",
            hosts=("www.openstreetmap.org", "openstreetmap.org"),
            paths=(), canonical="", frame="", frame_origin="https://www.openstreetmap.org",
            shape="map",
        ),
    ]


def custom_provider(spec):
    """A provider from ``LIVEBLOGS_EMBED_PROVIDERS``: a ``Provider``, or a dict of its fields."""
    if isinstance(spec, Provider):
        return spec
    spec = dict(spec)
    spec["hosts"] = tuple(spec["hosts"])
    spec["paths"] = tuple(spec["paths"])
    return Provider(**spec)


def providers():
    return [*built_in_providers(), *(custom_provider(spec) for spec in settings.EMBED_PROVIDERS)]


def provider(slug):
    return next((p for p in providers() if p.slug == slug), None)


def frame_origins():
    """Every origin a reader's click may load a frame from: the site's ``frame-src``.

    A fixed list rather than the providers on each page: an update arriving through
    ``changes.json`` may bring a provider the page did not have when it loaded.
    """
    return sorted({origin for p in providers() for origin in p.frame_origin.split()})


@dataclass(frozen=True)
class Match:
    provider: Provider
    ids: dict = field(hash=False)
    url: str  # canonical

    @property
    def frame_src(self):
        return self.provider.frame_src(self.ids)


def match(url):
    """The provider and ids of ``url`` if it is a post we embed, else None."""
    url = (url or "").strip()
    if len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or parts.username or parts.password or parts.port:
        return None
    for candidate in providers():
        ids = candidate.match(parts)
        if ids is not None:
            try:
                return Match(candidate, ids, candidate.canonical_url(ids))
            except KeyError:
                continue
    return None


# An address alone in its paragraph: a link whose words are an address, or the bare address.
EMBED_PARAGRAPH = re.compile(
    r"<p>\s*(?:<a href=\"(?P<href>[^\"]+)\"[^>]*>(?P<text>[^<]+)</a>|(?P<bare>https?://[^\s<]+))"
    r"\s*(?:<br>\s*)?</p>"
)


def paragraphs(body):
    """``(match object, Match)`` for each paragraph of a clean ``body`` that is an embed."""
    for found in EMBED_PARAGRAPH.finditer(body or ""):
        if found.group("bare"):
            url = html.unescape(found.group("bare"))
        else:
            url, text = html.unescape(found.group("href")), html.unescape(found.group("text"))
            if not text.strip().startswith(("http://", "https://", "www.")):
                continue  # a link with words of its own is a link the writer meant
        if (embed := match(url)) is not None:
            yield found, embed


def canonical_urls(body):
    """The canonical addresses of the embeds in ``body``, in order, each once."""
    return list(dict.fromkeys(embed.url for _, embed in paragraphs(body)))


def linked_body(update):
    """An update's body with each embed as a link with its title, for feeds: readers there get
    no card, no button and no frame."""
    from django.utils.html import format_html

    rows = None

    def link(url):
        nonlocal rows
        if rows is None:
            rows = {embed.url: embed.card for embed in update.embeds.all()}
        if (card := rows.get(url)) is None:
            return None
        return format_html('<p><a href="{}">{} ({})</a></p>', card.url,
                           card.title or card.default_title, card.provider_name)

    return replace_paragraphs(update.body, link) if "http" in update.body else update.body


def replace_paragraphs(body, render):
    """``body`` with each embed paragraph replaced by ``render(canonical url)`` (or left as it is
    where that returns None)."""
    out, position = [], 0
    for found, embed in paragraphs(body):
        replacement = render(embed.url)
        if replacement is None:
            continue
        out += [body[position:found.start()], replacement]
        position = found.end()
    return "".join([*out, body[position:]]) if out else body


# Fetching ---------------------------------------------------------------------------------------


def fetch(url, *, limit, accept):
    """The bytes at ``url`` (https only), at most ``limit`` of them, within the embed timeout.

    The only network access of the app: the tests replace ``urlopen``. Never called while a
    reader waits.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise EmbedError(_("The provider gave an address that is not https."))
    refuse_private_host(parts.hostname)
    request = Request(url, headers={"Accept": accept, "User-Agent": settings.EMBED_USER_AGENT})
    try:
        with urlopen(request, timeout=settings.EMBED_TIMEOUT) as response:
            data = response.read(limit + 1)
    except TimeoutError as error:
        raise EmbedError(_("The provider did not answer in time.")) from error
    except URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise EmbedError(_("The provider did not answer in time.")) from error
        raise EmbedError(_("The provider could not be reached (%(reason)s).")
                         % {"reason": getattr(error, "code", None) or error.reason}) from error
    except (OSError, ValueError) as error:
        raise EmbedError(_("The provider could not be reached.")) from error
    if len(data) > limit:
        raise EmbedError(_("The provider's answer was too large."))
    return data


def refuse_private_host(host):
    """A thumbnail's address comes from the provider's answer: never let it reach the site's own
    network (a cloud's metadata service, a database)."""
    try:
        addresses = host_addresses(host)
    except (OSError, UnicodeError) as error:
        raise EmbedError(_("The provider's address could not be found.")) from error
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise EmbedError(_("The provider gave an address inside a private network."))


def host_addresses(host):
    """The IP addresses of ``host`` (DNS: the tests replace it, with ``urlopen``)."""
    return {info[4][0] for info in socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)}


def fetch_json(url):
    data = fetch(url, limit=settings.EMBED_MAX_ANSWER_BYTES, accept="application/json")
    try:
        answer = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise EmbedError(_("The provider's answer was not JSON.")) from error
    if not isinstance(answer, dict):
        raise EmbedError(_("The provider's answer was not oEmbed."))
    return answer


def plain(value, limit):
    """Text of an answer's field: tags and entities gone, one line, at most ``limit`` characters.
    Templates escape it again on output."""
    if not isinstance(value, str):
        return ""
    value = re.sub(r"<(script|style)\b.*?(?:</\1\s*>|$)", " ", value, flags=re.S | re.I)
    text = " ".join(html.unescape(strip_tags(value)).split())
    return text[: limit - 1] + "…" if len(text) > limit else text


@dataclass
class Resolved:
    """What resolving found: plain text, an id, and the thumbnail's address (not yet fetched)."""

    title: str = ""
    author_name: str = ""
    provider_id: str = ""
    thumbnail_url: str = ""


def resolve(found):
    """Resolve a ``Match``: from its address alone, or from the provider's oEmbed answer.

    Raises ``EmbedError`` with a message for the desk.
    """
    provider, ids = found.provider, found.ids
    author = f"@{ids['user']}" if ids.get("user") else ""
    if not provider.oembed:
        return Resolved(author_name=author)
    if provider.needs_token():
        raise EmbedError(
            _("%(provider)s needs an app token to show its posts; the site has none "
              "(LIVEBLOGS_%(setting)s).") % {"provider": provider.name, "setting": provider.token}
        )
    answer = fetch_json(provider.oembed_url(found.url, ids))
    title = plain(answer.get("title"), 300)
    if answer.get("html") and (provider.kind == "post" or not title):
        # Posts (X, Bluesky, Mastodon) have no title: their words are in the quoted HTML, which
        # is read as text and never kept as HTML.
        words = str(answer["html"])
        first = re.search(r"<p\b[^>]*>(.*?)</p>", words, flags=re.S | re.I)
        title = plain(first.group(1) if first else words, 300)
    thumbnail = answer.get("thumbnail_url")
    return Resolved(
        title=title,
        author_name=plain(answer.get("author_name"), 200) or author,
        provider_id=provider.provider_id(ids, answer),
        thumbnail_url=thumbnail if isinstance(thumbnail, str) else "",
    )


def fetch_thumbnail(url):
    """A provider's thumbnail as a JPEG of at most 640 pixels wide, with its size; checked as a
    photo (``images.inspect_upload``) and re-encoded, so nothing but pixels is kept."""
    from io import BytesIO

    from django.core.files.base import ContentFile
    from django.core.exceptions import ValidationError
    from PIL import Image, ImageOps

    from . import images

    data = fetch(url, limit=settings.EMBED_MAX_THUMBNAIL_BYTES, accept="image/*")
    try:
        images.inspect_upload(ContentFile(data, name="thumbnail"), max_pixels=25_000_000)
    except ValidationError as error:
        raise EmbedError(_("The provider's thumbnail is not a photo.")) from error
    with Image.open(BytesIO(data)) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((640, 640))
        image = images.flatten(image)
        output = BytesIO()
        image.save(output, "JPEG", quality=82, optimize=True)
        return output.getvalue(), image.width, image.height


# What readers see --------------------------------------------------------------------------------


@dataclass
class Card:
    """What ``_embed.html`` shows of an embed or of a video's player address."""

    provider: Provider | None
    url: str
    title: str = ""
    author_name: str = ""
    thumbnail_url: str = ""
    thumbnail_width: int | None = None
    thumbnail_height: int | None = None
    thumbnail_alt: str = ""
    photo: object = None  # a video's poster (a Photo, with its renditions)
    frame_src: str = ""  # empty: a plain link card

    @classmethod
    def for_embed(cls, embed):
        found = embed.match
        card = cls(
            provider=found.provider if found else None,
            url=embed.url,
            title=embed.title,
            author_name=embed.author_name,
            thumbnail_alt=embed.thumbnail_alt,
        )
        if embed.thumbnail:
            card.thumbnail_url = embed.thumbnail.url
            card.thumbnail_width, card.thumbnail_height = embed.thumbnail_width, embed.thumbnail_height
        if found and embed.resolved_at:
            card.frame_src = found.provider.frame_src(found.ids, embed.provider_id)
        return card

    @classmethod
    def for_video(cls, video, found):
        return cls(
            provider=found.provider,
            url=found.url,
            title=video.title,
            photo=video.poster,
            frame_src=found.provider.frame_src(found.ids),
        )

    @property
    def kind(self):
        return self.provider.kind if self.provider else "post"

    @property
    def shape(self):
        return self.provider.shape if self.provider else "post"

    @property
    def provider_name(self):
        return self.provider.name if self.provider else urlsplit(self.url).hostname

    @property
    def slug(self):
        return self.provider.slug if self.provider else "link"

    # The words of the card, whole sentences so that each language can order them its own way.

    @property
    def load_label(self):
        values = {"provider": self.provider_name, "author": self.author_name}
        if self.author_name and self.kind in ("post", "video"):
            sentence = {
                "post": _("Load the post by %(author)s from %(provider)s"),
                "video": _("Load the video by %(author)s from %(provider)s"),
            }[self.kind]
        else:
            sentence = {
                "post": _("Load the post from %(provider)s"),
                "video": _("Load the video from %(provider)s"),
                "chart": _("Load the chart from %(provider)s"),
                "map": _("Load the map from %(provider)s"),
                "audio": _("Load the audio player from %(provider)s"),
            }[self.kind]
        return sentence % values

    @property
    def always_label(self):
        return {
            "post": _("Always load posts from %(provider)s"),
            "video": _("Always load videos from %(provider)s"),
            "chart": _("Always load charts from %(provider)s"),
            "map": _("Always load maps from %(provider)s"),
            "audio": _("Always load audio from %(provider)s"),
        }[self.kind] % {"provider": self.provider_name}

    @property
    def default_title(self):
        return {
            "post": _("A post on %(provider)s"),
            "video": _("A video on %(provider)s"),
            "chart": _("A chart on %(provider)s"),
            "map": _("A map on %(provider)s"),
            "audio": _("Listen on %(provider)s"),
        }[self.kind] % {"provider": self.provider_name}

    @property
    def frame_title(self):
        title = self.title or self.default_title
        return _("%(title)s (from %(provider)s)") % {"title": title, "provider": self.provider_name}

    @property
    def privacy_note(self):
        return _("Loading it connects you to %(provider)s, which may set cookies and see what "
                 "you read.") % {"provider": self.provider_name}
