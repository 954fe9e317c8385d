"""The pages of TOTP devices: enabling one with two consecutive codes, resynchronizing one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from identity.authorization import require_own
from mfa.base import selectors as mfa_selectors
from mfa.base.views import assigned_message
from mfa.models import concrete

from . import selectors as totp_selectors
from . import services as totp_services
from .forms import MFAEnableForm


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
            return form, redirect("mfa:security_credentials")
    return form, None


@never_cache
@login_required
def mfa_enable(request, device_id: int):
    device = totp_selectors.user_pending_virtual_device(request.user, device_id)
    require_own(request, "iam:EnableMFADevice")
    form, done = _two_codes_step(request, device, totp_services.mfa_device_enable, assigned_message)
    if done:
        return done
    key = device.key
    return render(
        request,
        "mfa/mfa_enable.html",
        {
            "form": form,
            "device": device,
            "qr_svg": totp_selectors.provisioning_qr_svg(request.user, device, key),
            "secret": totp_selectors.base32_secret(key),
        },
    )


@login_required
def mfa_resync(request, device_id: int):
    """Two consecutive codes teach Tobira a drifted device's clock again."""
    device = concrete(mfa_selectors.user_device_get(request.user, device_id))
    require_own(request, "iam:ResyncMFADevice")
    form, done = _two_codes_step(
        request,
        device,
        totp_services.mfa_device_resync,
        lambda request, device: (
            _("MFA device %(name)s was resynchronized.") % {"name": device.name}
        ),
    )
    if done:
        return done
    return render(request, "mfa/mfa_resync.html", {"form": form, "device": device})
