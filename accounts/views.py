from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from identity import authn_state
from identity.authorization import require
from identity.requestinfo import safe_next
from recovery import codes as recovery_codes
from sso import access as sso_access

from . import flows
from .forms import (
    SIGNIN_FAILED_MESSAGE,
    SIGNIN_THROTTLED_MESSAGE,
    ChangePasswordForm,
    IAMSignInForm,
    MFAAssignForm,
    MFACodeForm,
    MFAEnableForm,
    MFARemoveForm,
    MFARenameForm,
    RecoveryCodeForm,
    RootSignInForm,
    WebAuthnResponseForm,
)
from .mfa import enforcement, webauthn
from .mfa import selectors as mfa_selectors
from .mfa import services as mfa_services
from .mfa.models import MFADevice, concrete


def _require_own(request, action: str, resource: str | None = None) -> None:
    """Self-service pages ask the policy engine too: about the user's own ARN (or ``resource``)."""
    user = request.user
    if user.is_sso:  # the organization's SSO settings decide, not an IAM policy
        sso_access.require_self_service(request, action)
        return
    require(request, action, resource or user.arn, account=user.account)


def _require_kind(request, kind: str) -> None:
    """An SSO organization may allow only some kinds of MFA device."""
    kinds = sso_access.allowed_device_kinds(request.user)
    if kinds is not None and kind not in kinds:
        raise PermissionDenied(_("Your organization does not allow this kind of MFA device."))


def _password_confirmed(request, form) -> tuple[bool, int]:
    """Whether the signed-in user re-entered their password right in ``form``, and the status.

    Wrong passwords count against the same limit as on the change-password page;
    the error goes on the form.
    """
    if not flows.password_change_attempt(request):
        form.add_error(None, _("Too many attempts. Wait a few minutes, then try again."))
        return False, 429
    if not request.user.check_password(form.cleaned_data["password"]):
        form.add_error("password", _("The password is incorrect."))
        return False, 200
    return True, 200


def _mfa_arn(user, name: str) -> str:
    return f"arn:aws:iam::{user.account_id}:mfa/{name}"


def _redirect_keeping_next(request, view_name: str):
    next_url = safe_next(request, "")
    target = reverse(view_name)
    return redirect(target + (f"?{urlencode({'next': next_url})}" if next_url else ""))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def signin(request, account_identifier: str | None = None):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request, reverse("console:home")))
    mode = (
        request.POST.get("mode")
        or request.GET.get("mode")
        or ("iam" if account_identifier else "root")
    )
    form_class = IAMSignInForm if mode == "iam" else RootSignInForm
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            result = flows.signin(request, form)
            if result.mfa_required:
                return _redirect_keeping_next(request, "accounts:signin_mfa")
            if result.user is not None:
                if result.user.password_reset_required:
                    return redirect("accounts:change_password")
                if result.root_mfa_prompt:
                    return _redirect_keeping_next(request, "accounts:root_mfa_prompt")
                return redirect(safe_next(request, reverse("console:home")))
            form.add_error(
                None, SIGNIN_THROTTLED_MESSAGE if result.throttled else SIGNIN_FAILED_MESSAGE
            )
            status = 429 if result.throttled else 200
    else:
        initial = {"account": account_identifier} if account_identifier else {}
        form = form_class(initial=initial)
    return render(
        request,
        "accounts/signin.html",
        {
            "form": form,
            "mode": form_class.mode,
            "account_identifier": account_identifier or "",
            "next": safe_next(request, ""),
        },
        status=status,
    )


def _signin_page_of(user) -> str:
    """Where this person signs in again: their account's page, their portal, or the root tab."""
    if not user.is_authenticated:
        return reverse("accounts:signin")
    if getattr(user, "kind", None) == "role" or user.is_sso:
        return reverse("sso:portal", args=[user.account.organization_id])
    if user.is_root:
        return reverse("accounts:signin")
    return reverse("accounts:signin_account", args=[user.account.signin_identifier])


@require_POST
def signout(request):
    target = _signin_page_of(request.user)  # before the session (and with it the user) is gone
    flows.signout(request)
    messages.info(request, _("You have signed out."))
    return redirect(target)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
def change_password(request):
    user = request.user
    _require_own(request, "iam:ChangePassword")
    status = 200
    if request.method == "POST":
        form = ChangePasswordForm(user, request.POST)
        if form.is_valid():
            if not flows.password_change_attempt(request):
                form.add_error(None, _("Too many attempts. Wait a few minutes, then try again."))
                status = 429
            elif not user.check_password(form.cleaned_data["old_password"]):
                flows.password_change_wrong_old(request)
                form.add_error("old_password", _("The current password is incorrect."))
            else:
                flows.password_change(request, new_password=form.cleaned_data["new_password1"])
                messages.success(request, _("Your password has been changed."))
                return redirect(safe_next(request, reverse("accounts:security_credentials")))
    else:
        form = ChangePasswordForm(user)
    return render(
        request,
        "accounts/change_password.html",
        {"form": form, "required": user.password_reset_required, "next": safe_next(request, "")},
        status=status,
    )


@login_required
def security_credentials(request):
    user = request.user
    _require_own(request, "iam:GetUser")
    return render(
        request,
        "accounts/security_credentials.html",
        {
            "account": user.account,
            "recovered": request.session.get(flows.RECOVERED),
            "recovery_codes_left": recovery_codes.remaining(user),
            "recovery_codes_closed": ""
            if user.is_sso
            else recovery_codes.closed_reason(
                user=user, signed_in_with_mfa=authn_state.mfa_present(request)
            ),
            "mfa_devices": mfa_selectors.user_devices(user),
            "signin_url": request.build_absolute_uri(
                reverse("sso:portal", args=[user.account.organization_id])
                if user.is_sso
                else reverse("accounts:signin_account", args=[user.account.signin_identifier])
            ),
        },
    )


@never_cache
def signin_mfa(request):
    """*Additional verification required*: a passkey or security key, or a code from a device."""
    user = flows.pending_signin_user(request)
    if user is None:
        messages.info(request, _("Your sign-in expired. Sign in again."))
        return redirect("accounts:signin")
    devices = list(mfa_selectors.user_devices(user))
    kinds = sso_access.allowed_device_kinds(user)  # an SSO organization may allow fewer kinds
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
                result = flows.SignInResult()
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
                if result.user.password_reset_required:
                    return redirect("accounts:change_password")
                if result.recovered:
                    return redirect("accounts:security_credentials")
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
        "accounts/signin_mfa.html",
        {
            "form": form if code_devices else None,
            "has_keys": has_keys,
            "key_error": key_error,
            # SSO users: only the devices their organization allows, never a recovery code.
            "recovery_form": recovery_form
            if not user.is_sso and recovery_codes.has_codes(user)
            else None,
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
    user = flows.pending_signin_user(request)
    if user is None:
        return JsonResponse({"error": "expired"}, status=403)
    return HttpResponse(
        webauthn.authentication_options(request, user), content_type="application/json"
    )


WEBAUTHN_PENDING_NAME = "tobira_webauthn_name"


@login_required
def mfa_assign(request):
    """Step 1 of assigning a device: its type and name."""
    user = request.user
    _require_own(request, "iam:EnableMFADevice")
    suggestion = f"{'root' if user.is_root else user.name}-app"
    allowed = sso_access.allowed_device_kinds(user)
    if request.method == "POST":
        form = MFAAssignForm(request.POST, app_suggestion=suggestion, allowed=allowed)
        if form.is_valid():
            name = form.cleaned_data["name"]
            try:
                _require_kind(
                    request,
                    "webauthn"
                    if form.cleaned_data["device_type"] == MFAAssignForm.WEBAUTHN
                    else "virtual",
                )
                if form.cleaned_data["device_type"] == MFAAssignForm.APP:
                    _require_own(request, "iam:CreateVirtualMFADevice", _mfa_arn(user, name))
                if form.cleaned_data["device_type"] == MFAAssignForm.WEBAUTHN:
                    mfa_services.check_room_and_name(user, name)
                    request.session[WEBAUTHN_PENDING_NAME] = name
                    return redirect("accounts:mfa_passkey")
                device, _key = mfa_services.virtual_mfa_device_create(user=user, name=name)
            except ValidationError as error:
                form.add_error(None if not hasattr(error, "error_dict") else "name", error.messages)
            else:
                return redirect("accounts:mfa_enable", device_id=device.pk)
    else:
        form = MFAAssignForm(app_suggestion=suggestion, allowed=allowed)
    return render(request, "accounts/mfa_assign.html", {"form": form})


@never_cache
@login_required
def mfa_passkey(request):
    """Step 2 for a passkey or security key: the browser creates it, Tobira verifies it."""
    user = request.user
    _require_own(request, "iam:EnableMFADevice")
    _require_kind(request, "webauthn")
    name = request.session.get(WEBAUTHN_PENDING_NAME, "")
    error = None
    status = 200
    if request.method == "POST":
        form = WebAuthnResponseForm(request.POST)
        if form.is_valid():
            try:
                device = webauthn.register(
                    request, user=user, credential_json=form.cleaned_data["credential"], name=name
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
                status = 400
            else:
                request.session.pop(WEBAUTHN_PENDING_NAME, None)
                messages.success(request, _assigned_message(request, device))
                return redirect("accounts:security_credentials")
        else:
            error = _("The browser sent no usable answer. Try again.")
            status = 400
    return render(
        request,
        "accounts/mfa_passkey.html",
        {"form": WebAuthnResponseForm(), "name": name, "error": error},
        status=status,
    )


@require_POST
@login_required
def mfa_passkey_options(request):
    _require_own(request, "iam:EnableMFADevice")
    _require_kind(request, "webauthn")
    return HttpResponse(
        webauthn.registration_options(request, request.user), content_type="application/json"
    )


@login_required
def mfa_rename(request, device_id: int):
    device = mfa_selectors.user_device_get(request.user, device_id)
    _require_own(request, "iam:TagMFADevice", device.arn)
    if request.method == "POST":
        form = MFARenameForm(request.POST)
        if form.is_valid():
            try:
                mfa_services.mfa_device_rename(
                    actor=request.user,
                    device=device,
                    name=form.cleaned_data["name"],
                    request=request,
                )
            except ValidationError as error:
                form.add_error("name", error.messages)
            else:
                messages.success(
                    request,
                    _("MFA device %(name)s was renamed.") % {"name": form.cleaned_data["name"]},
                )
                return redirect("accounts:security_credentials")
    else:
        form = MFARenameForm(initial={"name": device.name})
    return render(request, "accounts/mfa_rename.html", {"form": form, "device": device})


def _assigned_message(request, device) -> str:
    """Success, and, in a session signed in without MFA, how to reach the pages that need it."""
    if authn_state.mfa_present(request):
        return _("MFA device %(name)s was assigned.") % {"name": device.name}
    return _(
        "MFA device %(name)s was assigned. To use pages that require MFA, sign out and sign in "
        "again with it."
    ) % {"name": device.name}


def _two_codes_step(request, device, service, success_message):
    """Run ``service`` with two consecutive codes typed into an ``MFAEnableForm``.

    ``success_message(request, device)`` says what was done.

    Returns the form to show again, or the redirect after success.
    """
    if request.method != "POST":
        return MFAEnableForm(), None
    form = MFAEnableForm(request.POST)
    if form.is_valid():
        try:
            service(
                actor=request.user,
                device=device,
                first_code=form.cleaned_data["code1"],
                second_code=form.cleaned_data["code2"],
                request=request,
            )
        except ValidationError as error:
            form.refuse(error.messages)
        else:
            messages.success(request, success_message(request, device))
            return form, redirect("accounts:security_credentials")
    return form, None


@never_cache
@login_required
def mfa_enable(request, device_id: int):
    device = mfa_selectors.user_pending_virtual_device(request.user, device_id)
    _require_own(request, "iam:EnableMFADevice")
    form, done = _two_codes_step(request, device, mfa_services.mfa_device_enable, _assigned_message)
    if done:
        return done
    key = device.key
    return render(
        request,
        "accounts/mfa_enable.html",
        {
            "form": form,
            "device": device,
            "qr_svg": mfa_selectors.provisioning_qr_svg(request.user, device, key),
            "secret": mfa_selectors.base32_secret(key),
        },
    )


@login_required
def mfa_remove(request, device_id: int):
    device = mfa_selectors.user_device_get(request.user, device_id)
    _require_own(request, "iam:DeactivateMFADevice")
    status = 200
    if request.method == "POST":
        form = MFARemoveForm(request.POST)
        if form.is_valid():
            confirmed, status = _password_confirmed(request, form)
            if confirmed:
                try:
                    mfa_services.mfa_device_delete(
                        actor=request.user, device=device, request=request
                    )
                except ValidationError as error:
                    form.add_error(None, error.messages)
                else:
                    messages.success(
                        request, _("MFA device %(name)s was removed.") % {"name": device.name}
                    )
                    return redirect("accounts:security_credentials")
    else:
        form = MFARemoveForm()
    return render(
        request, "accounts/mfa_remove.html", {"form": form, "device": device}, status=status
    )


@login_required
def mfa_resync(request, device_id: int):
    """Two consecutive codes teach Tobira a drifted device's clock again."""
    device = concrete(mfa_selectors.user_device_get(request.user, device_id))
    _require_own(request, "iam:ResyncMFADevice")
    form, done = _two_codes_step(
        request,
        device,
        mfa_services.mfa_device_resync,
        lambda request, device: (
            _("MFA device %(name)s was resynchronized.") % {"name": device.name}
        ),
    )
    if done:
        return done
    return render(request, "accounts/mfa_resync.html", {"form": form, "device": device})


@never_cache
@login_required
def root_mfa_prompt(request):
    """*MFA is required for the root user*: register a device now, or (in the grace period) later."""
    if not request.session.get(flows.ROOT_MFA_PROMPT):
        return redirect(safe_next(request, reverse("console:home")))
    status = enforcement.root_status(request.user)
    if not status.must_register:  # a device was registered, or the administrator cancelled
        request.session.pop(flows.ROOT_MFA_PROMPT, None)
        return redirect(safe_next(request, reverse("console:home")))
    http_status = 200
    if request.method == "POST":
        if status.overdue:
            messages.error(
                request, _("The grace period has ended: register an MFA device to continue.")
            )
            http_status = 403
        else:
            request.session.pop(flows.ROOT_MFA_PROMPT, None)
            enforcement.reminder_postponed(request, status)
            return redirect(safe_next(request, reverse("console:home")))
    return render(
        request,
        "accounts/root_mfa_prompt.html",
        {"status": status, "next": safe_next(request, "")},
        status=http_status,
    )


@sensitive_post_parameters("password")
@never_cache
@login_required
def recovery_codes_page(request):
    """Generate ten recovery codes (after the password), shown once; the old set stops working."""
    user = request.user
    if user.is_sso:
        raise PermissionDenied(_("Recovery codes are not available to SSO users."))
    _require_own(request, "iam:EnableMFADevice")
    # Only a session that signed in with an MFA device may make codes, and only for a user
    # who has one (recovery_codes.closed_reason says why not).
    closed = recovery_codes.closed_reason(
        user=user, signed_in_with_mfa=authn_state.mfa_present(request)
    )
    status = 200
    if request.method == "POST":
        form = MFARemoveForm(request.POST)
        if closed:
            form.is_valid()
            status = 403
        elif form.is_valid():
            confirmed, status = _password_confirmed(request, form)
            if confirmed:
                codes = recovery_codes.generate(user=user, request=request)
                response = render(request, "accounts/recovery_codes_shown.html", {"codes": codes})
                response["Cache-Control"] = "no-store"
                return response
    else:
        form = MFARemoveForm()
    return render(
        request,
        "accounts/recovery_codes.html",
        {"form": form, "remaining": recovery_codes.remaining(user), "closed": closed},
        status=status,
    )


@never_cache
def signin_troubleshoot(request):
    """*Troubleshoot MFA*: the ways back in for someone who passed the password but lost the device."""
    user = flows.pending_signin_user(request)
    if user is None:
        messages.info(request, _("Your sign-in expired. Sign in again."))
        return redirect("accounts:signin")
    account = user.account
    return render(
        request,
        "accounts/signin_troubleshoot.html",
        {
            "pending": user,
            "has_codes": recovery_codes.has_codes(user),
            "member_root": user.is_root and not account.is_management_account,
        },
    )
