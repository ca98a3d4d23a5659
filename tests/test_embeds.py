"""Embeds: which addresses become embeds, how they are resolved when an update is saved (from
recorded provider answers, never the network), and what readers get — a card of our own data
whose button names what it loads, the provider's frame built from parsed ids only."""

import io
import json
import re
import socket
from urllib.error import HTTPError, URLError

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from liveblogs import embeds
from liveblogs.models import Embed, LivePage, Update

from .factories import jpeg_bytes, make_page, make_update, make_video

pytestmark = pytest.mark.django_db


# Which addresses are embeds ------------------------------------------------------------------------

# address as pasted → (provider, canonical address, iframe address or None when resolving finds it)
URL_FORMS = {
    # YouTube: watch, share link with its tracking parameter and a start time, shorts, live, mobile
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ": (
        "youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0"),
    "https://youtu.be/dQw4w9WgXcQ?si=Xb3kLm0PqRs_tUv1&t=42": (
        "youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&start=42"),
    "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&t=1m30s": (
        "youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&start=90"),
    "https://www.youtube.com/shorts/aBcDeFgHiJk?feature=share": (
        "youtube", "https://www.youtube.com/watch?v=aBcDeFgHiJk",
        "https://www.youtube-nocookie.com/embed/aBcDeFgHiJk?rel=0"),
    "https://youtube.com/live/aBcDeFgHiJk?si=abc": (
        "youtube", "https://www.youtube.com/watch?v=aBcDeFgHiJk",
        "https://www.youtube-nocookie.com/embed/aBcDeFgHiJk?rel=0"),
    # Vimeo: the page, an unlisted video's hash, the player, a channel
    "https://vimeo.com/76979871": (
        "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    "https://vimeo.com/76979871/8272103f6e?share=copy": (
        "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    "https://player.vimeo.com/video/76979871": (
        "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    "https://vimeo.com/channels/staffpicks/76979871": (
        "vimeo", "https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
    # X and Twitter, with the share link's tracking parameters, a photo's address, mobile
    "https://x.com/ValleyTransit/status/1862000000000000001?s=46&t=AbCdEf": (
        "x", "https://x.com/ValleyTransit/status/1862000000000000001",
        "https://platform.twitter.com/embed/Tweet.html?id=1862000000000000001&dnt=true"),
    "https://twitter.com/ValleyTransit/status/1862000000000000001/photo/1": (
        "x", "https://x.com/ValleyTransit/status/1862000000000000001",
        "https://platform.twitter.com/embed/Tweet.html?id=1862000000000000001&dnt=true"),
    "https://mobile.twitter.com/ValleyTransit/statuses/1862000000000000001": (
        "x", "https://x.com/ValleyTransit/status/1862000000000000001",
        "https://platform.twitter.com/embed/Tweet.html?id=1862000000000000001&dnt=true"),
    # Bluesky: by handle (the frame needs the DID, which resolving finds) or by DID
    "https://bsky.app/profile/kestrelriver.bsky.social/post/3lcxyzabcde2k": (
        "bluesky", "https://bsky.app/profile/kestrelriver.bsky.social/post/3lcxyzabcde2k", None),
    "https://bsky.app/profile/did:plc:k3strelr1verauth0r1ty0000/post/3lcxyzabcde2k?ref_src=embed": (
        "bluesky", "https://bsky.app/profile/did:plc:k3strelr1verauth0r1ty0000/post/3lcxyzabcde2k",
        "https://embed.bsky.app/embed/did:plc:k3strelr1verauth0r1ty0000/app.bsky.feed.post/3lcxyzabcde2k"),
    # Instagram: a post, a reel, a share link's igsh, an account's prefix
    "https://www.instagram.com/p/DCabcdEFGhi/?igsh=MWQ1ZGUxMzBkMA==": (
        "instagram", "https://www.instagram.com/p/DCabcdEFGhi/",
        "https://www.instagram.com/p/DCabcdEFGhi/embed/"),
    "https://instagram.com/reel/DCabcdEFGhi?utm_source=ig_web_copy_link": (
        "instagram", "https://www.instagram.com/p/DCabcdEFGhi/",
        "https://www.instagram.com/p/DCabcdEFGhi/embed/"),
    "https://www.instagram.com/valleycourier/p/DCabcdEFGhi/": (
        "instagram", "https://www.instagram.com/p/DCabcdEFGhi/",
        "https://www.instagram.com/p/DCabcdEFGhi/embed/"),
    # TikTok, with its share parameters
    "https://www.tiktok.com/@valleycourier/video/7442000000000000001?is_from_webapp=1&sender_device=pc": (
        "tiktok", "https://www.tiktok.com/@valleycourier/video/7442000000000000001", None),
    # Facebook posts and videos
    "https://www.facebook.com/ValleyEMO/posts/pfbid02abc?mibextid=abc": (
        "facebook", "https://www.facebook.com/ValleyEMO/posts/pfbid02abc",
        "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2FValleyEMO%2Fposts%2Fpfbid02abc&show_text=true"),
    "https://m.facebook.com/ValleyEMO/videos/1234567890/": (
        "facebook", "https://www.facebook.com/ValleyEMO/videos/1234567890",
        "https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2FValleyEMO%2Fvideos%2F1234567890&show_text=true"),
    # Threads, on either domain
    "https://www.threads.net/@valleycourier/post/DCabcdEFGhi?xmt=AQGz": (
        "threads", "https://www.threads.net/@valleycourier/post/DCabcdEFGhi",
        "https://www.threads.net/@valleycourier/post/DCabcdEFGhi/embed"),
    "https://www.threads.com/@valleycourier/post/DCabcdEFGhi": (
        "threads", "https://www.threads.net/@valleycourier/post/DCabcdEFGhi",
        "https://www.threads.net/@valleycourier/post/DCabcdEFGhi/embed"),
    # Mastodon, on a server the site lists
    "https://mastodon.social/@valleyfire/113000000000000001": (
        "mastodon", "https://mastodon.social/@valleyfire/113000000000000001",
        "https://mastodon.social/@valleyfire/113000000000000001/embed"),
    # Datawrapper: the published chart, a version, the app's and the site's addresses
    "https://datawrapper.dwcdn.net/Ab3De/4/": (
        "datawrapper", "https://datawrapper.dwcdn.net/Ab3De/", "https://datawrapper.dwcdn.net/Ab3De/"),
    "https://www.datawrapper.de/_/Ab3De/": (
        "datawrapper", "https://datawrapper.dwcdn.net/Ab3De/", "https://datawrapper.dwcdn.net/Ab3De/"),
    "https://app.datawrapper.de/chart/Ab3De/publish": (
        "datawrapper", "https://datawrapper.dwcdn.net/Ab3De/", "https://datawrapper.dwcdn.net/Ab3De/"),
    # Flourish: a visualisation and a story, public or embed address
    "https://public.flourish.studio/visualisation/20123456/?utm_source=showcase": (
        "flourish", "https://public.flourish.studio/visualisation/20123456/",
        "https://flo.uri.sh/visualisation/20123456/embed"),
    "https://flo.uri.sh/story/2345678/embed": (
        "flourish", "https://public.flourish.studio/story/2345678/",
        "https://flo.uri.sh/story/2345678/embed"),
    # SoundCloud with its share parameters; Spotify with a market prefix and si=
    "https://soundcloud.com/valleyradio/flood-briefing-saturday?si=0123abcd&utm_source=clipboard": (
        "soundcloud", "https://soundcloud.com/valleyradio/flood-briefing-saturday",
        "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fvalleyradio%2Fflood-briefing-saturday&visual=false"),
    "https://open.spotify.com/intl-fr/episode/4rOoJ6Egrf8K2IrywzwOMk?si=a1b2c3d4e5f6": (
        "spotify", "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
        "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk"),
    # Google Maps: a view, a place, an embed address
    "https://www.google.com/maps/@45.5017,-73.5673,15z?entry=ttu": (
        "google-maps", "https://www.google.com/maps/@45.5017,-73.5673,15z",
        "https://www.google.com/maps?q=45.5017%2C-73.5673&z=15&output=embed"),
    "https://www.google.com/maps/place/Quay+St/@45.5017,-73.5673,17.25z/data=!3m1!4b1": (
        "google-maps", "https://www.google.com/maps/@45.5017,-73.5673,17z",
        "https://www.google.com/maps?q=45.5017%2C-73.5673&z=17&output=embed"),
    "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2796.1!2d-73.56!3d45.50": (
        "google-maps", "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2796.1!2d-73.56!3d45.50",
        "https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d2796.1!2d-73.56!3d45.50"),
    # OpenStreetMap: a view, with a marker
    "https://www.openstreetmap.org/?mlat=45.50170&mlon=-73.56730#map=16/45.50170/-73.56730": (
        "openstreetmap", "https://www.openstreetmap.org/?mlat=45.50170&mlon=-73.56730#map=16/45.50170/-73.56730",
        None),
}

NOT_EMBEDS = [
    "https://example.org/watch?v=dQw4w9WgXcQ",  # a provider's path on another site
    "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://evilyoutube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=short",  # not a video id
    "https://www.youtube.com/@valleycourier",  # a channel, not a video
    "https://x.com/ValleyTransit",  # an account, not a post
    "https://x.com/ValleyTransit/status/123/../../evil",
    "javascript:alert(1)//https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://user:pw@www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "ftp://vimeo.com/76979871",
    "https://mastodon.example/@someone/113000000000000001",  # a server the site does not list
    "https://www.instagram.com/valleycourier/",
    "https://www.google.com/search?q=flood",
    "https://www.openstreetmap.org/#map=99/45.5/-73.5",
    "https://open.spotify.com/track/tooShort",
]


@pytest.mark.parametrize("url", URL_FORMS)
def test_each_providers_url_forms(url):
    slug, canonical, frame = URL_FORMS[url]
    found = embeds.match(url)
    assert found is not None, url
    assert (found.provider.slug, found.url) == (slug, canonical)
    if frame:
        assert found.provider.frame_src(found.ids) == frame
    # The canonical address is itself recognised, as the same post.
    assert embeds.match(canonical).url == canonical


@pytest.mark.parametrize("url", NOT_EMBEDS)
def test_addresses_not_from_an_allowed_provider_stay_links(url):
    assert embeds.match(url) is None


def test_openstreetmap_frame_is_a_box_around_the_view_with_its_marker():
    found = embeds.match("https://www.openstreetmap.org/?mlat=45.5017&mlon=-73.5673#map=16/45.5017/-73.5673")
    frame = found.provider.frame_src(found.ids)
    assert frame.startswith("https://www.openstreetmap.org/export/embed.html?bbox=-73.57")
    assert "marker=45.50170%2C-73.56730" in frame and "layer=mapnik" in frame


def test_a_site_adds_providers_and_mastodon_servers(settings):
    settings.LIVEBLOGS_EMBED_PROVIDERS = [{
        "slug": "scribd", "name": "Scribd", "kind": "post", "hosts": ["www.scribd.com"],
        "paths": [r"/document/(?P<id>\d+)(?:/[\w-]+)?/?"],
        "canonical": "https://www.scribd.com/document/{id}",
        "frame": "https://www.scribd.com/embeds/{id}/content", "frame_origin": "https://www.scribd.com",
    }]
    settings.LIVEBLOGS_EMBED_MASTODON_HOSTS = ["journa.host", "mastodon.example"]
    found = embeds.match("https://www.scribd.com/document/123456/council-minutes?utm=x")
    assert (found.provider.name, found.url) == ("Scribd", "https://www.scribd.com/document/123456")
    assert embeds.match("https://mastodon.example/@someone/113000000000000001").provider.slug == "mastodon"
    assert embeds.match("https://mastodon.social/@valleyfire/113000000000000001") is None
    assert {"https://www.scribd.com", "https://mastodon.example"} <= set(embeds.frame_origins())


# An address alone in its paragraph ---------------------------------------------------------------

YOUTUBE = "https://youtu.be/dQw4w9WgXcQ?si=share"


@pytest.mark.parametrize("body, embedded", [
    (f'<p><a href="{YOUTUBE}">{YOUTUBE}</a></p>', True),  # the editors' editor links a pasted address
    (f"<p>{YOUTUBE}</p>", True),  # the bare address
    (f'<p>Watch: <a href="{YOUTUBE}">{YOUTUBE}</a></p>', False),  # inside a sentence
    (f'<p><a href="{YOUTUBE}">the mayor\'s briefing</a></p>', False),  # a link with words of its own
    ('<p><a href="https://example.org/story">https://example.org/story</a></p>', False),
    (f"<blockquote><p>{YOUTUBE}</p></blockquote>", True),
])
def test_only_an_address_alone_in_its_paragraph_is_an_embed(body, embedded):
    update = make_update(body=body)
    assert update.embeds.count() == (1 if embedded else 0)


def test_filing_markup_a_bare_address_on_its_own_line_becomes_an_embed():
    from liveblogs.markup import to_html

    body = to_html("The river at noon:\n\nhttps://x.com/ValleyTransit/status/1862000000000000001?s=20\n\nMore soon.")
    update = make_update(body=body)
    assert [e.url for e in update.embeds.all()] == ["https://x.com/ValleyTransit/status/1862000000000000001"]


def test_one_row_per_post_however_it_was_pasted_and_kept_to_the_body():
    update = make_update(body=f"<p>{YOUTUBE}</p><p>https://www.youtube.com/watch?v=dQw4w9WgXcQ</p>")
    other = make_update(live_page=update.live_page, body="<p>https://youtube.com/shorts/dQw4w9WgXcQ</p>")
    assert Embed.objects.count() == 1
    assert update.embeds.get() == other.embeds.get()
    update.body = "<p>No video after all.</p>"
    update.save()
    assert update.embeds.count() == 0


# Resolving, when saved ----------------------------------------------------------------------------


def picture_bytes(width=480, height=270):
    return jpeg_bytes(width=width, height=height)


def saved(body, django_capture_on_commit_callbacks, **fields):
    """An update saved with ``body``, and what resolving its embeds did once the save committed."""
    with django_capture_on_commit_callbacks(execute=True):
        update = make_update(body=body, **fields)
    return update, list(update.embeds.all())


def test_from_the_address_alone_no_request_at_all(recorded_web, django_capture_on_commit_callbacks):
    update, [video, chart, where] = saved(
        f"<p>{YOUTUBE}</p><p>https://datawrapper.dwcdn.net/Ab3De/4/</p>"
        "<p>https://www.openstreetmap.org/#map=14/45.5/-73.56</p>",
        django_capture_on_commit_callbacks,
    )
    assert recorded_web.asked == []
    assert all(embed.resolved_at and not embed.error for embed in (video, chart, where))


def test_oembed_answer_gives_title_author_id_and_our_copy_of_the_thumbnail(
    recorded_web, django_capture_on_commit_callbacks, settings
):
    recorded_web.answers = {
        "https://www.tiktok.com/oembed?": "tiktok-oembed.json",
        "https://p16-sign.tiktokcdn-us.com/": picture_bytes(576, 1024),
    }
    _, [embed] = saved(
        "<p>https://www.tiktok.com/@valleycourier/video/7442000000000000001?is_from_webapp=1</p>",
        django_capture_on_commit_callbacks,
    )
    assert embed.error == ""
    assert embed.title == "Sandbagging on Front Street before the second crest #flood"
    assert embed.author_name == "The Valley Courier"
    assert embed.provider_id == "7442000000000000001"
    # Our copy, re-encoded and no wider than 640 pixels, in the public storage.
    assert (embed.thumbnail_width, embed.thumbnail_height) == (360, 640)
    assert embed.thumbnail.name.startswith("embeds/") and embed.thumbnail.name.endswith(".jpg")
    with Image.open(embed.thumbnail.open("rb")) as image:
        assert (image.format, image.size) == ("JPEG", (360, 640))
    assert embed.card.frame_src == "https://www.tiktok.com/embed/v2/7442000000000000001"
    asked = recorded_web.asked[0]
    assert asked.startswith("https://www.tiktok.com/oembed?url=https%3A%2F%2Fwww.tiktok.com%2F%40valleycourier")


@pytest.mark.parametrize("url, answer, title, author", [
    ("https://x.com/ValleyTransit/status/1862000000000000001", "x-oembed.json",
     "Route 12 buses are detouring around Quay Street until the water goes down. pic.twitter.com/abc",
     "Valley Transit"),
    ("https://bsky.app/profile/kestrelriver.bsky.social/post/3lcxyzabcde2k", "bluesky-oembed.json",
     "The river gauge at Mill Road read 4.2 m at noon, 30 cm under the 2019 crest.",
     "Kestrel River Authority (@kestrelriver.bsky.social)"),
    ("https://mastodon.social/@valleyfire/113000000000000001", "mastodon-oembed.json",
     "Crews are pumping out the basement of the Quay Street library.", "Valley Fire Service"),
    ("https://soundcloud.com/valleyradio/flood-briefing-saturday", "soundcloud-oembed.json",
     "Flood briefing, Saturday noon by Valley Radio", "Valley Radio"),
    ("https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk", "spotify-oembed.json",
     "The Flood Desk: what the second crest means", ""),
])
def test_posts_words_are_read_as_text_from_the_answer(
    url, answer, title, author, recorded_web, django_capture_on_commit_callbacks
):
    endpoint = embeds.match(url).provider.oembed.format(host="mastodon.social")
    recorded_web.answers = {endpoint: answer, "https://": picture_bytes()}
    _, [embed] = saved(f"<p>{url}</p>", django_capture_on_commit_callbacks)
    assert (embed.error, embed.title, embed.author_name) == ("", title, author)
    assert embed.card.frame_src


def test_bluesky_frame_names_the_account_by_the_did_its_answer_gave(
    recorded_web, django_capture_on_commit_callbacks
):
    recorded_web.answers = {"https://embed.bsky.app/oembed?": "bluesky-oembed.json"}
    _, [embed] = saved("<p>https://bsky.app/profile/kestrelriver.bsky.social/post/3lcxyzabcde2k</p>",
                       django_capture_on_commit_callbacks)
    assert embed.card.frame_src == (
        "https://embed.bsky.app/embed/did:plc:k3strelr1verauth0r1ty0000/app.bsky.feed.post/3lcxyzabcde2k"
    )


def test_meta_posts_need_the_sites_token(recorded_web, django_capture_on_commit_callbacks, settings):
    url = "https://www.instagram.com/p/DCabcdEFGhi/"
    _, [embed] = saved(f"<p>{url}</p>", django_capture_on_commit_callbacks)
    assert recorded_web.asked == []
    assert "needs an app token" in embed.error and "LIVEBLOGS_EMBED_META_TOKEN" in embed.error
    assert embed.card.frame_src == ""  # a plain link card
    settings.LIVEBLOGS_EMBED_META_TOKEN = "123|abc"
    recorded_web.answers = {"https://graph.facebook.com/v22.0/instagram_oembed?": "instagram-oembed.json",
                            "https://scontent.cdninstagram.com/": picture_bytes(640, 640)}
    call_command("resolve_embeds", stdout=io.StringIO())
    embed.refresh_from_db()
    assert embed.error == "" and embed.author_name == "valleycourier"
    assert "access_token=123%7Cabc" in recorded_web.asked[0]
    assert embed.card.frame_src == "https://www.instagram.com/p/DCabcdEFGhi/embed/"


@pytest.mark.parametrize("failure, message", [
    (TimeoutError("timed out"), "did not answer in time"),
    (URLError(socket.timeout("timed out")), "did not answer in time"),
    (URLError(ConnectionRefusedError(111, "Connection refused")), "could not be reached"),
    (HTTPError("https://publish.twitter.com/oembed", 503, "Service Unavailable", {}, None),
     "could not be reached (503)"),
])
def test_provider_down_or_slow_at_save_leaves_a_link_card_and_a_retry(
    failure, message, recorded_web, django_capture_on_commit_callbacks, client
):
    url = "https://x.com/ValleyTransit/status/1862000000000000001"
    recorded_web.answers = {"https://publish.twitter.com/oembed?": failure}
    update, [embed] = saved(f"<p>{url}</p>", django_capture_on_commit_callbacks)
    assert message in embed.error and embed.resolved_at is None
    # Readers get a link to the post: no button, no frame.
    page = client.get(update.live_page.get_absolute_url()).content.decode()
    card = re.search(r'<div class="embed embed-post" data-embed="x">.*?\n</div>', page, re.S).group(0)
    assert f'href="{url}"' in card and "<button" not in card and "Load the post" not in card
    # Later, the provider is back: the retry fills it, and the page's version moves.
    version = LivePage.objects.get().version
    recorded_web.answers = {"https://publish.twitter.com/oembed?": "x-oembed.json"}
    out = io.StringIO()
    call_command("resolve_embeds", stdout=out)
    embed.refresh_from_db()
    assert embed.error == "" and embed.author_name == "Valley Transit"
    assert "1 resolved, 0 still failing" in out.getvalue()
    assert LivePage.objects.get().version > version
    assert "Load the post by Valley Transit from X" in client.get(update.live_page.get_absolute_url()).content.decode()


def test_timeouts_and_size_caps_are_the_settings(recorded_web, django_capture_on_commit_callbacks,
                                                  settings, monkeypatch):
    seen = {}

    def urlopen(request, timeout=None):
        seen["timeout"] = timeout
        return recorded_web.urlopen(request, timeout)

    monkeypatch.setattr(embeds, "urlopen", urlopen)
    settings.LIVEBLOGS_EMBED_TIMEOUT = 2.5
    settings.LIVEBLOGS_EMBED_MAX_ANSWER_BYTES = 1000
    # An oversized answer: refused whole, having read one byte past the cap, never all of it.
    huge = json.dumps({"title": "x" * 10_000_000}).encode()
    reads = []

    class Big(io.BytesIO):
        def read(self, size=-1):
            reads.append(size)
            return super().read(size)

    recorded_web.answers = {"https://soundcloud.com/oembed?": huge}
    monkeypatch.setattr(embeds, "urlopen", lambda request, timeout=None: (
        seen.update(timeout=timeout) or __import__("contextlib").nullcontext(Big(huge))))
    _, [embed] = saved("<p>https://soundcloud.com/valleyradio/flood-briefing-saturday</p>",
                       django_capture_on_commit_callbacks)
    assert embed.error == "The provider's answer was too large."
    assert reads == [1001] and seen["timeout"] == 2.5


def test_a_hostile_answer_leaves_text_only(recorded_web, django_capture_on_commit_callbacks, client):
    recorded_web.answers = {
        "https://www.tiktok.com/oembed?": "hostile-oembed.json",
        # The thumbnail is a web page with a script, not a picture.
        "https://p16-sign.tiktokcdn-us.com/": b"<html><script>alert(1)</script></html>",
    }
    update, [embed] = saved("<p>https://www.tiktok.com/@mallory/video/7442000000000000002</p>",
                            django_capture_on_commit_callbacks)
    assert embed.error == ""
    assert "<" not in embed.author_name and "script" not in embed.title.lower()
    assert embed.title == "Flood <b>footage</b>"  # text, escaped again on output
    assert not embed.thumbnail  # not a picture: the card does without one
    page = client.get(update.live_page.get_absolute_url()).content.decode()
    body = page.split('<div class="update-body">', 1)[1].split("</article>", 1)[0]
    assert "Flood &lt;b&gt;footage&lt;/b&gt;" in body
    for bad in ("<script", "onerror", "onload", "javascript:", "<svg", "evil.example", "<iframe"):
        assert bad not in body, bad


@pytest.mark.parametrize("answer", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_an_answer_that_is_not_oembed_is_a_problem_for_the_desk(
    answer, recorded_web, django_capture_on_commit_callbacks
):
    recorded_web.answers = {"https://publish.twitter.com/oembed?": answer}
    _, [embed] = saved("<p>https://x.com/a/status/1</p>", django_capture_on_commit_callbacks)
    assert "not JSON" in embed.error or "not oEmbed" in embed.error


def test_a_thumbnail_on_a_private_address_is_never_fetched(
    recorded_web, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(embeds, "host_addresses", lambda host: {"169.254.169.254"}
                        if host == "p16-sign.tiktokcdn-us.com" else {"93.184.215.14"})
    recorded_web.answers = {"https://www.tiktok.com/oembed?": "tiktok-oembed.json"}
    _, [embed] = saved("<p>https://www.tiktok.com/@valleycourier/video/7442000000000000001</p>",
                       django_capture_on_commit_callbacks)
    assert embed.error == "" and not embed.thumbnail
    assert not any("tiktokcdn" in url for url in recorded_web.asked)


def test_nothing_is_resolved_inside_the_saving_transaction(recorded_web):
    # Without the commit (the test's transaction never commits), no provider is asked.
    make_update(body="<p>https://x.com/ValleyTransit/status/1862000000000000001</p>")
    assert recorded_web.asked == [] and Embed.objects.get().tried_at is None


# What readers get ---------------------------------------------------------------------------------


def test_the_card_is_ours_and_the_frame_waits_for_the_reader(client, django_capture_on_commit_callbacks):
    update, _ = saved(f"<p>Before.</p><p>{YOUTUBE}</p><p>After.</p>", django_capture_on_commit_callbacks)
    page = client.get(update.live_page.get_absolute_url()).content.decode()
    body = page.split('<div class="update-body">', 1)[1].split("</article>", 1)[0]
    assert body.index("Before.") < body.index('data-embed="youtube"') < body.index("After.")
    assert "<iframe" not in page
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0"' in page
    assert ">Load the video from YouTube</button>" in page
    assert 'data-embed-title="A video on YouTube (from YouTube)"' in page
    assert "Always load videos from YouTube" in page
    assert "Loading it connects you to YouTube" in page
    # Without JavaScript: a link to the original (the controls are hidden until the script runs).
    assert '<a class="embed-title" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in page
    assert 'data-embed-controls hidden' in page
    # Nothing on the page is from the provider's site.
    assert not re.search(r'\s(?:src|srcset|href)="https://(?:www\.)?(?:youtube|ytimg)', page.replace(
        'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"', ""))


def test_the_same_partial_everywhere_an_update_goes(client, django_capture_on_commit_callbacks):
    update, _ = saved(f"<p>{YOUTUBE}</p>", django_capture_on_commit_callbacks, headline="River cam")
    page = update.live_page
    permalink = client.get(update.get_absolute_url()).content.decode()
    assert ">Load the video from YouTube</button>" in permalink
    assert "liveblogs/livepage/embeds" in permalink
    changes = client.get(reverse("liveblogs:changes", kwargs={"slug": page.slug}) + "?since=0").json()
    [html] = [u["html"] for u in changes["updates"]]
    assert ">Load the video from YouTube</button>" in html
    # Feeds carry a link with the title, never the card's button or a frame.
    rss = client.get(reverse("liveblogs:feed", kwargs={"slug": page.slug})).content.decode()
    assert "A video on YouTube (YouTube)" in rss and "button" not in rss and "iframe" not in rss


def test_reader_pages_cost_one_query_more_for_embeds_whatever_their_number(
    client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    page = make_page()
    for n in range(5):
        saved(f"<p>https://datawrapper.dwcdn.net/Ab3D{n}/</p>"
              f"<p>{YOUTUBE}</p>", django_capture_on_commit_callbacks, live_page=page)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        client.get(page.get_absolute_url())
    saved("<p>https://vimeo.com/76979871</p>", django_capture_on_commit_callbacks, live_page=page)
    with CaptureQueriesContext(connection) as six:
        assert client.get(page.get_absolute_url()).content.decode().count("data-embed=") == 11
    assert len(six.captured_queries) == len(five.captured_queries)
    assert sum("liveblogs_embed" in q["sql"] for q in six.captured_queries) == 1


def test_json_ld_links_the_embeds(client, django_capture_on_commit_callbacks):
    update, _ = saved(f"<p>{YOUTUBE}</p>", django_capture_on_commit_callbacks)
    page = client.get(update.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["sharedContent"] == [
        {"@type": "VideoObject", "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "name": "A video on YouTube"}
    ]


def test_a_player_address_of_a_video_is_the_same_card(client):
    page = make_page(lead_video=make_video(url="https://vimeo.com/76979871/8272103f6e", title="The dam at dawn"))
    html = client.get(page.get_absolute_url()).content.decode()
    assert ">Load the video from Vimeo</button>" in html
    assert 'data-embed-src="https://player.vimeo.com/video/76979871?dnt=1"' in html
    assert '<a class="embed-title" href="https://vimeo.com/76979871" rel="noopener noreferrer nofollow">The dam at dawn</a>' in html
    # A player address from elsewhere stays a link to it.
    other = make_page(lead_video=make_video(url="https://video.example.org/embed/123"))
    html = client.get(other.get_absolute_url()).content.decode()
    assert 'href="https://video.example.org/embed/123"' in html and "data-embed=" not in html


@pytest.mark.django_db(transaction=True)
def test_editors_are_told_when_a_post_could_not_be_loaded(editor_client, recorded_web):
    from .test_admin import update_form_data

    update = make_update(body="<p>Water is rising.</p>")
    recorded_web.answers = {"https://publish.twitter.com/oembed?": TimeoutError()}
    post = "https://x.com/ValleyTransit/status/1862000000000000001"
    # A transactional test: the admin's own transaction commits, and its callbacks run, as live.
    response = editor_client.post(
        reverse("admin:liveblogs_update_change", args=[update.pk]),
        update_form_data(update, body=f"<p>{post}</p>"),
    )
    assert response.status_code == 302
    told = [str(m) for m in response.wsgi_request._messages]
    assert any(f"“{post}” is shown to readers as a plain link for now: The provider did not "
               "answer in time." in m for m in told), told
    # The embeds' list says which could not be resolved; its action tries them again.
    listing = editor_client.get(reverse("admin:liveblogs_embed_changelist")).content.decode()
    assert "A plain link for now: The provider did not answer in time." in listing
    recorded_web.answers = {"https://publish.twitter.com/oembed?": "x-oembed.json"}
    embed = Embed.objects.get()
    response = editor_client.post(reverse("admin:liveblogs_embed_changelist"), {
        "action": "try_again", "_selected_action": [embed.pk]}, follow=True)
    assert "1 of 1 resolved." in response.content.decode()
    embed.refresh_from_db()
    assert embed.resolved_at and embed.author_name == "Valley Transit"


@pytest.mark.django_db(transaction=True)
def test_desk_composer_hears_of_an_embed_that_failed(editor_client, recorded_web):
    page = make_page()
    recorded_web.answers = {"https://publish.twitter.com/oembed?": URLError(ConnectionRefusedError())}
    response = editor_client.post(
        reverse("admin:liveblogs_livepage_desk_new", args=[page.pk]),
        {"headline": "Buses", "body": "<p>https://x.com/ValleyTransit/status/1862000000000000001</p>",
         "action": "draft", "filing_key": "8b0c3c9e-6a5e-4d3e-9f55-1d2b3c4d5e6f"},
    )
    answer = response.json()
    assert answer["ok"], answer
    assert answer["notices"] and "could not be reached" in answer["notices"][0]
