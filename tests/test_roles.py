"""Who may do what: the groups the migration creates and the desk rule."""

import pytest
from django.contrib.auth.models import Group

from liveblogs.models import LivePage
from liveblogs.permissions import policy
from liveblogs.roles import EDITORS, REPORTERS

from .factories import make_page, make_reporter, make_user

pytestmark = pytest.mark.django_db


def perms(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("codename", flat=True))


def test_the_migration_creates_both_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {EDITORS, REPORTERS}


def test_editors_run_the_desk_without_deleting_updates():
    editors = perms(EDITORS)
    assert {"publish_update", "change_update", "change_livepage", "add_livepage",
            "change_keypoint", "delete_keypoint", "change_readersubmission", "view_user"} <= editors
    assert "delete_update" not in editors  # withdraw instead
    assert "delete_livepage" not in editors


def test_reporters_file_but_do_not_publish_or_run_pages():
    reporters = perms(REPORTERS)
    assert {"add_update", "change_update", "add_photo"} <= reporters
    assert not {"publish_update", "change_livepage", "change_readersubmission"} & reporters


def test_sync_repairs_a_group_someone_edited(django_user_model):
    from django.apps import apps

    from liveblogs.roles import sync_roles

    group = Group.objects.get(name=REPORTERS)
    group.permissions.clear()
    sync_roles(apps)
    assert "add_update" in perms(REPORTERS)


@pytest.fixture
def desk():
    """A live page with one reporter on its desk, one off it, and an editor."""
    on_user = make_user(username="on")
    on_user.groups.add(Group.objects.get(name=REPORTERS))
    off_user = make_user(username="off")
    off_user.groups.add(Group.objects.get(name=REPORTERS))
    editor = make_user(username="boss", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS))
    page = make_page(desk=[make_reporter(user=on_user)])
    make_reporter(user=off_user)
    return page, {"on": on_user, "off": off_user, "editor": editor}


@pytest.mark.parametrize(
    "who, on_desk, approval_needed_publish, no_approval_publish",
    [
        ("editor", True, True, True),
        ("on", True, False, True),
        ("off", False, False, False),
    ],
)
def test_desk_matrix(desk, who, on_desk, approval_needed_publish, no_approval_publish):
    page, users = desk
    user = users[who]
    assert (page in policy.pages_for(user)) is on_desk
    assert policy.can_act_on(user, page) is on_desk
    assert policy.can_publish(user, page) is approval_needed_publish
    page.needs_approval = False
    page.save()
    assert policy.can_publish(user, LivePage.objects.get(pk=page.pk)) is no_approval_publish


def test_a_reporter_given_the_publish_permission_publishes_on_their_desk(desk):
    from django.contrib.auth.models import Permission

    page, users = desk
    senior = users["on"]
    senior.user_permissions.add(Permission.objects.get(codename="publish_update"))
    senior = type(senior).objects.get(pk=senior.pk)  # permissions are cached per instance
    assert policy.can_publish(senior, page)
    other_page = make_page()
    assert not policy.can_publish(senior, other_page)


def test_anonymous_visitors_are_on_no_desk(desk):
    from django.contrib.auth.models import AnonymousUser

    page, _ = desk
    assert not policy.pages_for(AnonymousUser()).exists()
    assert not policy.can_publish(AnonymousUser(), page)


def test_editors_need_no_superuser_flag(desk):
    _, users = desk
    assert not users["editor"].is_superuser
    assert users["editor"].has_perm("liveblogs.publish_update")
