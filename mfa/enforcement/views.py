"""*MFA is required for the root user*: the prompt an enforced root user sees after signing in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from identity import authn_state
from identity.requestinfo import safe_next

from . import services as enforcement
from .stages import RootMFAPrompt


@never_cache
@login_required
def root_mfa_prompt(request):
    """*MFA is required for the root user*: register a device now, or (in the grace period) later."""
    if not authn_state.stage_required(request, RootMFAPrompt.key):
        return redirect(safe_next(request, reverse("console:home")))
    status = enforcement.root_status(request.user)
    if not status.must_register:  # a device was registered, or the administrator cancelled
        authn_state.stage_done(request, RootMFAPrompt.key)
        return redirect(safe_next(request, reverse("console:home")))
    http_status = 200
    if request.method == "POST":
        if status.overdue:
            messages.error(
                request, _("The grace period has ended: register an MFA device to continue.")
            )
            http_status = 403
        else:
            authn_state.stage_done(request, RootMFAPrompt.key)
            enforcement.reminder_postponed(request, status)
            return redirect(safe_next(request, reverse("console:home")))
    return render(
        request,
        "mfa/root_mfa_prompt.html",
        {"status": status, "next": safe_next(request, "")},
        status=http_status,
    )
