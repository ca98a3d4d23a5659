"""A language for each live page: readers see a page in the language it is written in.

Every reader-facing view of a page (the page, its permalinks, ``changes.json``, its feeds, the ask
form and its thank-you page) renders inside ``in_page_language``, so its words, its dates and
times, ``<html lang>`` and ``dir`` are the page's. The language comes from the page (its cached
state, ``caching.page_state``), never from a cookie or ``Accept-Language``: each address has one
language, so a shared cache keeps each page once, and nothing varies on the reader's headers.
Home, the archive, series and reporter pages are the site's chrome: they stay in the site's
language (``LANGUAGE_CODE``) and list pages of every language.

Dates and times are written in named formats (``DATE_FORMATS``) that translators translate like
any other words: Django's own French formats give "21:47", a French newsroom writes "21 h 47".
A translatable format string works for a newsroom that installs the app with no setting to add,
and a newsroom whose house style differs (Swiss French writes "21.47") overrides the one string in
its own ``LOCALE_PATHS`` rather than a whole format module.
"""

from functools import wraps

from django.conf import settings
from django.utils import translation
from django.utils.dateformat import DateFormat
from django.utils.translation import pgettext_lazy

from .caching import page_state

# What each kind of date or time looks like, as a date filter's format: on reader pages, and the
# desk's history.
DATE_FORMATS = {
    # When an update was published or corrected, on the live page and its permalink.
    "day_time": pgettext_lazy("date and time of an update", "F j, g:i a T"),
    # When an update was edited, the same day as it was published.
    "time": pgettext_lazy("time of an update", "g:i a T"),
    # Above the updates of one day.
    "day_heading": pgettext_lazy("day heading above updates", "l, F j"),
    # A key event in the list near the top of the page.
    "key_event": pgettext_lazy("time of a key event", "M j, g:i a"),
    # When the page last changed, under its title.
    "page_updated": pgettext_lazy("when a live page was updated", "F j, Y, g:i a T"),
    # The first and last days of a page's coverage, on its card in lists.
    "coverage_day": pgettext_lazy("a day of a live page's coverage", "F j, Y"),
    # When a revision of an update was saved, to the second (the desk's history).
    "revision": pgettext_lazy("when a revision was saved", "N j, Y, g:i:s a T"),
}


# Time zones' abbreviations as a newsroom writes them in each language: in French, "21 h 47 HAE"
# (heure avancée de l'Est), not "EDT". North America's, where the French ones are in everyday use;
# a zone not named here keeps the abbreviation its time zone gives.
ZONE_ABBREVIATIONS = {
    "EST": pgettext_lazy("time zone abbreviation: Eastern Standard Time", "EST"),
    "EDT": pgettext_lazy("time zone abbreviation: Eastern Daylight Time", "EDT"),
    "CST": pgettext_lazy("time zone abbreviation: Central Standard Time", "CST"),
    "CDT": pgettext_lazy("time zone abbreviation: Central Daylight Time", "CDT"),
    "MST": pgettext_lazy("time zone abbreviation: Mountain Standard Time", "MST"),
    "MDT": pgettext_lazy("time zone abbreviation: Mountain Daylight Time", "MDT"),
    "PST": pgettext_lazy("time zone abbreviation: Pacific Standard Time", "PST"),
    "PDT": pgettext_lazy("time zone abbreviation: Pacific Daylight Time", "PDT"),
    "AST": pgettext_lazy("time zone abbreviation: Atlantic Standard Time", "AST"),
    "ADT": pgettext_lazy("time zone abbreviation: Atlantic Daylight Time", "ADT"),
    "NST": pgettext_lazy("time zone abbreviation: Newfoundland Standard Time", "NST"),
    "NDT": pgettext_lazy("time zone abbreviation: Newfoundland Daylight Time", "NDT"),
}


def site_language():
    return settings.LANGUAGE_CODE


def state_language(state):
    """The language of a page's cached state (``caching.page_state``), the site's for none. A
    state cached before pages had languages has none either: it lives a few seconds."""
    return (state or {}).get("language") or site_language()


def format_date(value, kind):
    """``value`` (already in the page's time zone) in the active language's format of ``kind``."""
    return PageDateFormat(value).format(str(DATE_FORMATS[kind]))


def zone_abbreviation(value):
    """The abbreviation of ``value``'s time zone, as the active language writes it."""
    return PageDateFormat(value).T()


class PageDateFormat(DateFormat):
    """Django's date format, with the time zone's abbreviation (``T``) in the active language."""

    def T(self):
        abbreviation = super().T()
        return str(ZONE_ABBREVIATIONS.get(abbreviation, abbreviation))


def in_page_language(view):
    """Run a view of one live page (``slug``) in the page's language, whatever the reader's
    browser asks for. An unknown page's 404 is in the site's language."""

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        language = state_language(page_state(request, slug))
        with translation.override(language):
            request.LANGUAGE_CODE = language
            return view(request, slug, *args, **kwargs)

    return wrapper


def in_site_language(function):
    """``function`` run in the site's language: for what the desk reads (its e-mail) when a
    reader's request on a page in another language causes it."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override(site_language()):
            return function(*args, **kwargs)

    return wrapper


def language_name(code):
    """A language's name in that language ("Français", "English"): the site's ``LANGUAGES``
    names, else Django's."""
    name = dict(settings.LANGUAGES).get(code)
    if name is None:
        name = translation.get_language_info(code)["name_local"]
    return str(name)


def alternates(request, page):
    """The page and its twin, this page first, for ``hreflang`` links and the link to the
    other language: empty unless the twin is public too (a draft twin does not exist for
    readers)."""
    twin = page.twin
    if twin is None or twin.status == twin.Status.DRAFT:
        return []
    return [
        {
            "code": each.language,
            "name": language_name(each.language),
            "path": each.get_absolute_url(),
            "url": request.build_absolute_uri(each.get_absolute_url()),
        }
        for each in (page, twin)
    ]
