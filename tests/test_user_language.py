"""The admin, the desk and /file/ speak the signed-in person's language (the switcher's cookie,
else the browser's); reader pages never vary by it (liveblogs/user_language.py)."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from liveblogs.models import Update

from .factories import make_page, make_update, make_user

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-CA,fr;q=0.9,en;q=0.5"}


@pytest.fixture
def page():
    return make_page(title="Harbour flood", slug="harbour-flood")


@pytest.fixture
def rita(reporter_user, page):
    page.desk.add(reporter_user.reporter)
    return reporter_user


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def varies_by_language(response):
    vary = {part.strip().lower() for part in response.get("Vary", "").split(",")}
    return {"accept-language", "cookie"} <= vary


def test_a_french_editors_desk_is_french(editor_client, page):
    make_update(live_page=page, headline="Quay Street closed", status=Update.Status.SUBMITTED)
    response = editor_client.get(reverse("admin:liveblogs_livepage_desk", args=[page.pk]), **FRENCH)
    text = html(response)
    assert '<html lang="fr"' in text
    assert "Déconnexion" in text  # Django admin's own French
    for ours in ["Nouvelle mise à jour", "Enregistrer le brouillon", "En attente d'approbation",
                 "L'essentiel", "Terminer la couverture", "Renvoyer", "Soumise pour approbation"]:
        assert ours in text, ours
    assert "New update" not in text and "Save draft" not in text
    # Its scripts' words, in French, before the modules that use them.
    assert text.index('src="/i18n/fr.js"') < text.index('type="module"')
    assert varies_by_language(response)
    assert response["Content-Language"] == "fr"


def test_the_admin_is_french_for_a_french_editor(editor_client, page):
    make_update(live_page=page)
    response = editor_client.get(reverse("admin:liveblogs_update_changelist"), **FRENCH)
    text = html(response)
    assert "Déconnexion" in text
    assert "Publier les mises à jour choisies" in text and "Marquer comme moment clé" in text


def test_an_english_editor_keeps_english(editor_client, page):
    response = editor_client.get(
        reverse("admin:liveblogs_livepage_desk", args=[page.pk]), HTTP_ACCEPT_LANGUAGE="en-GB,en"
    )
    text = html(response)
    assert "Log out" in text and "New update" in text and "Déconnexion" not in text
    assert 'src="/i18n/en.js"' in text


def test_a_french_reporter_files_in_french_and_an_english_one_in_english(client, rita):
    client.force_login(rita)
    text = html(client.get(reverse("liveblogs:file"), **FRENCH))
    for ours in ["Envoyer une mise à jour", "Mes mises à jour", "Se déconnecter",
                 "Ajouter des photos", "Enregistrer le brouillon", "Envoyer au pupitre"]:
        assert ours in text, ours
    assert "File an update" not in text
    assert '<script defer src="/i18n/fr.js"></script>' in text

    text = html(client.get(reverse("liveblogs:file"), HTTP_ACCEPT_LANGUAGE="en-US,en"))
    assert "File an update" in text and "Send to editors" in text
    assert "Envoyer une mise à jour" not in text


def test_the_switcher_beats_the_browser(client, rita):
    """The choice of the "Français / English" switcher (Django's set_language, a cookie) wins over
    the browser's Accept-Language, on /file/ as in the admin."""
    client.force_login(rita)
    text = html(client.get(reverse("liveblogs:file"), HTTP_ACCEPT_LANGUAGE="en"))
    assert 'name="language" value="fr" lang="fr">Français</button>' in text
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/file/"})
    assert response.status_code == 302 and response["Location"] == "/file/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    text = html(client.get(reverse("liveblogs:file"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Envoyer une mise à jour" in text
    assert '<strong lang="fr" aria-current="true">Français</strong>' in text


def test_sign_in_follows_the_browser(client):
    response = client.get(reverse("admin:login"), **FRENCH)
    assert "Nom d’utilisateur" in html(response)
    assert varies_by_language(response)


def test_reader_pages_never_vary_by_language(client, page):
    """A shared cache keeps reader pages: they read no cookie or Accept-Language, set no cookie,
    and a French request on the admin leaves nothing French behind for the next reader."""
    update = make_update(live_page=page, headline="Quay Street closed")
    editor = make_user(username="fr-editor", is_staff=True, is_superuser=True)
    client.force_login(editor)
    client.get(reverse("admin:index"), **FRENCH)
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    paths = [page.get_absolute_url(), update.get_absolute_url(), reverse("liveblogs:home"),
             reverse("liveblogs:changes", args=[page.slug]) + "?since=0"]
    for path in paths:
        response = client.get(path, **FRENCH)
        assert response.status_code == 200, path
        vary = response.get("Vary", "").lower()
        assert "accept-language" not in vary and "cookie" not in vary, path
        assert not response.cookies, path
        assert "Content-Language" not in response, path
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_the_catalogue_carries_our_words_and_the_editors(client):
    text = client.get(reverse("liveblogs:javascript_catalog", args=["fr"])).content.decode()
    assert "T\\u00e9l\\u00e9versement" in text or "Téléversement" in text  # filing.js
    assert "Int\\u00e9grer" in text or "Intégrer" in text  # prose.js
    # django-prose-editor's own French for its dialogs (editor.js).
    assert "Annuler" in text


def test_the_change_form_loads_ours_after_the_admins(editor_client, page):
    """The admin's jsi18n and ours both fill django.catalog: ours runs after the admin's (so our
    words win for our strings), before jquery.init.js replaces window.django (or gettext would
    lose the admin's words: tests/site/test_admin_browser.py), and carries none of the admin's."""
    text = html(editor_client.get(reverse("admin:liveblogs_update_add"), **FRENCH))
    admin_catalogue = text.index('<script src="/admin/jsi18n/">')
    ours = text.index('<script src="/i18n/fr.js">')
    assert admin_catalogue < ours < text.index("jquery.init.js")
    catalogue = editor_client.get(reverse("liveblogs:javascript_catalog", args=["fr"]))
    assert "Aujourd" not in catalogue.content.decode()  # "Today": the admin's calendar, its own


def test_command_messages_are_translated():
    out = io.StringIO()
    with translation.override("fr"):
        call_command("resolve_embeds", stdout=out)
    assert "Résolues\u00a0: 0\u202f; toujours en échec\u00a0: 0." in out.getvalue()
