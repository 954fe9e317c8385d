"""*Security credentials*: the page that lists a person's password, MFA devices, recovery
codes and credentials for programs (their pages are in ``keys.py``), and the first step of assigning a device (its kind and name), which hands over to the
factor's own page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from identity import arns, authn_state
from identity.authorization import permitted, require_own
from identity.credentials import selectors as credential_selectors
from identity.credentials.models import (
    MAX_ACCESS_KEYS_PER_USER,
    MAX_SIGNING_CERTIFICATES_PER_USER,
    MAX_SSH_PUBLIC_KEYS_PER_USER,
)
from mfa.base import selectors as mfa_selectors
from mfa.base import services as mfa_services
from mfa.base.forms import MFAAssignForm
from mfa.base.views import WEBAUTHN_PENDING_NAME, require_kind
from mfa.recovery_codes import flows as recovery_codes
from mfa.totp import services as totp_services

from . import program_access, sessions


def _credentials_for_programs(request, user) -> dict:
    """The access keys, SSH public keys and certificates sections: what the person may list
    (one engine load for every question) and the lists (three queries, whatever their size)."""
    if user.is_sso:
        return {}
    can = permitted(request, program_access.questions(user.arn), account=user.account)
    return {
        "can": can,
        "access_keys": list(credential_selectors.user_access_keys(user))
        if can["list_access_keys"]
        else [],
        "ssh_keys": list(credential_selectors.user_ssh_public_keys(user))
        if can["list_ssh_keys"] and not user.is_root
        else [],
        "certificates": list(credential_selectors.user_signing_certificates(user))
        if can["list_certificates"]
        else [],
        "root_access_keys_forbidden": user.is_root
        and not user.account.organization.root_access_keys_allowed,
        "max_access_keys": MAX_ACCESS_KEYS_PER_USER,
        "max_ssh_keys": MAX_SSH_PUBLIC_KEYS_PER_USER,
        "max_certificates": MAX_SIGNING_CERTIFICATES_PER_USER,
    }


@login_required
def security_credentials(request):
    user = request.user
    require_own(request, "iam:GetUser")
    return render(
        request,
        "mfa/security_credentials.html",
        {
            **_credentials_for_programs(request, user),
            **sessions.section(request),
            "account": user.account,
            "recovered": authn_state.recovered(request),
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


@login_required
def mfa_assign(request):
    """Step 1 of assigning a device: its type and name."""
    user = request.user
    require_own(request, "iam:EnableMFADevice")
    suggestion = f"{'root' if user.is_root else user.name}-app"
    allowed = mfa_selectors.allowed_device_kinds(user)
    if request.method == "POST":
        form = MFAAssignForm(request.POST, app_suggestion=suggestion, allowed=allowed)
        if form.is_valid():
            name = form.cleaned_data["name"]
            try:
                require_kind(
                    request,
                    "webauthn"
                    if form.cleaned_data["device_type"] == MFAAssignForm.WEBAUTHN
                    else "virtual",
                )
                if form.cleaned_data["device_type"] == MFAAssignForm.APP:
                    require_own(
                        request,
                        "iam:CreateVirtualMFADevice",
                        arns.mfa_device(user.account_id, "/", name),
                    )
                if form.cleaned_data["device_type"] == MFAAssignForm.WEBAUTHN:
                    mfa_services.check_room_and_name(user, name)
                    request.session[WEBAUTHN_PENDING_NAME] = name
                    return redirect("mfa:passkey")
                device, _key = totp_services.virtual_mfa_device_create(user=user, name=name)
            except ValidationError as error:
                form.add_error(None if not hasattr(error, "error_dict") else "name", error.messages)
            else:
                return redirect("mfa:enable", device_id=device.pk)
    else:
        form = MFAAssignForm(app_suggestion=suggestion, allowed=allowed)
    return render(request, "mfa/mfa_assign.html", {"form": form})
