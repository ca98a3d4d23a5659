"""export_livepage and import_livepage: a recap travels to another installation intact."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from liveblogs import portable
from liveblogs.models import LivePage, Photo, ReaderSubmission, Reporter, Series, Update, Video
from liveblogs.portable import ArchiveError, import_livepage, unpack

from .conftest import stored_files, use_media_root
from .factories import (
    make_callout,
    make_key_point,
    make_page,
    make_photo,
    make_reporter,
    make_series,
    make_submission,
    make_update,
    make_video,
    mp4_bytes,
    webm_bytes,
)

SLUG = "harbour-storm"


@pytest.fixture
def recap(db):
    """An ended page with everything a recap can show, and what readers never saw."""
    start = timezone.now() - timedelta(days=3)
    series = make_series(name="Storm season", slug="storm-season", description="All of it.")
    headshot = make_photo(caption="", credit="Courier staff", alt_text="Mara Quill")
    mara = make_reporter(name="Mara Quill", slug="mara-quill", role="Senior writer",
                         headshot=headshot)
    tom = make_reporter(name="Tom Reyes", slug="tom-reyes", role="Photographer")
    lead = make_photo(caption="Waves over the sea wall", credit="Tom Reyes/Courier",
                      alt_text="Grey waves breaking over a stone wall")
    page = make_page(
        title="Storm hits the harbour", slug=SLUG, series=series, lead_photo=lead,
        standfirst="Winds of 120 km/h closed the port.", status=LivePage.Status.LIVE,
        coverage_start=start, time_zone="America/Halifax", desk=[mara, tom],
    )
    make_key_point(live_page=page, text="The port is <strong>closed</strong> until Friday",
                   position=0)
    make_key_point(live_page=page, position=1, text='Shelters open at the arena: '
                   '<a href="mailto:desk@example.org">ask the desk</a>')
    callout = make_callout(live_page=page, prompt="Did the storm reach your street?",
                           description="<p>Tell us <em>where</em> you are.</p>")
    boats = make_photo(caption="Boats pulled up the ramp", credit="Tom Reyes/Courier",
                       alt_text="Fishing boats on a concrete ramp")
    video = make_video(title="The sea wall at noon", poster=make_photo(
        caption="", credit="Courier", alt_text="Spray over the wall"))
    first = make_update(live_page=page, headline="Port closes", authors=[mara, tom],
                        photos=[boats], published_at=start + timedelta(hours=1), key_event=True,
                        body="<p>The <strong>harbour master</strong> closed the port.</p>")
    make_update(live_page=page, headline="Sea wall footage", authors=[tom], video=video,
                published_at=start + timedelta(hours=2))
    make_update(live_page=page, headline="Shelters open", authors=[mara], pinned=True,
                published_at=start + timedelta(hours=3),
                correction_note="The arena, not the school.",
                corrected_at=start + timedelta(hours=4), callout=callout)
    harbour_cam = make_video(
        title="Harbour cam at dusk", url="", duration=timedelta(seconds=4),
        file=ContentFile(mp4_bytes(), name="harbour-cam.mp4"),
        poster=make_photo(caption="", credit="Courier", alt_text="Cranes against a red sky"),
    )
    make_update(live_page=page, headline="The harbour at dusk", authors=[mara], video=harbour_cam,
                published_at=start + timedelta(hours=5))
    make_update(live_page=page, headline="Wrong figures", status=Update.Status.WITHDRAWN,
                published_at=start + timedelta(hours=2, minutes=30))
    make_update(live_page=page, headline="Unfinished draft", status=Update.Status.DRAFT)
    make_update(live_page=page, headline="Waiting for approval", status=Update.Status.SUBMITTED)
    make_submission(live_page=page, callout=callout, name="Pat Private",
                    email="pat.private@example.org", phone="+1 902 555 0100",
                    answered_in=first)
    page.end()
    page.refresh_from_db()
    return page


def visible_text(html):
    """What a reader reads: the text, without markup, addresses or ids."""
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def media_urls(html):
    return re.findall(r"/media/[^\s\"',]+", html)


def reader_view(client, page):
    """What readers get: the page, each permalink, the first poll."""
    page_html = client.get(page.get_absolute_url()).content.decode()
    permalinks = {
        u.headline: visible_text(client.get(u.get_absolute_url()).content.decode())
        for u in Update.objects.visible().filter(live_page=page)
    }
    poll = client.get(f"{page.get_absolute_url()}changes.json?since=0").json()
    return page_html, permalinks, poll


def export(tmp_path, *args):
    path = tmp_path / "recap.zip"
    call_command("export_livepage", SLUG, "-o", str(path), *args, stdout=io.StringIO())
    return path


def forget_everything():
    """Another installation: none of the page's rows, reporters, series, photos or files."""
    LivePage.objects.all().delete()
    ReaderSubmission.objects.all().delete()
    Update.objects.all().delete()
    models.QuerySet.delete(Reporter.objects.all())
    Series.objects.all().delete()
    Video.objects.all().delete()
    Photo.objects.all().delete()
    cache.clear()


def test_round_trip_shows_readers_the_same_recap(client, recap, tmp_path, settings):
    before_html, before_permalinks, before_poll = reader_view(client, recap)
    old_version = recap.version
    path = export(tmp_path)

    forget_everything()
    use_media_root(settings, tmp_path / "other-installation-media")
    out = io.StringIO()
    call_command("import_livepage", str(path), stdout=out)
    assert "Imported “Storm hits the harbour”" in out.getvalue()

    page = LivePage.objects.get(slug=SLUG)
    after_html, after_permalinks, after_poll = reader_view(client, page)

    # The same words, bylines, times (in the page's zone), photo captions, credits and flags.
    assert visible_text(after_html) == visible_text(before_html)
    for text in ["Mara Quill", "Senior writer", "Tom Reyes", "Waves over the sea wall",
                 "Boats pulled up the ramp", "Sea wall footage", "Duration 1:52",
                 "Harbour cam at dusk", "Duration 0:04", "Did the storm reach your street?",
                 "Correction", "The port is closed until Friday", "Storm season"]:
        assert text in visible_text(after_html), text
    assert after_permalinks == before_permalinks
    assert [visible_text(u["html"]) for u in after_poll["updates"]] == [
        visible_text(u["html"]) for u in before_poll["updates"]
    ]
    # Never seen by readers, so never carried.
    for hidden in ["Wrong figures", "Unfinished draft", "Waiting for approval"]:
        assert hidden not in after_html
    assert not Update.objects.filter(status__in=["draft", "submitted"]).exists()
    assert Update.objects.get(headline="Wrong figures").status == "withdrawn"
    assert not ReaderSubmission.objects.exists()

    # Photos are new files on this installation, and every rendition the page names exists.
    urls = media_urls(after_html)
    assert len(urls) == len(media_urls(before_html)) > 0
    for url in urls:
        assert default_storage.exists(url.removeprefix("/media/")), url
    boats = Photo.objects.get(caption="Boats pulled up the ramp")
    assert boats.image.storage.exists(boats.image.name)
    assert Reporter.objects.get(slug="mara-quill").headshot.alt_text == "Mara Quill"
    # The uploaded video is the same film, played from this installation's media.
    video = Video.objects.get(title="Harbour cam at dusk")
    assert video.file.url in after_html and video.file.name.endswith(".mp4")
    with video.file.open("rb") as file:
        assert file.read() == mp4_bytes()
    assert video.poster.alt_text == "Cranes against a red sky"

    # Versions: the page's own, above the one it had, with its updates at or below it.
    assert page.version > old_version
    assert page.updates.aggregate(v=models.Max("page_version"))["v"] <= page.version
    assert client.get(f"{page.get_absolute_url()}changes.json?since={page.version}").json()[
        "updates"
    ] == []
    assert page.status == LivePage.Status.ENDED and page.time_zone == "America/Halifax"
    assert page.changed_at == recap.changed_at  # "Updated …" as it was
    assert list(page.desk.values_list("slug", flat=True).order_by("slug")) == [
        "mara-quill", "tom-reyes"
    ]


def test_the_archive_leaves_out_drafts_and_readers_personal_data(recap, tmp_path):
    path = export(tmp_path)
    with zipfile.ZipFile(path) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        data = json.loads(archive.read("livepage.json"))
    for private in [b"pat.private@example.org", b"Pat Private", b"555 0100",
                    b"Unfinished draft", b"Waiting for approval"]:
        assert private not in everything
    assert "submissions" not in data
    assert {u["status"] for u in data["updates"]} == {"published", "withdrawn"}
    assert all(name == "livepage.json" or name.startswith("media/") for name in archive.namelist())


def test_flags_carry_drafts_and_submissions(recap, tmp_path):
    path = export(tmp_path, "--include-drafts", "--include-submissions")
    forget_everything()
    call_command("import_livepage", str(path), stdout=io.StringIO())
    page = LivePage.objects.get(slug=SLUG)
    assert set(page.updates.values_list("status", flat=True)) == {
        "published", "withdrawn", "draft", "submitted"
    }
    submission = ReaderSubmission.objects.get()
    assert (submission.email, submission.phone) == ("pat.private@example.org", "+1 902 555 0100")
    assert submission.callout.prompt == "Did the storm reach your street?"
    assert submission.answered_in.headline == "Port closes"


def test_an_existing_page_is_refused_unless_replaced(client, recap, tmp_path):
    path = export(tmp_path)
    with pytest.raises(CommandError, match="--replace"):
        call_command("import_livepage", str(path), stdout=io.StringIO())

    old = LivePage.objects.get(slug=SLUG)
    make_update(live_page=old, headline="Added after the export")
    old.refresh_from_db()
    call_command("import_livepage", str(path), "--replace", stdout=io.StringIO())

    page = LivePage.objects.get(slug=SLUG)
    assert page.pk != old.pk
    assert page.version > old.version  # readers' caches never see the version go back
    html = client.get(page.get_absolute_url()).content.decode()
    assert "Port closes" in html and "Added after the export" not in html
    # Series and reporters that exist are used as they are, not duplicated.
    assert Reporter.objects.filter(slug="mara-quill").count() == 1
    assert Series.objects.count() == 1


def test_a_file_that_is_not_an_archive_is_refused(db, tmp_path):
    with pytest.raises(ArchiveError, match="not a zip"):
        import_livepage(io.BytesIO(b"hello"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("livepage.json", json.dumps({"format": "something-else"}))
    with pytest.raises(ArchiveError, match="not a live page archive"):
        import_livepage(io.BytesIO(buffer.getvalue()))
    with pytest.raises(CommandError, match="No live page"):
        call_command("export_livepage", "nowhere", stdout=io.StringIO())


def test_an_archive_with_a_file_that_is_not_a_photo_is_refused(recap, tmp_path):
    path = export(tmp_path)
    forget_everything()
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, b"<?php echo 1; ?>" if name.startswith("media/") else content)
    with pytest.raises(ArchiveError, match=r"The archive's photo 'photo-\d+' is refused: This file "
                       "is text, not a photo."):
        import_livepage(io.BytesIO(tampered.getvalue()))
    assert not LivePage.objects.exists() and not Photo.objects.exists()


def test_a_refused_archive_leaves_no_file_behind(recap, tmp_path, settings):
    def last_update_bogus(data):
        data["updates"][-1]["status"] = "bogus"  # refused after every photo and video is stored

    path = tamper(export(tmp_path), tmp_path, last_update_bogus)
    forget_everything()
    use_media_root(settings, tmp_path / "other-installation-media")
    assert re.fullmatch(r"The archive's update 'update-\d+' is refused: status: .*",
                        refusal("import_livepage", str(path)))
    assert stored_files(settings) == []
    assert not Photo.objects.exists() and not Video.objects.exists()


def test_a_failed_import_leaves_nothing_behind(recap, tmp_path, settings):
    path = export(tmp_path)
    forget_everything()
    use_media_root(settings, tmp_path / "other-installation-media")
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        for name, content in entries.items():
            if name != max(n for n in entries if n.startswith("media/")):
                archive.writestr(name, content)
    with pytest.raises(ArchiveError, match="lacks"):
        import_livepage(io.BytesIO(broken.getvalue()))
    assert not LivePage.objects.exists() and not Update.objects.exists()
    assert stored_files(settings) == []


def tamper(path, tmp_path, change, files=None):
    """A copy of the archive at ``path`` with its manifest changed by ``change(data)``."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    data = json.loads(entries["livepage.json"])
    change(data)
    entries["livepage.json"] = json.dumps(data).encode()
    entries.update(files or {})
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return tampered


def first_video(data):
    return next(iter(data["videos"].values()))


def refusal(*args):
    """The one sentence a command refuses with; it exits with status 1 (CommandError's)."""
    with pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    assert refused.value.returncode == 1
    return str(refused.value)


def first_update(data):
    return next(u for u in data["updates"] if u["headline"] == "Port closes")


@pytest.mark.parametrize(("change", "message"), [
    (lambda data: data["key_points"][0].update(text=f"<b>{'w' * 301}</b>"),
     r"The archive's key point 1 is refused: text: Ensure this text has at most 300 characters "
     r"\(it has 301\)."),
    # Format 1 (plain text): its link is checked as the admin checked it.
    (lambda data: data.update(format_version=1) or data["key_points"][0].update(
        link="javascript:alert(1)"),
     "The archive's key point 1 is refused: link: Enter a valid URL."),
    (lambda data: first_video(data).update(url="javascript:alert(1)"),
     r"The archive's video 'video-\d+' is refused: url: Enter a valid URL."),
    (lambda data: data["callouts"][0].update(prompt="x" * 201),
     r"The archive's callout 'callout-\d+' is refused: prompt: Ensure this value has at most 200 "
     r"characters \(it has 201\)."),
    (lambda data: data["reporters"][0].update(name=""),
     "The archive's reporter 'mara-quill' is refused: name: This field cannot be blank."),
    (lambda data: data["reporters"][0].update(slug="mara quill/../x"),
     "The archive's reporter 'mara quill/../x' is refused: slug: Enter a valid “slug”"),
    (lambda data: data["series"].update(slug="bad slug/../x"),
     "The archive's series 'bad slug/../x' is refused: slug: Enter a valid “slug”"),
    (lambda data: data["page"].update(slug="bad slug/../x"),
     "The archive's page 'bad slug/../x' is refused: slug: Enter a valid “slug”"),
    (lambda data: data["page"].update(status="bogus"),
     "The archive's page 'harbour-storm' is refused: status: Value 'bogus' is not a valid choice."),
    (lambda data: first_update(data).update(status="bogus"),
     r"The archive's update 'update-\d+' is refused: status: Value 'bogus' is not a valid choice."),
    (lambda data: first_update(data).update(published_at=None),
     r"The archive's update 'update-\d+' is refused: A published update needs a published time."),
    (lambda data: [u.update(pinned=True) for u in data["updates"]],
     r"The archive's update 'update-\d+' is refused: Only one update can be pinned"),
    (lambda data: first_update(data).update(authors=["mara-quill", "mara-quill"]),
     r"The archive's byline 2 of update 'update-\d+' is refused: Author with this Update and "
     "Reporter already exists."),
    (lambda data: first_update(data).update(authors=["nobody"]),
     "livepage.json names reporter 'nobody' but does not describe it."),
    (lambda data: data["page"].update(desk=["nobody"]),
     "livepage.json names reporter 'nobody' but does not describe it."),
    (lambda data: next(iter(data["photos"].values())).update(credit="x" * 201),
     r"The archive's photo 'photo-\d+' is refused: credit: Ensure this value has at most 200 "),
], ids=["key-point-text", "format-1-key-point-link", "video-url", "callout-prompt", "reporter-name", "reporter-slug",
        "series-slug", "page-slug", "page-status", "update-status", "published-without-time",
        "two-pinned", "byline-twice", "byline-unknown", "desk-unknown", "photo-credit"])
def test_an_archive_row_this_site_refuses_stops_the_import(client, recap, tmp_path, change,
                                                          message):
    path = tamper(export(tmp_path), tmp_path, change)
    forget_everything()
    assert re.match(message, refusal("import_livepage", str(path)))
    assert not LivePage.objects.exists() and not Update.objects.exists()
    assert not Series.objects.exists() and not Reporter.objects.exists()
    assert client.get("/sitemap.xml").status_code == 200


def test_an_archived_reader_submission_is_validated(recap, tmp_path):
    def bad_email(data):
        data["submissions"][0]["email"] = "not an address"

    path = tamper(export(tmp_path, "--include-submissions"), tmp_path, bad_email)
    forget_everything()
    assert refusal("import_livepage", str(path)) == (
        "The archive's reader submission 1 is refused: email: Enter a valid email address."
    )
    assert not ReaderSubmission.objects.exists()


def uploaded_video(data):
    return next(v for v in data["videos"].values() if v["file"])


@pytest.mark.parametrize("name", ["media/clip.html", "media/clip.mp4"])
def test_an_archived_video_file_must_be_a_video(recap, tmp_path, name):
    def html_video(data):
        uploaded_video(data)["file"] = name

    path = tamper(export(tmp_path), tmp_path, html_video,
                  files={name: b"<script>alert(1)</script>"})
    forget_everything()
    assert re.fullmatch(
        r"The archive's video 'video-\d+' is refused: file: This file is not a video we can play\. "
        r"Upload an MP4, WebM or MOV video\.",
        refusal("import_livepage", str(path)),
    )
    assert not Video.objects.exists()


def test_an_archived_video_is_stored_as_what_its_bytes_are(recap, tmp_path):
    def webm_named_mp4(data):
        uploaded_video(data)["file"] = "media/clip.mp4"

    path = tamper(export(tmp_path), tmp_path, webm_named_mp4,
                  files={"media/clip.mp4": webm_bytes()})
    forget_everything()
    call_command("import_livepage", str(path), stdout=io.StringIO())
    assert Video.objects.get(title="Harbour cam at dusk").file.name.endswith(".webm")


def test_an_archive_row_sets_only_the_fields_it_may(recap, tmp_path):
    def with_ids(data):
        data["key_points"][0]["id"] = 987654
        data["key_points"][0]["live_page_id"] = 987654

    path = tamper(export(tmp_path), tmp_path, with_ids)
    forget_everything()
    page = import_livepage(path)
    assert [point.text for point in page.key_points.order_by("position")] == [
        "The port is <strong>closed</strong> until Friday",
        'Shelters open at the arena: <a href="mailto:desk@example.org" '
        'rel="noopener noreferrer nofollow">ask the desk</a>',
    ]
    assert not page.key_points.filter(pk=987654).exists()


def test_a_format_1_archive_has_its_plain_text_made_rich_text(recap, tmp_path):
    """Key points and callout descriptions were plain text, a key point's link a field."""

    def format_1(data):
        data["format_version"] = 1
        data["key_points"] = [
            {"text": "Fish & <chips> shut", "link": "", "position": 0},
            {"text": "Shelter map", "link": "https://example.org/map?a=1&b=2", "position": 1},
        ]
        data["callouts"][0]["description"] = "Line one\nLine <two>"

    path = tamper(export(tmp_path), tmp_path, format_1)
    forget_everything()
    page = import_livepage(path)
    assert [point.text for point in page.key_points.order_by("position")] == [
        "Fish &amp; &lt;chips&gt; shut",
        '<a href="https://example.org/map?a=1&amp;b=2" rel="noopener noreferrer nofollow">'
        "Shelter map</a>",
    ]
    assert page.callouts.get().description == "<p>Line one<br>Line &lt;two&gt;</p>"


# Archive bombs: sizes are judged from the zip's central directory before anything is read --------


def repack(path, tmp_path, *, declared=(), extra=(), deflate=()):
    """A copy of the archive at ``path``. ``declared`` maps entry names to the (unpacked, packed)
    sizes its central directory claims for them; ``extra`` adds entries; ``deflate`` names
    entries to compress."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries.update(extra)
    copy = tmp_path / "repacked.zip"
    with zipfile.ZipFile(copy, "w") as archive:
        for name, content in entries.items():
            method = zipfile.ZIP_DEFLATED if name in deflate else zipfile.ZIP_STORED
            archive.writestr(name, content, compress_type=method)
        for name, (size, packed) in dict(declared).items():
            # Written into the central directory as the archive closes; no byte of it exists.
            archive.getinfo(name).file_size = size
            archive.getinfo(name).compress_size = packed
    return copy


def lead_photo_file(path):
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("livepage.json"))
    return data["photos"][data["page"]["lead_photo"]]["file"]


GIB = 1024**3


def test_a_photo_declared_at_2_gib_is_refused_before_it_is_read(recap, tmp_path):
    path = export(tmp_path)
    name = lead_photo_file(path)
    forget_everything()
    bomb = repack(path, tmp_path, declared={name: (2 * GIB, 2 * GIB)})
    assert refusal("import_livepage", str(bomb)) == (
        f"The archive's {name} is 2,048 MB; a photo can be at most 25 MB."
    )
    assert not LivePage.objects.exists() and not Photo.objects.exists()


def test_a_manifest_declared_at_1_5_gib_is_refused_before_it_is_read(recap, tmp_path):
    path = export(tmp_path)
    forget_everything()
    bomb = repack(path, tmp_path, declared={"livepage.json": (GIB * 3 // 2, GIB * 3 // 2)})
    assert refusal("import_livepage", str(bomb)) == (
        "The archive's livepage.json is 1,536 MB; a manifest can be at most 50 MB."
    )


def test_a_photo_larger_than_the_sites_limit_is_refused(recap, tmp_path, settings):
    settings.LIVEBLOGS_MAX_UPLOAD_BYTES = 1024 * 1024
    path = export(tmp_path)
    name = lead_photo_file(path)
    forget_everything()
    big = repack(path, tmp_path, extra={name: bytes(2 * 1024 * 1024)})
    assert refusal("import_livepage", str(big)) == (
        f"The archive's {name} is 2 MB; a photo can be at most 1 MB."
    )


def test_a_file_that_unpacks_to_a_thousand_times_its_size_is_refused(recap, tmp_path):
    path = export(tmp_path)
    name = lead_photo_file(path)
    forget_everything()
    zeros = repack(path, tmp_path, extra={name: bytes(4 * 1024 * 1024)}, deflate={name})
    message = refusal("import_livepage", str(zeros))
    assert re.fullmatch(
        rf"The archive's {name} would unpack to [\d,]+ times its packed size, as no photo, video "
        r"or manifest does\.", message,
    )
    lying = repack(path, tmp_path, declared={name: (2 * GIB, 2000)})
    assert refusal("import_livepage", str(lying)).startswith(
        f"The archive's {name} would unpack to 1,073,742 times its packed size"
    )
    assert not Photo.objects.exists()


def test_a_file_longer_than_its_header_says_is_refused(recap, tmp_path):
    path = export(tmp_path)
    name = lead_photo_file(path)
    forget_everything()
    short = repack(path, tmp_path, declared={name: (100, 100)})
    assert refusal("import_livepage", str(short)) == (
        f"The archive's {name} cannot be read (Bad CRC-32 for file '{name}')."
    )


def test_unpacking_stops_past_the_limit_whatever_the_header_says():
    class Lying:
        """An archive whose entry says 10 bytes and gives a megabyte: zipfile stops at the
        declared size itself; the limit must hold for any reader."""

        def getinfo(self, name):
            info = zipfile.ZipInfo(name)
            info.file_size = 10
            return info

        def open(self, info):
            return io.BytesIO(bytes(1024 * 1024))

    target = io.BytesIO()
    with pytest.raises(ArchiveError) as refused:
        unpack(Lying(), "media/photo.jpg", 100, "a photo", target)
    assert str(refused.value) == (
        "The archive's media/photo.jpg holds more than its header says, and is refused."
    )
    assert len(target.getvalue()) <= 100


def test_an_archive_of_too_many_files_or_bytes_is_refused(recap, tmp_path, monkeypatch):
    path = export(tmp_path)
    forget_everything()
    with zipfile.ZipFile(path) as archive:
        count = len(archive.namelist())
    monkeypatch.setattr(portable, "MAX_ENTRIES", count - 1)
    assert refusal("import_livepage", str(path)) == (
        f"This archive holds {count} files; a live page archive holds at most {count - 1}."
    )
    monkeypatch.setattr(portable, "MAX_ENTRIES", count + 1)
    monkeypatch.setattr(portable, "MAX_TOTAL_BYTES", 1024 * 1024)
    padded = repack(path, tmp_path, extra={"media/padding": bytes(3 * 1024 * 1024 // 2)})
    assert refusal("import_livepage", str(padded)).startswith(
        "This archive unpacks to 1.5 MB; a live page archive unpacks to at most 1 MB."
    )


def test_an_archive_of_too_many_files_is_refused_from_its_end_record(tmp_path):
    # zipfile would read the whole directory first: two million entries cost 866 MB.
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for n in range(10_001):
            archive.writestr(f"f{n}", b"")
    with pytest.raises(ArchiveError, match="holds 10,001 files; a live page archive holds at most 10,000"):
        import_livepage(str(path))
    with pytest.raises(ArchiveError, match="holds 10,001 files"):
        with path.open("rb") as file:
            import_livepage(file)
