"""The site's own templates (its base, its error pages) speak through the catalogues too: see
tests/pseudo.py and tests/test_pseudo_locale.py for the reader pages."""

import pytest
from django.template.loader import render_to_string

from tests.pseudo import pseudo_locale, untranslated_words


@pytest.mark.parametrize("template", ["404.html", "500.html", "503.html"])
def test_the_error_pages_are_translated(template):
    with pseudo_locale():
        html = render_to_string(template)
    assert "<h1>" in html
    assert untranslated_words(html) == []


def test_the_sites_chrome_around_a_reader_page_is_translated(client, db):
    with pseudo_locale():
        html = client.get("/").content.decode()
    assert 'class="site-header"' in html
    assert untranslated_words(html) == []
