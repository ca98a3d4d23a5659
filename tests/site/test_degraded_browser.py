"""A reporter sends while the database is away (Debian's Chromium): the 503 says nothing was
saved, and the text comes back from the filing form's copy in the browser."""

import threading

import pytest
from django.db import OperationalError, connections

from liveblogs.models import Update

from .test_browser import PHONE
from .test_filing_browser import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the chromium fixture (conftest.py) skips, or fails on CI, with the reason
    expect = None

# No serialized_rollback: ``site`` loads the whole demo over whatever the database holds, so this
# test needs nothing put back before it, and cannot trip on rows another module left behind.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_text_sent_while_the_database_is_away_comes_back(site, new_page, monkeypatch):
    page = new_page(**PHONE)
    sign_in(page, site)
    page.get_by_label("Headline").fill("Ferry cancelled for the night")
    page.get_by_label("Text").fill("The last boat stays in harbour until the wind drops.")
    page.wait_for_timeout(600)  # the copy is written a moment after typing stops

    # Every query of the live server's thread finds PostgreSQL gone, as psycopg reports it; this
    # thread (the test's) keeps its connection to check what was stored.
    wrapper = type(connections["default"])
    cursor = wrapper._cursor

    def away(self, *args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: '
                                   "Connection refused")
        return cursor(self, *args, **kwargs)

    monkeypatch.setattr(wrapper, "_cursor", away)
    with page.expect_response(lambda r: r.request.method == "POST") as sent:
        page.get_by_role("button", name="Send to editors").click()
    assert sent.value.status == 503
    assert sent.value.headers["retry-after"] == "10"
    expect(page.get_by_role("heading", name="We'll be back shortly")).to_be_visible()
    expect(page.get_by_text("What you sent has not been saved.")).to_be_visible()
    assert not Update.objects.filter(headline="Ferry cancelled for the night").exists()

    # The database is back: the form offers the copy, and it goes through.
    monkeypatch.undo()
    page.goto(site + "/file/")
    page.get_by_role("button", name="Restore it").click()
    expect(page.get_by_label("Headline")).to_have_value("Ferry cancelled for the night")
    expect(page.get_by_label("Text")).to_have_value(
        "The last boat stays in harbour until the wind drops."
    )
    page.get_by_role("button", name="Send to editors").click()
    expect(page.get_by_role("heading", name="Sent to editors")).to_be_visible()
    assert Update.objects.filter(headline="Ferry cancelled for the night").count() == 1
