"""*Sign in using alternative factors*: the steps of a recovery attempt.

Step 1 (here): an email to the account's address with a one-time link. The
token is made by the task that sends the mail and stored only as a hash; it
is single-use and expires. The link opens a confirmation page (mail scanners
follow links; only the person's POST counts), and the attempt moves to the
browser session that confirmed it: the phone step and the sign-in happen
there. Step 2, the phone call, builds on ``EMAIL_VERIFIED``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from accounts import flows as signin_flows
from identity import audit, authn_state, crypto, ratelimit
from identity.audit_events import Event
from identity.mail import get_adapter
from identity.models import User
from identity.queue import enqueue_now, enqueue_on_commit

from .models import RecoveryAttempt
from .voice import CallNotPlaced, CallUnconfirmed

logger = logging.getLogger(__name__)

State = RecoveryAttempt.State
ATTEMPT_TTL = timedelta(minutes=30)
EMAIL_TOKEN_TTL = timedelta(minutes=15)
RESEND_COOLDOWN = timedelta(seconds=60)
MAX_EMAILS = 5
# Alive, and past the email link: such an attempt belongs to the browser that opened the link.
VERIFIED = (
    State.EMAIL_VERIFIED,
    State.CALL_REQUESTED,
    State.CALL_IN_PROGRESS,
    State.PHONE_VERIFIED,
)
LIVE = (State.STARTED, State.EMAIL_SENT, *VERIFIED)
SESSION_KEY = "tobira_recovery"  # the attempt this browser session carries


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _locked(*args, **filters) -> RecoveryAttempt | None:
    """The attempt, its row locked until the transaction ends (with its user and account)."""
    return (
        RecoveryAttempt.objects.select_for_update(of=("self",))
        .select_related("user__account")
        .filter(*args, **filters)
        .first()
    )


def session_hash(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return _sha256(request.session.session_key)


def _about(attempt: RecoveryAttempt) -> dict:
    """What every recovery event says: the attempt, anonymously, in the root user's trail."""
    return {
        "actor": None,  # nobody is signed in during a recovery
        "account_id": attempt.user.account_id,
        "request_parameters": {"attemptId": str(attempt.pk), "userArn": attempt.user.arn},
    }


def start(request, *, user: User) -> RecoveryAttempt | None:
    """A new attempt for a root user who passed the password step; None when throttled."""
    key = f"account:{user.account_id}"
    if not ratelimit.attempt("recovery_start", request=request, user_key=key).allowed:
        return None
    with transaction.atomic():
        # Earlier attempts end, except one another browser has verified: someone who knows
        # only the password must not be able to knock the owner out of their recovery.
        RecoveryAttempt.objects.filter(
            user=user, state__in=(State.STARTED, State.EMAIL_SENT)
        ).update(state=State.CANCELLED)
        RecoveryAttempt.objects.filter(
            user=user, state__in=VERIFIED, session_hash=session_hash(request)
        ).update(state=State.CANCELLED)
        attempt = RecoveryAttempt.objects.create(
            user=user,
            session_hash=session_hash(request),
            language=translation.get_language() or "en",
            expires_at=timezone.now() + ATTEMPT_TTL,
        )
        audit.record(Event.RECOVERY_STARTED, request=request, **_about(attempt))
    # Sent after the commit, and checked: with the broker down the outbox's relay sends the
    # email once the broker is back (identity.outbox), and the page says it may take a while.
    attempt.queued = enqueue_now("recovery.send_recovery_email", str(attempt.pk), 1)
    return attempt


def current(request, attempt_id) -> RecoveryAttempt | None:
    """The attempt this browser session owns, while it is alive."""
    attempt = (
        RecoveryAttempt.objects.select_related("user__account")
        .filter(pk=attempt_id, session_hash=session_hash(request), state__in=LIVE)
        .first()
    )
    if attempt is None or attempt.expires_at <= timezone.now():
        return None
    return attempt


def resend(request, attempt: RecoveryAttempt) -> str:
    """Queue another email: "ok"; "later" with the broker down (the outbox's relay sends it when
    the broker is back); "cooldown" or "limit" when refused."""
    with transaction.atomic():
        attempt = RecoveryAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.email_sends_requested >= MAX_EMAILS:
            return "limit"
        if attempt.email_sent_at and timezone.now() < attempt.email_sent_at + RESEND_COOLDOWN:
            return "cooldown"
        attempt.email_sends_requested += 1
        attempt.save(update_fields=["email_sends_requested"])
        sequence = attempt.email_sends_requested
    if not enqueue_now("recovery.send_recovery_email", str(attempt.pk), sequence):
        return "later"
    return "ok"


def send_email(attempt_id: str, sequence: int) -> bool:
    """Mail send number ``sequence`` of an attempt, once: a retried task sends nothing more."""
    with transaction.atomic():
        attempt = _locked(pk=attempt_id)
        if (
            attempt is None
            or attempt.email_sends_done >= sequence
            or attempt.state not in (State.STARTED, State.EMAIL_SENT)
            or attempt.expires_at <= timezone.now()
        ):
            return False
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        attempt.email_token_hash = _sha256(token)
        attempt.email_token_expires_at = now + EMAIL_TOKEN_TTL
        link = (
            settings.TOBIRA_BASE_URL + reverse("recovery:verify", args=[attempt.pk]) + f"?t={token}"
        )
        get_adapter().send_mail(
            "emails/recovery_verify",
            attempt.user.account.root_email,
            {"user": attempt.user, "account": attempt.user.account, "link": link, "ttl": 15},
            language=attempt.language,
        )
        attempt.email_sends_done, attempt.email_sent_at = sequence, now
        attempt.state = State.EMAIL_SENT
        attempt.save(
            update_fields=[
                "email_token_hash",
                "email_token_expires_at",
                "email_sends_done",
                "email_sent_at",
                "state",
            ]
        )
        audit.record(Event.RECOVERY_EMAIL_SENT, **_about(attempt))
    return True


def verify_email(request, attempt_id, token: str) -> RecoveryAttempt | None:
    """Spend the emailed link's token; the attempt now belongs to this browser session."""
    with transaction.atomic():
        attempt = _locked(pk=attempt_id)
        now = timezone.now()
        valid = (
            attempt is not None
            and attempt.state == State.EMAIL_SENT
            and attempt.email_token_hash
            and attempt.email_token_expires_at
            and now < attempt.email_token_expires_at
            and now < attempt.expires_at
            and hmac.compare_digest(attempt.email_token_hash, _sha256(token or ""))
        )
        if not valid:
            if attempt is not None:
                audit.record(
                    Event.RECOVERY_EMAIL_VERIFIED,
                    request=request,
                    error_code="InvalidToken",
                    **_about(attempt),
                )
            return None
        attempt.state = State.EMAIL_VERIFIED
        attempt.email_token_hash = ""  # single use
        request.session.cycle_key()  # a session key planted before the link was opened is useless
        attempt.session_hash = session_hash(request)
        attempt.save(update_fields=["state", "email_token_hash", "session_hash"])
        audit.record(Event.RECOVERY_EMAIL_VERIFIED, request=request, **_about(attempt))
    return attempt


# --- Step 2: the phone call -------------------------------------------------------------

MAX_CALLS = 3  # per attempt: "Call me again" is limited
MAX_DIGIT_TRIES = 3  # per call
CALL_STATES = (State.CALL_REQUESTED, State.CALL_IN_PROGRESS)
# The code of the live call, for this browser session's phone page to show again after a
# reload (POST/redirect/GET): {"attempt": id, "call": sequence, "code": the digits encrypted with
# the field keys}, so the session store never holds it in the clear. The row keeps only a keyed
# hash.
CALL_CODE_KEY = "tobira_recovery_call"


def _timed_out(attempt: RecoveryAttempt) -> bool:
    """A call that has not reported back within ``RECOVERY_CALL_TIMEOUT`` counts as ended.

    The time runs from the request until the call is placed, then again from when the phone
    rang: a slow queue must not cut off a person who is typing the code on the keypad.
    """
    if attempt.state == State.CALL_IN_PROGRESS and attempt.call_placed_at is not None:
        since = attempt.call_placed_at
    elif attempt.state in CALL_STATES:
        since = attempt.call_requested_at
    else:
        return False
    return since is not None and timezone.now() >= since + timedelta(
        seconds=settings.RECOVERY_CALL_TIMEOUT
    )


def _end_call(attempt: RecoveryAttempt, reason: str) -> None:
    """Back to *Call me again*, the call's code void (the row is locked by the caller)."""
    attempt.state, attempt.call_error, attempt.phone_code_hash = (
        State.EMAIL_VERIFIED,
        reason[:32],
        "",
    )
    attempt.save(update_fields=["state", "call_error", "phone_code_hash"])
    audit.record(Event.RECOVERY_CALL_FAILED, error_code=reason[:64], **_about(attempt))


def end_stale_call(attempt: RecoveryAttempt) -> RecoveryAttempt:
    """The attempt as it stands, with a call that never reported back ended ("timeout").

    Twilio's status callback ends a real call; the console backend places none, and a
    callback can be lost: without this the page would wait, and refuse another call, forever.
    """
    if not _timed_out(attempt):
        return attempt
    with transaction.atomic():
        locked = _locked(pk=attempt.pk)
        if locked is not None and _timed_out(locked):
            _end_call(locked, "timeout")
    attempt.refresh_from_db()
    return attempt


def shown_code(request, attempt: RecoveryAttempt) -> str | None:
    """The code this browser shows while the attempt's current call is live."""
    held = request.session.get(CALL_CODE_KEY) or {}
    if (
        attempt.state in CALL_STATES
        and held.get("attempt") == str(attempt.pk)
        and held.get("call") == attempt.calls_requested
    ):
        try:
            return crypto.decrypt(held.get("code", "")).decode()
        except crypto.DecryptionError:  # keys rotated away, or not ours: no code to show
            return None
    if held:
        request.session.pop(CALL_CODE_KEY, None)  # that call is over: forget its code
    return None


def _code_hash(attempt: RecoveryAttempt, code: str) -> str:
    """Keyed by a secret derived from ``SECRET_KEY`` and bound to the attempt: six digits are a
    million guesses, so a hash keyed by something public would give the code away to whoever
    reads the table; this one means nothing without the key, nor for another attempt."""
    return salted_hmac(
        "tobira.recovery.call-code", f"{attempt.pk}:{code}", algorithm="sha256"
    ).hexdigest()


def request_call(request, attempt: RecoveryAttempt) -> str | None:
    """*Call me now*: a fresh 6-digit code for the browser to show, the call queued; None if refused."""
    key = f"phone:{attempt.user.account.contact_phone}"
    if not ratelimit.attempt("recovery_call", request=request, user_key=key).allowed:
        return None
    with transaction.atomic():
        attempt = _locked(pk=attempt.pk)
        if _timed_out(attempt):
            _end_call(attempt, "timeout")
        if attempt.state != State.EMAIL_VERIFIED or attempt.calls_requested >= MAX_CALLS:
            return None
        code = f"{secrets.randbelow(10**6):06d}"
        attempt.phone_code_hash = _code_hash(attempt, code)
        attempt.calls_requested += 1
        attempt.call_requested_at = timezone.now()
        attempt.call_sid = ""  # the new call has none yet: late webhooks of the last one miss
        attempt.call_placed_at = None
        attempt.digit_tries = 0
        attempt.call_error = ""
        attempt.state = State.CALL_REQUESTED
        attempt.save(
            update_fields=[
                "phone_code_hash",
                "calls_requested",
                "call_requested_at",
                "call_placed_at",
                "call_sid",
                "digit_tries",
                "call_error",
                "state",
            ]
        )
        audit.record(Event.RECOVERY_CALL_REQUESTED, request=request, **_about(attempt))
        sequence = attempt.calls_requested
    request.session[CALL_CODE_KEY] = {
        "attempt": str(attempt.pk),
        "call": sequence,
        "code": crypto.encrypt(code.encode()),
    }
    # Not later: a call the person was told did not start must not ring unannounced.
    if not enqueue_now("recovery.place_recovery_call", str(attempt.pk), sequence, later=False):
        call_failed(str(attempt.pk), "queue")
        return None
    return code


def webhook_url(name: str, attempt: RecoveryAttempt) -> str:
    return settings.TOBIRA_BASE_URL + reverse(name, args=[attempt.pk])


def place_call(attempt_id: str, sequence: int, backend) -> bool:
    """Place call number ``sequence`` of an attempt, at most once: a retried or redelivered task
    places no second call, and a late task of an earlier call places none at all.

    In three steps, so that no row lock or transaction is held while Twilio is asked, and a
    worker that dies meanwhile cannot make a redelivery ring the phone again:

    1. ``_mark_placing``, committed: the call is still wanted, and ``calls_placed = sequence``
       marks it as *being placed*. A task that finds that mark already set for its call (an
       earlier delivery got that far, then died or lost the database) does not know whether
       Twilio placed it: it ends the call as "unconfirmed" and places nothing.
    2. The backend is asked, outside any transaction.
    3. ``_record_placed``: the call's id and ``CALL_IN_PROGRESS``. On ``CallNotPlaced``
       (certainly no call) the mark is taken back, so that the task may try again; on
       ``CallUnconfirmed`` (the call may ring, its id unknown) the call ends ("unconfirmed"):
       its code is void, the page tells the person, who may ask for another call
       (docs/architecture.md).

    A database error in step 1 places nothing, and the task tries again; in step 3 it leaves
    the mark, and the task's next try ends the call as "unconfirmed" (``tasks``).
    """
    attempt = _mark_placing(attempt_id, sequence)
    if attempt is None:
        return False
    try:
        call_sid = backend.place_call(
            to=attempt.user.account.contact_phone,
            url=webhook_url("recovery:twilio_voice", attempt),
            status_callback=webhook_url("recovery:twilio_status", attempt),
        )
    except CallNotPlaced:
        _unmark_placing(attempt_id, sequence)
        raise
    except CallUnconfirmed:
        call_failed(attempt_id, "unconfirmed", sequence=sequence)
        return False
    return _record_placed(attempt_id, sequence, call_sid)


def _being_placed(attempt: RecoveryAttempt) -> bool:
    """Whether the current call's request may be out to Twilio, its answer not recorded."""
    return attempt.state == State.CALL_REQUESTED and attempt.calls_placed >= attempt.calls_requested


def _mark_placing(attempt_id: str, sequence: int) -> RecoveryAttempt | None:
    """Step 1 of ``place_call``: the attempt, its call marked, if the backend is to be asked."""
    with transaction.atomic():
        attempt = _locked(pk=attempt_id)
        if (
            attempt is None
            or attempt.calls_requested != sequence
            or attempt.state != State.CALL_REQUESTED
            or attempt.expires_at <= timezone.now()
        ):
            return None
        if _being_placed(attempt):
            # An earlier delivery asked Twilio and never recorded the answer: the call may
            # ring, and its id is unknown. Asking again could ring the phone twice.
            logger.warning(
                "recovery call %s of %s may have been placed: ended", sequence, attempt.pk
            )
            _end_call(attempt, "unconfirmed")
            return None
        if _timed_out(attempt):  # the page stopped waiting for this call: ring nobody
            _end_call(attempt, "timeout")
            return None
        attempt.calls_placed = sequence
        attempt.save(update_fields=["calls_placed"])
    return attempt


def _unmark_placing(attempt_id: str, sequence: int) -> None:
    """Twilio certainly placed no call: a retry of the task may place it."""
    RecoveryAttempt.objects.filter(
        pk=attempt_id,
        calls_requested=sequence,
        calls_placed=sequence,
        state=State.CALL_REQUESTED,
        call_sid="",
    ).update(calls_placed=sequence - 1)


def _record_placed(attempt_id: str, sequence: int, call_sid: str) -> bool:
    """Step 3 of ``place_call``: the call rings, and the webhooks now know it by its id.

    Not if the call ended meanwhile (the page gave up waiting): that call hangs up when
    answered, as any call that is not the live one does."""
    with transaction.atomic():
        attempt = _locked(
            pk=attempt_id,
            calls_requested=sequence,
            calls_placed=sequence,
            state=State.CALL_REQUESTED,
            call_sid="",
        )
        if attempt is None:
            return False
        attempt.call_sid = call_sid
        attempt.state = State.CALL_IN_PROGRESS
        attempt.call_placed_at = timezone.now()
        attempt.save(update_fields=["call_sid", "state", "call_placed_at"])
        audit.record(Event.RECOVERY_CALL_PLACED, **_about(attempt))
    return True


# How long a webhook waits for ``place_call`` to record the call it has just placed: Twilio
# may call back (a quick "failed", an answer) before the worker has written the call's id.
PLACING_WAIT = 5.0


def _wait_until_placed(attempt_id) -> None:
    """Until the current call is no longer being placed, for ``PLACING_WAIT`` seconds at most."""
    deadline = time.monotonic() + PLACING_WAIT
    while time.monotonic() < deadline:
        attempt = RecoveryAttempt.objects.filter(pk=attempt_id).first()
        if attempt is None or not _being_placed(attempt):
            return
        time.sleep(0.1)


def call_failed(
    attempt_id: str, reason: str, *, call_sid: str | None = None, sequence: int | None = None
) -> None:
    """The call did not happen or ended without the code: back to *Call me again*.

    From Twilio's status webhook ``call_sid`` names the call, from the task ``sequence`` (the
    call's number): a late callback or task of an earlier call must not end the current one,
    and a callback without an id ends none (a call not placed yet has none either).
    """
    if call_sid is not None:
        if not call_sid:
            return
        _wait_until_placed(attempt_id)
    with transaction.atomic():
        attempts = RecoveryAttempt.objects.select_for_update(of=("self",)).filter(
            pk=attempt_id, state__in=CALL_STATES
        )
        if call_sid is not None:
            attempts = attempts.filter(call_sid=call_sid)
        if sequence is not None:
            attempts = attempts.filter(calls_requested=sequence)
        attempt = attempts.select_related("user__account").first()
        if attempt is None:
            return
        _end_call(attempt, reason)


def call_is_live(attempt_id, call_sid: str) -> bool:
    """Whether ``call_sid`` is the attempt's current call, placed and waiting for the code.

    Not a call Twilio placed although its request went unanswered (its id was never known), nor
    one that has ended: answered, such a call must not ask for a code that cannot work on it.
    A call still being placed is waited for (``_wait_until_placed``): Twilio may call back before
    the task has recorded the call's id.
    """
    if not call_sid:
        return False
    _wait_until_placed(attempt_id)
    with transaction.atomic():
        attempt = _locked(pk=attempt_id, call_sid=call_sid, state=State.CALL_IN_PROGRESS)
        return attempt is not None and not _timed_out(attempt)


def digits_entered(attempt_id, digits: str, *, call_sid: str | None = None) -> str:
    """The digits typed on the phone: "verified", "again" (another try), "failed" (the last
    try was wrong), "ended" (that call is over, or never was) or "waiting" (the call is not
    placed yet: nothing was counted).

    ``call_sid`` (from Twilio's webhook, or the development keypad) must be the current
    call's. Only a placed call has one, so typed digits always belong to a call that exists.
    """
    if call_sid is not None and not call_sid:
        return "ended"
    with transaction.atomic():
        attempts = RecoveryAttempt.objects.select_for_update(of=("self",)).filter(
            pk=attempt_id, state__in=CALL_STATES
        )
        if call_sid is not None:
            attempts = attempts.filter(call_sid=call_sid)
        attempt = attempts.select_related("user__account").first()
        if attempt is not None and attempt.state == State.CALL_REQUESTED:
            return "waiting"
        if attempt is None or not attempt.phone_code_hash or _timed_out(attempt):
            return "ended"
        attempt.digit_tries += 1
        right = hmac.compare_digest(
            attempt.phone_code_hash, _code_hash(attempt, (digits or "")[:6])
        )
        if right and len(digits or "") == 6:
            attempt.state, attempt.phone_code_hash = State.PHONE_VERIFIED, ""
            attempt.save(update_fields=["state", "phone_code_hash", "digit_tries"])
            audit.record(Event.RECOVERY_PHONE_VERIFIED, **_about(attempt))
            return "verified"
        if attempt.digit_tries < MAX_DIGIT_TRIES:
            attempt.save(update_fields=["digit_tries"])
            return "again"
        attempt.state, attempt.call_error, attempt.phone_code_hash = (
            State.EMAIL_VERIFIED,
            "digits",
            "",
        )
        attempt.save(update_fields=["state", "call_error", "phone_code_hash", "digit_tries"])
        audit.record(Event.RECOVERY_PHONE_VERIFIED, error_code="WrongDigits", **_about(attempt))
        return "failed"


def status(attempt: RecoveryAttempt) -> dict:
    """What the phone page polls for (a call that never reported back has ended)."""
    attempt = end_stale_call(attempt)
    return {
        "state": attempt.state,
        "error": attempt.call_error,
        "calls_left": max(0, MAX_CALLS - attempt.calls_requested),
    }


def complete(request, attempt: RecoveryAttempt) -> bool:
    """Both factors passed: sign in (without MFA present), once; the account is told by email."""
    with transaction.atomic():
        attempt = _locked(
            pk=attempt.pk, state=State.PHONE_VERIFIED, session_hash=session_hash(request)
        )
        if attempt is None or attempt.expires_at <= timezone.now() or not attempt.user.is_active:
            return False
        attempt.state = State.COMPLETED
        attempt.save(update_fields=["state"])
        audit.record(Event.RECOVERY_COMPLETED, request=request, **_about(attempt))
        user = attempt.user
        authn_state.end_pending_signin(request)
        signin_flows.complete_signin(
            request, user, {"loginTo": "root"}, recovery="AlternativeFactors"
        )
        authn_state.mark_recovered(request, "alternative_factors")
        enqueue_on_commit(
            "recovery.send_recovery_completed_notification",
            user.pk,
            timezone.now().isoformat(),
            attempt.language,
        )
    return True
