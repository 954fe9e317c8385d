"""The recovery pages. Step 1's link lands here; the rest of the flow arrives with the phone step."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from . import flow

TOKEN_KEY = "tobira_recovery_token"


@never_cache
def verify(request, attempt_id):
    """The emailed link: a page with a button (mail scanners follow links; a POST spends it).

    As Django's password reset does, the token moves from the URL into the session
    and the browser is sent to the same page without it: the token stays out of
    logs, history and Referer headers.
    """
    token_key = f"{TOKEN_KEY}:{attempt_id}"
    if request.method == "GET" and "t" in request.GET:
        request.session[token_key] = request.GET["t"][:128]
        return redirect("recovery:verify", attempt_id=attempt_id)
    token = request.session.get(token_key, "")
    if request.method == "POST":
        attempt = flow.verify_email(request, attempt_id, token) if token else None
        request.session.pop(token_key, None)
        if attempt is None:
            return render(request, "recovery/verify.html", {"failed": True}, status=400)
        request.session[flow.SESSION_KEY] = str(attempt.pk)
        return render(request, "recovery/verified.html", {"attempt": attempt})
    if not token:
        return render(request, "recovery/verify.html", {"failed": True}, status=400)
    return render(request, "recovery/verify.html", {"attempt_id": attempt_id})
