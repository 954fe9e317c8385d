"""Signed-in browser sessions: the rows that list them, and ending them (Keycloak's *Device
activity*, a person's *Signed-in sessions*).

A row (``BrowserSession``) is made when a session signs in (``browser_session_signed_in``,
called by every sign-in flow once the session key is final), follows the session key when it
changes and notes the session's activity (``BrowserSessionMiddleware``: at most one write a
minute per session, and one when the key or the expiry changes), and goes when the session
signs out or is ended here. Ending a session deletes the Django session through the session
store, so the cache of ``cached_db`` forgets it too: the browser is signed out at its next
request. Expired rows are never listed and ``browser_sessions_purge_expired`` removes them.

The session key is never stored in clear and never audited: rows are found by its SHA-256, the
store is given the key decrypted from ``key_encrypted`` (the field keys), and the trail names a
row by its ``public_id`` (``bs-…``).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from . import audit, authn_state, crypto, requestinfo, user_agents
from .audit_events import Event
from .models import BrowserSession, User

logger = logging.getLogger(__name__)

ACTIVITY_INTERVAL = 60  # seconds: "last active" is written at most this often per session
MAX_AUDITED_IDS = 50  # session ids named in one event, at most

# Why a user's sessions ended (the event's ``reason``).
REASON_ADMINISTRATOR = "EndedByAdministrator"
REASON_PASSWORD_RESET = "PasswordResetByAdministrator"
REASON_CONSOLE_ACCESS_REMOVED = "ConsoleAccessRemoved"
REASON_USER_DELETED = "UserDeleted"
REASON_USER_DISABLED = "UserDisabled"
REASON_PASSWORD_CHANGED = "PasswordChanged"
REASON_SIGNED_OUT_OTHERS = "SignedOutOtherSessions"


def key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


# --- Selectors ---------------------------------------------------------------------------


def user_browser_sessions(user: User):
    """The user's signed-in sessions that have not expired, the latest active first."""
    return BrowserSession.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-last_active", "-pk"
    )


def user_browser_session_get(user: User, public_id: str) -> BrowserSession:
    """One of the user's own sessions; another person's (or an expired one) is a 404."""
    row = user_browser_sessions(user).filter(public_id=public_id[:32]).first()
    if row is None:
        raise Http404
    return row


def user_browser_sessions_summary(user: User) -> dict:
    """``{"count": n, "last_active": datetime or None}`` in one query."""
    return (
        user_browser_sessions(user)
        .order_by()
        .aggregate(count=Count("pk"), last_active=Max("last_active"))
    )


def current_public_id(request) -> str | None:
    """The public id of the request's own session row, if it has one."""
    return authn_state.browser_session(request)


# --- Services ----------------------------------------------------------------------------


def _method(amr: list[str], recovery: str) -> str:
    if recovery == "RecoveryCode":
        return BrowserSession.Method.RECOVERY_CODE
    if recovery == "AlternativeFactors":
        return BrowserSession.Method.ALTERNATIVE_FACTORS
    if "fed" in amr:
        return BrowserSession.Method.FEDERATION
    if "pwd" not in amr and ("hwk" in amr or "swk" in amr):  # a passkey alone
        return BrowserSession.Method.PASSKEY
    return BrowserSession.Method.PASSWORD


def _mfa_method(amr: list[str], mfa: dict | None) -> str:
    if not mfa:
        return BrowserSession.MFAMethod.NONE
    if mfa.get("device") == authn_state.EXTERNAL:
        return BrowserSession.MFAMethod.IDENTITY_PROVIDER
    if "hwk" in amr or "swk" in amr:
        return BrowserSession.MFAMethod.SECURITY_KEY
    return BrowserSession.MFAMethod.CODE


@transaction.atomic(savepoint=False)  # part of the sign-in's transaction: all of it, or none
def browser_session_signed_in(
    request, *, user: User, replaces: str | None = None, recovery: str = ""
) -> BrowserSession:
    """The request's session has just signed ``user`` in (after ``login()`` and
    ``authn_state.signed_in``): its row, replacing the row of the session key it had before
    (``replaces``: a step-up, or another sign-in in the same browser). Also drops the user's
    expired rows, so a user's rows stay few even without the periodic purge."""
    session = request.session
    if session.session_key is None:  # login() flushed a session of someone else: a new key
        session.save()
    key = session.session_key
    now = timezone.now()
    hashes = {key_hash(key)} | ({key_hash(replaces)} if replaces else set())
    # One statement: the rows this one replaces, and the user's expired ones.
    BrowserSession.objects.filter(
        Q(key_hash__in=hashes) | Q(user=user, expires_at__lte=now)
    ).delete()
    record = authn_state.signin_record(request)
    amr = list(record.get("amr") or [])
    mfa = authn_state.mfa_record(request)
    primary_at = record.get("primary_at")
    agent = requestinfo.user_agent(request)
    parsed = user_agents.parse(agent)
    row = BrowserSession.objects.create(
        user=user,
        key_hash=key_hash(key),
        key_encrypted=crypto.encrypt(key.encode()),
        user_agent=agent[:512],
        browser=parsed.browser,
        operating_system=parsed.operating_system,
        ip_address=requestinfo.client_ip(request),
        method=_method(amr, recovery),
        mfa_method=_mfa_method(amr, mfa),
        mfa_device=str((mfa or {}).get("device", ""))[:2048],
        signed_in_at=datetime.fromtimestamp(primary_at, tz=UTC) if primary_at else now,
        last_active=now,
        expires_at=session.get_expiry_date(),
    )
    authn_state.mark_browser_session(request, row.public_id)
    cache.set(_activity_key(row.public_id), 1, ACTIVITY_INTERVAL)
    request.browser_session_written = (key, row.expires_at)  # the middleware has nothing to add
    return row


def browser_session_signed_out(request) -> None:
    """The request's session signs out (before ``logout()``): its row goes."""
    public_id = authn_state.browser_session(request)
    if public_id:
        BrowserSession.objects.filter(public_id=public_id).delete()
    key = getattr(request, "session", None) and request.session.session_key
    if key:
        BrowserSession.objects.filter(key_hash=key_hash(key)).delete()


def _activity_key(public_id: str) -> str:
    return f"browser-session-active:{public_id}"


def browser_session_seen(request, *, previous_key: str | None, status_code: int) -> None:
    """After a request of a signed-in session (the middleware): follow a changed session key,
    a changed expiry, and "last active" at most once per ``ACTIVITY_INTERVAL``. No query at all
    for most requests: one cache operation."""
    session = getattr(request, "session", None)
    if session is None:
        return
    key = session.session_key
    if not key:
        return
    public_id = authn_state.browser_session(request)
    if not public_id:
        return
    written = getattr(request, "browser_session_written", None)  # (key, expiry) at sign-in
    fields = {}
    if previous_key != key and (written is None or written[0] != key):
        fields["key_hash"] = key_hash(key)
        fields["key_encrypted"] = crypto.encrypt(key.encode())
    if session.modified and status_code < 500 and not session.is_empty():
        expires_at = session.get_expiry_date()  # what the session store saves next
        if written is None or abs((expires_at - written[1]).total_seconds()) >= 1:
            fields["expires_at"] = expires_at
    if written is None and cache.add(_activity_key(public_id), 1, ACTIVITY_INTERVAL):
        fields["last_active"] = timezone.now()
    if fields:
        BrowserSession.objects.filter(public_id=public_id).update(**fields)


def _end(rows: list[BrowserSession]) -> list[str]:
    """Delete each row's Django session through the session store (the cache too), then the
    rows. The public ids of what ended."""
    store = _session_store()
    for row in rows:
        try:
            key = crypto.decrypt(row.key_encrypted).decode()
        except crypto.DecryptionError:
            # The field keys rotated away without re-encrypting: the session ends at its expiry.
            logger.warning("browser session %s: its key could not be decrypted", row.public_id)
            continue
        store().delete(key)
    BrowserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return [row.public_id for row in rows]


@transaction.atomic
def browser_session_end(*, actor: User, session: BrowserSession, request=None) -> None:
    """A person signs out one of their sessions (``session``: reached through
    ``user_browser_session_get``, so it is theirs)."""
    (public_id,) = _end([session])
    audit.record(
        Event.END_SESSION,
        request=request,
        actor=actor,
        account_id=session.user.account_id,
        request_parameters={"sessionId": public_id},
    )


def _others(user: User, request):
    rows = BrowserSession.objects.filter(user=user)
    current = authn_state.browser_session(request) if request is not None else None
    if current:
        rows = rows.exclude(public_id=current)
    key = (
        request.session.session_key if request is not None and hasattr(request, "session") else None
    )
    if key:
        rows = rows.exclude(key_hash=key_hash(key))
    return rows


@transaction.atomic
def browser_sessions_end_others(
    *, actor: User, user: User, request, reason: str = REASON_SIGNED_OUT_OTHERS
) -> int:
    """Every session of ``user`` but the request's own ends (expired ones too: nothing stays
    signed in that the list did not show). Audited when the person asked, or when any ended."""
    ended = _end(list(_others(user, request).select_for_update()))
    if ended or reason == REASON_SIGNED_OUT_OTHERS:
        audit.record(
            Event.END_OTHER_SESSIONS,
            request=request,
            actor=actor,
            account_id=user.account_id,
            request_parameters={"sessionIds": ended[:MAX_AUDITED_IDS]},
            response_elements={"sessionsEnded": len(ended)},
            additional_event_data={"reason": reason},
        )
    return len(ended)


@transaction.atomic
def browser_sessions_end_all(
    *, actor: User | None, user: User, request=None, reason: str = REASON_ADMINISTRATOR
) -> int:
    """Every session of ``user`` ends. Audited when an administrator asked, or when any ended
    (a password reset, the user's deletion)."""
    ended = _end(list(BrowserSession.objects.filter(user=user).select_for_update()))
    if ended or reason == REASON_ADMINISTRATOR:
        audit.record(
            Event.END_USER_SESSIONS,
            request=request,
            actor=actor,
            account_id=user.account_id,
            request_parameters={"userName": user.name or user.arn},
            response_elements={
                "sessionsEnded": len(ended),
                "sessionIds": ended[:MAX_AUDITED_IDS],
            },
            additional_event_data={"reason": reason},
        )
    return len(ended)


def browser_sessions_purge_expired() -> int:
    """Remove the rows of sessions that have expired (their Django sessions are gone or dead)."""
    deleted, _by_model = BrowserSession.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
