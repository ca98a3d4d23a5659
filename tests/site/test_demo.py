"""``manage.py demo``: safe to run, safe to run again, and what it loads looks like a newsroom's."""

import functools
import io
import re
from datetime import timedelta
from pathlib import Path, PurePath

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.html import strip_tags
from PIL import Image, ImageStat

from liveblogs.models import (
    Callout,
    KeyPoint,
    LivePage,
    Photo,
    ReaderSubmission,
    Reporter,
    Update,
)
from liveblogs.permissions import policy
from liveblogs.roles import EDITORS, REPORTERS
from newsroom.demo import pictures

from ..conftest import stored_files, use_media_root

LIVE = "kestrel-river-flood-alder-falls"
RECAP = "kestrel-ice-jam-lower-town"
DRAFT = "alder-falls-flood-cleanup"
REFERENCE = Path("/work/shared/reference/live-page-example.txt")

_draw_once = functools.cache(pictures.draw)


@pytest.fixture(autouse=True)
def demo_settings(settings, tmp_path, monkeypatch):
    use_media_root(settings, tmp_path / "demo-media")
    settings.DEBUG = True
    # The demo sets two passwords per run; PBKDF2's deliberate slowness tests nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test stores the pictures afresh, but drawing the same scene twice proves nothing new.
    monkeypatch.setattr(pictures, "draw", _draw_once)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)


def run_demo(*args):
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def row_counts():
    User = get_user_model()
    models = [
        *apps.get_app_config("liveblogs").get_models(),
        LivePage.desk.through,
        User,
        User.groups.through,
        Group,
    ]
    return {model._meta.label: model.objects.count() for model in models}


def media_files(settings):
    return stored_files(settings)


def local_date(update):
    return timezone.localtime(update.published_at, update.live_page.tzinfo).date()


# Running it --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refuses_without_force_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError) as refused:
        run_demo()

    assert "--force" in str(refused.value)
    assert "DJANGO_DEBUG=1" in str(refused.value)
    assert not LivePage.objects.exists()
    assert not get_user_model().objects.filter(username__in=["editor", "reporter"]).exists()


@pytest.mark.django_db
def test_force_loads_it_with_debug_off(settings):
    settings.DEBUG = False

    run_demo("--force")

    assert LivePage.objects.filter(slug=LIVE, status=LivePage.Status.LIVE).exists()


@pytest.mark.django_db
def test_prints_the_site_and_both_logins():
    out = run_demo()

    assert "http://127.0.0.1:8000/" in out
    assert "Editor login: editor / demo" in out
    assert "http://127.0.0.1:8000/admin/" in out
    assert "Reporter login: reporter / demo" in out


@pytest.mark.django_db
def test_second_run_leaves_every_row_count_and_file_alone(settings):
    run_demo()
    first, files = row_counts(), media_files(settings)

    out = run_demo()

    assert row_counts() == first
    assert media_files(settings) == files
    assert "(0 new rows)" in out
    # Every table of the app has demo rows, so the comparison above compares something.
    empty = [
        label for label, count in first.items() if label.startswith("liveblogs.") and not count
    ]
    assert empty == []


# What it loads -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_live_page_has_two_days_of_published_updates():
    run_demo()
    page = LivePage.objects.get(slug=LIVE)
    now = timezone.now()

    assert page.status == LivePage.Status.LIVE
    assert page.time_zone == "America/Toronto"
    assert now - timedelta(days=3) < page.coverage_start <= now - timedelta(days=2)
    published = list(page.updates.filter(status=Update.Status.PUBLISHED))
    assert len(published) >= 15
    days = sorted({local_date(update) for update in published})
    assert len(days) == 2
    assert days[1] - days[0] == timedelta(days=1)
    assert all(page.coverage_start < update.published_at <= now for update in published)
    assert Update.objects.visible().filter(live_page=page).count() == len(published)


@pytest.mark.django_db
def test_live_page_updates_read_like_a_newsroom_wrote_them():
    run_demo()
    page = LivePage.objects.get(slug=LIVE)
    published = page.updates.filter(status=Update.Status.PUBLISHED).prefetch_related("bylines")

    assert all(update.bylines.exists() for update in published)
    assert sum(update.bylines.count() == 2 for update in published) >= 2
    positions = [[b.position for b in update.bylines.all()] for update in published]
    assert all(p == list(range(len(p))) for p in positions)
    bodies = "".join(update.body for update in published)
    assert "<p>" in bodies
    assert "<blockquote>" in bodies
    assert "<ul>" in bodies or "<ol>" in bodies
    assert 'href="https://example.org/' in bodies
    assert [u.headline for u in page.updates.filter(pinned=True)] == [
        "Evacuation, shelter and road closures: where to find help"
    ]
    assert page.updates.filter(pinned=True, status=Update.Status.PUBLISHED).exists()
    assert page.updates.filter(key_event=True, status=Update.Status.PUBLISHED).count() >= 3
    # Every update went through the desk's workflow, so each has its history.
    assert all(
        update.revisions.filter(status=Update.Status.PUBLISHED).exists() for update in published
    )


@pytest.mark.django_db
def test_live_page_keeps_a_draft_and_a_submitted_update_from_readers():
    run_demo()
    page = LivePage.objects.get(slug=LIVE)
    hidden = page.updates.filter(status__in=[Update.Status.DRAFT, Update.Status.SUBMITTED])

    assert set(hidden.values_list("status", flat=True)) == {"draft", "submitted"}
    assert not Update.objects.visible().filter(pk__in=hidden.values("pk")).exists()
    assert all(update.revisions.exists() for update in hidden)


@pytest.mark.django_db
def test_live_page_has_the_latest_lead_video_and_callout():
    run_demo()
    page = LivePage.objects.get(slug=LIVE)

    points = list(KeyPoint.objects.filter(live_page=page))
    assert len(points) >= 4
    assert len({point.position for point in points}) == len(points)
    video = page.lead_video
    assert page.lead_photo is None
    assert video.duration == timedelta(minutes=1, seconds=52)
    assert video.duration_display() == "1:52"
    assert video.url.startswith("https://video.example.org/")
    assert video.title and video.description and video.poster.alt_text
    callout = Callout.objects.get(live_page=page)
    assert callout.is_accepting
    submissions = ReaderSubmission.objects.filter(live_page=page, callout=callout)
    assert set(submissions.values_list("status", flat=True)) == {
        "new",
        "shortlisted",
        "answered",
        "rejected",
        "spam",
    }
    answered = submissions.get(status="answered")
    assert answered.answered_in.live_page == page
    assert answered.answered_in.status == Update.Status.PUBLISHED


@pytest.mark.django_db
def test_recap_and_draft_pages():
    run_demo()
    live = LivePage.objects.get(slug=LIVE)
    recap = LivePage.objects.get(slug=RECAP)
    draft = LivePage.objects.get(slug=DRAFT)
    this_month = timezone.localtime(timezone.now(), recap.tzinfo).date().replace(day=1)

    assert recap.status == LivePage.Status.ENDED
    assert recap.series == live.series == draft.series
    assert recap.coverage_start < recap.coverage_end
    ended_on = timezone.localtime(recap.coverage_end, recap.tzinfo).date()
    assert ended_on.replace(day=1) == (this_month - timedelta(days=1)).replace(day=1)
    assert recap.updates.filter(status=Update.Status.PUBLISHED).count() >= 5
    assert recap.key_points.count() >= 3
    assert draft.status == LivePage.Status.DRAFT
    assert draft.title and draft.standfirst
    assert draft.updates.filter(status=Update.Status.DRAFT).exists()
    assert draft not in LivePage.objects.public()


@pytest.mark.django_db
def test_photos_are_real_captioned_pictures():
    run_demo()
    page = LivePage.objects.get(slug=LIVE)
    in_updates = Photo.objects.filter(updates__live_page=page).distinct()

    assert in_updates.count() >= 6
    assert Reporter.objects.filter(headshot__isnull=False).exists()
    for photo in Photo.objects.all():
        assert photo.caption and photo.alt_text
        assert "/" in photo.credit or photo.credit == "Valley Courier"
        assert re.fullmatch(r"[0-9a-f]{32}\.jpg", PurePath(photo.image.name).name)
        with photo.image.open("rb") as file, Image.open(file) as image:
            image.load()
            assert image.format == "JPEG"
            assert image.size == (photo.width, photo.height)
            # A picture, not a flat fill: colours vary and many distinct ones remain when shrunk.
            assert max(ImageStat.Stat(image).stddev) > 20
            assert len(image.resize((64, 43)).getcolors(64 * 43)) > 500
    assert {(p.width, p.height) for p in in_updates} == {(1600, 1067)}


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference page is not in this checkout")
@pytest.mark.django_db
def test_copies_no_sentence_of_the_reference_page():
    run_demo()

    def words(text):
        return " ".join(re.findall(r"[a-z0-9']+", text.lower().replace("’", "'")))

    ours = words(
        " ".join(
            [
                *(f"{u.headline} {strip_tags(u.body)}" for u in Update.objects.all()),
                *(f"{p.title} {p.standfirst}" for p in LivePage.objects.all()),
                *map(strip_tags, KeyPoint.objects.values_list("text", flat=True)),
                *Photo.objects.values_list("caption", flat=True),
            ]
        )
    )
    sentences = re.split(r"[.!?\n]+", REFERENCE.read_text())
    copied = [s for s in map(words, sentences) if len(s.split()) >= 6 and s in ours]
    assert copied == []


# Logins ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_editor_can_log_in_and_publish():
    run_demo()

    editor = authenticate(username="editor", password="demo")

    assert editor is not None
    assert editor.is_staff and not editor.is_superuser
    assert editor.groups.filter(name=EDITORS).exists()
    assert editor.has_perm("liveblogs.publish_update")
    assert policy.can_publish(editor, LivePage.objects.get(slug=LIVE))


@pytest.mark.django_db
def test_reporter_can_log_in_and_is_on_the_live_desk():
    run_demo()
    page = LivePage.objects.get(slug=LIVE)

    user = authenticate(username="reporter", password="demo")

    assert user is not None
    assert not user.is_staff and not user.is_superuser
    assert user.groups.filter(name=REPORTERS).exists()
    assert user.reporter in page.desk.all()
    assert page.desk.count() >= 3
    assert policy.can_act_on(user, page)
    # The page needs approval and the group has no publish permission: their updates wait.
    assert not policy.can_publish(user, page)


@pytest.mark.django_db
def test_demo_password_comes_from_the_environment_and_is_reset_each_run(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "high-water-2029")

    out = run_demo()

    assert "Editor login: editor / high-water-2029" in out
    assert authenticate(username="editor", password="high-water-2029") is not None
    assert authenticate(username="reporter", password="high-water-2029") is not None
    assert authenticate(username="editor", password="demo") is None

    reporter = get_user_model().objects.get(username="reporter")
    reporter.set_password("changed-by-someone")
    reporter.save()
    monkeypatch.delenv("DEMO_PASSWORD")
    run_demo()

    assert authenticate(username="reporter", password="demo") is not None
    assert authenticate(username="editor", password="demo") is not None
    assert authenticate(username="editor", password="high-water-2029") is None


@pytest.mark.django_db
def test_demo_bodies_survive_the_round_trip():
    """Written as HTML, each demo body opens in /file/ as markup and comes back the same."""
    from liveblogs.markup import to_html, to_markup

    call_command("demo", force=True, verbosity=0)
    for body in Update.objects.values_list("body", flat=True):
        assert to_html(to_markup(body)) == to_html(to_markup(to_html(to_markup(body))))


# The French twin ---------------------------------------------------------------------------------

FRENCH = "crue-de-la-kestrel-alder-falls"


@pytest.mark.django_db
def test_a_french_live_page_is_paired_with_the_english_one(client):
    run_demo()
    english = LivePage.objects.get(slug=LIVE)
    french = LivePage.objects.get(slug=FRENCH)
    assert (french.language, french.status, english.language) == ("fr", LivePage.Status.LIVE, "en")
    assert (french.twin, english.twin) == (english, french)
    published = list(Update.objects.visible().filter(live_page=french))
    assert len(published) >= 5
    assert len({local_date(update) for update in published}) == 2  # two day headings
    assert french.key_points.count() >= 3
    assert french.callouts.filter(prompt="L'eau a-t-elle atteint votre rue\u00a0?").exists()
    photo = Photo.objects.get(updates__live_page=french)
    assert "bénévoles" in photo.caption and "sacs de sable" in photo.alt_text
    assert photo.credit == "Tomas Lindgren-Okoro/Valley Courier"
    assert french.lead_photo == photo
    # The page a reader opens: French, linked to its English twin and back.
    html = client.get(f"/live/{FRENCH}/").content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert f'hreflang="en" lang="en">English</a>' in html
    assert "Des centaines de bénévoles remplissent des sacs de sable" in html
    english_html = client.get(f"/live/{LIVE}/").content.decode()
    assert f'<a href="/live/{FRENCH}/" hreflang="fr" lang="fr">Français</a>' in english_html


@pytest.mark.django_db
def test_the_french_page_runs_again_without_a_second_copy():
    run_demo()
    run_demo()
    assert LivePage.objects.filter(language="fr").count() == 1
    french = LivePage.objects.get(slug=FRENCH)
    assert french.twin.slug == LIVE and french.twin.twin_id == french.pk
