"""AuthnRequests waiting in the session while the person signs in or passes an MFA step.

A verified request is kept under a random token (``tobira_saml_pending``); the page the person
returns to names the token only, never the request. Each sign-in of the session (the
``accounts.signals.signing_in`` signal, sent by every sign-in flow before the session changes
hands) marks the requests waiting then as *signed in since*: that is what satisfies a
``ForceAuthn="true"`` request, so the resumed request does not ask again.
"""

from __future__ import annotations

import secrets
import time

SESSION_KEY = "tobira_saml_pending"
TTL = 15 * 60  # seconds to sign in (password, MFA) and come back
MAX = 10  # requests per session; the oldest goes first


def keep(request, pending: dict) -> str:
    """Keep ``pending`` in the session; its token."""
    now = time.time()
    kept = {
        token: value
        for token, value in (request.session.get(SESSION_KEY) or {}).items()
        if now - value.get("at", 0) < TTL
    }
    while len(kept) >= MAX:
        kept.pop(min(kept, key=lambda token: kept[token]["at"]))
    token = secrets.token_urlsafe(16)
    kept[token] = {**pending, "signed_in": False}
    request.session[SESSION_KEY] = kept
    return token


def get(request, token: str) -> dict | None:
    value = (request.session.get(SESSION_KEY) or {}).get(token)
    if value is None or time.time() - value.get("at", 0) >= TTL:
        return None
    return value


def drop(request, token: str) -> None:
    kept = dict(request.session.get(SESSION_KEY) or {})
    if kept.pop(token, None) is not None:
        request.session[SESSION_KEY] = kept


def mark_signed_in(sender, request=None, **kwargs) -> None:
    """Receiver of ``accounts.signals.signing_in``: a sign-in happened after the requests that
    wait in this session."""
    session = getattr(request, "session", None)
    if session is None or not session.get(SESSION_KEY):
        return
    session[SESSION_KEY] = {
        token: {**value, "signed_in": True} for token, value in session[SESSION_KEY].items()
    }
