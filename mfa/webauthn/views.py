"""The page that registers a passkey or security key, and the options its script asks for."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from identity.authorization import require_own
from mfa.base.views import WEBAUTHN_PENDING_NAME, assigned_message, require_kind

from . import auth, flows
from .forms import WebAuthnResponseForm


@never_cache
@login_required
def mfa_passkey(request):
    """Step 2 for a passkey or security key: the browser creates it, Tobira verifies it."""
    user = request.user
    require_own(request, "iam:EnableMFADevice")
    require_kind(request, "webauthn")
    name = request.session.get(WEBAUTHN_PENDING_NAME, "")
    error = None
    status = 200
    if request.method == "POST":
        form = WebAuthnResponseForm(request.POST)
        if form.is_valid():
            try:
                device = flows.register(
                    request, user=user, credential_json=form.cleaned_data["credential"], name=name
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
                status = 400
            else:
                request.session.pop(WEBAUTHN_PENDING_NAME, None)
                messages.success(request, assigned_message(request, device))
                return redirect("mfa:security_credentials")
        else:
            error = _("The browser sent no usable answer. Try again.")
            status = 400
    return render(
        request,
        "mfa/mfa_passkey.html",
        {"form": WebAuthnResponseForm(), "name": name, "error": error},
        status=status,
    )


@require_POST
@login_required
def mfa_passkey_options(request):
    require_own(request, "iam:EnableMFADevice")
    require_kind(request, "webauthn")
    return HttpResponse(
        auth.registration_options(request, request.user), content_type="application/json"
    )
