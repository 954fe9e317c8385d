"""Sign-ins over HTTP against a running node while a service fails, and what the database kept
of them: the fault tests' measure of "nothing half-written" (a sign-in's session row and its
audit event are written in one transaction, ``accounts.flows.complete_signin``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from identity.audit_events import Event
from identity.browser_sessions import key_hash
from identity.models import AuditEvent, BrowserSession, User
from tests.support.cluster import Browser


@dataclass(frozen=True)
class SignIn:
    """One person's password step, from a fresh browser."""

    status: int
    posted: bool  # the form came and the password went to the node; else ``status`` is the form's
    session_key: str | None  # the session cookie it ended with
    retry_after: str | None  # a 503 "try again shortly" says when (console.views.errors)
    started: float  # time.monotonic()
    ended: float


def sign_in(base: str, account: str, name: str, password: str) -> SignIn:
    browser = Browser()
    started = time.monotonic()
    response = browser.password(base, account, name, password, allow_redirects=False)
    return SignIn(
        status=response.status_code,
        posted=response.request.method == "POST",
        session_key=browser.http.cookies.get(settings.SESSION_COOKIE_NAME),
        retry_after=response.headers.get("Retry-After"),
        started=started,
        ended=time.monotonic(),
    )


@dataclass(frozen=True)
class Kept:
    """A user's successful sign-ins as the database has them."""

    events: int  # ConsoleLogin events without an error
    sessions: set[str]  # the key hashes of the user's session rows

    def has_session(self, signin: SignIn) -> bool:
        return signin.session_key is not None and key_hash(signin.session_key) in self.sessions


def kept_signins(user: User, *, using: str = "default") -> Kept:
    events = AuditEvent.objects.using(using).filter(
        event_name=Event.CONSOLE_LOGIN.event_name,
        error_code="",
        recipient_account_id=user.account_id,
        user_name=user.name,
    )
    sessions = BrowserSession.objects.using(using).filter(user_id=user.pk)
    return Kept(events=events.count(), sessions=set(sessions.values_list("key_hash", flat=True)))
