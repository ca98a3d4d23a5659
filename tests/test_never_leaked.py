"""Drafts, submitted and withdrawn updates, draft pages and reader submissions appear nowhere public.

The test plants secrets in everything readers must not see, then walks the public site the way a
crawler would (every link from the home page, plus feeds, sitemap, search and paging variants) and
looks for them in every response.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.utils import timezone

from liveblogs.models import LivePage, Update
from liveblogs.submissions import answer_in_update

from .factories import (
    make_callout,
    make_page,
    make_reporter,
    make_series,
    make_submission,
    make_update,
)

pytestmark = pytest.mark.django_db

SECRETS = {
    "draft": "Zanzibar draft headline",
    "draft_body": "quokka draft body",
    "submitted": "Xylophone submitted headline",
    "withdrawn": "Walrus withdrawn headline",
    "draft_page": "Embargoed Vellichor page",
    "draft_page_update": "Yarrow update on an embargoed page",
    "email": "secret.reader@example.net",
    "phone": "555-0199",
    "submission": "Umbrella question from a reader",
    # A reader who agreed to be named and contacted, answered in a published update: the name is
    # public, the contact details are not.
    "answered_email": "named.reader@example.net",
    "answered_phone": "555-0123",
}


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.append(value)


@pytest.fixture
def site():
    series = make_series(slug="floods")
    ana = make_reporter(name="Ana Ruiz", slug="ana-ruiz")
    ghost = make_reporter(name="Only Drafts", slug="only-drafts")
    page = make_page(title="Harbour flood", slug="harbour-flood", series=series, desk=[ana])
    for n in range(25):  # enough for "Show older updates"
        make_update(live_page=page, headline=f"Public update {n}", authors=[ana],
                    key_event=n % 5 == 0)
    make_update(live_page=page, headline=SECRETS["draft"], body=f"<p>{SECRETS['draft_body']}</p>",
                status=Update.Status.DRAFT, authors=[ghost, ana])
    make_update(live_page=page, headline=SECRETS["submitted"], status=Update.Status.SUBMITTED,
                authors=[ana], key_event=True)
    withdrawn = make_update(live_page=page, headline=SECRETS["withdrawn"], authors=[ana],
                            key_event=True, published_at=timezone.now())
    withdrawn.status = Update.Status.WITHDRAWN
    withdrawn.save()
    hidden = make_page(title=SECRETS["draft_page"], slug="embargoed", series=series,
                       status=LivePage.Status.DRAFT)
    make_update(live_page=hidden, headline=SECRETS["draft_page_update"], authors=[ana])
    callout = make_callout(live_page=page)
    make_submission(live_page=page, callout=callout, email=SECRETS["email"], phone=SECRETS["phone"],
                    body=SECRETS["submission"], consent_publish=False)
    answered = make_submission(
        live_page=page, callout=callout, name="Named Reader", location="Quay Street",
        email=SECRETS["answered_email"], phone=SECRETS["answered_phone"], consent_publish=True,
        consent_contact=True, body="When will the quay reopen?",
    )
    answer_in_update([answered], by=None).publish(by=None)
    return {"page": page, "hidden": hidden, "hidden_updates": Update.objects.exclude(status="published")}


def crawl(client, start_paths, limit=400):
    """Fetch every same-site page reachable from ``start_paths``; return {path: response}."""
    seen, queue, responses = set(), list(start_paths), {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        responses[path] = response
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            parts = urlsplit(urljoin("http://testserver" + path, href))
            if parts.netloc != "testserver" or parts.path.startswith(("/admin", "/media", "/static")):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return responses


def test_no_public_response_contains_anything_unpublished(client, site):
    page = site["page"]
    responses = crawl(
        client,
        [
            "/",
            "/live/",
            "/live/?status=live",
            f"/live/?q={SECRETS['draft'].split()[0]}",
            f"/live/?q={SECRETS['draft_page'].split()[1]}",
            "/live/?series=floods",
            "/live/?reporter=only-drafts",
            "/live/harbour-flood/?key=1",
            "/live/harbour-flood/feed/",
            "/live/harbour-flood/feed/atom/",
            "/live/harbour-flood/changes.json?since=0",
            "/live/harbour-flood/ask/",
            "/live/harbour-flood/ask/thanks/",
            "/series/floods/",
            "/reporters/ana-ruiz/",
            "/reporters/only-drafts/",
            "/sitemap.xml",
        ],
    )
    visited = set(responses)
    assert "Named Reader in Quay Street asked" in responses["/live/harbour-flood/"].content.decode()
    assert f"/live/{page.slug}/feed/" in visited and "/sitemap.xml" in visited
    assert any("before=" in path for path in visited), "the crawl followed Show older updates"
    assert sum(1 for path in visited if "/updates/" in path) >= 25, "the crawl reached permalinks"
    for path, response in responses.items():
        assert response.status_code in (200, 404), (path, response.status_code)
        body = response.content.decode()
        for name, secret in SECRETS.items():
            assert secret not in body, f"{name} leaked at {path}"


def test_unpublished_things_have_no_public_address(client, site):
    for update in site["hidden_updates"]:
        path = f"/live/{update.live_page.slug}/updates/{update.pk}/"
        assert client.get(path).status_code == 404, path
    for path in ["/live/embargoed/", "/live/embargoed/feed/", "/live/embargoed/feed/atom/",
                 "/live/embargoed/?key=1"]:
        assert client.get(path).status_code == 404, path
