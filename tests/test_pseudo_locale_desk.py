"""Every word an editor or a reporter sees comes through the translation machinery: the filing
pages, the live desk and the admin pages we template, rendered in the pseudo-locale
(tests/pseudo.py) from data that is wrapped in its markers or made of digits. Django's own admin
words are wrapped too (they come from its catalogue), so a word left over is one of ours.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from liveblogs.models import Update
from liveblogs.roles import EDITORS, REPORTERS

from .conftest import role
from .factories import make_page, make_photo, make_reporter, make_update, make_user
from .pseudo import pseudo, pseudo_locale, untranslated_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    """A live page with a reporter on its desk, a published update with a photo, a draft, one sent
    for approval and one scheduled; an editor ("11") and the reporter's login ("12"), named in
    digits so that no name reads as an English word (bodies too: the admin shows them as text)."""
    editor = make_user(username="11", is_staff=True)
    editor.groups.add(role(EDITORS))
    login = make_user(username="12")
    login.groups.add(role(REPORTERS))
    reporter = make_reporter(name=pseudo("Ana"), slug="r1", role=pseudo("Writer"), user=login)
    page = make_page(title=pseudo("Flood"), slug="p1", standfirst=pseudo("Rising"), desk=[reporter])
    photo = make_photo(caption=pseudo("Water"), credit=pseudo("Ana"), alt_text=pseudo("Cars"))
    published = make_update(live_page=page, headline=pseudo("Out"), body="1",
                            photos=[photo], authors=[reporter], key_event=True, pinned=True)
    make_update(live_page=page, headline=pseudo("Draft"), body="2",
                status=Update.Status.DRAFT, authors=[reporter])
    sent = make_update(live_page=page, headline=pseudo("Sent"), body="3",
                       status=Update.Status.SUBMITTED, authors=[reporter], created_by=login)
    make_update(live_page=page, headline=pseudo("Later"), body="4",
                status=Update.Status.DRAFT, publish_at=timezone.now() + timedelta(hours=2),
                scheduled_by=editor)
    return {"editor": editor, "reporter": login, "page": page, "published": published,
            "sent": sent}


# Alt texts Django's admin writes in English whatever the language (admin/search_form.html's
# magnifier, the changelist's yes/no icons): Django's to translate, not ours.
DJANGOS_OWN = {"Search", "True", "False"}


def rendered(client, user, path):
    client.force_login(user)
    with pseudo_locale():
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


@pytest.mark.parametrize("path", [
    "/file/",
    "/file/mine/",
    "/file/{sent}/",
    "/file/{sent}/filed/",
])
def test_every_word_of_a_filing_page_is_translated(client, desk, path):
    path = path.format(sent=desk["sent"].pk)
    assert untranslated_words(rendered(client, desk["reporter"], path)) == []


@pytest.mark.parametrize("path", [
    "/admin/",
    "/admin/liveblogs/livepage/{page}/desk/",
    "/admin/liveblogs/livepage/{page}/change/",
    "/admin/liveblogs/update/",
    "/admin/liveblogs/update/{published}/change/",
    "/admin/liveblogs/update/{published}/revisions/",
])
def test_every_word_of_the_desk_and_our_admin_pages_is_translated(client, desk, path):
    path = path.format(page=desk["page"].pk, published=desk["published"].pk)
    html = rendered(client, desk["editor"], path)
    assert [word for word in untranslated_words(html) if word not in DJANGOS_OWN] == []
