"""The language of the people who run live pages: the admin, the desk, ``/file/`` and sign-in.

Readers get a live page in the page's own language, chosen by its address, so a shared cache keeps
each language once: their responses never vary by cookie or ``Accept-Language``. Editors and
reporters get the admin and ``/file/`` in theirs. Django's ``LocaleMiddleware`` would do that on
every response and put ``Vary: Accept-Language, Cookie`` on reader pages too; this middleware
applies its rules (the language cookie that Django's ``set_language`` view sets, then the
browser's ``Accept-Language``, then ``LANGUAGE_CODE``) to those private pages only.

The scripts of those pages take their words from ``liveblogs:javascript_catalog`` (``catalog_media``
in a form's or widget's ``Media``, ``{% url 'liveblogs:javascript_catalog' LANGUAGE_CODE %}`` in a
template), loaded before any module script so ``window.gettext`` is there when they run.
"""

from django import forms
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers

# The pages that follow the person: the admin and the filing pages by prefix, sign-in by name.
PREFIXES = ["admin:index", "liveblogs:file"]
SIGN_IN = ["login", "logout", "password_change", "password_change_done"]


def private_paths():
    """Path prefixes of the pages that speak the signed-in person's language."""
    paths = []
    for name in PREFIXES + SIGN_IN:
        try:
            paths.append(reverse(name))
        except NoReverseMatch:
            pass
    login = resolve_url(settings.LOGIN_URL)
    if login.startswith("/"):
        paths.append(login)
    return tuple(dict.fromkeys(paths))


class UserLanguageMiddleware:
    """The admin, ``/file/`` and the sign-in pages in the language the person chose (the
    switcher's cookie) or their browser asks for; every other response untouched.

    Put it after ``SessionMiddleware`` and before ``CommonMiddleware``, where Django's
    ``LocaleMiddleware`` would go.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = None  # the URLconf is not loaded yet when middleware is built

    def __call__(self, request):
        if self.paths is None:
            self.paths = private_paths()
        if not request.path_info.startswith(self.paths):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The next request on this thread may be a reader's: it must not inherit French.
            translation.deactivate()
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response


def catalog_url(language=None):
    """The address of our scripts' words in ``language`` (the active one by default)."""
    return reverse("liveblogs:javascript_catalog", args=[language or translation.get_language()])


def catalog_media():
    """``Media`` loading our scripts' words before the module scripts that use them, in the
    language active when the page is rendered.

    A plain script, not ``defer``: in a change form it must run right after the admin's own
    ``jsi18n`` and before the admin's ``jquery.init.js``, which replaces ``window.django``. Both
    catalogues then fill the one ``django.catalog`` that ``gettext`` reads (ours second, so our
    words win for our strings and the admin keeps its own); run later, ours would start a second
    catalogue and take ``gettext`` away from the admin's words.
    """
    return forms.Media(js=[forms.Script(catalog_url())])
