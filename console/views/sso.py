"""The administrator's Identity Center pages in the console: the organization's SSO directory
(users, groups), its settings and external identity provider, permission sets and the
assignments that let people open accounts from the access portal.

Only principals of the organization's management account reach them, as in AWS: every view
first reaches the management account through ``identity.selectors`` (anyone else gets a 404),
then asks ``identity.authorization.require`` for the action (a 403 when refused) before it
shows or changes anything. Objects are looked up within the organization, so another
organization's ids are 404 too. State changes go through ``sso.services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts.mfa import selectors as mfa_selectors
from accounts.mfa import services as mfa_services
from identity import selectors
from identity.authorization import permitted, require
from identity.models import Account, Organization, User
from identity.policies import aws_managed, organization_account_arn
from identity.requestinfo import safe_next
from sso import services
from sso.models import AccountAssignment, ExternalIdentityProvider, PermissionSet, SSOGroup

from ..forms.iam import DeleteConfirmForm, apply_service_errors
from ..forms.sso import (
    AssignmentForm,
    ExternalIdPForm,
    GroupMemberAddForm,
    PermissionSetForm,
    SettingsForm,
    SSOGroupCreateForm,
    SSOUserCreateForm,
)
from .users import PAGE_SIZE, page_of

# --- Reaching the directory -------------------------------------------------------------


def instance_arn(organization: Organization) -> str:
    return f"arn:aws:sso:::instance/ssoins-{organization.pk}"


def identity_store_arn(organization: Organization) -> str:
    store = organization.pk.removeprefix("o-")
    return f"arn:aws:identitystore::{organization.management_account_id}:identitystore/d-{store}"


@dataclass(frozen=True)
class Directory:
    """The organization whose Identity Center the request manages, reached through its
    management account."""

    request: object
    organization: Organization
    account: Account  # the management account: where authorization is asked

    @property
    def instance_arn(self) -> str:
        return instance_arn(self.organization)

    @property
    def store_arn(self) -> str:
        return identity_store_arn(self.organization)

    def require(self, action: str, resource: str) -> None:
        require(self.request, action, resource, account=self.account)

    def users(self):
        return User.objects.filter(
            kind=User.Kind.SSO, account_id=self.organization.management_account_id
        )


def _directory(request) -> Directory:
    organization = selectors.organization_of(request.user)
    if organization is None or organization.management_account_id is None:
        raise Http404
    # A member account's principals, and SSO users, do not reach the management account: 404.
    account = selectors.account_get(request.user, organization.management_account_id)
    return Directory(request, organization, account)


def _user_get(directory: Directory, unique_id: str) -> User:
    user = directory.users().filter(unique_id=unique_id).first()
    if user is None:
        raise Http404
    return user


def _group_get(directory: Directory, group_id: str) -> SSOGroup:
    group = SSOGroup.objects.filter(organization=directory.organization, group_id=group_id).first()
    if group is None:
        raise Http404
    return group


def _permission_set_get(directory: Directory, permission_set_id: str) -> PermissionSet:
    permission_set = (
        PermissionSet.objects.filter(
            organization=directory.organization, permission_set_id=permission_set_id
        )
        .select_related("organization")
        .first()
    )
    if permission_set is None:
        raise Http404
    return permission_set


# What the administrator pages offer, on the instance or the identity store (fixed resources):
# a button the principal may not use is not shown (item 10 of issue 13). Every POST still asks.
_OFFERED = {
    "update_settings": ("sso:UpdateInstance", "instance"),
    "create_idp": ("sso:CreateTrustedTokenIssuer", "instance"),
    "update_idp": ("sso:UpdateTrustedTokenIssuer", "instance"),
    "create_user": ("identitystore:CreateUser", "store"),
    "update_user": ("identitystore:UpdateUser", "store"),
    "delete_user": ("identitystore:DeleteUser", "store"),
    "remove_user_mfa": ("sso:DeleteMfaDeviceForUser", "instance"),
    "create_group": ("identitystore:CreateGroup", "store"),
    "add_member": ("identitystore:CreateGroupMembership", "store"),
    "remove_member": ("identitystore:DeleteGroupMembership", "store"),
    "delete_group": ("identitystore:DeleteGroup", "store"),
    "create_permission_set": ("sso:CreatePermissionSet", "instance"),
}


def _context(directory: Directory, active: str, *, assignable=None, **values) -> dict:
    """The pages' common context, with ``can``: the actions the principal may take there, and
    ``removable``: the pks of the listed assignments it may remove. The engine is asked once per
    page (``permitted``): no query per question or per row.

    ``assignable`` = (accounts, permission sets) asks whether the principal may assign at all:
    ``sso:CreateAccountAssignment`` on one of the accounts and on one of the sets (the two
    questions the POST asks), as ``can.assign``.
    """
    resources = {"instance": directory.instance_arn, "store": directory.store_arn}
    questions = {name: (action, resources[on]) for name, (action, on) in _OFFERED.items()}
    if assignable is not None:
        accounts, permission_sets = assignable
        for account in accounts:
            questions[f"assign:account:{account.pk}"] = (
                "sso:CreateAccountAssignment",
                organization_account_arn(directory.organization, account),
            )
        for one in permission_sets:
            questions[f"assign:set:{one.pk}"] = ("sso:CreateAccountAssignment", one.arn)
    permission_set = values.get("permission_set")
    if permission_set is not None:
        questions["update_permission_set"] = ("sso:UpdatePermissionSet", permission_set.arn)
        questions["delete_permission_set"] = ("sso:DeletePermissionSet", permission_set.arn)
    assignments = list(values.get("assignments") or ())
    for _account, listed in values.get("rows") or ():
        assignments.extend(listed)
    organization = directory.organization
    for assignment in assignments:  # both the account and the permission set are asked
        # From the ids the rows carry (no query per row): the page's own permission set, or the
        # one the row's query selected.
        this_set = (
            permission_set
            if permission_set is not None and assignment.permission_set_id == permission_set.pk
            else assignment.permission_set
        )
        account_arn = organization_account_arn(organization, assignment.account_id)
        questions[f"remove:{assignment.pk}:account"] = ("sso:DeleteAccountAssignment", account_arn)
        questions[f"remove:{assignment.pk}:set"] = ("sso:DeleteAccountAssignment", this_set.arn)
    answers = permitted(directory.request, questions, account=directory.account)
    if assignable is not None:
        answers["assign"] = any(answers[f"assign:account:{a.pk}"] for a in accounts) and any(
            answers[f"assign:set:{p.pk}"] for p in permission_sets
        )
    removable = {
        assignment.pk
        for assignment in assignments
        if answers[f"remove:{assignment.pk}:account"] and answers[f"remove:{assignment.pk}:set"]
    }
    if "assignments" in values:
        values["assignments"] = assignments  # evaluated once, here
    return {
        "organization": directory.organization,
        "sso_active": active,
        "can": answers,
        "removable": removable,
        **values,
    }


# --- Home, settings, external identity provider ----------------------------------------------


@login_required
def home(request):
    directory = _directory(request)
    directory.require("sso:DescribeInstance", directory.instance_arn)
    organization = directory.organization
    counts = {
        "users": directory.users().count(),
        "groups": SSOGroup.objects.filter(organization=organization).count(),
        "permission_sets": PermissionSet.objects.filter(organization=organization).count(),
        "assignments": AccountAssignment.objects.filter(organization=organization).count(),
    }
    return render(
        request,
        "sso/admin/home.html",
        _context(
            directory,
            "home",
            portal_url=request.build_absolute_uri(reverse("sso:portal", args=[organization.pk])),
            settings=services.settings_for(organization),
            idp=ExternalIdentityProvider.objects.filter(organization=organization).first(),
            counts=counts,
            instance_arn=directory.instance_arn,
            store_arn=directory.store_arn,
        ),
    )


@login_required
def settings_page(request):
    directory = _directory(request)
    directory.require("sso:DescribeInstance", directory.instance_arn)
    organization = directory.organization
    if request.method == "POST":
        directory.require("sso:UpdateInstance", directory.instance_arn)
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.settings_update(
                    actor=request.user,
                    organization=organization,
                    values={name: form.cleaned_data[name] for name in SettingsForm.FIELDS},
                    request=request,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The Identity Center settings were saved."))
                return redirect("console:sso_settings")
    else:
        form = SettingsForm(initial=SettingsForm.initial_from(services.settings_for(organization)))
    has_idp = ExternalIdentityProvider.objects.filter(organization=organization).exists()
    return render(
        request,
        "sso/admin/settings.html",
        _context(directory, "settings", form=form, has_idp=has_idp),
    )


@sensitive_post_parameters("client_secret")
@login_required
def idp(request):
    directory = _directory(request)
    directory.require("sso:DescribeTrustedTokenIssuer", directory.instance_arn)
    organization = directory.organization
    current = ExternalIdentityProvider.objects.filter(organization=organization).first()
    if request.method == "POST":
        action = "sso:UpdateTrustedTokenIssuer" if current else "sso:CreateTrustedTokenIssuer"
        directory.require(action, directory.instance_arn)
        form = ExternalIdPForm(request.POST, has_secret=current is not None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.external_idp_put(
                    actor=request.user,
                    organization=organization,
                    name=data["name"],
                    issuer=data["issuer"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    match_by_email=data["match_by_email"],
                    jit_provisioning=data["jit_provisioning"],
                    request=request,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The external identity provider was saved."))
                return redirect("console:sso_idp")
    elif current is not None:
        form = ExternalIdPForm(
            has_secret=True,
            initial={
                "name": current.name,
                "issuer": current.issuer,
                "client_id": current.client_id,
                "match_by_email": current.match_by_email,
                "jit_provisioning": current.jit_provisioning,
            },
        )
    else:
        form = ExternalIdPForm()
    provider_id = current.provider_id if current else organization.pk.replace("o-", "org-")
    callback_url = request.build_absolute_uri(reverse("sso_oidc:callback", args=[provider_id]))
    return render(
        request,
        "sso/admin/idp.html",
        _context(
            directory,
            "idp",
            form=form,
            idp=current,
            callback_url=callback_url,
            settings=services.settings_for(organization),
        ),
    )


# --- Users -----------------------------------------------------------------------------


@login_required
def user_list(request):
    directory = _directory(request)
    directory.require("identitystore:ListUsers", directory.store_arn)
    search = request.GET.get("q", "").replace("\x00", "")[:64].strip()
    users = directory.users()
    if search:
        users = users.filter(Q(name__icontains=search) | Q(contact_email__icontains=search))
    users = users.annotate(
        group_count=Count("sso_groups", distinct=True),
        device_count=Count("mfadevice", filter=Q(mfadevice__confirmed=True), distinct=True),
    ).order_by(Lower("name"), "pk")
    return render(
        request,
        "sso/admin/user_list.html",
        _context(directory, "users", page=page_of(request, users), search=search),
    )


@sensitive_post_parameters("password1", "password2")
@login_required
def user_create(request):
    directory = _directory(request)
    directory.require("identitystore:CreateUser", directory.store_arn)
    if request.method == "POST":
        form = SSOUserCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.sso_user_create(
                    actor=request.user,
                    organization=directory.organization,
                    name=data["name"],
                    email=data["email"],
                    password=data["password1"] or None,
                    request=request,
                )
            except ValidationError as error:
                # The service's bare errors are the password validators'.
                apply_service_errors(form, error, bare_errors_to="password1")
            else:
                if data["password1"]:
                    text = _(
                        "User %(name)s was created. They must change the initial password "
                        "when they first sign in to the access portal."
                    )
                else:
                    text = _(
                        "User %(name)s was created. They sign in through the external identity "
                        "provider."
                    )
                messages.success(request, text % {"name": user.name})
                return redirect("console:sso_user_detail", unique_id=user.unique_id)
    else:
        form = SSOUserCreateForm()
    return render(request, "sso/admin/user_create.html", _context(directory, "users", form=form))


@login_required
def user_detail(request, unique_id: str):
    directory = _directory(request)
    directory.require("identitystore:DescribeUser", directory.store_arn)
    user = _user_get(directory, unique_id)
    assignments = services.assignments_of(user).select_related("group")
    return render(
        request,
        "sso/admin/user_detail.html",
        _context(
            directory,
            "users",
            sso_user=user,
            groups=user.sso_groups.order_by(Lower("name"), "pk"),
            assignments=assignments,
            mfa_devices=mfa_selectors.user_devices(user),
            external_identities=user.external_identities.select_related("provider"),
        ),
    )


@login_required
def user_status(request, unique_id: str):
    """Enable or disable a user: a disabled user cannot sign in, and their sessions end."""
    directory = _directory(request)
    directory.require("identitystore:UpdateUser", directory.store_arn)
    user = _user_get(directory, unique_id)
    enable = not user.is_active
    if request.method == "POST":
        # The state the page asked for, so that a second click does not undo the first.
        enable = request.POST.get("status", "enable" if enable else "disable") == "enable"
        if enable != user.is_active:
            services.sso_user_set_active(
                actor=request.user, user=user, active=enable, request=request
            )
        if enable:
            messages.success(request, _("User %(name)s is enabled.") % {"name": user.name})
        else:
            messages.success(
                request,
                _("User %(name)s is disabled: they cannot sign in, and their sessions ended.")
                % {"name": user.name},
            )
        return redirect("console:sso_user_detail", unique_id=user.unique_id)
    return render(
        request,
        "sso/admin/user_status.html",
        _context(directory, "users", sso_user=user, enable=enable),
    )


@login_required
def user_mfa_remove(request, unique_id: str, device_id: int):
    """An administrator removes a user's MFA device (the way back for someone who lost it)."""
    directory = _directory(request)
    directory.require("sso:DeleteMfaDeviceForUser", directory.instance_arn)
    user = _user_get(directory, unique_id)
    device = mfa_selectors.user_device_get(user, device_id)
    label = _("To confirm, enter the device name")
    if request.method == "POST":
        form = DeleteConfirmForm(device.name, request.POST, label=label)
        if form.is_valid():
            try:
                mfa_services.mfa_device_delete(actor=request.user, device=device, request=request)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(
                    request, _("MFA device %(name)s was removed.") % {"name": device.name}
                )
                return redirect("console:sso_user_detail", unique_id=user.unique_id)
    else:
        form = DeleteConfirmForm(device.name, label=label)
    return render(
        request,
        "sso/admin/user_mfa_remove.html",
        _context(directory, "users", sso_user=user, device=device, form=form),
    )


@login_required
def user_identity_unlink(request, unique_id: str, identity_id: int):
    """Forget a user's link to the external provider (after moving to another provider, or
    when the link is wrong); with confirmation."""
    directory = _directory(request)
    directory.require("identitystore:UpdateUser", directory.store_arn)
    user = _user_get(directory, unique_id)
    identity = (
        user.external_identities.select_related("provider__organization")
        .filter(pk=identity_id)
        .first()
    )
    if identity is None:
        raise Http404
    if request.method == "POST":
        services.external_identity_unlink(actor=request.user, identity=identity, request=request)
        messages.success(
            request,
            _("%(name)s is no longer linked to %(subject)s.")
            % {"name": user.name, "subject": identity.subject},
        )
        return redirect("console:sso_user_detail", unique_id=user.unique_id)
    return render(
        request,
        "sso/admin/user_identity_unlink.html",
        _context(directory, "users", sso_user=user, identity=identity),
    )


@login_required
def user_delete(request, unique_id: str):
    directory = _directory(request)
    directory.require("identitystore:DeleteUser", directory.store_arn)
    user = _user_get(directory, unique_id)
    if request.method == "POST":
        form = DeleteConfirmForm(user.name, request.POST)
        if form.is_valid():
            services.sso_user_delete(actor=request.user, user=user, request=request)
            messages.success(request, _("User %(name)s was deleted.") % {"name": user.name})
            return redirect("console:sso_user_list")
    else:
        form = DeleteConfirmForm(user.name)
    return render(
        request,
        "sso/admin/user_delete.html",
        _context(directory, "users", sso_user=user, form=form),
    )


# --- Groups ----------------------------------------------------------------------------


@login_required
def group_list(request):
    directory = _directory(request)
    directory.require("identitystore:ListGroups", directory.store_arn)
    form = SSOGroupCreateForm()
    if request.method == "POST":
        directory.require("identitystore:CreateGroup", directory.store_arn)
        form = SSOGroupCreateForm(request.POST)
        if form.is_valid():
            try:
                group = services.sso_group_create(
                    actor=request.user,
                    organization=directory.organization,
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                    request=request,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("Group %(name)s was created.") % {"name": group.name})
                return redirect("console:sso_group_detail", group_id=group.group_id)
    groups = (
        SSOGroup.objects.filter(organization=directory.organization)
        .annotate(
            member_count=Count("members", distinct=True),
            assignment_count=Count("assignments", distinct=True),
        )
        .order_by(Lower("name"), "pk")
    )
    return render(
        request,
        "sso/admin/group_list.html",
        _context(directory, "groups", page=page_of(request, groups), form=form),
    )


@login_required
def group_detail(request, group_id: str):
    """A group: its members (added by user name) and the accounts it may open."""
    directory = _directory(request)
    directory.require("identitystore:DescribeGroup", directory.store_arn)
    group = _group_get(directory, group_id)
    form = GroupMemberAddForm()
    if request.method == "POST":
        directory.require("identitystore:CreateGroupMembership", directory.store_arn)
        form = GroupMemberAddForm(request.POST)
        if form.is_valid():
            name = form.cleaned_data["user_name"].strip()
            user = directory.users().filter(name__iexact=name).first()
            if user is None:
                form.add_error("user_name", _("There is no user with this name in the directory."))
            elif group.members.filter(pk=user.pk).exists():
                form.add_error("user_name", _("This user is already a member of the group."))
            else:
                try:
                    services.sso_group_membership_set(
                        actor=request.user, group=group, user=user, member=True, request=request
                    )
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    messages.success(
                        request,
                        _("%(user)s was added to %(group)s.")
                        % {"user": user.name, "group": group.name},
                    )
                    return redirect("console:sso_group_detail", group_id=group.group_id)
    members = group.members.filter(kind=User.Kind.SSO).order_by(Lower("name"), "pk")
    assignments = group.assignments.select_related("account", "permission_set").order_by(
        "account__name", "account_id", "permission_set__name"
    )
    return render(
        request,
        "sso/admin/group_detail.html",
        _context(
            directory,
            "groups",
            group=group,
            page=page_of(request, members),
            form=form,
            assignments=assignments,
        ),
    )


@login_required
def group_member_remove(request, group_id: str, unique_id: str):
    directory = _directory(request)
    directory.require("identitystore:DeleteGroupMembership", directory.store_arn)
    group = _group_get(directory, group_id)
    user = group.members.filter(kind=User.Kind.SSO, unique_id=unique_id).first()
    if user is None:
        raise Http404
    if request.method == "POST":
        services.sso_group_membership_set(
            actor=request.user, group=group, user=user, member=False, request=request
        )
        messages.success(
            request,
            _("%(user)s was removed from %(group)s.") % {"user": user.name, "group": group.name},
        )
        return redirect(
            safe_next(request, reverse("console:sso_group_detail", args=[group.group_id]))
        )
    return render(
        request,
        "sso/admin/group_member_remove.html",
        _context(
            directory,
            "groups",
            group=group,
            sso_user=user,
            next=safe_next(request, ""),
        ),
    )


@login_required
def group_delete(request, group_id: str):
    directory = _directory(request)
    directory.require("identitystore:DeleteGroup", directory.store_arn)
    group = _group_get(directory, group_id)
    label = _("To confirm deletion, enter the group name")
    if request.method == "POST":
        form = DeleteConfirmForm(group.name, request.POST, label=label)
        if form.is_valid():
            services.sso_group_delete(actor=request.user, group=group, request=request)
            messages.success(request, _("Group %(name)s was deleted.") % {"name": group.name})
            return redirect("console:sso_group_list")
    else:
        form = DeleteConfirmForm(group.name, label=label)
    return render(
        request,
        "sso/admin/group_delete.html",
        _context(
            directory,
            "groups",
            group=group,
            form=form,
            member_count=group.members.count(),
            assignment_count=group.assignments.count(),
        ),
    )


# --- Permission sets ---------------------------------------------------------------------


@login_required
def permission_set_list(request):
    directory = _directory(request)
    directory.require("sso:ListPermissionSets", directory.instance_arn)
    permission_sets = (
        PermissionSet.objects.filter(organization=directory.organization)
        .annotate(account_count=Count("assignments__account", distinct=True))
        .order_by(Lower("name"), "pk")
    )
    page = page_of(request, permission_sets)
    for permission_set in page:
        permission_set.managed_names = [
            policy.name
            for arn in permission_set.managed_policy_arns
            if (policy := aws_managed(arn)) is not None
        ]
    return render(
        request,
        "sso/admin/permission_set_list.html",
        _context(directory, "permission_sets", page=page),
    )


def _fill(permission_set: PermissionSet, data: dict) -> PermissionSet:
    permission_set.description = data["description"]
    permission_set.session_duration_hours = data["session_duration_hours"]
    permission_set.managed_policy_arns = list(data["managed_policy_arns"])
    permission_set.customer_policy_refs = data["customer_policy_refs"]
    permission_set.inline_policy = data["document"]
    return permission_set


@login_required
def permission_set_create(request):
    directory = _directory(request)
    directory.require("sso:CreatePermissionSet", directory.instance_arn)
    if request.method == "POST":
        form = PermissionSetForm(request.POST)
        if form.is_valid():
            permission_set = _fill(
                PermissionSet(
                    organization=directory.organization, name=form.cleaned_data["name"].strip()
                ),
                form.cleaned_data,
            )
            try:
                services.permission_set_save(
                    actor=request.user, permission_set=permission_set, request=request
                )
            except ValidationError as error:
                apply_service_errors(form, error, rename=PermissionSetForm.SERVICE_FIELDS)
            else:
                messages.success(
                    request,
                    _("Permission set %(name)s was created.") % {"name": permission_set.name},
                )
                return redirect(
                    "console:sso_permission_set_detail",
                    permission_set_id=permission_set.permission_set_id,
                )
    else:
        form = PermissionSetForm()
    return render(
        request,
        "sso/admin/permission_set_form.html",
        _context(directory, "permission_sets", form=form, permission_set=None),
    )


@login_required
def permission_set_detail(request, permission_set_id: str):
    """A permission set, edited in place (its name stays), and the accounts it is assigned in."""
    directory = _directory(request)
    permission_set = _permission_set_get(directory, permission_set_id)
    directory.require("sso:DescribePermissionSet", permission_set.arn)
    if request.method == "POST":
        directory.require("sso:UpdatePermissionSet", permission_set.arn)
        form = PermissionSetForm(request.POST, editing=True, initial={"name": permission_set.name})
        if form.is_valid():
            # A copy: what the page shows of the stored set stays as stored if this fails.
            changed = _fill(
                PermissionSet.objects.select_related("organization").get(pk=permission_set.pk),
                form.cleaned_data,
            )
            try:
                services.permission_set_save(
                    actor=request.user, permission_set=changed, request=request
                )
            except ValidationError as error:
                apply_service_errors(form, error, rename=PermissionSetForm.SERVICE_FIELDS)
            else:
                messages.success(
                    request,
                    _("Permission set %(name)s was saved. Sessions opened from now on use it.")
                    % {"name": changed.name},
                )
                return redirect(
                    "console:sso_permission_set_detail",
                    permission_set_id=permission_set.permission_set_id,
                )
    else:
        form = PermissionSetForm(
            initial=PermissionSetForm.initial_from(permission_set), editing=True
        )
    assignments = permission_set.assignments.select_related("account", "user", "group").order_by(
        "account__name", "account_id", "pk"
    )
    return render(
        request,
        "sso/admin/permission_set_form.html",
        _context(
            directory,
            "permission_sets",
            form=form,
            permission_set=permission_set,
            assignments=assignments,
        ),
    )


@login_required
def permission_set_delete(request, permission_set_id: str):
    directory = _directory(request)
    permission_set = _permission_set_get(directory, permission_set_id)
    directory.require("sso:DeletePermissionSet", permission_set.arn)
    label = _("To confirm deletion, enter the permission set name")
    status = 200
    if request.method == "POST":
        form = DeleteConfirmForm(permission_set.name, request.POST, label=label)
        if form.is_valid():
            try:
                services.permission_set_delete(
                    actor=request.user, permission_set=permission_set, request=request
                )
            except ValidationError as error:
                apply_service_errors(form, error)
                status = 409
            else:
                messages.success(
                    request,
                    _("Permission set %(name)s was deleted.") % {"name": permission_set.name},
                )
                return redirect("console:sso_permission_set_list")
    else:
        form = DeleteConfirmForm(permission_set.name, label=label)
    accounts = list(
        Account.objects.filter(sso_assignments__permission_set=permission_set)
        .distinct()
        .order_by("name", "id")
    )
    return render(
        request,
        "sso/admin/permission_set_delete.html",
        _context(
            directory,
            "permission_sets",
            permission_set=permission_set,
            form=form,
            accounts=accounts,
        ),
        status=status,
    )


# --- AWS accounts and their assignments --------------------------------------------------------


@login_required
def assignment_list(request):
    """Every account of the organization with who may open it as which permission set."""
    directory = _directory(request)
    directory.require("sso:ListAccountAssignments", directory.instance_arn)
    organization = directory.organization
    accounts = list(organization.accounts.order_by("created", "id"))
    permission_sets = list(
        PermissionSet.objects.filter(organization=organization).order_by(Lower("name"), "pk")
    )
    if request.method == "POST":
        form = AssignmentForm(accounts, permission_sets, request.POST)
        if form.is_valid():
            response = _assignment_create(request, directory, form, accounts, permission_sets)
            if response is not None:
                return response
    else:
        form = AssignmentForm(
            accounts,
            permission_sets,
            initial={
                "account": request.GET.get("account", ""),
                "principal_type": request.GET.get("type", AssignmentForm.PRINCIPAL_USER),
                "principal_name": request.GET.get("name", "")[:128],
            },
        )
    page = page_of(request, accounts)
    by_account: dict[str, list[AccountAssignment]] = {a.pk: [] for a in page.object_list}
    for assignment in (
        AccountAssignment.objects.filter(organization=organization, account_id__in=by_account)
        .select_related("permission_set", "user", "group")
        .order_by("permission_set__name", "pk")
    ):
        by_account[assignment.account_id].append(assignment)
    rows = [(account, by_account[account.pk]) for account in page.object_list]
    return render(
        request,
        "sso/admin/assignment_list.html",
        _context(
            directory,
            "accounts",
            form=form,
            page=page,
            rows=rows,
            has_permission_sets=bool(permission_sets),
            assignable=(accounts, permission_sets),
        ),
    )


def _assignment_create(request, directory: Directory, form, accounts, permission_sets):
    """The assignment the form describes, or None with the form's errors set."""
    data = form.cleaned_data
    organization = directory.organization
    account = next(a for a in accounts if a.pk == data["account"])
    permission_set = next(
        p for p in permission_sets if p.permission_set_id == data["permission_set"]
    )
    directory.require(
        "sso:CreateAccountAssignment", organization_account_arn(organization, account)
    )
    directory.require("sso:CreateAccountAssignment", permission_set.arn)
    name = data["principal_name"].strip()
    user = group = None
    if data["principal_type"] == AssignmentForm.PRINCIPAL_USER:
        user = directory.users().filter(name__iexact=name).first()
        if user is None:
            form.add_error("principal_name", _("There is no user with this name in the directory."))
            return None
    else:
        group = SSOGroup.objects.filter(organization=organization, name__iexact=name).first()
        if group is None:
            form.add_error(
                "principal_name", _("There is no group with this name in the directory.")
            )
            return None
    try:
        services.assignment_create(
            actor=request.user,
            account=account,
            permission_set=permission_set,
            user=user,
            group=group,
            request=request,
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return None
    messages.success(
        request,
        _("%(principal)s may now open %(account)s as %(permission_set)s.")
        % {
            "principal": user.name if user else group.name,
            "account": f"{account.name} ({account.pk})",
            "permission_set": permission_set.name,
        },
    )
    return redirect(reverse("console:sso_assignment_list") + f"?page={_page_of(accounts, account)}")


def _page_of(accounts: list, account) -> int:
    return accounts.index(account) // PAGE_SIZE + 1


@login_required
def assignment_delete(request, assignment_id: int):
    directory = _directory(request)
    organization = directory.organization
    assignment = (
        AccountAssignment.objects.filter(organization=organization, pk=assignment_id)
        .select_related("account", "permission_set", "user", "group")
        .first()
    )
    if assignment is None:
        raise Http404
    account_arn = organization_account_arn(organization, assignment.account)
    directory.require("sso:DeleteAccountAssignment", account_arn)
    directory.require("sso:DeleteAccountAssignment", assignment.permission_set.arn)
    if request.method == "POST":
        services.assignment_delete(actor=request.user, assignment=assignment, request=request)
        messages.success(request, _("The assignment was removed."))
        return redirect(safe_next(request, reverse("console:sso_assignment_list")))
    return render(
        request,
        "sso/admin/assignment_delete.html",
        _context(
            directory,
            "accounts",
            assignment=assignment,
            next=safe_next(request, ""),
            cancel_url=safe_next(request, reverse("console:sso_assignment_list")),
        ),
    )
