"""The reader's side of questions: the ask form, its defences, and what happens to a message."""

import logging
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from liveblogs.forms import RENDERED_SALT, AskForm, render_token
from liveblogs.models import LivePage, Photo, ReaderSubmission, Update
from liveblogs.ratelimit import address_key, client_address, hash_address

from .factories import jpeg_bytes, make_callout, make_page, make_update

pytestmark = pytest.mark.django_db

ASK = "/live/harbour-flood/ask/"


@pytest.fixture(autouse=True)
def ask_settings(settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 5
    settings.LIVEBLOGS_ASK_RATE_WINDOW = 600
    settings.LIVEBLOGS_ASK_MIN_SECONDS = 3
    settings.LIVEBLOGS_TRUSTED_PROXIES = 0
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def page():
    return make_page(title="Harbour flood", slug="harbour-flood")


@pytest.fixture
def callout(page):
    return make_callout(
        live_page=page, prompt="Has the water reached your street?",
        description="Tell us what you see.", ask_location=True, ask_phone=True,
    )


def answer(**fields):
    """What a person sends: filled in, after taking their time over it."""
    data = {
        "body": "Is the Mill Road bridge closed tonight?",
        "name": "Sam Reader",
        "email": "sam@example.org",
        "rendered": render_token(at=time.time() - 60),
        "website": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def send(client, path=ASK, address="203.0.113.7", **fields):
    return client.post(path, answer(**fields), REMOTE_ADDR=address)


# The form page -----------------------------------------------------------------------------------


def test_the_general_form_asks_only_what_it_needs(client, page):
    response = client.get(ASK)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ask a question</h1>" in html
    for name in ["body", "name", "email", "consent_publish", "consent_contact", "website", "rendered"]:
        assert f'name="{name}"' in html, name
    for name in ["location", "phone", "photo"]:
        assert f'name="{name}"' not in html, name
    assert "You may publish my name" in html and "You may contact me" in html
    assert "We publish your name only if you say we may, and never your contact details." in html
    assert "phone" not in html.lower()
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'maxlength="5000"' in html and 'maxlength="120"' in html


def test_a_callout_form_asks_the_callouts_fields(client, callout):
    callout.ask_photo = True
    callout.save()
    html = client.get(ASK).content.decode()
    assert "Has the water reached your street?" in html and "Tell us what you see." in html
    assert "We want to hear from you" in html
    for name in ["location", "phone", "photo"]:
        assert f'name="{name}"' in html, name
    assert "You may publish my name and location" in html
    assert 'enctype="multipart/form-data"' in html


def test_the_honeypot_is_hidden_from_people(client, page):
    html = client.get(ASK).content.decode()
    wrapper = re.search(r'<div[^>]*class="ask-website"[^>]*>', html).group(0)
    assert 'aria-hidden="true"' in wrapper
    field = re.search(r'<input[^>]*name="website"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_the_form_page_is_private_and_only_it_sets_the_csrf_cookie(client, page):
    response = client.get(ASK)
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    live = client.get("/live/harbour-flood/")
    assert not live.cookies and "Cookie" not in live.get("Vary", "")


def test_the_live_page_links_to_the_form(client, page, callout):
    html = client.get("/live/harbour-flood/").content.decode()
    assert f'href="/live/harbour-flood/ask/?callout={callout.pk}"' in html
    callout.is_open = False
    callout.save()
    html = client.get("/live/harbour-flood/").content.decode()
    assert "Ask a question" in html and 'href="/live/harbour-flood/ask/"' in html


def test_a_callout_inside_an_update(client, page, callout):
    update = make_update(live_page=page, headline="Tell us", callout=callout)
    html = client.get("/live/harbour-flood/").content.decode()
    article = html[html.index(f'id="update-{update.pk}"'):]
    article = article[: article.index("</article>")]
    assert "Has the water reached your street?" in article
    assert f'href="/live/harbour-flood/ask/?callout={callout.pk}"' in article
    permalink = client.get(f"/live/harbour-flood/updates/{update.pk}/").content.decode()
    assert "<h2" in permalink[permalink.index('class="callout callout-in-update"'):]


def test_closing_a_callout_reaches_readers_who_poll(client, page, callout):
    update = make_update(live_page=page, callout=callout)
    before = Update.objects.get(pk=update.pk).page_version
    callout.is_open = False
    callout.save()
    after = Update.objects.get(pk=update.pk).page_version
    assert after > before
    changed = client.get(f"/live/harbour-flood/changes.json?since={before}").json()
    html = next(u["html"] for u in changed["updates"] if u["id"] == update.pk)
    assert "This callout has closed" in html and "/ask/?callout=" not in html


# Sending -----------------------------------------------------------------------------------------


def test_a_question_is_saved_and_the_reader_thanked(client, page):
    response = send(client, consent_publish="on")
    assert response.status_code == 302 and response["Location"] == "/live/harbour-flood/ask/thanks/"
    submission = ReaderSubmission.objects.get()
    assert submission.live_page == page and submission.callout is None
    assert submission.body == "Is the Mill Road bridge closed tonight?"
    assert submission.consent_publish and not submission.consent_contact
    assert submission.status == ReaderSubmission.Status.NEW
    thanks = client.get(response["Location"])
    assert "Thank you" in thanks.content.decode()
    assert "no-store" in thanks["Cache-Control"] and "private" in thanks["Cache-Control"]


def test_the_address_is_kept_only_as_a_salted_hash(client, page, settings):
    send(client, address="198.51.100.23")
    stored = ReaderSubmission.objects.get().address_hash
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert "198.51.100.23" not in stored and stored == hash_address("198.51.100.23")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert hash_address("198.51.100.23") != stored


def test_an_answer_to_the_callout_keeps_its_fields(client, callout):
    send(client, location="Quay Street", phone="+1 (555) 010-0199", consent_contact="on")
    submission = ReaderSubmission.objects.get()
    assert submission.callout == callout
    assert (submission.location, submission.phone) == ("Quay Street", "+1 (555) 010-0199")


def test_a_callout_can_be_named_in_the_address(client, page, callout):
    other = make_callout(live_page=page, prompt="Are the buses running?")
    send(client, path=f"{ASK}?callout={other.pk}")
    assert ReaderSubmission.objects.get().callout == other


@pytest.mark.parametrize("value", ["x", "12ab", "²", "-1", "99999999999999999999"])
def test_a_callout_that_is_not_there_is_not_found(client, page, value):
    assert client.get(f"{ASK}?callout={value}").status_code == 404


def test_a_callout_of_another_page_is_not_found(client, page):
    elsewhere = make_callout(live_page=make_page(slug="elsewhere"))
    assert client.get(f"{ASK}?callout={elsewhere.pk}").status_code == 404


def test_fields_the_callout_did_not_ask_for_are_ignored(client, page):
    send(client, location="Quay Street", phone="555-0199")
    submission = ReaderSubmission.objects.get()
    assert submission.location == "" and submission.phone == ""


def test_the_csrf_token_is_required(page):
    client = Client(enforce_csrf_checks=True)
    assert client.post(ASK, answer()).status_code == 403
    assert not ReaderSubmission.objects.exists()
    html = client.get(ASK).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert client.post(ASK, answer(csrfmiddlewaretoken=token)).status_code == 302


# Bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "limit"),
    [("body", 5000), ("name", 120), ("email", 254), ("location", 120), ("phone", 40),
     ("website", 200)],
)
def test_every_field_has_a_length_limit(client, callout, field, limit):
    long = "7" * (limit + 1)
    if field == "email":
        long = "a" * (limit - 11) + "@example.org"
    response = send(client, **{field: long, "consent_contact": "on"})
    assert response.status_code == 400
    assert not ReaderSubmission.objects.exists()


@pytest.mark.parametrize("missing", ["body", "name", "email"])
def test_what_is_required(client, page, missing):
    response = send(client, **{missing: ""})
    assert response.status_code == 400 and not ReaderSubmission.objects.exists()
    assert "This field is required." in response.content.decode()
    # The summary takes the focus: a keyboard or screen reader starts from what went wrong.
    assert re.search(r'<div class="alert alert-danger" role="alert" tabindex="-1" autofocus>\s*'
                     r"<p>Your message was not sent yet", response.content.decode())


@pytest.mark.parametrize("phone", ["call me", "12", "555-0199; DROP TABLE"])
def test_a_phone_number_is_digits(client, callout, phone):
    response = send(client, phone=phone, consent_contact="on")
    assert response.status_code == 400 and not ReaderSubmission.objects.exists()


def test_a_phone_number_needs_consent_to_call(client, callout):
    response = send(client, phone="555-0199")
    assert response.status_code == 400
    assert "Tick “You may contact me”" in response.content.decode()
    assert not ReaderSubmission.objects.exists()


INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e"
# Not format characters, yet as blank: Hangul fillers, the blank Braille pattern, the combining
# grapheme joiner before a variation selector (an attacker's names that passed).
BLANK_LETTERS = ["\u3164\u3164", "\u2800", "\uffa0", "\u034f\ufe0f"]


@pytest.mark.parametrize("blank", BLANK_LETTERS)
def test_blank_letters_are_not_a_name(client, page, blank):
    response = send(client, name=blank)
    assert response.status_code == 400 and not ReaderSubmission.objects.exists()


@pytest.mark.parametrize("field", ["body", "name"])
def test_invisible_characters_are_not_an_answer(client, page, field):
    response = send(client, **{field: f" {INVISIBLE} \n{INVISIBLE}"})
    assert response.status_code == 400 and not ReaderSubmission.objects.exists()
    assert "This field is required." in response.content.decode()
    # The summary takes the focus: a keyboard or screen reader starts from what went wrong.
    assert re.search(r'<div class="alert alert-danger" role="alert" tabindex="-1" autofocus>\s*'
                     r"<p>Your message was not sent yet", response.content.decode())


def test_invisible_characters_at_the_ends_are_trimmed_and_kept_inside(client, callout):
    response = send(
        client, name=f"{INVISIBLE}Noor 👩\u200d🚒{INVISIBLE}", location=INVISIBLE,
        body="\u200bIs the نیک\u200cنام bridge open?\ufeff",
        phone="\u202a+1 555 010 0199\u202c", consent_contact="on",  # as pasted from a contact
    )
    assert response.status_code == 302
    submission = ReaderSubmission.objects.get()
    assert submission.name == "Noor 👩\u200d🚒"
    assert submission.body == "Is the نیک\u200cنام bridge open?"
    assert (submission.location, submission.phone) == ("", "+1 555 010 0199")


def test_markup_is_kept_as_text_and_escaped(client, page):
    send(client, body="<script>alert(1)</script> is the bridge open?", name="<b>Sam</b>")
    submission = ReaderSubmission.objects.get()
    assert submission.body.startswith("<script>")  # stored as sent; escaped wherever shown


def test_a_refused_form_keeps_what_the_reader_wrote(client, page):
    response = send(client, email="not-an-address", body="My long story about the quay")
    html = response.content.decode()
    assert response.status_code == 400
    assert "My long story about the quay" in html and 'value="Sam Reader"' in html


# Bots --------------------------------------------------------------------------------------------


def test_the_honeypot_refuses_and_keeps_nothing(client, page):
    response = send(client, website="http://spam.example.com")
    html = response.content.decode()
    assert response.status_code == 400
    assert not ReaderSubmission.objects.exists()
    assert "not sent yet" in html
    # A person whose browser filled it in can send again: the field comes back empty.
    assert "http://spam.example.com" not in html
    assert "Is the Mill Road bridge closed tonight?" in html


def test_a_form_sent_too_fast_is_refused(client, page):
    response = send(client, rendered=render_token())
    assert response.status_code == 400
    assert not ReaderSubmission.objects.exists()
    assert "not sent yet" in response.content.decode()


def test_the_clock_keeps_running_so_a_person_can_send_again(client, page, settings):
    settings.LIVEBLOGS_ASK_MIN_SECONDS = 3
    shown = time.time() - 2
    first = send(client, rendered=render_token(at=shown))
    assert first.status_code == 400
    kept = re.search(r'name="rendered" value="([^"]+)"', first.content.decode()).group(1)
    assert signing.loads(kept, salt=RENDERED_SALT)["at"] == pytest.approx(shown)
    assert send(client, rendered=render_token(at=shown - 2)).status_code == 302


@pytest.mark.parametrize(
    "token",
    [
        "",
        "1700000000",
        signing.dumps({"at": 0}, salt="another salt"),
        signing.dumps({"at": 0}, salt=RENDERED_SALT, key="not the site's key"),
        signing.dumps({"when": 0}, salt=RENDERED_SALT),
    ],
    ids=["missing", "plain number", "other salt", "other key", "no time"],
)
def test_a_render_time_we_did_not_sign_is_refused(client, page, token):
    response = send(client, rendered=token)
    assert response.status_code == 400
    assert not ReaderSubmission.objects.exists()


def test_a_form_open_too_long_asks_to_send_again(client, page, settings):
    settings.LIVEBLOGS_ASK_FORM_MAX_AGE = 60
    # Signed an hour ago, as for a tab left open.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda real=time.time: real() - 3600)
        token = render_token()
    response = send(client, rendered=token)
    assert response.status_code == 400
    assert "open for a long time" in response.content.decode()
    fresh = re.search(r'name="rendered" value="([^"]+)"', response.content.decode()).group(1)
    assert fresh != token
    assert not ReaderSubmission.objects.exists()


def test_a_token_sends_one_message(client, page):
    token = render_token(at=time.time() - 60)
    assert send(client, rendered=token, body="Question 0?").status_code == 302
    for n in range(1, 5):
        response = send(client, rendered=token, body=f"Question {n}?")
        html = response.content.decode()
        assert response.status_code == 400
        assert "Your message was not sent yet. Please check it and press “Send to the newsroom” again." in html
        assert f"Question {n}?" in html  # nothing the reader typed is lost
        fresh = re.search(r'name="rendered" value="([^"]+)"', html).group(1)
        assert fresh != token
    assert [s.body for s in ReaderSubmission.objects.all()] == ["Question 0?"]


def test_the_same_message_sent_again_is_thanked_and_kept_once(client, page, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 1
    again = answer()  # a double click, or a retry after the answer was lost
    for _ in range(3):
        response = client.post(ASK, again, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 302
        assert response["Location"] == "/live/harbour-flood/ask/thanks/"
    assert ReaderSubmission.objects.count() == 1
    # Repeats did not use up the reader's turns either: the limit of one was not reached twice.
    assert send(client).status_code == 429


def test_a_token_is_spent_only_by_a_message_that_is_sent(client, page, settings, monkeypatch):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 1
    settings.LIVEBLOGS_ASK_RATE_WINDOW = 60
    token = render_token(at=time.time() - 60)
    assert send(client, rendered=token, email="sam@").status_code == 400  # a typo, then fixed
    assert send(client, rendered=token).status_code == 302
    token = render_token(at=time.time() - 60)
    assert send(client, rendered=token, body="Held up").status_code == 429
    later = time.time() + 61
    monkeypatch.setattr("liveblogs.ratelimit.time.time", lambda: later)
    assert send(client, rendered=token, body="Held up").status_code == 302
    assert ReaderSubmission.objects.filter(body="Held up").count() == 1


def test_a_spent_token_counts_against_the_limit(client, page, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 2
    token = render_token(at=time.time() - 60)
    assert send(client, rendered=token).status_code == 302
    assert send(client, rendered=token, body="Another question?").status_code == 400
    assert send(client).status_code == 429
    assert ReaderSubmission.objects.count() == 1


def test_the_same_token_sent_twice_at_once_keeps_one_message(page):
    # Both requests checked the form before either spent its token.
    data = answer()
    forms = [AskForm(data), AskForm(data), AskForm({**data, "body": "Another question?"})]
    assert all(form.is_valid() for form in forms)
    assert [form.use_token() for form in forms] == [True, False, False]
    assert forms[1].sent_already and not forms[1].errors
    assert not forms[2].sent_already and forms[2].refused_as_bot
    assert forms[2].non_field_errors() == [
        "Your message was not sent yet. Please check it and press “Send to the newsroom” again."
    ]


def test_a_message_that_could_not_be_kept_can_be_sent_again(client, page, monkeypatch):
    data = answer()
    with monkeypatch.context() as patch:
        patch.setattr(ReaderSubmission, "save", lambda *a, **k: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            client.post(ASK, data, REMOTE_ADDR="203.0.113.7")
    assert client.post(ASK, data, REMOTE_ADDR="203.0.113.7").status_code == 302
    assert ReaderSubmission.objects.count() == 1


def test_the_cache_keeps_a_hash_of_the_message_for_as_long_as_the_token_lasts(
    client, page, settings, monkeypatch
):
    from django.core.cache import cache

    settings.LIVEBLOGS_ASK_FORM_MAX_AGE = 7200
    kept = []
    for method in ("add", "set"):
        real = getattr(cache, method)

        def spy(key, value, timeout=None, *args, real=real, **kwargs):
            kept.append((key, value, timeout))
            return real(key, value, timeout, *args, **kwargs)

        monkeypatch.setattr(cache, method, spy)
    send(client, body="Is the Mill Road bridge closed tonight?", name="Sam Reader")
    assert ReaderSubmission.objects.count() == 1
    assert not any(
        word in repr(entry) for entry in kept for word in ("Mill Road", "Sam", "sam@example.org")
    )
    assert 7200 in [timeout for _, _, timeout in kept]


# Rate limit --------------------------------------------------------------------------------------


def test_a_burst_from_one_address_gets_a_friendly_429(client, page, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 3
    for n in range(3):
        assert send(client, body=f"Question {n}?").status_code == 302
    response = send(client, body="My fourth question, please keep it")
    html = response.content.decode()
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Please wait a few minutes" in html
    minutes = int(re.search(r"try again in about (\d+) minute", html).group(1))
    assert 1 <= minutes <= 10 and minutes == max(round(int(response["Retry-After"]) / 60), 1)
    assert "My fourth question, please keep it" in html  # nothing the reader typed is lost
    assert "no-store" in response["Cache-Control"]
    assert ReaderSubmission.objects.count() == 3
    # Someone else is not held up.
    assert send(client, address="203.0.113.8").status_code == 302


def test_bots_attempts_count_and_a_persons_mistakes_do_not(client, page, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 2
    for _ in range(5):  # a reader fixing a typo'd e-mail address again and again
        assert send(client, email="bad").status_code == 400
    assert send(client).status_code == 302
    assert send(client, website="bot").status_code == 400  # the second turn, used by a bot
    assert send(client).status_code == 429
    assert send(client, website="bot").status_code == 429
    assert ReaderSubmission.objects.count() == 1


def test_an_address_over_its_limit_costs_no_photo_decoding(client, page, settings, monkeypatch):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 1
    callout = make_callout(live_page=page, ask_photo=True)
    path = f"{ASK}?callout={callout.pk}"
    assert send(client, path=path).status_code == 302
    monkeypatch.setattr("liveblogs.images.decode", lambda *args: pytest.fail("decoded"))
    photo = SimpleUploadedFile("street.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(path, {**answer(body="Here is my street"), "photo": photo},
                           REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "Here is my street" in response.content.decode()


def test_the_limit_ends_with_its_window(client, page, settings, monkeypatch):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 1
    settings.LIVEBLOGS_ASK_RATE_WINDOW = 60
    assert send(client).status_code == 302
    assert send(client).status_code == 429
    later = time.time() + 61
    monkeypatch.setattr("liveblogs.ratelimit.time.time", lambda: later)
    assert send(client).status_code == 302


def test_an_ipv6_reader_is_one_address_for_the_whole_64(client, page, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 1
    assert address_key("2001:db8:1:2::5") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2::5") != address_key("2001:db8:1:3::5")
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert send(client, address="2001:db8:1:2::5").status_code == 302
    assert send(client, address="2001:db8:1:2::6").status_code == 429


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(client, page, settings, rf):
    request = rf.post(ASK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.1"
    settings.LIVEBLOGS_TRUSTED_PROXIES = 1
    # The client claims 1.2.3.4; our one proxy appended the address it really saw.
    request = rf.post(ASK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert client_address(request) == "198.51.100.9"
    settings.LIVEBLOGS_TRUSTED_PROXIES = 2
    request = rf.post(ASK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.0.0.2")
    assert client_address(request) == "198.51.100.9"
    # Fewer entries than proxies: the header is not what the proxies wrote; use the socket.
    request = rf.post(ASK, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(request) == "10.0.0.1"


def test_spoofed_forwarded_for_does_not_escape_the_limit(client, page, settings):
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 2
    settings.LIVEBLOGS_TRUSTED_PROXIES = 1
    for n in range(2):
        response = client.post(ASK, answer(), REMOTE_ADDR="10.0.0.1",
                               HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.9")
        assert response.status_code == 302
    response = client.post(ASK, answer(), REMOTE_ADDR="10.0.0.1",
                           HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.9")
    assert response.status_code == 429


# Closed ------------------------------------------------------------------------------------------


def test_a_callout_closed_before_its_deadline_names_no_date(client, page, callout):
    callout.deadline = timezone.now() + timedelta(days=5)
    callout.is_open = False
    callout.save()
    html = client.get(f"{ASK}?callout={callout.pk}").content.decode()
    assert "This callout has closed" in html and "closed on" not in html


def test_a_closed_callout_says_so_and_keeps_nothing(client, page, callout):
    callout.is_open = False
    callout.save()
    html = client.get(f"{ASK}?callout={callout.pk}").content.decode()
    assert "This callout has closed" in html and 'name="body"' not in html
    response = send(client, path=f"{ASK}?callout={callout.pk}", body="Water at my door")
    assert "This callout has closed" in response.content.decode()
    assert "Water at my door" in response.content.decode()  # so the reader can keep a copy
    assert not ReaderSubmission.objects.exists()


def test_a_callout_past_its_deadline_is_closed(client, page, callout):
    callout.deadline = timezone.now() - timedelta(minutes=1)
    callout.save()
    assert "This callout has closed" in client.get(f"{ASK}?callout={callout.pk}").content.decode()
    send(client, path=f"{ASK}?callout={callout.pk}")
    assert not ReaderSubmission.objects.exists()
    # Without one named, the page has no open callout: a general question.
    assert "<h1>Ask a question</h1>" in client.get(ASK).content.decode()


def test_an_ended_page_takes_no_more_questions(client, page):
    page.end()
    html = client.get(ASK).content.decode()
    assert "Coverage has ended" in html and 'name="body"' not in html
    send(client)
    assert not ReaderSubmission.objects.exists()
    assert "/ask/" not in client.get("/live/harbour-flood/").content.decode()


def test_a_draft_page_has_no_form(client):
    make_page(slug="embargoed", status=LivePage.Status.DRAFT)
    assert client.get("/live/embargoed/ask/").status_code == 404
    assert client.post("/live/embargoed/ask/", answer()).status_code == 404
    assert client.get("/live/embargoed/ask/thanks/").status_code == 404


# Photos ------------------------------------------------------------------------------------------


def test_a_photo_goes_through_the_photos_validator(client, callout):
    callout.ask_photo = True
    callout.save()
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_bytes(width=800, height=600), "image/jpeg")
    assert send(client, photo=upload).status_code == 302
    photo = ReaderSubmission.objects.get().photo
    assert photo.width == 800 and photo.renditions
    assert "IMG_0001" not in photo.image.name


def test_a_file_that_is_not_a_photo_is_refused_with_a_clear_error(client, callout):
    callout.ask_photo = True
    callout.save()
    fake = SimpleUploadedFile("flood.jpg", b"<?php echo 'hi'; ?>", "image/jpeg")
    response = send(client, photo=fake)
    assert response.status_code == 400
    assert not ReaderSubmission.objects.exists() and not Photo.objects.exists()


def test_a_photo_that_cannot_be_stored_loses_nothing_else(client, callout, monkeypatch, caplog):
    callout.ask_photo = True
    callout.save()

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Photo, "save", broken)
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")
    with caplog.at_level(logging.ERROR, logger="liveblogs.questions"):
        assert send(client, photo=upload).status_code == 302
    submission = ReaderSubmission.objects.get()
    assert submission.photo is None and "could not be stored" in submission.editor_notes
    assert "could not be stored" in caplog.text


# The desk's e-mail -------------------------------------------------------------------------------


def test_the_desk_hears_after_the_commit(client, callout, settings, django_capture_on_commit_callbacks):
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(client, phone="555-0199", consent_contact="on", location="Quay Street")
    assert len(callbacks) == 1
    (message,) = mail.outbox
    assert message.to == ["desk@example.org"]
    assert "Harbour flood" in message.subject
    assert "Is the Mill Road bridge closed tonight?" in message.body
    assert "Has the water reached your street?" in message.body
    submission = ReaderSubmission.objects.get()
    assert f"/admin/liveblogs/readersubmission/{submission.pk}/change/" in message.body
    # Contact details stay in the admin.
    assert "sam@example.org" not in message.body and "555-0199" not in message.body


def test_no_recipients_no_mail(client, page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(client)
    assert mail.outbox == [] and ReaderSubmission.objects.count() == 1


def test_a_mail_failure_loses_nothing(client, page, settings, monkeypatch, caplog,
                                      django_capture_on_commit_callbacks):
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]

    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp is down")

    monkeypatch.setattr("liveblogs.questions.send_mail", down)
    with caplog.at_level(logging.ERROR, logger="liveblogs.questions"):
        with django_capture_on_commit_callbacks(execute=True):
            response = send(client)
    assert response.status_code == 302
    assert ReaderSubmission.objects.count() == 1
    assert "Could not e-mail the desk" in caplog.text


def test_the_submission_is_saved_before_the_mail_is_even_tried(client, page, settings, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    settings.LIVEBLOGS_ASK_NOTIFY_EMAILS = ["desk@example.org"]
    seen = []
    monkeypatch.setattr(
        "liveblogs.questions.send_mail",
        lambda *a, **k: seen.append(ReaderSubmission.objects.count()),
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(client)
    assert seen == [1]


def test_a_photo_is_not_decoded_until_the_rest_is_right_and_every_decoding_counts(
    client, page, settings, monkeypatch
):
    # An attacker sent a photo with a bad e-mail address, again and again: each was decoded and
    # none counted. Now the words are checked first, and a photo to check counts.
    settings.LIVEBLOGS_ASK_RATE_LIMIT = 2
    callout = make_callout(live_page=page, ask_photo=True)
    path = f"{ASK}?callout={callout.pk}"
    decoded = []
    real = __import__("liveblogs.images", fromlist=["decode"]).decode
    monkeypatch.setattr("liveblogs.images.decode", lambda *a: decoded.append(1) or real(*a))

    def photo():
        return SimpleUploadedFile("street.jpg", jpeg_bytes(), content_type="image/jpeg")

    for _ in range(4):
        response = client.post(path, {**answer(email="bad"), "photo": photo()},
                               REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 400
        assert "Choose your photo again" in response.content.decode()
    assert decoded == []
    statuses = [client.post(path, {**answer(body=f"Street {n}"), "photo": photo()},
                            REMOTE_ADDR="203.0.113.7").status_code for n in range(3)]
    assert statuses == [302, 302, 429] and len(decoded) == 2
