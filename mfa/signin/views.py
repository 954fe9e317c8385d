"""The sign-in's MFA step, between the password and the session: *Additional verification
required* (a code, a passkey or security key, or a recovery code) and *Troubleshoot MFA*."""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import flows as signin_flows
from accounts import views as account_views
from accounts.forms import IAMSignInForm
from identity import ratelimit
from identity.requestinfo import safe_next
from mfa.base import selectors as mfa_selectors
from mfa.base.forms import MFACodeForm
from mfa.models import MFADevice
from mfa.recovery_codes import flows as recovery_codes
from mfa.recovery_codes.forms import RecoveryCodeForm
from mfa.webauthn import auth as webauthn
from mfa.webauthn.forms import WebAuthnResponseForm

from . import flows, passkey


@never_cache
def signin_mfa(request):
    """*Additional verification required*: a passkey or security key, or a code from a device."""
    user = signin_flows.pending_signin_user(request)
    if user is None:
        messages.info(request, _("Your sign-in expired. Sign in again."))
        return redirect("accounts:signin")
    devices, has_recovery_codes = mfa_selectors.signin_devices(user)
    kinds = mfa_selectors.allowed_device_kinds(user)  # an SSO organization may allow fewer kinds
    if kinds is not None:
        devices = [d for d in devices if d.kind in kinds]
    code_devices = [d for d in devices if d.kind != MFADevice.Kind.WEBAUTHN]
    has_keys = len(code_devices) < len(devices)
    status = 200
    form = MFACodeForm(code_devices)
    recovery_form = RecoveryCodeForm()
    key_error = None
    if request.method == "POST":
        method = request.POST.get("method")
        if method == "webauthn":
            key_form = WebAuthnResponseForm(request.POST)
            credential = key_form.data.get("credential", "") if key_form.is_valid() else ""
            if has_keys:
                result = flows.signin_webauthn(request, user=user, credential_json=credential)
            else:  # no key may be used here (none registered, or not an allowed kind)
                result = signin_flows.SignInResult()
        elif method == "recovery_code":
            recovery_form = RecoveryCodeForm(request.POST)
            result = None
            if recovery_form.is_valid():
                result = flows.signin_recovery_code(
                    request, user=user, code=recovery_form.cleaned_data["recovery_code"]
                )
        else:
            form = MFACodeForm(code_devices, request.POST)
            result = None
            if form.is_valid():
                result = flows.signin_mfa(
                    request,
                    user=user,
                    device=next(
                        (d for d in code_devices if d.pk == form.cleaned_data["device"]), None
                    ),
                    code=form.cleaned_data["code"],
                )
        if result is not None:
            if result.user is not None:
                if result.stage is not None:  # a password change, say: before anything else
                    return result.stage.redirect(
                        request, result.user, next_url=safe_next(request, "")
                    )
                if result.recovered:
                    return redirect("mfa:security_credentials")
                return redirect(safe_next(request, reverse("console:home")))
            if result.throttled:
                message = _("Too many attempts. Wait a few minutes, then try again.")
                status = 429
            elif request.POST.get("method") == "webauthn":
                message = _(
                    "The passkey or security key was not accepted. Use a key registered to this "
                    "user, or another MFA device."
                )
                if result.reason == "malformed":  # not an answer a browser gives
                    status = 400
            elif method == "recovery_code":
                message = _("The recovery code is not valid, or it was used before.")
            elif result.reason == "replayed":
                message = _(
                    "This code was already used. Wait for your device to show the next code, "
                    "then enter it."
                )
            else:
                message = _("The code is not valid. Check it and try again.")
            if method == "webauthn":
                key_error = message
            elif method == "recovery_code":
                recovery_form.add_error(None, message)
            else:
                form.refuse(message)
    return render(
        request,
        "mfa/signin_mfa.html",
        {
            "form": form if code_devices else None,
            "has_keys": has_keys,
            "key_error": key_error,
            # SSO users: only the devices their organization allows, never a recovery code.
            "recovery_form": recovery_form if not user.is_sso and has_recovery_codes else None,
            # Troubleshoot MFA's "Use one of your recovery codes" opens that part of the page
            # (a <details> that is the link's #fragment stays folded in browsers).
            "recovery_open": request.GET.get("use") == "recovery",
            "next": safe_next(request, ""),
        },
        status=status,
    )


@require_POST
def signin_mfa_options(request):
    """Assertion options for the user in the middle of signing in (their keys only)."""
    user = signin_flows.pending_signin_user(request)
    if user is None:
        return JsonResponse({"error": "expired"}, status=403)
    return HttpResponse(
        webauthn.authentication_options(request, user), content_type="application/json"
    )


@never_cache
def signin_troubleshoot(request):
    """*Troubleshoot MFA*: the ways back in for someone who passed the password but lost the device."""
    user = signin_flows.pending_signin_user(request)
    if user is None:
        messages.info(request, _("Your sign-in expired. Sign in again."))
        return redirect("accounts:signin")
    account = user.account
    return render(
        request,
        "mfa/signin_troubleshoot.html",
        {
            "pending": user,
            "has_codes": recovery_codes.has_codes(user),
            "member_root": user.is_root and not account.is_management_account,
        },
    )


# --- Signing in with a passkey alone (``passkey``) ---------------------------------------

PASSKEY_NOT_ACCEPTED = gettext_lazy(
    "The passkey was not accepted. Sign in with your user name and password, or try another "
    "passkey."
)
PASSKEY_NOT_VERIFIED = gettext_lazy(
    "This security key did not verify you (PIN or biometrics). Sign in with your password, "
    "then use the key."
)
PASSKEY_THROTTLED = gettext_lazy("Too many attempts. Wait a few minutes, then try again.")
_ACCOUNT_IDENTIFIER = re.compile(r"[A-Za-z0-9-]{1,63}")


def passkey_error(result) -> tuple[str, int]:
    """What the person is told of a refused passkey sign-in, and the page's status."""
    if result.throttled:
        return PASSKEY_THROTTLED, 429
    if result.reason == "not_verified":
        return PASSKEY_NOT_VERIFIED, 200
    return PASSKEY_NOT_ACCEPTED, 400 if result.reason == "malformed" else 200


@require_POST
def passkey_options(request):
    """Assertion options for a sign-in with a passkey alone: no user is known yet, so no
    ``allowCredentials``; user verification required. Rate-limited per address: each answer
    writes a challenge (and a session)."""
    if not ratelimit.attempt("passkey_options", request=request).allowed:
        return JsonResponse({"error": "throttled"}, status=429)
    return HttpResponse(webauthn.signin_options(request), content_type="application/json")


@sensitive_post_parameters("credential")
@require_POST
@never_cache
def passkey_signin(request):
    """*Sign in with a passkey* on the console's sign-in page (IAM users)."""
    form = WebAuthnResponseForm(request.POST)
    credential = form.cleaned_data["credential"] if form.is_valid() else ""
    result = passkey.signin_passkey(request, credential_json=credential)
    if result.user is not None:
        if result.stage is not None:
            return result.stage.redirect(request, result.user, next_url=safe_next(request, ""))
        return redirect(safe_next(request, reverse("console:home")))
    message, status = passkey_error(result)
    account_identifier = request.POST.get("account", "")
    if not _ACCOUNT_IDENTIFIER.fullmatch(account_identifier):
        account_identifier = ""
    return account_views.render_signin(
        request,
        IAMSignInForm(initial={"account": account_identifier} if account_identifier else {}),
        account_identifier=account_identifier or None,
        status=status,
        passkey_error=message,
    )
