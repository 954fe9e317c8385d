"""The phone step's page (issue 13, items 2 and 4): POST/redirect/GET, the code shown while the
call is live, a call that never reports back ends after RECOVERY_CALL_TIMEOUT, a plain verified
page with one primary action, and the development keypad that waits for the call it types into.
"""

import re

import pytest
from django.urls import reverse

from identity.models import AuditEvent
from recovery import flow, tasks
from recovery.models import RecoveryAttempt
from tests.conftest import T0
from tests.support.recovery import CALLS, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("voice")]

State = RecoveryAttempt.State
PHONE = reverse("recovery:phone")
STATUS = reverse("recovery:phone_status")
KEYPAD = reverse("recovery:dev_keypad")


@pytest.fixture
def phone_page(at, client, verified):
    """The browser that opened the emailed link, on the phone step (the clock stopped at T0)."""
    browser, attempt = verified
    browser.session[flow.SESSION_KEY] = str(attempt.pk)
    browser.session.save()
    client.cookies["sessionid"] = browser.session.session_key
    return client, attempt


@pytest.fixture
def queued(monkeypatch) -> list:
    """A worker that has not got to the call task yet: its arguments wait here, to be run with
    ``tasks.place_recovery_call.apply(args=queued[0])`` when the test says so."""
    held = []
    monkeypatch.setattr(
        tasks.place_recovery_call, "apply_async", lambda args, **options: held.append(args)
    )
    return held


@pytest.fixture
def call_timeout(settings) -> int:
    settings.RECOVERY_CALL_TIMEOUT = 120
    return 120


def shown_code(response) -> str | None:
    match = re.search(r'data-testid="phone-code">(\d{6})<', response.content.decode())
    return match.group(1) if match else None


def text(response) -> str:
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", body)


def call_button(response) -> str | None:
    match = re.search(
        r"<form method=\"post\" data-call>.*?<button[^>]*>(.*?)</button>",
        response.content.decode(),
        re.S,
    )
    return match.group(1).strip() if match else None


def test_call_me_now_redirects_and_a_reload_shows_the_same_code(phone_page):
    client, attempt = phone_page
    assert call_button(client.get(PHONE)) == "Call me now"
    response = client.post(PHONE)
    assert response.status_code == 302 and response["Location"] == PHONE  # POST/redirect/GET
    page = client.get(PHONE)
    code = shown_code(page)
    assert code is not None
    assert call_button(page) is None  # while the call is live, no second call
    for _reload in range(2):
        assert shown_code(client.get(PHONE)) == code
    assert len(CALLS) == 1
    # The code is what the phone must type: the signed keypad webhook verifies it.
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED


def test_a_second_post_while_the_call_is_live_places_no_call_and_keeps_the_code(phone_page):
    client, _attempt = phone_page
    client.post(PHONE)
    code = shown_code(client.get(PHONE))
    response = client.post(PHONE)  # a double click, or an old tab
    assert response["Location"] == PHONE
    page = client.get(PHONE)
    assert shown_code(page) == code and "No more calls" not in text(page)
    assert len(CALLS) == 1


def test_a_call_that_never_reports_back_ends_after_the_timeout(phone_page, call_timeout, at):
    """With the console backend no call ever reports back: the person may call again."""
    client, attempt = phone_page
    client.post(PHONE)
    first = shown_code(client.get(PHONE))

    at(T0 + 119)
    page = client.get(PHONE)
    assert shown_code(page) == first and call_button(page) is None
    assert client.get(STATUS).json()["state"] == State.CALL_IN_PROGRESS

    at(T0 + 121)
    assert client.get(STATUS).json() == {
        "state": State.EMAIL_VERIFIED,
        "error": "timeout",
        "calls_left": 2,
    }
    page = client.get(PHONE)
    assert shown_code(page) is None
    assert "We did not hear back from the call." in text(page)
    assert call_button(page) == "Call me again"
    assert (
        AuditEvent.objects.filter(event_name="RecoveryCallFailed", error_code="timeout").count()
        == 1
    )
    # The ended call's code is void: its late digits change nothing.
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": first})
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED

    assert client.post(PHONE)["Location"] == PHONE
    assert shown_code(client.get(PHONE)) is not None
    assert len(CALLS) == 2

    # Within the limits: three calls per attempt, then the page says so and offers none.
    at(T0 + 300)
    client.post(PHONE)
    at(T0 + 500)
    page = client.get(PHONE)
    assert call_button(page) is None and len(CALLS) == 3
    assert "No more calls for this attempt." in text(page)


def test_the_verified_page_says_so_and_offers_one_primary_action(phone_page):
    client, attempt = phone_page
    client.post(PHONE)
    code = shown_code(client.get(PHONE))
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    page = client.get(PHONE)
    assert "Your phone number is verified" in text(page)
    assert "Sign in to the console to continue." in text(page)
    main = re.search(r"<main.*?</main>", page.content.decode(), re.S).group(0)
    primaries = re.findall(r'class="[^"]*\bbtn-primary\b[^"]*"[^>]*>(.*?)<', main, re.S)
    assert [p.strip() for p in primaries] == ["Sign in to the console"]
    assert shown_code(page) is None and call_button(page) is None
    response = client.post(PHONE, {"op": "complete"})
    assert response["Location"] == reverse("mfa:security_credentials")


def test_the_development_keypad_waits_for_the_call_it_types_into(phone_page, settings, queued):
    """Item 4: the keypad used within a second of *Call me now*, before the worker placed the call."""
    client, attempt = phone_page
    settings.DEBUG = True
    settings.RECOVERY_VOICE_BACKEND = "recovery.voice.ConsoleVoice"
    client.post(PHONE)
    code = shown_code(client.get(PHONE))
    assert len(queued) == 1

    keypad = client.get(KEYPAD)
    assert "The phone is about to ring" in text(keypad)
    assert 'name="digits"' not in keypad.content.decode()
    response = client.post(KEYPAD, {"digits": code})  # a keypad page opened a moment earlier
    assert "The call ended" not in text(response)
    assert "The phone is about to ring" in text(response)
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_REQUESTED and attempt.digit_tries == 0

    tasks.place_recovery_call.apply(args=queued[0])  # the worker places the call
    keypad = client.get(KEYPAD)
    assert 'name="digits"' in keypad.content.decode()
    attempt.refresh_from_db()
    call = re.search(r'name="call" value="(CA[0-9a-f]+)"', keypad.content.decode()).group(1)
    assert call == attempt.call_sid
    response = client.post(KEYPAD, {"digits": code, "call": call})
    assert response["Location"] == PHONE
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED


def test_the_keypad_of_an_earlier_call_does_not_type_into_the_next_one(phone_page, settings, at):
    client, attempt = phone_page
    settings.DEBUG = True
    settings.RECOVERY_VOICE_BACKEND = "recovery.voice.ConsoleVoice"
    client.post(PHONE)
    first_call = flow.RecoveryAttempt.objects.get(pk=attempt.pk).call_sid
    at(T0 + 200)
    client.post(PHONE)  # the first call timed out; a second one
    second = shown_code(client.get(PHONE))
    response = client.post(KEYPAD, {"digits": second, "call": first_call})
    assert "The call ended" in text(response)
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.digit_tries == 0


def test_a_call_placed_late_has_its_whole_time_from_when_it_rings(
    phone_page, call_timeout, queued, at
):
    """The timeout runs from the placing of the call once it is placed: a slow queue must not
    cut off a person who is typing the code on the phone."""
    client, attempt = phone_page
    client.post(PHONE)
    code = shown_code(client.get(PHONE))
    at(T0 + 100)
    tasks.place_recovery_call.apply(args=queued[0])  # the worker got to it late
    at(T0 + 200)  # 200 s after the request, 100 s after the phone rang
    assert client.get(STATUS).json()["state"] == State.CALL_IN_PROGRESS
    assert shown_code(client.get(PHONE)) == code
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED


def test_a_worker_later_than_the_timeout_rings_nobody(phone_page, call_timeout, queued, at):
    client, attempt = phone_page
    client.post(PHONE)
    at(T0 + 121)  # nobody polled the page meanwhile
    tasks.place_recovery_call.apply(args=queued[0])
    assert CALLS == []
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "timeout"


def test_an_earlier_calls_task_rings_nobody_and_ends_nothing(phone_page, call_timeout, queued, at):
    """Call 1's task, late (a retry, a redelivery), after call 2 was asked for: call 2 is
    placed once, by its own task."""
    client, attempt = phone_page
    client.post(PHONE)
    at(T0 + 121)
    client.post(PHONE)  # call 1 timed out before its task ran: call 2
    assert [args[1] for args in queued] == [1, 2]
    tasks.place_recovery_call.apply(args=queued[0])
    flow.call_failed(str(attempt.pk), "api", sequence=1)  # call 1's last retry gives up
    attempt.refresh_from_db()
    assert CALLS == [] and attempt.state == State.CALL_REQUESTED and attempt.call_error == ""
    tasks.place_recovery_call.apply(args=queued[1])
    attempt.refresh_from_db()
    assert len(CALLS) == 1 and attempt.state == State.CALL_IN_PROGRESS


def test_a_call_that_may_have_rung_says_so(phone_page, settings):
    client, _attempt = phone_page
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.UnconfirmedVoice"
    client.post(PHONE)
    assert client.get(STATUS).json() == {
        "state": State.EMAIL_VERIFIED,
        "error": "unconfirmed",
        "calls_left": 2,
    }
    page = client.get(PHONE)
    assert shown_code(page) is None and call_button(page) == "Call me again"
    assert (
        "We could not confirm the call, so its code no longer works. If your phone rings "
        "anyway, ignore that call and choose Call me again." in text(page)
    )


def test_digits_typed_into_an_ended_call_hear_that_it_ended(phone_page, call_timeout, at):
    client, attempt = phone_page
    client.post(PHONE)
    code = shown_code(client.get(PHONE))
    at(T0 + 121)
    client.get(STATUS)  # the page's poll ends the call
    response = signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    body = response.content.decode()
    assert "This call has ended" in body and "not right" not in body
    wrong = "000000" if code != "000000" else "111111"
    client.post(PHONE)  # the next call, and a wrong code on it
    attempt.refresh_from_db()
    response = signed_post(client, "recovery:twilio_gather", attempt, {"Digits": wrong})
    assert "not right" in response.content.decode()
