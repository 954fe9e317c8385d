"""Signing in (the password step), signing out, changing the password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from identity import passwords
from identity.authorization import authorize, require_own
from identity.requestinfo import safe_next

from . import flows
from .backends import find_account
from .forms import (
    PASSWORD_EXPIRED_MESSAGE,
    SIGNIN_FAILED_MESSAGE,
    SIGNIN_THROTTLED_MESSAGE,
    ChangePasswordForm,
    IAMSignInForm,
    RootSignInForm,
)


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
            if result.stage is not None:  # MFA before the session, or a stage after it
                return result.stage.redirect(request, result.user, next_url=safe_next(request, ""))
            if result.user is not None:
                return redirect(safe_next(request, reverse("console:home")))
            if result.reason == "password_expired":
                form.add_error(None, PASSWORD_EXPIRED_MESSAGE)
            else:
                form.add_error(
                    None, SIGNIN_THROTTLED_MESSAGE if result.throttled else SIGNIN_FAILED_MESSAGE
                )
            status = 429 if result.throttled else 200
    else:
        initial = {"account": account_identifier} if account_identifier else {}
        form = form_class(initial=initial)
    return render_signin(request, form, account_identifier=account_identifier, status=status)


def passkey_offered(mode: str, account_identifier: str | None) -> bool:
    """Whether the sign-in page offers *Sign in with a passkey*: on the IAM user tab, unless
    the page is an account's (``/signin/<alias-or-id>``) that has not turned it on."""
    if mode != "iam":
        return False
    if not account_identifier:
        return True
    account = find_account(account_identifier)
    return account is not None and account.passkey_signin


def render_signin(
    request, form, *, account_identifier: str | None, status: int = 200, passkey_error=None
):
    """The sign-in page: ``form`` (root or IAM user), and the passkey sign-in when offered
    (``mfa.signin`` answers it, and shows the page again with ``passkey_error``)."""
    passkey = passkey_offered(form.mode, account_identifier)
    if passkey and "user_name" in form.fields:
        # The browser's autofill offers the passkeys of this site in the user name box.
        form.fields["user_name"].widget.attrs["autocomplete"] = "username webauthn"
    return render(
        request,
        "accounts/signin.html",
        {
            "form": form,
            "mode": form.mode,
            "account_identifier": account_identifier or "",
            "next": safe_next(request, ""),
            "passkey": passkey,
            "passkey_error": passkey_error,
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


def _denied(request, action: str) -> bool:
    """Whether a statement of the person's policies explicitly denies ``action`` on themselves."""
    user = request.user
    decision = authorize(user, action, user.arn, account=user.account, request=request)
    return decision.engine is not None and decision.engine.decision == "ExplicitDeny"


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
@login_required
def change_password(request):
    user = request.user
    # The account's AllowUsersToChangePassword stands in for an Allow, never against a Deny:
    # without it the engine must allow iam:ChangePassword; with it, it must not deny it.
    if not passwords.may_change_own(user) or _denied(request, "iam:ChangePassword"):
        require_own(request, "iam:ChangePassword")
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
                return redirect(safe_next(request, reverse("mfa:security_credentials")))
    else:
        form = ChangePasswordForm(user)
    return render(
        request,
        "accounts/change_password.html",
        {
            "form": form,
            "required": user.password_reset_required,
            "next": safe_next(request, ""),
            "password_rules": passwords.requirements(passwords.policy_for(user)),
        },
        status=status,
    )
