"""The admin's home as this site makes it (templates/admin/): its name, and what waits for the
desk, counted from the app's policy."""

import re

import pytest
from django.urls import reverse

from liveblogs.models import ReaderSubmission, Update

from ..factories import make_page, make_submission, make_update

pytestmark = pytest.mark.django_db


def admin_url(model, view, *args):
    return reverse(f"admin:liveblogs_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def named():
    return make_submission(live_page=make_page(), name="Hanna Liesel", consent_publish=True)


def test_the_admin_is_branded(editor_client):
    response = editor_client.get(reverse("admin:index"))
    assert "Newsroom live desk" in response.content.decode()


def test_the_admin_index_shows_what_waits_for_the_desk(editor_client):
    page = make_page()
    make_update(live_page=page, status=Update.Status.SUBMITTED)
    make_update(live_page=page, status=Update.Status.SUBMITTED)
    make_update(live_page=page, status=Update.Status.DRAFT)
    make_submission(live_page=page)
    make_submission(live_page=page, status=ReaderSubmission.Status.SPAM)
    html = editor_client.get(reverse("admin:index")).content.decode()
    assert "Waiting for the desk" in html
    updates_url = admin_url(Update, "changelist") + "?status__exact=submitted"
    submissions_url = admin_url(ReaderSubmission, "changelist") + "?status__exact=new"
    assert re.search(rf'<a href="{re.escape(updates_url)}"><strong class="count">2</strong>\s*updates submitted for approval', html)
    assert re.search(rf'<a href="{re.escape(submissions_url)}"><strong class="count">1</strong>\s*new reader submission<', html)


def test_the_queue_counts_only_what_the_user_may_see(client, reporter_user):
    from django.contrib.auth.models import Permission

    reporter_user.is_staff = True
    reporter_user.save()
    mine = make_page(desk=[reporter_user.reporter])
    make_update(live_page=mine, status=Update.Status.SUBMITTED)
    make_update(live_page=make_page(), status=Update.Status.SUBMITTED)
    make_submission(live_page=mine)
    client.force_login(reporter_user)
    html = client.get(reverse("admin:index")).content.decode()
    can_see_submissions = reporter_user.has_perm("liveblogs.view_readersubmission")
    assert re.search(r'<strong class="count">1</strong>\s*update submitted for approval', html)
    assert ("new reader submission" in html) == can_see_submissions
    reporter_user.user_permissions.set(Permission.objects.none())
    reporter_user.groups.clear()
    reporter_user = type(reporter_user).objects.get(pk=reporter_user.pk)
    client.force_login(reporter_user)
    response = client.get(reverse("admin:index"))
    assert "Waiting for the desk" not in response.content.decode()


def test_the_admin_home_counts_new_submissions_for_editors(editor_client, named):
    html = editor_client.get("/admin/").content.decode()
    assert "new reader submission" in html


def test_the_admin_home_lists_the_live_pages_the_user_may_act_on(client, reporter_user):
    from liveblogs.models import LivePage

    reporter_user.is_staff = True
    reporter_user.save()
    mine = make_page(title="Mill Street flood", desk=[reporter_user.reporter])
    make_page(title="Somebody else's storm")
    make_page(title="Last winter's ice", status=LivePage.Status.ENDED,
              desk=[reporter_user.reporter])
    client.force_login(reporter_user)
    html = client.get(reverse("admin:index")).content.decode()
    assert re.search(
        rf'Live now: <a href="{admin_url(LivePage, "change", mine.pk)}">Mill Street flood</a>'
        rf' <span aria-hidden="true">→</span> <a href="{reverse("admin:liveblogs_livepage_desk", args=[mine.pk])}">Open the desk</a>', html
    )
    assert "Somebody else's storm" not in html and "Last winter's ice" not in html
