"""The *Recovery codes* page: make ten codes (shown once), or see how many are left."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts import flows as signin_flows
from identity import authn_state
from identity.authorization import require_own
from mfa.base.forms import MFARemoveForm

from . import flows as recovery_codes


@sensitive_post_parameters("password")
@never_cache
@login_required
def recovery_codes_page(request):
    """Generate ten recovery codes (after the password), shown once; the old set stops working."""
    user = request.user
    if user.is_sso:
        raise PermissionDenied(_("Recovery codes are not available to SSO users."))
    require_own(request, "iam:EnableMFADevice")
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
            confirmed, status = signin_flows.password_confirmed(request, form)
            if confirmed:
                codes = recovery_codes.generate(user=user, request=request)
                response = render(request, "mfa/recovery_codes_shown.html", {"codes": codes})
                response["Cache-Control"] = "no-store"
                return response
    else:
        form = MFARemoveForm()
    return render(
        request,
        "mfa/recovery_codes.html",
        {"form": form, "remaining": recovery_codes.remaining(user), "closed": closed},
        status=status,
    )
