from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from . import flows
from .forms import (
    SIGNIN_FAILED_MESSAGE,
    SIGNIN_THROTTLED_MESSAGE,
    ChangePasswordForm,
    IAMSignInForm,
    RootSignInForm,
)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def signin(request, account_identifier: str | None = None):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request, reverse("console:home")))
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
            if result.user is not None:
                if result.user.password_reset_required:
                    return redirect("accounts:change_password")
                return redirect(_safe_next(request, reverse("console:home")))
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
            "next": _safe_next(request, ""),
        },
        status=status,
    )


@require_POST
def signout(request):
    flows.signout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:signin")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
def change_password(request):
    user = request.user
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
                return redirect(_safe_next(request, reverse("accounts:security_credentials")))
    else:
        form = ChangePasswordForm(user)
    return render(
        request,
        "accounts/change_password.html",
        {"form": form, "required": user.password_reset_required, "next": _safe_next(request, "")},
        status=status,
    )


@login_required
def security_credentials(request):
    user = request.user
    return render(
        request,
        "accounts/security_credentials.html",
        {
            "account": user.account,
            "signin_url": request.build_absolute_uri(
                reverse("accounts:signin_account", args=[user.account.signin_identifier])
            ),
        },
    )
