"""Reporters sign in to file, on this site's sign-in page (templates/registration/)."""

import pytest

from liveblogs.roles import REPORTERS

from ..conftest import role
from ..factories import make_page, make_reporter, make_user

pytestmark = pytest.mark.django_db

FILE = "/file/"


@pytest.fixture
def rita():
    user = make_user()
    user.groups.add(role(REPORTERS))
    make_page().desk.add(make_reporter(name="Rita Field", user=user))
    return user


def test_anonymous_filing_goes_to_sign_in_and_comes_back(client, rita):
    response = client.get(FILE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/file/"
    page = client.get(response["Location"])
    assert "Sign in to file" in page.content.decode()
    signed_in = client.post(
        "/accounts/login/", {"username": rita.username, "password": "pw-for-tests", "next": "/file/"}
    )
    assert signed_in["Location"] == "/file/"


def test_a_wrong_password_says_so_and_keeps_the_username(client, rita):
    response = client.post("/accounts/login/", {"username": rita.username, "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "enter a correct username and password" in html
    assert f'value="{rita.username}"' in html
