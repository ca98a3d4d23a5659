"""The django-liveblogs wheel works on its own in a brand-new `django-admin startproject` site."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETTINGS_ADDITIONS = """
INSTALLED_APPS += ["crispy_forms", "crispy_bootstrap5", "django_filters", "django_prose_editor",
                   "liveblogs"]
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
"""

URLS = """
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("", include("liveblogs.urls"))]
"""

SMOKE_TEST = """
import liveblogs, sys
from django.test.utils import setup_test_environment
from django.test import Client
from django.contrib.auth.models import User, Group
from liveblogs.models import LivePage, Update

setup_test_environment()
assert liveblogs.__file__.startswith(sys.argv[1]), liveblogs.__file__
page = LivePage.objects.create(title="Fresh site flood", slug="fresh", status="live")
Update.objects.create(live_page=page, headline="First update", status="published")
editor = User.objects.create_user("ed", password="x", is_staff=True)
editor.groups.add(Group.objects.get(name="Editors"))
client = Client()
client.force_login(editor)
for url in ["/admin/liveblogs/update/", "/admin/liveblogs/livepage/add/", "/admin/liveblogs/photo/"]:
    assert client.get(url).status_code == 200, url
reader = Client()
body = reader.get("/live/fresh/").content.decode()
assert "Fresh site flood" in body and "First update" in body, body
assert reader.get("/live/").status_code == 200
print("fresh site ok")
"""


# Setuptools puts whatever an earlier build left in build/lib into the wheel, modules moved or
# deleted since included: the wheel is built from a copy of the checkout without its build output.
BUILD_OUTPUT = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", "media"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("checkout") / "django-liveblogs"
    shutil.copytree(ROOT, source, ignore=BUILD_OUTPUT)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True,
    )
    (path,) = out.glob("django_liveblogs-*.whl")
    return path


def test_the_wheel_ships_the_app_with_templates_static_files_and_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "liveblogs/models.py" in names
    assert "liveblogs/templates/liveblogs/_update.html" in names
    assert "liveblogs/static/liveblogs/liveblogs.css" in names
    assert "liveblogs/migrations/0001_initial.py" in names
    assert "liveblogs/migrations/0002_roles.py" in names
    # The site's own catalogue (locale/ at the top) stays out.
    assert not [n for n in names if n.startswith(("tests/", "newsroom/", "templates/", "bench/",
                                                  "locale/"))]


def test_the_wheel_ships_the_compiled_french_catalogues(wheel):
    """Django reads the .mo files, not the .po: a wheel without them speaks English only."""
    names = zipfile.ZipFile(wheel).namelist()
    for domain in ["django", "djangojs"]:
        assert f"liveblogs/locale/fr/LC_MESSAGES/{domain}.mo" in names
        assert f"liveblogs/locale/fr/LC_MESSAGES/{domain}.po" in names


def test_the_wheel_ships_no_demo(wheel):
    """The demo newsroom belongs to the site (newsroom/demo/): installing the app loads no flood."""
    names = zipfile.ZipFile(wheel).namelist()
    commands = {n for n in names if n.startswith("liveblogs/management/commands/")}
    assert "liveblogs/management/commands/import_livepage.py" in commands
    assert "liveblogs/management/commands/demo.py" not in commands
    assert "liveblogs/demo_pictures.py" not in names
    assert not [n for n in names if "demo" in n.lower()]


def test_the_wheel_works_in_a_new_startproject_site(wheel, tmp_path):
    site_packages = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site_packages)
    env = {**os.environ, "PYTHONPATH": str(site_packages)}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args, cwd=tmp_path / "fresh"):
        return subprocess.run(
            [sys.executable, *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
        )

    (tmp_path / "fresh").mkdir()
    run("-m", "django", "startproject", "fresh", ".")
    with open(tmp_path / "fresh" / "fresh" / "settings.py", "a") as settings_file:
        settings_file.write(SETTINGS_ADDITIONS)
    (tmp_path / "fresh" / "fresh" / "urls.py").write_text(URLS)
    run("manage.py", "migrate", "--noinput")
    commands = run("manage.py", "help", "--commands").stdout.split()
    assert "import_livepage" in commands and "demo" not in commands
    result = run("manage.py", "shell", "-c", SMOKE_TEST.replace("sys.argv[1]", repr(str(site_packages))))
    assert "fresh site ok" in result.stdout
