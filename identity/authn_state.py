"""The authentication state of a browser session: its one owner.

Every session key that says how far a person has got in signing in lives here, and no other
module reads or writes them:

- the **pending sign-in**: the password step passed, a stage before the session (MFA) is not
  done yet. It lives in a fresh session for ``PENDING_SIGNIN_TTL`` seconds and signs nobody in;
- the **MFA record** of a signed-in session (when, which device, or the external identity
  provider's MFA): the policy context reads ``aws:MultiFactorAuthPresent`` and
  ``aws:MultiFactorAuthAge`` from it;
- **recovered**: signed in without the MFA device (a recovery code, alternative factors), so the
  pages say what to do next;
- the **browser session record** of a signed-in session: the public id of its
  ``BrowserSession`` row (``identity.browser_sessions``), so that the row follows the session;
- the **stages still pending** after signing in (the root MFA prompt, SSO MFA registration):
  ``accounts.stages`` decides what they mean.

Written by the sign-in flows (``accounts.flows``, ``mfa.signin.flows``, ``recovery.flow``,
``sso.flows``); a new sign-in starts from nothing (``complete_signin`` calls ``signed_in``).
"""

from __future__ import annotations

import time

PENDING_SIGNIN = "tobira_pending_signin"
PENDING_SIGNIN_TTL = 300  # seconds to finish the MFA step after the password step
MFA_SESSION_KEY = "tobira_mfa"
SIGNIN_SESSION_KEY = "tobira_signin"  # when this session signed in, and how (auth_time, amr)
RECOVERED = "tobira_recovered"
PENDING_STAGES = "tobira_pending_stages"
BROWSER_SESSION = "tobira_browser_session"  # the public id of this session's BrowserSession

EXTERNAL = "external"  # the external identity provider said it used MFA (the ID token's amr)


def _session(request):
    return getattr(request, "session", None)


# The pending sign-in: between the password and the MFA step.


def begin_pending_signin(request, *, user_id: int, params: dict) -> None:
    """Password verified; a stage before the session finishes signing in. A fresh session key:
    whatever the browser carried before is not carried into the sign-in."""
    request.session.cycle_key()
    request.session[PENDING_SIGNIN] = {"user": user_id, "at": int(time.time()), "params": params}


def pending_signin(request) -> dict | None:
    """``{"user": pk, "at": epoch seconds, "params": the audit parameters}`` while recent; an
    expired one is forgotten."""
    session = _session(request)
    pending = session.get(PENDING_SIGNIN) if session is not None else None
    if not pending or time.time() - pending["at"] > PENDING_SIGNIN_TTL:
        if session is not None:
            session.pop(PENDING_SIGNIN, None)
        return None
    return pending


def pending_signin_params(request) -> dict:
    """The audit parameters of the password step, for the events of the stage that follows."""
    return request.session[PENDING_SIGNIN]["params"]


def end_pending_signin(request) -> None:
    request.session.pop(PENDING_SIGNIN, None)


# A signed-in session.


def signed_in(
    request, *, device_arn: str | None, amr: list[str] = (), previous: dict | None = None
) -> None:
    """A sign-in completed (after ``login()``): the MFA record is this sign-in's, and nothing of
    an earlier sign-in of the same user (``login()`` keeps its data) outlives it.

    ``device_arn`` is the MFA device used, ``EXTERNAL`` for the identity provider's MFA, or None
    without MFA. ``amr`` lists the methods used (RFC 8176 values: ``pwd``, ``otp``, ``hwk``...),
    as the applications Tobira signs people in to are told (the ID token's ``amr``).
    ``previous``: the sign-in record this one steps up (a fresh MFA step in a signed-in
    session), whose first factor (``primary_at``: the password or the federated sign-in) it
    keeps."""
    request.session.pop(RECOVERED, None)
    request.session.pop(MFA_SESSION_KEY, None)
    now = int(time.time())
    if device_arn is not None:
        request.session[MFA_SESSION_KEY] = {"at": now, "device": device_arn}
    primary_at = previous.get("primary_at") if previous else now
    request.session[SIGNIN_SESSION_KEY] = {"at": now, "amr": list(amr), "primary_at": primary_at}


def signin_record(request) -> dict:
    """``{"at": epoch seconds, "amr": [...], "primary_at": epoch seconds or None}`` of this
    session's latest authentication (``at``: a sign-in or a step-up) and of its first factor
    (``primary_at``); a session that signed in before this was recorded reads as signed in
    now, with no methods and no known first factor."""
    session = _session(request)
    record = session.get(SIGNIN_SESSION_KEY) if session is not None else None
    return record or {"at": int(time.time()), "amr": [], "primary_at": None}


def mfa_record(request) -> dict | None:
    """``{"at": epoch seconds, "device": ARN or EXTERNAL}``, or None without MFA."""
    session = _session(request)
    return session.get(MFA_SESSION_KEY) if session is not None else None


def mfa_present(request) -> bool:
    return bool(mfa_record(request))


def mfa_age(request) -> int | None:
    """Seconds since the MFA step of this session, or None without MFA."""
    record = mfa_record(request)
    if not record:
        return None
    return max(0, int(time.time()) - int(record.get("at", 0)))


def mark_browser_session(request, public_id: str) -> None:
    """The ``BrowserSession`` row that lists this signed-in session (``identity.browser_sessions``)."""
    request.session[BROWSER_SESSION] = public_id


def browser_session(request) -> str | None:
    """The public id of this session's ``BrowserSession`` row, or None (not signed in, or
    signed in before sessions were listed)."""
    session = _session(request)
    return session.get(BROWSER_SESSION) if session is not None else None


def mark_recovered(request, how: str) -> None:
    """Signed in without the MFA device: ``how`` is "recovery_code" or "alternative_factors"."""
    request.session[RECOVERED] = how


def recovered(request) -> str | None:
    session = _session(request)
    return session.get(RECOVERED) if session is not None else None


# Stages still pending in a signed-in session.


def require_stage(request, key: str) -> None:
    stages = request.session.get(PENDING_STAGES, [])
    if key not in stages:
        request.session[PENDING_STAGES] = [*stages, key]


def stage_required(request, key: str) -> bool:
    session = _session(request)
    return session is not None and key in session.get(PENDING_STAGES, ())


def stage_done(request, key: str) -> None:
    stages = request.session.get(PENDING_STAGES, [])
    if key in stages:
        remaining = [stage for stage in stages if stage != key]
        if remaining:
            request.session[PENDING_STAGES] = remaining
        else:
            request.session.pop(PENDING_STAGES, None)
