"""The pages every kind of MFA device shares: renaming and removing one, and what the factors'
own pages share (the "assigned" message, the kinds an SSO organization allows, the name a passkey
registration carries from the assign page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import flows as signin_flows
from identity import authn_state
from identity.authorization import require_own

from . import selectors as mfa_selectors
from . import services as mfa_services
from .forms import MFARemoveForm, MFARenameForm


def require_kind(request, kind: str) -> None:
    """An SSO organization may allow only some kinds of MFA device."""
    kinds = mfa_selectors.allowed_device_kinds(request.user)
    if kinds is not None and kind not in kinds:
        raise PermissionDenied(_("Your organization does not allow this kind of MFA device."))


WEBAUTHN_PENDING_NAME = "tobira_webauthn_name"


@login_required
def mfa_rename(request, device_id: int):
    device = mfa_selectors.user_device_get(request.user, device_id)
    require_own(request, "iam:TagMFADevice", device.arn)
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
                return redirect("mfa:security_credentials")
    else:
        form = MFARenameForm(initial={"name": device.name})
    return render(request, "mfa/mfa_rename.html", {"form": form, "device": device})


def assigned_message(request, device) -> str:
    """Success, and, in a session signed in without MFA, how to reach the pages that need it."""
    if authn_state.mfa_present(request):
        return _("MFA device %(name)s was assigned.") % {"name": device.name}
    return _(
        "MFA device %(name)s was assigned. To use pages that require MFA, sign out and sign in "
        "again with it."
    ) % {"name": device.name}


@login_required
def mfa_remove(request, device_id: int):
    device = mfa_selectors.user_device_get(request.user, device_id)
    require_own(request, "iam:DeactivateMFADevice")
    status = 200
    if request.method == "POST":
        form = MFARemoveForm(request.POST)
        if form.is_valid():
            confirmed, status = signin_flows.password_confirmed(request, form)
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
                    return redirect("mfa:security_credentials")
    else:
        form = MFARemoveForm()
    return render(request, "mfa/mfa_remove.html", {"form": form, "device": device}, status=status)
