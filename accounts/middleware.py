"""Until a user who must change their password has done so, nothing else opens.

The change-password page itself, signing out and switching the language stay
reachable, so a new user is never locked out (the "deadlock" of seed 003).
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from . import flows
from .mfa.models import MFADevice


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.password_reset_required:
            request.signin_step_pending = "change_password"  # the top bar offers only sign-out
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


class RootMFAPromptMiddleware:
    """An enforced root user without MFA sees the prompt before anything else.

    Set at sign-in (``flows.ROOT_MFA_PROMPT``); cleared by *Remind me later*
    during the grace period, or as soon as the user has an MFA device. Until
    then only the prompt, the MFA registration pages, changing the password,
    signing out and the language switch open.
    """

    ALLOWED = frozenset(
        {
            "accounts:root_mfa_prompt",
            "accounts:mfa_assign",
            "accounts:mfa_enable",
            "accounts:mfa_passkey",
            "accounts:mfa_passkey_options",
            "accounts:change_password",
            "accounts:signout",
            "set_language",
        }
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(flows.ROOT_MFA_PROMPT)
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            if MFADevice.objects.filter(user=user, confirmed=True).exists():
                request.session.pop(flows.ROOT_MFA_PROMPT, None)
            else:
                request.signin_step_pending = "root_mfa_prompt"
                try:
                    name = resolve(request.path_info).view_name
                except Resolver404:
                    name = ""
                if name not in self.ALLOWED:
                    target = reverse("accounts:root_mfa_prompt")
                    if request.method == "GET":
                        target += "?" + urlencode({"next": request.get_full_path()})
                    return redirect(target)
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
