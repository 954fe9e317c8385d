"""The MFA record of a signed-in session: its one writer and its readers.

Written when a sign-in completes (``accounts.flows.complete_signin``), read by the policy context
(``aws:MultiFactorAuthPresent``, ``aws:MultiFactorAuthAge``) and by pages that need an MFA session.
No other module touches this session key. (Issue 14 moves the rest of the sign-in state here.)
"""

from __future__ import annotations

import time

MFA_SESSION_KEY = "tobira_mfa"
EXTERNAL = "external"  # the external identity provider said it used MFA (the ID token's amr)


def record_mfa(request, *, device_arn: str | None) -> None:
    """This session signed in with ``device_arn`` (``EXTERNAL`` for the identity provider's MFA),
    or without MFA (``None``): an earlier record never outlives a new sign-in."""
    request.session.pop(MFA_SESSION_KEY, None)
    if device_arn is not None:
        request.session[MFA_SESSION_KEY] = {"at": int(time.time()), "device": device_arn}


def mfa_record(request) -> dict | None:
    """``{"at": epoch seconds, "device": ARN or EXTERNAL}``, or None without MFA."""
    session = getattr(request, "session", None)
    return session.get(MFA_SESSION_KEY) if session is not None else None


def mfa_present(request) -> bool:
    return bool(mfa_record(request))


def mfa_age(request) -> int | None:
    """Seconds since the MFA step of this session, or None without MFA."""
    record = mfa_record(request)
    if not record:
        return None
    return max(0, int(time.time()) - int(record.get("at", 0)))
