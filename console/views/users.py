"""The admin console: organizations, accounts, IAM users.

Each view reaches its objects through ``selectors`` (another tenant's object
is a 404), asks ``authorization.require`` for the IAM action, calls one
service and renders.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.mfa import enforcement
from accounts.mfa import selectors as mfa_selectors
from accounts.mfa import services as mfa_services
from accounts.mfa.models import RootMFAWave
from identity import authn_state, crypto, ids, ratelimit, selectors, services
from identity.authorization import allowed, permitted, require
from identity.models import AuditEvent

from ..forms.iam import (
    AccountCreateForm,
    ConsolePasswordForm,
    DeleteConfirmForm,
    HardwareTokenForm,
    IAMUserCreateForm,
    RootMFAResetForm,
    RootMFAWaveForm,
    SignUpForm,
    apply_service_errors,
)

PAGE_SIZE = 25


def page_of(request, queryset, per_page: int = PAGE_SIZE):
    """One page of a list, by the ``page`` parameter (the last page when it is out of range)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _apply_service_errors(
    form, error: ValidationError, *, bare_errors_to: str | None = "password"
) -> None:
    """Put a service's errors on the form's fields.

    A bare error list, and the password's errors, go to ``bare_errors_to`` (the password,
    for the services that take one) or, with None, to the top of the form.
    """
    apply_service_errors(
        form, error, bare_errors_to=bare_errors_to, rename={"password": bare_errors_to}
    )


def home(request):
    if not request.user.is_authenticated:
        return redirect("accounts:signin")
    return redirect("console:home")


@login_required
def console_home(request):
    principal = request.user
    # The landing page asks too: what it lists depends on what the principal may see.
    if not allowed(
        request,
        "iam:GetAccountSummary",
        f"arn:aws:iam::{principal.account_id}:root",
        account=principal.account,
    ):
        return render(request, "console/home.html", {"restricted": True})
    organization = selectors.organization_of(principal)
    accounts_page = page_of(request, selectors.organization_accounts(principal))
    can_manage = principal.is_root and principal.account.is_management_account
    return render(
        request,
        "console/home.html",
        {
            "organization": organization,
            "accounts_page": accounts_page,
            "can_add_account": can_manage,
        },
    )


@sensitive_post_parameters("password1", "password2")
def signup(request):
    """Create an organization: its management account and that account's root user."""
    if not settings.SIGNUP_ENABLED:
        raise Http404
    status = 200
    if request.method == "POST":
        form = SignUpForm(request.POST)
        # Every attempt counts, failed ones too: the answers say which emails are taken.
        if not ratelimit.attempt("signup", request=request).allowed:
            form.is_valid()
            form.add_error(None, _("Too many attempts from your address. Try again later."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                organization = services.organization_create(
                    name=data["organization_name"],
                    account_name=data["account_name"],
                    root_email=data["root_email"],
                    root_password=data["password1"],
                    alias=data["alias"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to="password1")
            else:
                root = selectors.account_root_user(organization.management_account)
                login(request, root, backend="accounts.backends.ConsoleSignInBackend")
                messages.success(
                    request,
                    _(
                        "Organization %(org)s created. You are signed in as the root user of account %(account)s."
                    )
                    % {"org": organization.id, "account": organization.management_account_id},
                )
                return redirect("console:home")
    else:
        form = SignUpForm()
    return render(request, "console/signup.html", {"form": form}, status=status)


@sensitive_post_parameters("password1", "password2")
@login_required
def account_create(request):
    principal = request.user
    organization = selectors.organization_of(principal)
    management = organization.management_account
    # Only the management account's principals may add accounts to an organization.
    require(request, "organizations:CreateAccount", organization.arn, account=management)
    if request.method == "POST":
        form = AccountCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                account = services.account_create(
                    actor=principal,
                    organization=organization,
                    name=data["name"],
                    root_email=data["root_email"],
                    alias=data["alias"],
                    contact_phone=data["contact_phone"],
                    root_password=data["password1"] or None,
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to="password1")
            else:
                messages.success(
                    request,
                    _("Account %(id)s (%(name)s) was added.")
                    % {"id": account.id, "name": account.name},
                )
                return redirect("console:account_detail", account_id=account.id)
    else:
        form = AccountCreateForm()
    return render(
        request, "console/account_create.html", {"form": form, "organization": organization}
    )


def _management_organization(request, action: str):
    """The principal's organization, when the principal may ``action`` on it (else 403)."""
    organization = selectors.organization_of(request.user)
    require(request, action, organization.arn, account=organization.management_account)
    return organization


@login_required
def root_mfa(request):
    """Root MFA enforcement of the organization: the waves, a new wave, every account's status."""
    organization = _management_organization(request, "organizations:DescribeRootMFAEnforcement")
    if request.method == "POST":
        require(
            request,
            "organizations:EnableRootMFAEnforcement",
            organization.arn,
            account=organization.management_account,
        )
        form = RootMFAWaveForm(organization, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                wave = enforcement.wave_create(
                    actor=request.user,
                    organization=organization,
                    scope=data["scope"],
                    accounts=list(data["accounts"]),
                    start=data["start"],
                    grace_days=data["grace_days"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(
                    request,
                    _("Root MFA enforcement was scheduled from %(date)s.")
                    % {"date": date_format(timezone.localdate(wave.starts_at), "DATE_FORMAT")},
                )
                return redirect("console:root_mfa")
    else:
        has_management_wave = organization.root_mfa_waves.filter(
            scope=RootMFAWave.Scope.MANAGEMENT
        ).exists()
        form = RootMFAWaveForm(
            organization,
            initial={
                "scope": RootMFAWave.Scope.ALL_MEMBERS
                if has_management_wave
                else RootMFAWave.Scope.MANAGEMENT,
                "start": timezone.localdate(),
                "grace_days": enforcement.default_grace_days(),
            },
        )
    waves = enforcement.organization_waves(organization.pk)
    page = page_of(request, enforcement.organization_accounts_with_status(organization))
    return render(
        request,
        "console/root_mfa.html",
        {
            "organization": organization,
            "form": form,
            "waves": waves,
            "now": timezone.now(),
            "page": page,
            "rows": enforcement.statuses(page.object_list, waves),
        },
    )


@login_required
def root_mfa_wave_cancel(request, wave_id: int):
    organization = _management_organization(request, "organizations:DisableRootMFAEnforcement")
    wave = organization.root_mfa_waves.filter(pk=wave_id).first()
    if wave is None:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            enforcement.wave_cancel(actor=request.user, wave=wave, request=request)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, _("The enforcement wave was cancelled."))
            return redirect("console:root_mfa")
    return render(
        request,
        "console/root_mfa_wave_cancel.html",
        {"organization": organization, "wave": wave, "error": error},
        status=409 if error else 200,
    )


@login_required
def account_detail(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(request, "iam:GetAccountSummary", f"arn:aws:iam::{account.id}:root", account=account)
    root = selectors.account_root_user(account)
    people = selectors.account_people(account)
    is_member_seen_from_management = (
        account.pk != account.organization.management_account_id
        and request.user.account_id != account.pk
    )
    can = permitted(
        request,
        {
            "reset_root_mfa": ("iam:DeactivateMFADevice", root.arn),
            "list_users": ("iam:ListUsers", ids.user_arn(account.id, "/", "*")),
            "create_user": ("iam:CreateUser", ids.user_arn(account.id, "/", "*")),
            "events": ("cloudtrail:LookupEvents", f"arn:aws:cloudtrail::{account.id}:trail/*"),
            "groups": ("iam:ListGroups", ids.group_arn(account.id, "/", "*")),
            "policies": ("iam:ListPolicies", ids.policy_arn(account.id, "/", "*")),
            "simulator": ("iam:SimulatePrincipalPolicy", ids.user_arn(account.id, "/", "*")),
            "set_up_sso": ("sso:DescribeInstance", _sso_instance_arn(account)),
        },
        account=account,
    )
    return render(
        request,
        "console/account_detail.html",
        {
            "account": account,
            "root": root,
            "user_count": people["iam_users"],
            "people": people,
            "can_reset_root_mfa": is_member_seen_from_management and can["reset_root_mfa"],
            "can_set_up_sso": can["set_up_sso"]
            and request.user.account_id == account.organization.management_account_id,
            "can": can,
        },
    )


def _sso_instance_arn(account) -> str:
    from .sso import instance_arn

    return instance_arn(account.organization)


@login_required
def user_list(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(request, "iam:ListUsers", ids.user_arn(account.id, "/", "*"), account=account)
    search = request.GET.get("q", "").replace("\x00", "")[:64]
    page = page_of(request, selectors.account_users(account=account, search=search))
    can = permitted(
        request,
        {"create_user": ("iam:CreateUser", ids.user_arn(account.id, "/", "*"))},
        account=account,
    )
    return render(
        request,
        "console/user_list.html",
        {"account": account, "page": page, "search": search, "can": can},
    )


@sensitive_post_parameters("password")
@login_required
def user_create(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(request, "iam:CreateUser", ids.user_arn(account.id, "/", "*"), account=account)
    if request.method == "POST":
        form = IAMUserCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            # The user about to exist: a Deny on a path or a name applies.
            require(
                request,
                "iam:CreateUser",
                ids.user_arn(account.id, data["path"] or "/", data["name"]),
                account=account,
            )
            try:
                user = services.iam_user_create(
                    actor=request.user,
                    account=account,
                    name=data["name"],
                    path=data["path"],
                    password=data["password"],
                    password_reset_required=data["password_reset_required"],
                    contact_email=data["contact_email"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error)
            else:
                if form.generated_password:
                    return _show_password_once(
                        request, account, user, form.generated_password, action="iam:CreateUser"
                    )
                messages.success(request, _("User %(name)s was created.") % {"name": user.name})
                return redirect("console:user_detail", account_id=account.id, user_name=user.name)
    else:
        form = IAMUserCreateForm()
    can = permitted(
        request,
        {"set_up_sso": ("sso:DescribeInstance", _sso_instance_arn(account))},
        account=account,
    )
    return render(
        request,
        "console/user_create.html",
        {
            "account": account,
            "form": form,
            "can_set_up_sso": can["set_up_sso"]
            and request.user.account_id == account.organization.management_account_id,
        },
    )


SHOWN_PASSWORD_SESSION_KEY = "tobira_password_to_show"
SHOWN_PASSWORD_TTL = 600  # seconds: a generated password not looked at by then is not shown


def _show_password_once(request, account, user, password, *, action):
    """Keep the generated password in the session until the one-time page shows it.

    A redirect, so reloading the page does not post the form again (and set yet another
    password); the page takes the password out of the session as it shows it.
    """
    request.session[SHOWN_PASSWORD_SESSION_KEY] = {
        "account": account.id,
        "user": user.unique_id,
        "action": action,
        "password": crypto.encrypt(password.encode()),  # the session store never holds it clear
        "at": int(time.time()),
    }
    return redirect("console:user_password_shown", account_id=account.id, user_name=user.name)


@never_cache
@login_required
def user_password_shown(request, account_id: str, user_name: str):
    """The one time a generated password is shown: with Copy and Download .csv, never again.

    Asks the engine for the action that set the password (``iam:CreateUser`` or
    ``iam:UpdateLoginProfile``); the response is never stored (``no-store``).
    """
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    pending = request.session.get(SHOWN_PASSWORD_SESSION_KEY)
    if pending and time.time() - pending.get("at", 0) > SHOWN_PASSWORD_TTL:
        request.session.pop(SHOWN_PASSWORD_SESSION_KEY, None)  # left unseen: set a new one
        pending = None
    password = None
    if pending and pending.get("account") == account.id and pending.get("user") == user.unique_id:
        require(request, pending["action"], user.arn, account=account)
        held = request.session.pop(SHOWN_PASSWORD_SESSION_KEY)["password"]
        try:
            password = crypto.decrypt(held).decode()
        except crypto.DecryptionError:  # keys rotated away meanwhile: shown as already gone
            password = None
    else:
        require(request, "iam:GetUser", user.arn, account=account)
    return render(  # never_cache: Cache-Control: no-store (and no-cache, private)
        request,
        "console/user_password_shown.html",
        {
            "account": account,
            "user": user,
            "generated_password": password,
            "signin_url": request.build_absolute_uri(
                reverse("accounts:signin_account", args=[account.signin_identifier])
            ),
        },
    )


@sensitive_post_parameters("password")
@login_required
def user_console_access(request, account_id: str, user_name: str):
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    require(request, "iam:UpdateLoginProfile", user.arn, account=account)
    if request.method == "POST":
        form = ConsolePasswordForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.iam_user_console_access_set(
                    actor=request.user,
                    user=user,
                    password=data["password"],
                    password_reset_required=data["password_reset_required"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error)
            else:
                if form.generated_password:
                    return _show_password_once(
                        request,
                        account,
                        user,
                        form.generated_password,
                        action="iam:UpdateLoginProfile",
                    )
                if data["password"]:
                    messages.success(
                        request,
                        _("The console password of %(name)s was set.") % {"name": user.name},
                    )
                else:
                    messages.success(
                        request, _("Console access of %(name)s was disabled.") % {"name": user.name}
                    )
                return redirect("console:user_detail", account_id=account.id, user_name=user.name)
    else:
        form = ConsolePasswordForm(initial={"console_access": True})
    return render(
        request,
        "console/user_console_access.html",
        {"account": account, "user": user, "form": form},
    )


@login_required
def user_detail(request, account_id: str, user_name: str):
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    require(request, "iam:GetUser", user.arn, account=account)
    groups = user.iam_groups.order_by("name")
    devices = mfa_selectors.user_devices(user)
    can = permitted(
        request,
        {
            "delete": ("iam:DeleteUser", user.arn),
            "console_access": ("iam:UpdateLoginProfile", user.arn),
            "permissions": ("iam:ListAttachedUserPolicies", user.arn),
            "assign_mfa": ("iam:EnableMFADevice", user.arn),
            "remove_mfa": ("iam:DeactivateMFADevice", user.arn),
        },
        account=account,
    )
    return render(
        request,
        "console/user_detail.html",
        {"account": account, "user": user, "groups": groups, "mfa_devices": devices, "can": can},
    )


@login_required
def user_mfa_remove(request, account_id: str, user_name: str, device_id: int):
    """An administrator deactivates a user's MFA device (the way back for a user who lost it)."""
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    device = mfa_selectors.user_device_get(user, device_id)
    require(request, "iam:DeactivateMFADevice", user.arn, account=account)
    label = _("To confirm, enter the device name")
    if request.method == "POST":
        form = DeleteConfirmForm(device.name, request.POST, label=label)
        if form.is_valid():
            mfa_services.mfa_device_delete(actor=request.user, device=device, request=request)
            messages.success(request, _("MFA device %(name)s was removed.") % {"name": device.name})
            return redirect("console:user_detail", account_id=account.id, user_name=user.name)
    else:
        form = DeleteConfirmForm(device.name, label=label)
    context = {"account": account, "user": user, "device": device, "form": form}
    return render(request, "console/user_mfa_remove.html", context)


@sensitive_post_parameters("seed")
@never_cache
@login_required
def user_mfa_hardware(request, account_id: str, user_name: str):
    """An administrator imports a hardware TOTP token for a user: serial, seed, two codes."""
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    require(request, "iam:EnableMFADevice", user.arn, account=account)
    if request.method == "POST":
        form = HardwareTokenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                device = mfa_services.hardware_totp_device_enable(
                    actor=request.user,
                    user=user,
                    name=data["name"],
                    serial=data["serial"],
                    seed=data["seed"],
                    first_code=data["code1"],
                    second_code=data["code2"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(
                    request,
                    _("Hardware TOTP token %(serial)s was assigned to %(user)s.")
                    % {"serial": device.serial, "user": user.name},
                )
                return redirect("console:user_detail", account_id=account.id, user_name=user.name)
    else:
        form = HardwareTokenForm(initial={"name": f"{user.name}-token"})
    context = {"account": account, "user": user, "form": form}
    return render(request, "console/user_mfa_hardware.html", context)


@login_required
def user_delete(request, account_id: str, user_name: str):
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    require(request, "iam:DeleteUser", user.arn, account=account)
    if request.method == "POST":
        form = DeleteConfirmForm(user.name, request.POST)
        if form.is_valid():
            services.iam_user_delete(actor=request.user, user=user, request=request)
            messages.success(request, _("User %(name)s was deleted.") % {"name": user.name})
            return redirect("console:user_list", account_id=account.id)
    else:
        form = DeleteConfirmForm(user.name)
    return render(
        request, "console/user_delete.html", {"account": account, "user": user, "form": form}
    )


@login_required
def audit_list(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(
        request,
        "cloudtrail:LookupEvents",
        f"arn:aws:cloudtrail::{account.id}:trail/*",
        account=account,
    )
    events = AuditEvent.objects.filter(recipient_account_id=account.id).order_by("-event_time")
    return render(
        request,
        "console/audit_list.html",
        {"account": account, "page": page_of(request, events, 50)},
    )


@sensitive_post_parameters("password")
@login_required
def account_root_mfa_reset(request, account_id: str):
    """Centralized root access: the management account removes a member account's root MFA.

    It takes the password again and a session that signed in with MFA: a stolen
    cookie or a recovery-code session must not strip MFA from every member root.
    """
    account = selectors.account_get(request.user, account_id)
    organization = account.organization
    if account.pk == organization.management_account_id or request.user.account_id == account.pk:
        raise Http404  # only for member accounts, from the management account
    root = selectors.account_root_user(account)
    require(request, "iam:DeactivateMFADevice", root.arn, account=account)
    devices = list(mfa_selectors.user_devices(root))
    mfa_present = authn_state.mfa_present(request)
    status = 200
    if request.method == "POST":
        form = RootMFAResetForm(account.id, request.POST)
        if not mfa_present:
            form.is_valid()
            form.add_error(None, _("Sign in with your MFA device first: this needs MFA."))
            status = 403
        elif form.is_valid():
            from accounts.views import _password_confirmed

            confirmed, status = _password_confirmed(request, form)
            if confirmed:
                with transaction.atomic():
                    for device in devices:
                        mfa_services.mfa_device_delete(
                            actor=request.user, device=device, request=request
                        )
                    audit_record_root_mfa_reset(request, account, len(devices))
                messages.success(
                    request,
                    _("The root user of %(account)s has no MFA device now.")
                    % {"account": account.id},
                )
                return redirect("console:account_detail", account_id=account.id)
    else:
        form = RootMFAResetForm(account.id)
    return render(
        request,
        "console/account_root_mfa_reset.html",
        {
            "account": account,
            "root": root,
            "devices": devices,
            "form": form,
            "mfa_present": mfa_present,
        },
        status=status,
    )


def audit_record_root_mfa_reset(request, account, count: int) -> None:
    """In the member account's trail and in the acting management account's."""
    from identity import audit

    for trail in {account.id, request.user.account_id}:
        audit.record(
            event_name="ResetRootUserMFA",
            event_source=audit.SOURCE_ORGANIZATIONS,
            request=request,
            account_id=trail,
            request_parameters={"accountId": account.id, "devicesRemoved": count},
        )
