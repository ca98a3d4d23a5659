"""The app's management commands refuse bad input with one plain sentence and exit status 1.

Most cases go through ``call_command`` (a ``CommandError`` is what ``manage.py`` prints as one line
and exits 1 on); each attack once more through ``manage.py`` itself, to see what a person sees.
"""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from liveblogs.models import LivePage, Photo

from .factories import make_page, make_photo, make_submission, make_update

ROOT = Path(__file__).resolve().parent.parent


def refusal(*args):
    """The one sentence a command refuses with; it exits with status 1 (CommandError's)."""
    with pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    assert refused.value.returncode == 1
    return str(refused.value)


def manifest():
    """A small archive's manifest that imports (see the first test); tests spoil one value."""
    return {
        "format": "django-liveblogs.livepage",
        "format_version": 1,
        "page": {
            "slug": "night-ferry", "title": "The last ferry of the season", "status": "ended",
            "coverage_start": "2029-05-01T20:00:00+00:00",
            "coverage_end": "2029-05-02T02:00:00+00:00", "time_zone": "Europe/Oslo",
            "desk": ["ida-berg"],
        },
        "reporters": [{"slug": "ida-berg", "name": "Ida Berg", "role": "Reporter"}],
        "updates": [{
            "key": "update-1", "headline": "Boarding begins", "body": "<p>Cars roll on.</p>",
            "status": "published", "published_at": "2029-05-01T20:05:00+00:00",
            "authors": ["ida-berg"], "photos": [], "video": None,
        }],
        "videos": {}, "photos": {},
    }


def archive(tmp_path, content):
    """A zip holding ``content`` (a manifest, or bytes) as its livepage.json."""
    if not isinstance(content, bytes):
        content = json.dumps(content).encode()
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("livepage.json", content)
    return path


def spoiled(change):
    data = manifest()
    change(data)
    return data


def test_the_small_archive_imports(client, db, tmp_path):
    call_command("import_livepage", str(archive(tmp_path, manifest())), stdout=io.StringIO())
    html = client.get("/live/night-ferry/").content.decode()
    assert "Boarding begins" in html and "Ida Berg" in html


NOT_JSON = "This is not a live page archive (livepage.json is not JSON: "

BAD_MANIFESTS = [
    ("status-bogus", spoiled(lambda d: d["updates"][0].update(status="bogus")),
     "The archive's update 'update-1' is refused: status: Value 'bogus' is not a valid choice."),
    ("format-version-text", spoiled(lambda d: d.update(format_version="2")),
     "livepage.json is not as expected: format_version should be a whole number."),
    ("manifest-a-list", b'["django-liveblogs.livepage"]',
     "This is not a live page archive (livepage.json says otherwise)."),
    ("invalid-json", b'{"format": "django-liveblogs.livepage",',
     NOT_JSON + "Expecting property name enclosed in double quotes: line 1 column 40 (char 39))."),
]


@pytest.mark.parametrize(("content", "message"), [case[1:] for case in BAD_MANIFESTS],
                         ids=[case[0] for case in BAD_MANIFESTS])
def test_import_refuses_a_bad_manifest_in_a_sentence(db, tmp_path, content, message):
    assert refusal("import_livepage", str(archive(tmp_path, content))) == message
    assert not LivePage.objects.exists()


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("page"), "livepage.json is not as expected: it lacks page."),
    (lambda d: d["page"].pop("slug"), "livepage.json is not as expected: it lacks page.slug."),
    (lambda d: d["page"].update(title=5),
     "livepage.json is not as expected: page.title should be text."),
    (lambda d: d["page"].update(needs_approval="yes"),
     "livepage.json is not as expected: page.needs_approval should be true or false."),
    (lambda d: d["page"].update(version=True),
     "livepage.json is not as expected: page.version should be a whole number."),
    (lambda d: d["page"].update(desk="ida-berg"),
     "livepage.json is not as expected: page.desk should be a list."),
    (lambda d: d.update(series=["storms"]),
     "livepage.json is not as expected: series should be an object."),
    (lambda d: d.update(updates={"update-1": {}}),
     "livepage.json is not as expected: updates should be a list."),
    (lambda d: d["updates"][0].update(photos=[["photo-1"]]),
     "livepage.json is not as expected: updates[0].photos[0] should be text."),
    (lambda d: d["updates"][0].update(video={"key": "video-1"}),
     "livepage.json is not as expected: updates[0].video should be text."),
    (lambda d: d.update(photos={"photo-1": {"file": None}}),
     "livepage.json is not as expected: photos['photo-1'].file should be text."),
    (lambda d: d.update(videos={"video-1": {"title": "Clip", "duration": "long"}}),
     "livepage.json is not as expected: videos['video-1'].duration should be a number."),
    (lambda d: d["updates"][0].update(headline="Boarding\x00begins"),
     "livepage.json is not as expected: updates[0].headline holds a character no database "
     "stores."),
    (lambda d: d["updates"][0].update(headline="Boarding \ud800"),
     "livepage.json is not as expected: updates[0].headline holds a character no database "
     "stores."),
    (lambda d: d["page"].update(coverage_start="yesterday"),
     "The archive's page 'night-ferry' is refused: coverage_start: “yesterday” value has an "
     "invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."),
    (lambda d: d["updates"][0].update(published_at="2029-02-30T20:05:00+00:00"),
     "The archive's update 'update-1' is refused: published_at: “2029-02-30T20:05:00+00:00” "
     "value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid "
     "date/time."),
    (lambda d: d["updates"][0].update(video="video-9"),
     "livepage.json names video 'video-9' but does not describe it."),
    (lambda d: (d["updates"][0].update(video="video-1"),
                d.update(videos={"video-1": {"title": "Clip", "url": "https://example.org/v",
                                             "duration": 1e20}})),
     "The archive's video 'video-1' is refused: duration: 1e+20 seconds is not the length of a "
     "video."),
    (lambda d: d["updates"][0].update(photos=["photo-1"]) or d.update(photos={"photo-1": {}}),
     "The archive's photo 'photo-1' is refused: image: This field cannot be blank."),
    # A time full_clean accepts that SQLite cannot hold (in UTC it is in the year 10000).
    # PostgreSQL holds it, so there the page is refused for what it implies: an end before it.
    (lambda d: d["page"].update(coverage_start="9999-12-31T23:59:59-12:00"),
     "The archive's page 'night-ferry' is refused: a value is out of range (date value out of "
     "range)." if connection.vendor == "sqlite" else
     "The archive's page 'night-ferry' is refused: Coverage cannot end before it starts."),
], ids=["no-page", "no-slug", "title-number", "flag-text", "version-flag", "desk-text",
        "series-list", "updates-object", "photo-key-list", "video-key-object", "photo-file-null",
        "duration-text", "nul", "surrogate", "time-text", "time-impossible", "video-unknown",
        "duration-huge", "photo-without-file", "time-past-9999"])
def test_import_refuses_a_manifest_of_another_shape(db, tmp_path, change, message):
    assert refusal("import_livepage", str(archive(tmp_path, spoiled(change)))) == message
    assert not LivePage.objects.exists() and not Photo.objects.exists()


@pytest.mark.parametrize(("content", "message"), [
    (b'{"format": NaN}', NOT_JSON + "NaN is not a JSON number)."),
    (b"[" * 100_000 + b"]" * 100_000,
     NOT_JSON + "maximum recursion depth exceeded while decoding a JSON array from a unicode "
     "string)."),
    (b"\xff\xfe\x00", NOT_JSON + "'utf-16-le' codec can't decode byte 0x00 in position 2: "
     "truncated data)."),
], ids=["nan", "deep", "not-text"])
def test_import_refuses_a_manifest_that_is_not_json(db, tmp_path, content, message):
    assert refusal("import_livepage", str(archive(tmp_path, content))) == message


def test_import_refuses_what_is_not_a_readable_archive(db, tmp_path):
    assert refusal("import_livepage", str(tmp_path / "nowhere.zip")) == (
        f"No file {str(tmp_path / 'nowhere.zip')!r}."
    )
    assert refusal("import_livepage", str(tmp_path)) == (
        f"Cannot read {str(tmp_path)!r}: Is a directory."
    )
    damaged = archive(tmp_path, json.dumps(manifest()).encode() * 20).read_bytes()
    start = damaged.index(b"livepage.json") + len("livepage.json")
    (tmp_path / "damaged.zip").write_bytes(
        damaged[:start] + bytes(b ^ 0x55 for b in damaged[start:start + 200])
        + damaged[start + 200:]
    )
    assert refusal("import_livepage", str(tmp_path / "damaged.zip")).startswith(
        "The archive's livepage.json cannot be read ("
    )


def test_export_refuses_an_output_it_cannot_write(db, tmp_path):
    page = make_page(slug="night-ferry")
    make_update(live_page=page, headline="Boarding begins")
    assert refusal("export_livepage", "night-ferry", "-o", str(tmp_path / "no" / "x.zip")) == (
        f"Cannot write {str(tmp_path / 'no' / 'x.zip')!r}: No such file or directory."
    )
    assert refusal("export_livepage", "night-ferry", "-o", str(tmp_path)) == (
        f"Cannot write {str(tmp_path)!r}: Is a directory."
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full is Linux's")
def test_export_to_a_full_disk_says_so_and_leaves_the_device_alone(db):
    page = make_page(slug="night-ferry")
    make_update(live_page=page, headline="Boarding begins")
    assert refusal("export_livepage", "night-ferry", "-o", "/dev/full") == (
        "Cannot write '/dev/full': No space left on device."
    )
    assert os.path.exists("/dev/full")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="/dev/zero is a Unix device")
def test_import_refuses_a_device_that_never_ends(db):
    assert refusal("import_livepage", "/dev/zero") == (
        "'/dev/zero' is not a file: give the path of a .zip archive."
    )


def test_export_refuses_a_page_whose_photo_file_is_gone_and_leaves_no_half_archive(db, tmp_path):
    photo = make_photo()
    make_page(slug="night-ferry", lead_photo=photo)
    photo.image.storage.delete(photo.image.name)
    output = tmp_path / "night-ferry.zip"
    assert refusal("export_livepage", "night-ferry", "-o", str(output)) == (
        f"The stored file {photo.image.name} cannot be read (No such file or directory); restore "
        "it, or remove it from the page, and export again."
    )
    assert not output.exists()


@pytest.mark.parametrize("days", ["99999999999", "-1", "36501"])
def test_purge_refuses_a_number_of_days_no_date_can_be(db, days):
    make_submission(live_page=make_page())
    assert refusal("purge_submissions", "--days", days) == (
        f"The number of days must be from 0 to 36,500 (a hundred years), not {int(days):,}."
    )


def test_make_renditions_says_which_photos_it_could_not_render(db):
    gone, damaged, fine = make_photo(), make_photo(), make_photo()
    Photo.objects.update(renditions=[])
    gone.image.storage.delete(gone.image.name)
    with damaged.image.storage.open(damaged.image.name, "wb") as file:
        file.write(b"not a picture any more")
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("make_renditions", stdout=out)
    assert str(refused.value) == (
        "The stored files of 2 photos are missing or damaged, so they have no new renditions "
        f"(ids {gone.pk}, {damaged.pk})."
    )
    fine.refresh_from_db()
    assert fine.renditions and "renditions for 1 photos." in out.getvalue()


# Through manage.py, as a person runs them ------------------------------------------------------


@pytest.fixture(scope="module")
def manage(tmp_path_factory):
    """``manage.py`` on a database of its own (migrated once), returning the finished process."""
    folder = tmp_path_factory.mktemp("manage")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL",
                                                                       "REDIS_URL"))},
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "only-for-these-tests",
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=120,
        )

    assert run("migrate", "--noinput").returncode == 0
    return run


@pytest.mark.parametrize(("content", "message"), [case[1:] for case in BAD_MANIFESTS],
                         ids=[case[0] for case in BAD_MANIFESTS])
def test_manage_py_import_prints_one_sentence_and_exits_1(manage, tmp_path, content, message):
    result = manage("import_livepage", str(archive(tmp_path, content)))
    assert (result.returncode, result.stderr) == (1, f"CommandError: {message}\n")


def test_manage_py_purge_prints_one_sentence_and_exits_1(manage):
    result = manage("purge_submissions", "--days", "99999999999")
    assert (result.returncode, result.stderr) == (
        1, "CommandError: The number of days must be from 0 to 36,500 (a hundred years), "
        "not 99,999,999,999.\n",
    )
