"""The recovery pages. Step 1's link lands here; the rest of the flow arrives with the phone step."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache

from . import flow


@never_cache
def verify(request, attempt_id):
    """The emailed link: a page with a button (mail scanners follow links; a POST spends it)."""
    token = (request.POST.get("t") or request.GET.get("t") or "")[:128]
    if request.method == "POST":
        attempt = flow.verify_email(request, attempt_id, token)
        if attempt is None:
            return render(request, "recovery/verify.html", {"failed": True}, status=400)
        request.session[flow.SESSION_KEY] = str(attempt.pk)
        return render(request, "recovery/verified.html", {"attempt": attempt})
    return render(request, "recovery/verify.html", {"token": token})
