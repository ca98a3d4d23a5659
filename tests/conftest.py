import pytest
from django.contrib.auth.models import Group

from liveblogs.roles import EDITORS, REPORTERS

from .factories import make_reporter, make_user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads in tests go to a temporary folder, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(db):
    user = make_user(username="ed", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    return user


@pytest.fixture
def reporter_user(db):
    """A reporter with a login, in the Reporters group, on no desk yet."""
    user = make_user(username="rita")
    user.groups.add(Group.objects.get(name=REPORTERS))
    make_reporter(name="Rita Field", user=user)
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests run without collectstatic, so no manifest of hashed names exists."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache (it may be the shared Redis in CI)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
