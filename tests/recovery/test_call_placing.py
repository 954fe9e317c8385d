"""Placing the call in steps (security review of issue 19: M1, L2, L3, L7): Twilio is asked with
no row lock or transaction held, after the call was marked as being placed; a task that dies
or loses the database after asking never rings the phone a second time."""

import logging

import pytest
from django.db import OperationalError, connection, connections
from django.urls import reverse
from twilio.request_validator import RequestValidator

from identity.models import AuditEvent
from recovery import flow
from recovery.models import RecoveryAttempt
from tests.support.recovery import CALLS, TOKEN, TRIES, ObservedVoice, RecordingVoice

pytestmark = [pytest.mark.usefixtures("voice")]

State = RecoveryAttempt.State


def events(name: str) -> list[str]:
    return list(AuditEvent.objects.filter(event_name=name).values_list("error_code", flat=True))


def requested(settings, verified) -> RecoveryAttempt:
    """*Call me now*, the task's first delivery dying after Twilio got the request."""
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.KilledVoice"
    browser, attempt = verified
    assert flow.request_call(browser, attempt) is not None
    attempt.refresh_from_db()
    return attempt


@pytest.mark.django_db
def test_a_worker_killed_while_twilio_is_asked_never_rings_twice(settings, verified):
    attempt = requested(settings, verified)
    assert len(CALLS) == 1
    # The mark was committed before Twilio was asked: the call is being placed.
    assert attempt.state == State.CALL_REQUESTED and attempt.calls_placed == 1
    assert attempt.call_sid == ""

    # The broker redelivers the task (acks_late): it places nothing, and ends the call.
    assert flow.place_call(str(attempt.pk), 1, RecordingVoice()) is False
    assert len(CALLS) == 1
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "unconfirmed"
    assert attempt.phone_code_hash == ""  # its code is void
    assert events("RecoveryCallFailed") == ["unconfirmed"]
    assert events("RecoveryCallPlaced") == []
    browser, _attempt = verified
    assert flow.shown_code(browser, attempt) is None
    assert flow.status(attempt) == {
        "state": "email_verified",
        "error": "unconfirmed",
        "calls_left": 2,
    }
    # Its late redelivery, and its webhooks, change nothing; *Call me again* rings once.
    assert flow.place_call(str(attempt.pk), 1, RecordingVoice()) is False
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RecordingVoice"
    assert flow.request_call(browser, attempt) is not None
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.calls_placed == 2
    assert len(CALLS) == 2
    assert flow.place_call(str(attempt.pk), 1, RecordingVoice()) is False  # call 1's task
    assert len(CALLS) == 2


@pytest.mark.django_db(transaction=True)
def test_twilio_is_asked_with_the_mark_committed_and_no_row_lock_held(
    settings, verified, monkeypatch
):
    seen = []

    def from_another_connection(attempt_id):
        try:
            with flow.transaction.atomic():
                row = (
                    RecoveryAttempt.objects.select_for_update(nowait=True)
                    .filter(pk=attempt_id)
                    .get()
                )
                seen.append((row.state, row.calls_placed, row.call_sid))
        finally:
            connections.close_all()

    monkeypatch.setattr(ObservedVoice, "observe", staticmethod(from_another_connection))
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.ObservedVoice"
    browser, attempt = verified
    assert flow.request_call(browser, attempt) is not None
    assert seen == [(State.CALL_REQUESTED, 1, "")]  # committed, and the row not locked
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.call_sid == f"CA{1:032d}"
    assert len(CALLS) == 1


@pytest.mark.django_db
def test_a_refused_call_takes_its_mark_back_so_a_retry_places_it(settings, verified):
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.OnceBusyVoice"
    browser, attempt = verified
    assert flow.request_call(browser, attempt) is not None
    attempt.refresh_from_db()
    assert len(TRIES) == 1 and len(CALLS) == 1
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.calls_placed == 1


def failing_once(sql_fragment: str, *, after: str = ""):
    """A database that fails the first statement containing ``sql_fragment`` (a restart), once
    a statement containing ``after`` has run."""
    failed, armed = [], [not after]

    def wrapper(execute, sql, params, many, context):
        if not failed and armed[0] and sql_fragment in sql:
            failed.append(sql)
            raise OperationalError("the database system is shutting down")
        armed[0] = armed[0] or after in sql
        return execute(sql, params, many, context)

    return wrapper, failed


@pytest.mark.django_db
def test_a_database_error_before_twilio_is_asked_is_retried(settings, verified, caplog):
    """From the review (L2): PostgreSQL restarting as the task starts; the call still rings,
    once, instead of the person waiting for a timeout."""
    # The task's first lock of the attempt, once *Call me now* queued the task.
    wrapper, failed = failing_once("FOR UPDATE", after='INSERT INTO "identity_outboxmessage"')
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RecordingVoice"
    browser, attempt = verified
    with (
        caplog.at_level(logging.WARNING, logger="recovery.tasks"),
        connection.execute_wrapper(wrapper),
    ):
        assert flow.request_call(browser, attempt) is not None
    assert len(failed) == 1 and len(CALLS) == 1
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_IN_PROGRESS and attempt.call_sid == f"CA{1:032d}"
    assert "database unavailable (OperationalError)" in caplog.text


@pytest.mark.django_db
def test_a_database_error_after_twilio_was_asked_never_rings_twice(settings, verified):
    """Twilio placed the call and its id could not be written: the retry finds the mark, and
    ends the call as unconfirmed (no second call)."""
    # Writing the call's id, once Twilio placed it.
    wrapper, failed = failing_once(
        'UPDATE "recovery_recoveryattempt" SET "state"',
        after='INSERT INTO "identity_outboxmessage"',
    )
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RecordingVoice"
    browser, attempt = verified
    with connection.execute_wrapper(wrapper):
        assert flow.request_call(browser, attempt) is not None
    assert len(failed) == 1 and len(CALLS) == 1
    attempt.refresh_from_db()
    assert attempt.state == State.EMAIL_VERIFIED and attempt.call_error == "unconfirmed"
    assert attempt.phone_code_hash == "" and attempt.call_sid == ""
    assert events("RecoveryCallPlaced") == []


@pytest.mark.django_db
def test_a_refused_call_is_logged_with_its_reason(settings, verified, caplog):
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RefusingVoice"
    browser, attempt = verified
    with caplog.at_level(logging.WARNING, logger="recovery.tasks"):
        assert flow.request_call(browser, attempt) is not None
    assert len(TRIES) == 1
    assert f"recovery call 1 of {attempt.pk} not placed (http-503), try 1" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"CallSid": ""}, {}])
def test_a_status_callback_without_a_call_id_ends_nothing(client, settings, verified, params):
    """From the review (L7): a call not placed yet has no id either; such a callback must not
    match it."""
    attempt = requested(settings, verified)
    assert attempt.state == State.CALL_REQUESTED and attempt.call_sid == ""
    params = {"CallStatus": "failed", **params}
    url = reverse("recovery:twilio_status", args=[attempt.pk])
    signature = RequestValidator(TOKEN).compute_signature(
        "https://console.tobira.test" + url, params
    )
    assert client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 400
    flow.call_failed(str(attempt.pk), "failed", call_sid="")
    attempt.refresh_from_db()
    assert attempt.state == State.CALL_REQUESTED and attempt.call_error == ""
