"""Until a user who must change their password has done so, nothing else opens.

The change-password page itself, signing out and switching the language stay
reachable, so a new user is never locked out (the "deadlock" of seed 003).
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.password_reset_required:
            allowed = {
                reverse("accounts:change_password"),
                reverse("accounts:signout"),
                reverse("set_language"),
            }
            if request.path not in allowed and not request.path.startswith(
                "/" + settings.STATIC_URL.lstrip("/")
            ):
                return redirect("accounts:change_password")
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person are never kept by the browser or a proxy.

    Otherwise the Back button after signing out would show user lists and
    email addresses from the cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response
