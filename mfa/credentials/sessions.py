"""The person's own signed-in sessions, on the *Security credentials* page: every browser
signed in as them (browser and system, address, when, MFA), *Sign out* of one of them and
*Sign out all other sessions*, each after a confirmation page (POST).

The list is part of the page (``iam:GetUser``); ending a session asks ``iam:UpdateLoginProfile``
on the person's own ARN: a console session is the login profile's, and an administrator's *End
all sessions* asks the same action on the user. A session id of someone else is a 404
(``user_browser_session_get`` starts from the person).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from identity import browser_sessions
from identity.authorization import allowed, require_own

BACK = "mfa:security_credentials"
END_ACTION = "iam:UpdateLoginProfile"


def may_end_sessions(request) -> bool:
    """Whether the person may sign out their own sessions here (to show the buttons)."""
    user = request.user
    if user.is_sso:  # their organization decides (settings.SSO_SELF_SERVICE), without an audit
        try:
            require_own(request, END_ACTION)
        except PermissionDenied:
            return False
        return True
    return allowed(request, END_ACTION, user.arn, account=user.account)


def section(request) -> dict:
    """The *Signed-in sessions* section of the Security credentials page: one query."""
    user = request.user
    rows = list(browser_sessions.user_browser_sessions(user))
    current = browser_sessions.current_public_id(request)
    return {
        "browser_sessions": rows,
        "current_session_id": current,
        "other_sessions": sum(1 for row in rows if row.public_id != current),
        "can_end_sessions": may_end_sessions(request),
    }


@never_cache
@login_required
def session_end(request, session_id: str):
    """Sign out one of the person's other sessions, after a confirmation."""
    user = request.user
    row = browser_sessions.user_browser_session_get(user, session_id)
    require_own(request, END_ACTION)
    if row.public_id == browser_sessions.current_public_id(request):
        messages.error(request, _("This is the session you are using: to end it, sign out."))
        return redirect(BACK)
    if request.method == "POST":
        browser_sessions.browser_session_end(actor=user, session=row, request=request)
        messages.success(request, _("The session was signed out."))
        return redirect(BACK)
    return render(
        request,
        "mfa/browser_session_end.html",
        {"row": row, "back_url": reverse(BACK)},
    )


@never_cache
@login_required
def sessions_end_others(request):
    """Sign out every session of the person but this one, after a confirmation."""
    user = request.user
    require_own(request, END_ACTION)
    if request.method == "POST":
        ended = browser_sessions.browser_sessions_end_others(actor=user, user=user, request=request)
        messages.success(
            request,
            _("No other session was signed in.")
            if not ended
            else _("All your other sessions were signed out."),
        )
        return redirect(BACK)
    current = browser_sessions.current_public_id(request)
    others = [
        row for row in browser_sessions.user_browser_sessions(user) if row.public_id != current
    ]
    return render(
        request,
        "mfa/browser_sessions_end_others.html",
        {"others": others, "back_url": reverse(BACK)},
    )
