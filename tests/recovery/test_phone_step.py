"""Recovery step 2: the phone call, its code, and Twilio's signed webhooks (with a recording backend)."""

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from identity.models import AuditEvent
from recovery import flow
from recovery.models import RecoveryAttempt
from tests.support.recovery import CALLS, TOKEN, TRIES, RecordingVoice, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("voice")]

State = RecoveryAttempt.State


def call(verified, django_capture_on_commit_callbacks) -> str:
    browser, attempt = verified
    with django_capture_on_commit_callbacks(execute=True):
        code = flow.request_call(browser, attempt)
    assert code is not None and len(code) == 6 and code.isdigit()
    return code


def test_call_me_now_places_one_call_to_the_account_phone(
    verified, django_capture_on_commit_callbacks
):
    browser, attempt = verified
    code = call(verified, django_capture_on_commit_callbacks)
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.call_sid == f"CA{1:032d}"
    assert [
        {
            "to": "+81312345678",
            "url": f"https://console.tobira.test/recovery/twilio/voice/{attempt.pk}",
            "status_callback": f"https://console.tobira.test/recovery/twilio/status/{attempt.pk}",
        }
    ] == CALLS
    assert code not in attempt.phone_code_hash
    assert flow.place_call(str(attempt.pk), 1, RecordingVoice()) is False  # a retried task
    assert len(CALLS) == 1


def test_webhooks_need_twilios_signature(client, verified, django_capture_on_commit_callbacks):
    _browser, attempt = verified
    call(verified, django_capture_on_commit_callbacks)
    url = reverse("recovery:twilio_gather", args=[attempt.pk])
    assert client.post(url, {"Digits": "123456"}).status_code == 403
    forged = RequestValidator("another-token").compute_signature(
        "https://console.tobira.test" + url, {"Digits": "123456"}
    )
    assert client.post(url, {"Digits": "123456"}, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403
    response = signed_post(client, "recovery:twilio_voice", attempt, {})
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    assert '<Gather action="https://console.tobira.test/recovery/twilio/gather/' in body
    assert 'numDigits="6"' in body and 'language="en-US"' in body


def test_the_right_digits_verify_the_phone(client, verified, django_capture_on_commit_callbacks):
    _browser, attempt = verified
    code = call(verified, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    response = signed_post(client, "recovery:twilio_gather", attempt, {"Digits": wrong})
    assert "<Gather" in response.content.decode()  # another try
    response = signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    assert "Continue in your browser" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED and attempt.phone_code_hash == ""
    # The code is spent: the same digits again change nothing.
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED


def test_three_wrong_tries_end_the_call(client, verified, django_capture_on_commit_callbacks):
    _browser, attempt = verified
    code = call(verified, django_capture_on_commit_callbacks)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        signed_post(client, "recovery:twilio_gather", attempt, {"Digits": wrong})
    response = signed_post(client, "recovery:twilio_gather", attempt, {"Digits": wrong})
    assert "<Hangup" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "digits"
    # The right code of the ended call does not work any more.
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED


def test_no_answer_lets_the_person_call_again_three_times_at_most(
    client, verified, django_capture_on_commit_callbacks
):
    browser, attempt = verified
    for _call in range(3):
        call(verified, django_capture_on_commit_callbacks)
        signed_post(client, "recovery:twilio_status", attempt, {"CallStatus": "no-answer"})
        attempt.refresh_from_db()
        assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "no-answer"
    assert flow.request_call(browser, attempt) is None
    assert len(CALLS) == 3


def test_the_call_speaks_the_persons_language(client, verified, django_capture_on_commit_callbacks):
    _browser, attempt = verified
    RecoveryAttempt.objects.filter(pk=attempt.pk).update(language="ja")
    call(verified, django_capture_on_commit_callbacks)
    body = signed_post(client, "recovery:twilio_voice", attempt, {}).content.decode()
    assert 'language="ja-JP"' in body and "Tobira" in body


def test_twilio_errors_are_retried_then_the_person_may_call_again(
    settings, verified, django_capture_on_commit_callbacks
):
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.FailingVoice"
    browser, attempt = verified
    assert flow.request_call(browser, attempt) is not None
    assert len(TRIES) == 4  # the first try and three retries
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "api"
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RecordingVoice"
    assert flow.request_call(browser, attempt) is not None
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS


def test_a_call_twilio_refuses_is_not_tried_again(settings, verified):
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RefusingVoice"
    browser, attempt = verified
    assert flow.request_call(browser, attempt) is not None
    assert len(TRIES) == 1
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "api"


def test_a_call_that_may_have_rung_is_never_placed_again(settings, verified):
    """The request reached Twilio and no answer came: a retry could ring the phone a second
    time. The call's number is spent and its code void; the person may ask for another."""
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.UnconfirmedVoice"
    browser, attempt = verified
    assert flow.request_call(browser, attempt) is not None
    assert len(TRIES) == 1  # not retried
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "unconfirmed"
    assert attempt.calls_placed == 1 and attempt.phone_code_hash == ""
    assert flow.place_call(str(attempt.pk), 1, RecordingVoice()) is False  # a redelivered task
    assert CALLS == []
    failed = AuditEvent.objects.filter(event_name="RecoveryCallFailed")
    assert list(failed.values_list("error_code", flat=True)) == ["unconfirmed"]
    assert not AuditEvent.objects.filter(event_name="RecoveryCallPlaced").exists()

    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RecordingVoice"
    assert flow.request_call(browser, attempt) is not None  # *Call me again*
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS and len(CALLS) == 1


def test_a_call_that_is_not_the_current_one_does_not_ask_for_the_code(
    client, verified, django_capture_on_commit_callbacks
):
    """A call Twilio placed although its request went unanswered, or a call that has ended:
    answered, it says it has ended instead of asking for a code that cannot work on it."""
    _browser, attempt = verified
    call(verified, django_capture_on_commit_callbacks)
    unknown = {"CallSid": "CA" + "f" * 32}
    body = signed_post(client, "recovery:twilio_voice", attempt, unknown).content.decode()
    assert "This call has ended" in body and "<Gather" not in body and "<Hangup" in body
    assert "<Gather" in signed_post(client, "recovery:twilio_voice", attempt, {}).content.decode()
    signed_post(client, "recovery:twilio_status", attempt, {"CallStatus": "no-answer"})
    body = signed_post(client, "recovery:twilio_voice", attempt, {}).content.decode()
    assert "This call has ended" in body and "<Gather" not in body


def test_the_development_keypad_is_debug_only(client, settings, verified):
    browser, attempt = verified
    url = reverse("recovery:dev_keypad")
    settings.DEBUG = False
    assert client.get(url).status_code == 404
    settings.DEBUG = True
    settings.RECOVERY_VOICE_BACKEND = "recovery.voice.ConsoleVoice"
    code = flow.request_call(browser, attempt)
    browser.session[flow.SESSION_KEY] = str(attempt.pk)  # the browser that verified the link
    browser.session.save()
    client.cookies["sessionid"] = browser.session.session_key
    assert client.post(url, {"digits": code})["Location"] == reverse("recovery:phone")
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED


def test_a_late_callback_of_an_earlier_call_changes_nothing(
    client, verified, django_capture_on_commit_callbacks
):
    """From the review: call 1's late "completed" must not end call 2."""
    _browser, attempt = verified
    first = call(verified, django_capture_on_commit_callbacks)
    attempt.refresh_from_db()
    first_sid = attempt.call_sid
    signed_post(client, "recovery:twilio_status", attempt, {"CallStatus": "no-answer"})
    second = call(verified, django_capture_on_commit_callbacks)
    stale = {"CallSid": first_sid, "CallStatus": "completed"}
    url = reverse("recovery:twilio_status", args=[attempt.pk])
    signature = RequestValidator(TOKEN).compute_signature(
        "https://console.tobira.test" + url, stale
    )
    client.post(url, stale, HTTP_X_TWILIO_SIGNATURE=signature)
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS
    # The first call's code, even with the first call's id, does not verify the second call.
    digits = {"CallSid": first_sid, "Digits": first}
    url = reverse("recovery:twilio_gather", args=[attempt.pk])
    signature = RequestValidator(TOKEN).compute_signature(
        "https://console.tobira.test" + url, digits
    )
    client.post(url, digits, HTTP_X_TWILIO_SIGNATURE=signature)
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": second})
    attempt.refresh_from_db()
    assert attempt.state == State.PHONE_VERIFIED


def test_the_calls_code_is_neither_guessable_from_the_row_nor_readable_in_the_session(
    verified, django_capture_on_commit_callbacks
):
    import hashlib
    import hmac
    import json

    browser, attempt = verified
    code = call(verified, django_capture_on_commit_callbacks)
    attempt.refresh_from_db()
    # The attempt id is no secret: a hash keyed by it alone would give the code away in a
    # million tries to whoever reads the table.
    for guess_key in (str(attempt.pk).encode(), b""):
        assert hmac.new(guess_key, code.encode(), hashlib.sha256).hexdigest() != (
            attempt.phone_code_hash
        )
    stored = json.dumps(dict(browser.session.items()))
    assert code not in stored  # the session store keeps it encrypted
    assert flow.shown_code(browser, attempt) == code  # ... and the page can still show it
