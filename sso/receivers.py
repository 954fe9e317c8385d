"""What sso does when accounts signs someone in or out: the browser's console role session
(whoever's it was) ends, and its end is audited. accounts only sends the signals."""

from __future__ import annotations

from . import sessions


def end_role_session_at_signin(sender, *, request, user, **kwargs) -> None:
    ended = sessions.end_session(request)
    if ended is not None:
        sessions.record_end(request, ended, "SignedIn")


def end_role_session_at_signout(sender, *, request, **kwargs) -> None:
    ended = sessions.end_session(request)
    if ended is not None:
        sessions.record_end(request, ended, "SignedOut")
