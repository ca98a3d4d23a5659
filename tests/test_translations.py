"""The shipped catalogues are complete, in step with the code, and compiled.

Needs GNU gettext (msgfmt, xgettext, msgmerge): without it these checks skip and say why; on CI
(``CI=true``) they fail instead, as the other tools' checks do. The catalogues are made inside
``liveblogs/`` with the options below (README, "Languages"), so their paths are the app's own.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "liveblogs"
# The site's own words (its templates, the demo command) in its own catalogue, made the same way
# at the project's root from these folders only.
SITE = APP.parent
SITE_FOLDERS = ["newsroom", "templates", "locale"]
LANGUAGES = ["fr"]
DOMAINS = ["django", "djangojs"]
# The one way the catalogues are made: paths without line numbers (a moved line changes
# nothing), no wrapping, entries that left the code dropped.
MAKEMESSAGES = ["--no-obsolete", "--add-location", "file", "--no-wrap"]
CATALOGUES = [APP / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
              for lang in LANGUAGES for domain in DOMAINS]
SITE_CATALOGUES = [SITE / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in LANGUAGES]
ALL_CATALOGUES = CATALOGUES + SITE_CATALOGUES


def name(po):
    return str(po.relative_to(SITE).with_suffix("")).replace("/LC_MESSAGES", "")


@pytest.fixture(scope="module")
def msgfmt():
    found = shutil.which("msgfmt")
    if found is None or shutil.which("xgettext") is None:
        reason = "GNU gettext (msgfmt, xgettext) is not installed: apt-get install gettext"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def untranslated(po):
    """The msgids of ``po`` without a translation, or marked fuzzy, for the failure message."""
    missing = []
    for entry in po.read_text().split("\n\n")[1:]:
        msgid = re.search(r'^msgid "(.*)"', entry, re.MULTILINE)
        if "#, fuzzy" in entry or re.search(r'^msgstr(\[\d\])? ""\n?$', entry, re.MULTILINE):
            missing.append(msgid[1] if msgid else entry)
    return missing


@pytest.mark.parametrize("po", ALL_CATALOGUES, ids=name)
def test_every_entry_is_translated_and_none_is_fuzzy(msgfmt, po):
    result = subprocess.run(
        [msgfmt, "--statistics", "--check", "-o", os.devnull, str(po)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    statistics = result.stderr.strip()
    assert "fuzzy" not in statistics and "untranslated" not in statistics, (
        f"{statistics}\n" + "\n".join(untranslated(po))
    )


def without_creation_date(text):
    return re.sub(r'^"POT-Creation-Date: .*\\n"$', "", text, flags=re.MULTILINE)


def test_makemessages_round_trips_without_changes(msgfmt, tmp_path):
    """Run on a copy of the app, ``makemessages`` changes nothing but the date: every string in
    the code is in the catalogues, and no entry is left that the code no longer has."""
    copy = tmp_path / "liveblogs"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-d", domain,
             *[f"-l{lang}" for lang in LANGUAGES], *MAKEMESSAGES],
            cwd=copy, env=env, check=True, capture_output=True,
        )
    for po in CATALOGUES:
        made = copy / po.relative_to(APP)
        assert without_creation_date(made.read_text()) == without_creation_date(po.read_text()), (
            f"{po.relative_to(APP.parent)} is not what makemessages makes: run it (README, "
            f"\"Languages\") and translate what it adds"
        )


def test_the_sites_makemessages_round_trips_without_changes(msgfmt, tmp_path):
    """The same for the site's catalogue, made at the project's root from its own folders."""
    for folder in SITE_FOLDERS:
        shutil.copytree(SITE / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-d", "django",
         *[f"-l{lang}" for lang in LANGUAGES], *MAKEMESSAGES],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )
    for po in SITE_CATALOGUES:
        made = tmp_path / po.relative_to(SITE)
        assert without_creation_date(made.read_text()) == without_creation_date(po.read_text()), (
            f"{po.relative_to(SITE)} is not what makemessages makes from "
            f"{', '.join(SITE_FOLDERS)}: run it there (README, \"Languages\")"
        )


@pytest.mark.parametrize("po", ALL_CATALOGUES, ids=name)
def test_the_compiled_catalogues_are_up_to_date(msgfmt, po, tmp_path):
    """The committed .mo says what its .po says (compared as catalogues: another msgfmt may lay
    the bytes out differently)."""
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(SITE)} is missing: run compilemessages"
    fresh = tmp_path / "fresh.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
    with mo.open("rb") as shipped, fresh.open("rb") as compiled:
        shipped, compiled = gettext.GNUTranslations(shipped), gettext.GNUTranslations(compiled)
    assert shipped._catalog == compiled._catalog, (
        f"{mo.relative_to(SITE)} is older than its .po: run compilemessages"
    )
