"""Twilio's API answers 5xx, or not at all: the recovery call is retried only when no call can
have been placed, so the phone rings at most once per *Call me now*, and the person is told.

The real ``twilio`` client, in a real Celery worker on Redis, talks to the stand-in (Prism
serving Twilio's spec) through ``FaultyTwilio``, which spoils the ``calls.create`` requests.
"""

import logging
import re
import time

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from identity.models import AuditEvent, OutboxMessage
from recovery import voice
from recovery.models import RecoveryAttempt
from tests.conftest import signin_root
from tests.integration.conftest import free_port, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.integration]

State = RecoveryAttempt.State
PHONE = reverse("recovery:phone")
STATUS = reverse("recovery:phone_status")
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_AUTH_TOKEN": "standin-token",
    "TWILIO_FROM_NUMBER": "+15005550006",
    "TWILIO_TIMEOUT_SECONDS": "1",  # a stalled answer is given up on after a second
}


# --- The client: which failures can have placed a call ---------------------------------------


@pytest.fixture
def twilio(settings, faulty_twilio):
    """The client in this process, to the stand-in through ``faulty_twilio`` (reset)."""
    faulty_twilio.reset()
    settings.TWILIO_API_URL = faulty_twilio.url
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        setattr(settings, name, TWILIO[name])
    settings.TWILIO_TIMEOUT_SECONDS = 1.0
    return faulty_twilio


def place() -> str:
    return voice.TwilioVoice().place_call(
        to="+81312345678",
        url="https://console.tobira.test/recovery/twilio/voice/1",
        status_callback="https://console.tobira.test/recovery/twilio/status/1",
    )


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_an_answer_that_refuses_the_call_may_be_tried_again(twilio, status):
    twilio.faults = [status]
    with pytest.raises(voice.CallNotPlaced) as refused:
        place()
    assert refused.value.retry and twilio.placed == 0
    assert place().startswith("CA") and twilio.placed == 1


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_request_twilio_refuses_is_not_tried_again(twilio, status, caplog):
    twilio.faults = [status]
    with (
        caplog.at_level(logging.WARNING, logger="recovery.voice"),
        pytest.raises(voice.CallNotPlaced) as refused,
    ):
        place()
    assert not refused.value.retry and twilio.placed == 0
    # Why, for whoever runs the service: the status and Twilio's error code; not Twilio's
    # message (it may repeat the number) nor the URL (it names the account).
    assert f"voice call to +81•••••5678 refused: HTTP {status}, Twilio error" in caplog.text
    assert "+81312345678" not in caplog.text and TWILIO["TWILIO_ACCOUNT_SID"] not in caplog.text


def test_no_connection_no_call(settings, twilio):
    settings.TWILIO_API_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens
    with pytest.raises(voice.CallNotPlaced) as refused:
        place()
    assert refused.value.retry


@pytest.mark.parametrize("fault", ["stall", "drop", 504])
def test_no_answer_may_mean_a_call_was_placed(twilio, fault):
    """The request reached Twilio and no answer says what became of it (the stand-in did place
    the call when stalled or dropped): the client says so, after its own timeout."""
    twilio.faults = [fault]
    started = time.monotonic()
    with pytest.raises(voice.CallUnconfirmed):
        place()
    assert time.monotonic() - started < 5  # TWILIO_TIMEOUT_SECONDS, not the default 10
    assert twilio.requests == [fault]


# --- Through the pages and a real worker --------------------------------------------------------


@pytest.fixture(scope="module")
def worker(django_db_setup, faulty_twilio):
    """One worker for the module's tests, placing calls with the real Twilio client."""
    lines = start_worker(
        {
            "RECOVERY_VOICE_BACKEND": "recovery.voice.TwilioVoice",
            "TWILIO_API_URL": faulty_twilio.url,
            **TWILIO,
        },
        name="twilio-faults",
    )
    yield lines
    stop_worker(lines)


@pytest.fixture
def phone_step(client, lost_device, mailoutbox, transactional_db, worker, real_queue):
    """A browser on the phone step of a recovery (the emailed link opened), and the worker.

    The email goes out inline (the tests' mail outbox): the worker is here for the call.
    """
    signin_root(client, "member-root@example.test")
    celery_app.conf.task_always_eager = True
    try:
        assert client.post(reverse("recovery:start"))["Location"] == reverse("recovery:email_sent")
    finally:
        celery_app.conf.task_always_eager = False
    path, token = re.search(
        r"(/recovery/verify/[0-9a-f-]{36})\?t=([\w-]+)", mailoutbox[-1].body
    ).groups()
    client.get(path, {"t": token})
    assert client.post(path)["Location"] == PHONE
    return client, RecoveryAttempt.objects.get(pk=path.rsplit("/", 1)[1]), worker


def call_me(client, attempt, worker) -> RecoveryAttempt:
    """*Call me now* (or again): the attempt once the worker is done with the call (its task
    finished: no retry is pending)."""
    assert client.post(PHONE)["Location"] == PHONE
    tasks = OutboxMessage.objects.filter(task="recovery.place_recovery_call")
    asked = tasks.count()
    if not wait_for(lambda: tasks.filter(finished__isnull=False).count() == asked, timeout=30):
        pytest.fail("the call task did not finish:\n" + "\n".join(worker[-40:]))
    return RecoveryAttempt.objects.get(pk=attempt.pk)


def page_text(client) -> str:
    body = re.sub(r"<[^>]+>", " ", client.get(PHONE).content.decode())
    return re.sub(r"\s+", " ", body)


def events(attempt, name: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            event_name=name, request_parameters__attemptId=str(attempt.pk)
        ).values_list("error_code", flat=True)
    )


def test_a_500_then_recovery_places_exactly_one_call(twilio, phone_step):
    client, attempt, worker = phone_step
    twilio.faults = [500, 500]
    attempt = call_me(client, attempt, worker)
    assert twilio.requests == [500, 500, None]  # refused twice, then through
    assert twilio.placed == 1
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.calls_placed == 1
    assert attempt.call_sid.startswith("CA")
    assert events(attempt, "RecoveryCallPlaced") == [""]
    assert events(attempt, "RecoveryCallFailed") == []
    assert client.get(STATUS).json()["state"] == "call_in_progress"
    assert "type this code on the keypad" in page_text(client)


def test_always_500_the_person_is_told_and_may_call_again(twilio, phone_step):
    client, attempt, worker = phone_step
    twilio.always = 500
    attempt = call_me(client, attempt, worker)
    assert twilio.requests == [500] * 4  # the first try and three retries
    assert twilio.placed == 0
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "api"
    assert client.get(STATUS).json() == {"state": "email_verified", "error": "api", "calls_left": 2}
    text = page_text(client)
    assert "The call could not be placed. Call me again." in text
    assert ">Call me again</button>" in client.get(PHONE).content.decode()
    assert events(attempt, "RecoveryCallPlaced") == []
    assert events(attempt, "RecoveryCallFailed") == ["api"]


def test_a_timeout_never_places_a_second_call_and_the_person_is_told(twilio, phone_step):
    """Twilio placed the call, and its answer never came: retrying would ring the phone again,
    for a code the page no longer shows. The call is not tried again; the person is told and
    may ask for another, which rings once."""
    client, attempt, worker = phone_step
    twilio.faults = ["stall"]
    attempt = call_me(client, attempt, worker)
    assert twilio.requests == ["stall"]  # one request, never tried again
    assert wait_for(lambda: twilio.placed == 1, timeout=10)  # the stand-in did place it
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "unconfirmed"
    assert attempt.calls_placed == 1  # its number is spent: nothing places it again
    assert client.get(STATUS).json() == {
        "state": "email_verified",
        "error": "unconfirmed",
        "calls_left": 2,
    }
    text = page_text(client)
    assert "We could not confirm the call, so its code no longer works." in text
    assert "type this code on the keypad" not in text
    assert events(attempt, "RecoveryCallPlaced") == []
    assert events(attempt, "RecoveryCallFailed") == ["unconfirmed"]

    attempt = call_me(client, attempt, worker)  # *Call me again*: the next call, once
    assert twilio.requests == ["stall", None] and twilio.placed == 2
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.calls_placed == 2
    assert events(attempt, "RecoveryCallPlaced") == [""]
