"""Console pages for policies: lists, the JSON editor, versions, attachments, the simulator."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from identity import ids, policies, selectors, services
from identity.authorization import permitted, require
from identity.models import CustomerPolicy, Group, InlinePolicy, PolicyAttachment, User
from identity.policy import context_of, evaluate

from ..forms.iam import (
    AttachPolicyForm,
    GroupCreateForm,
    GroupMemberForm,
    InlinePolicyForm,
    PolicyAttachTargetForm,
    PolicyCreateForm,
    PolicyVersionForm,
    SCPCreateForm,
    SimulatorForm,
)
from .users import _apply_service_errors

PAGE_SIZE = 25


def _policy_get(account, name: str) -> CustomerPolicy:
    policy = CustomerPolicy.objects.filter(account=account, name__iexact=name).first()
    if policy is None:
        raise Http404
    return policy


@login_required
def policy_list(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(request, "iam:ListPolicies", ids.policy_arn(account.id, "/", "*"), account=account)
    customer = (
        CustomerPolicy.objects.filter(account=account)
        .annotate(version_count=Count("versions", distinct=True))
        .order_by("name")
    )
    page = Paginator(customer, PAGE_SIZE).get_page(request.GET.get("page"))
    attached = dict(
        PolicyAttachment.objects.filter(account=account)
        .values_list("policy_arn")
        .annotate(n=Count("id"))
    )
    can = permitted(
        request,
        {
            "create_policy": ("iam:CreatePolicy", ids.policy_arn(account.id, "/", "*")),
            "simulator": ("iam:SimulatePrincipalPolicy", ids.user_arn(account.id, "/", "*")),
        },
        account=account,
    )
    return render(
        request,
        "console/policy_list.html",
        {
            "account": account,
            "page": page,
            "aws_policies": policies.aws_managed_policies(),
            "attached": attached,
            "can": can,
        },
    )


@login_required
def policy_create(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(request, "iam:CreatePolicy", ids.policy_arn(account.id, "/", "*"), account=account)
    if request.method == "POST":
        form = PolicyCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                policy = policies.customer_policy_create(
                    actor=request.user,
                    account=account,
                    name=data["name"].strip(),
                    description=data["description"],
                    document=data["document"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(request, _("Policy %(name)s was created.") % {"name": policy.name})
                return redirect("console:policy_detail", account_id=account.id, name=policy.name)
    else:
        form = PolicyCreateForm()
    return render(request, "console/policy_create.html", {"account": account, "form": form})


@login_required
def policy_detail(request, account_id: str, name: str):
    account = selectors.account_get(request.user, account_id)
    policy = _policy_get(account, name)
    require(request, "iam:GetPolicy", policy.arn, account=account)
    form = PolicyVersionForm(initial={"set_default": True})
    if request.method == "POST":
        require(request, "iam:CreatePolicyVersion", policy.arn, account=account)
        form = PolicyVersionForm(request.POST)
        if form.is_valid():
            try:
                version = policies.customer_policy_version_create(
                    actor=request.user,
                    policy=policy,
                    document=form.cleaned_data["document"],
                    set_default=form.cleaned_data["set_default"],
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(
                    request, _("Version %(version)s was created.") % {"version": version.version_id}
                )
                return redirect("console:policy_detail", account_id=account.id, name=policy.name)
    versions = list(policy.versions.order_by("-created", "-pk"))
    default = next((v for v in versions if v.version_id == policy.default_version), None)
    if request.method != "POST" and default is not None:
        form = PolicyVersionForm(initial={"set_default": True, "document": default.document})
    attachments = PolicyAttachment.objects.filter(policy_arn=policy.arn).select_related(
        "user", "group"
    )
    users, groups = _attach_targets(account)
    can = permitted(
        request,
        {
            "create_version": ("iam:CreatePolicyVersion", policy.arn),
            "set_default": ("iam:SetDefaultPolicyVersion", policy.arn),
            "delete_version": ("iam:DeletePolicyVersion", policy.arn),
            **{
                f"user:{u.name}": ("iam:AttachUserPolicy", u.arn, {"iam:PolicyARN": policy.arn})
                for u in users
            },
            **{
                f"group:{g.name}": ("iam:AttachGroupPolicy", g.arn, {"iam:PolicyARN": policy.arn})
                for g in groups
            },
        },
        account=account,
    )
    users = [u for u in users if can[f"user:{u.name}"]]
    groups = [g for g in groups if can[f"group:{g.name}"]]
    return render(
        request,
        "console/policy_detail.html",
        {
            "account": account,
            "policy": policy,
            "versions": versions,
            "default": default,
            "pretty_document": _pretty(default.document) if default else "",
            "form": form,
            "attachments": attachments,
            "attach_form": PolicyAttachTargetForm(users, groups) if users or groups else None,
            "can": can,
        },
    )


def _pretty(document: str) -> str:
    """A stored policy document as 2-space JSON (the stored text is shown as well)."""
    try:
        return json.dumps(json.loads(document), indent=2, ensure_ascii=False)
    except ValueError:
        return document


ATTACH_TARGETS_SHOWN = 1000


def _attach_targets(account):
    users = list(
        User.objects.filter(account=account, kind=User.Kind.IAM)
        .only("name", "arn", "account_id")
        .order_by("name")[:ATTACH_TARGETS_SHOWN]
    )
    groups = list(
        Group.objects.filter(account=account)
        .only("name", "arn", "account_id")
        .order_by("name")[:ATTACH_TARGETS_SHOWN]
    )
    return users, groups


@require_POST
@login_required
def policy_attach(request, account_id: str, name: str):
    """Attach a customer policy from its own page, to one user or group (audited as there)."""
    account = selectors.account_get(request.user, account_id)
    policy = _policy_get(account, name)
    back = redirect("console:policy_detail", account_id=account.id, name=policy.name)
    kind, _sep, target_name = request.POST.get("target", "")[:200].partition(":")
    if not kind:
        messages.error(request, _("Choose a user or group to attach the policy to."))
        return back
    if kind == "user":
        target = {"user": selectors.account_user_get(account=account, user_name=target_name)}
        action = "iam:AttachUserPolicy"
    elif kind == "group":
        target = {"group": selectors.account_group_get(account=account, group_name=target_name)}
        action = "iam:AttachGroupPolicy"
    else:
        raise Http404
    (owner,) = target.values()
    require(request, action, owner.arn, account=account, context={"iam:PolicyARN": policy.arn})
    try:
        policies.policy_attach(
            actor=request.user, account=account, policy_arn=policy.arn, request=request, **target
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(policy)s was attached to %(target)s.")
            % {"policy": policy.name, "target": owner.name},
        )
    return back


@require_POST
@login_required
def policy_version_action(request, account_id: str, name: str, version_id: str):
    """Make a version the default, or delete a version that is not."""
    account = selectors.account_get(request.user, account_id)
    policy = _policy_get(account, name)
    deleting = request.POST.get("action") == "delete"
    action = "iam:DeletePolicyVersion" if deleting else "iam:SetDefaultPolicyVersion"
    require(request, action, policy.arn, account=account)
    service = (
        policies.customer_policy_version_delete
        if deleting
        else policies.customer_policy_default_set
    )
    try:
        service(actor=request.user, policy=policy, version_id=version_id[:8], request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The policy versions were updated."))
    return redirect("console:policy_detail", account_id=account.id, name=policy.name)


@login_required
def aws_policy_detail(request, account_id: str, name: str):
    account = selectors.account_get(request.user, account_id)
    policy = next((p for p in policies.aws_managed_policies() if p.name == name), None)
    if policy is None:
        raise Http404
    require(request, "iam:GetPolicy", policy.arn, account=account)
    return render(request, "console/aws_policy_detail.html", {"account": account, "policy": policy})


def _attach_choices(account):
    """The account's own policies first, then AWS's job-function ones, as AWS lists them."""
    customer = list(
        CustomerPolicy.objects.filter(account=account).order_by("name").values_list("arn", "name")
    )
    managed = [(p.arn, p.name) for p in policies.aws_managed_policies()]
    groups = [(_("Customer managed"), customer)] if customer else []
    return [*groups, (_("AWS managed"), managed)]


@login_required
def user_permissions(request, account_id: str, user_name: str):
    """A user's policies (attach, detach, inline) and their effective permissions."""
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    require(request, "iam:ListAttachedUserPolicies", user.arn, account=account)
    form = AttachPolicyForm(_attach_choices(account))
    if request.method == "POST":
        form = AttachPolicyForm(_attach_choices(account), request.POST)
        if form.is_valid():
            # Asked once, with the policy in the context, as the group page and the simulator
            # ask: a condition on iam:PolicyARN is false without it.
            require(
                request,
                "iam:AttachUserPolicy",
                user.arn,
                account=account,
                context={"iam:PolicyARN": form.cleaned_data["policy_arn"]},
            )
            try:
                policies.policy_attach(
                    actor=request.user,
                    account=account,
                    policy_arn=form.cleaned_data["policy_arn"],
                    user=user,
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(request, _("The policy was attached."))
                return redirect(
                    "console:user_permissions", account_id=account.id, user_name=user.name
                )
    attached = list(PolicyAttachment.objects.filter(user=user).order_by("policy_arn"))
    names = dict(CustomerPolicy.objects.filter(account=account).values_list("arn", "name"))
    for attachment in attached:
        managed = policies.aws_managed(attachment.policy_arn)
        attachment.display = managed.name if managed else names.get(attachment.policy_arn, "?")
    inline = list(InlinePolicy.objects.filter(user=user).order_by("name"))
    can = _attach_questions(
        request,
        account,
        form,
        attached,
        "User",
        user.arn,
        extra={"put_inline": ("iam:PutUserPolicy", user.arn)},
    )
    return render(
        request,
        "console/user_permissions.html",
        {
            "account": account,
            "user": user,
            "form": form,
            "attached": attached,
            "inline": inline,
            "effective": _effective(user),
            "can": can,
        },
    )


def _attach_questions(
    request, account, form, attached, kind: str, owner_arn: str, *, extra: dict
) -> dict:
    """The page's questions: which policies the principal may attach (the picker offers only
    those) and detach, and the ``extra`` actions the page offers.

    One question per policy, with iam:PolicyARN in the context as the POST asks it; all in
    one ``permitted`` call, so the page's queries do not grow with the policies.
    """
    field = form.fields["policy_arn"]
    arns = [arn for _label, group in field.choices if isinstance(group, list) for arn, _n in group]
    answers = permitted(
        request,
        {
            **{
                ("attach", arn): (f"iam:Attach{kind}Policy", owner_arn, {"iam:PolicyARN": arn})
                for arn in arns
            },
            **{
                ("detach", a.policy_arn): (
                    f"iam:Detach{kind}Policy",
                    owner_arn,
                    {"iam:PolicyARN": a.policy_arn},
                )
                for a in attached
            },
            **extra,
        },
        account=account,
    )
    attachable = {arn for arn in arns if answers[("attach", arn)]}
    form.offer_only(attachable)
    for attachment in attached:
        attachment.can_detach = answers[("detach", attachment.policy_arn)]
    return {"attach": bool(attachable), **{name: answers[name] for name in extra}}


# The console's own actions, for the effective-permissions table (docs/permissions.md has them all).
EFFECTIVE_ACTIONS = (
    ("iam:ChangePassword", "user"),
    ("iam:GetUser", "user"),
    ("iam:EnableMFADevice", "user"),
    ("iam:ListUsers", "users"),
    ("iam:CreateUser", "users"),
    ("iam:DeleteUser", "users"),
    ("iam:UpdateLoginProfile", "users"),
    ("iam:ListPolicies", "policies"),
    ("iam:CreatePolicy", "policies"),
    ("iam:AttachUserPolicy", "users"),
    ("cloudtrail:LookupEvents", "trail"),
)


def _effective(user: User) -> list[dict]:
    loaded = policies.principal_policies(user)
    rows = []
    for action, kind in EFFECTIVE_ACTIONS:
        resource = {
            "user": user.arn,
            "users": ids.user_arn(user.account_id, "/", "*"),
            "policies": ids.policy_arn(user.account_id, "/", "*"),
            "trail": f"arn:aws:cloudtrail::{user.account_id}:trail/*",
        }[kind]
        row = {"action": action, "resource": resource}
        for mfa in (False, True):
            decision = evaluate(
                action=action,
                resource=resource,
                context=context_of(
                    {
                        "aws:username": user.name,
                        "aws:userid": user.unique_id,
                        "aws:PrincipalAccount": user.account_id,
                        "aws:PrincipalArn": user.arn,
                        "aws:MultiFactorAuthPresent": mfa,
                    }
                ),
                identity_policies=loaded.identity,
                scp_levels=loaded.scp_levels,
            )
            row["mfa" if mfa else "no_mfa"] = decision
        rows.append(row)
    return rows


@require_POST
@login_required
def user_policy_detach(request, account_id: str, user_name: str):
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    policy_arn = request.POST.get("policy_arn", "")[:1100]
    require(
        request,
        "iam:DetachUserPolicy",
        user.arn,
        account=account,
        context={"iam:PolicyARN": policy_arn},
    )
    policies.policy_detach(
        actor=request.user,
        account=account,
        policy_arn=policy_arn,
        user=user,
        request=request,
    )
    messages.success(request, _("The policy was detached."))
    return redirect("console:user_permissions", account_id=account.id, user_name=user.name)


@login_required
def user_inline_policy(request, account_id: str, user_name: str, name: str | None = None):
    """Create or edit one inline policy of a user (the JSON editor), or delete it."""
    account = selectors.account_get(request.user, account_id)
    user = selectors.account_user_get(account=account, user_name=user_name)
    back = redirect("console:user_permissions", account_id=account.id, user_name=user.name)
    return _inline_policy_page(request, account, name, user=user, back=back)


@login_required
def group_inline_policy(request, account_id: str, group_name: str, name: str | None = None):
    account = selectors.account_get(request.user, account_id)
    group = selectors.account_group_get(account=account, group_name=group_name)
    back = redirect("console:group_detail", account_id=account.id, group_name=group.name)
    return _inline_policy_page(request, account, name, group=group, back=back)


def _inline_policy_page(request, account, name, *, user=None, group=None, back):
    owner, kind = (user, "User") if user is not None else (group, "Group")
    target = {"user": user} if user is not None else {"group": group}
    inline = None
    if name is not None:
        inline = InlinePolicy.objects.filter(name__iexact=name, **target).first()
        if inline is None:
            raise Http404
    require(request, f"iam:Get{kind}Policy", owner.arn, account=account)
    if request.method == "POST":
        if request.POST.get("action") == "delete" and inline is not None:
            require(request, f"iam:Delete{kind}Policy", owner.arn, account=account)
            policies.inline_policy_delete(actor=request.user, inline=inline, request=request)
            messages.success(request, _("The inline policy was deleted."))
            return back
        require(request, f"iam:Put{kind}Policy", owner.arn, account=account)
        form = InlinePolicyForm(request.POST)
        if form.is_valid():
            try:
                policies.inline_policy_put(
                    actor=request.user,
                    name=form.cleaned_data["name"].strip(),
                    document=form.cleaned_data["document"],
                    request=request,
                    **target,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(request, _("The inline policy was saved."))
                return back
    else:
        initial = {"name": inline.name, "document": inline.document} if inline else None
        form = InlinePolicyForm(initial=initial)
    return render(
        request,
        "console/inline_policy.html",
        {
            "account": account,
            "owner": owner,
            "back_url": back.url,
            "form": form,
            "inline": inline,
        },
    )


@login_required
def group_list(request, account_id: str):
    account = selectors.account_get(request.user, account_id)
    require(request, "iam:ListGroups", ids.group_arn(account.id, "/", "*"), account=account)
    form = GroupCreateForm()
    if request.method == "POST":
        form = GroupCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            path = data["path"] or "/"
            require(
                request,
                "iam:CreateGroup",
                ids.group_arn(account.id, path, data["name"].strip()),
                account=account,
            )
            try:
                group = services.group_create(
                    actor=request.user,
                    account=account,
                    name=data["name"].strip(),
                    path=path,
                    request=request,
                )
            except ValidationError as error:
                _apply_service_errors(form, error, bare_errors_to=None)
            else:
                messages.success(request, _("Group %(name)s was created.") % {"name": group.name})
                return redirect(
                    "console:group_detail", account_id=account.id, group_name=group.name
                )
    page = Paginator(selectors.account_groups(account=account), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can = permitted(
        request,
        {"create_group": ("iam:CreateGroup", ids.group_arn(account.id, "/", "*"))},
        account=account,
    )
    return render(
        request,
        "console/group_list.html",
        {"account": account, "page": page, "form": form, "can": can},
    )


@login_required
def group_detail(request, account_id: str, group_name: str):
    """A group: its members, its managed and inline policies."""
    account = selectors.account_get(request.user, account_id)
    group = selectors.account_group_get(account=account, group_name=group_name)
    require(request, "iam:GetGroup", group.arn, account=account)
    users = list(User.objects.filter(account=account, kind=User.Kind.IAM).order_by("name")[:1000])
    member_form = GroupMemberForm(users)
    attach_form = AttachPolicyForm(_attach_choices(account))
    if request.method == "POST":
        op = request.POST.get("op")
        if op in ("add", "remove"):
            member_form = GroupMemberForm(users, request.POST)
            if member_form.is_valid():
                user = next(u for u in users if u.name == member_form.cleaned_data["user"])
                action = "iam:AddUserToGroup" if op == "add" else "iam:RemoveUserFromGroup"
                require(request, action, group.arn, account=account)
                services.group_member_set(
                    actor=request.user, group=group, user=user, member=op == "add", request=request
                )
                messages.success(request, _("The group's members were updated."))
                return redirect(
                    "console:group_detail", account_id=account.id, group_name=group.name
                )
        elif op in ("attach", "detach"):
            attach_form = AttachPolicyForm(_attach_choices(account), request.POST)
            if attach_form.is_valid():
                arn = attach_form.cleaned_data["policy_arn"]
                action = "iam:AttachGroupPolicy" if op == "attach" else "iam:DetachGroupPolicy"
                require(request, action, group.arn, account=account, context={"iam:PolicyARN": arn})
                service = policies.policy_attach if op == "attach" else policies.policy_detach
                try:
                    service(
                        actor=request.user,
                        account=account,
                        policy_arn=arn,
                        group=group,
                        request=request,
                    )
                except ValidationError as error:
                    _apply_service_errors(attach_form, error, bare_errors_to=None)
                else:
                    messages.success(request, _("The group's policies were updated."))
                    return redirect(
                        "console:group_detail", account_id=account.id, group_name=group.name
                    )
        else:
            raise Http404
    names = dict(CustomerPolicy.objects.filter(account=account).values_list("arn", "name"))
    attached = list(PolicyAttachment.objects.filter(group=group).order_by("policy_arn"))
    for attachment in attached:
        managed = policies.aws_managed(attachment.policy_arn)
        attachment.display = managed.name if managed else names.get(attachment.policy_arn, "?")
    can = _attach_questions(
        request,
        account,
        attach_form,
        attached,
        "Group",
        group.arn,
        extra={
            "add_member": ("iam:AddUserToGroup", group.arn),
            "remove_member": ("iam:RemoveUserFromGroup", group.arn),
            "put_inline": ("iam:PutGroupPolicy", group.arn),
        },
    )
    return render(
        request,
        "console/group_detail.html",
        {
            "account": account,
            "can": can,
            "group": group,
            "members": group.members.order_by("name"),
            "member_form": member_form,
            "attach_form": attach_form,
            "attached": attached,
            "inline": InlinePolicy.objects.filter(group=group).order_by("name"),
        },
    )


@login_required
def simulator(request, account_id: str):
    """The policy simulator: a user, actions, a resource and context values; decisions and why."""
    account = selectors.account_get(request.user, account_id)
    require(
        request, "iam:SimulatePrincipalPolicy", ids.user_arn(account.id, "/", "*"), account=account
    )
    users = list(User.objects.filter(account=account, kind=User.Kind.IAM).order_by("name")[:500])
    results = None
    form = SimulatorForm(users, request.GET or None)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        user = next(u for u in users if u.name == data["user"])
        require(request, "iam:SimulatePrincipalPolicy", user.arn, account=account)
        loaded = policies.principal_policies(user)
        values = {
            "aws:username": user.name,
            "aws:userid": user.unique_id,
            "aws:PrincipalAccount": user.account_id,
            "aws:PrincipalArn": user.arn,
            "aws:MultiFactorAuthPresent": data["mfa"],
            **data["context"],
        }
        if data["mfa"]:
            values.setdefault("aws:MultiFactorAuthAge", "60")
        results = [
            (
                action,
                evaluate(
                    action=action,
                    resource=data["resource"].strip() or "*",
                    context=context_of(values),
                    identity_policies=loaded.identity,
                    scp_levels=loaded.scp_levels,
                ),
            )
            for action in data["actions"]
        ]
    return render(
        request,
        "console/simulator.html",
        {"account": account, "form": form, "results": results},
    )


@login_required
def scp_list(request):
    """The organization's service control policies and where they are attached."""
    organization = selectors.organization_of(request.user)
    management = organization.management_account
    require(request, "organizations:ListPolicies", organization.arn, account=management)
    accounts = list(organization.accounts.order_by("created", "id"))
    own = {
        scp.arn: scp for scp in organization.scps.select_related("organization").order_by("name")
    }
    catalog = {p.arn: p for p in policies.aws_scps()}
    create_form = SCPCreateForm()
    if request.method == "POST":
        op = request.POST.get("op")
        action = {
            "create": "organizations:CreatePolicy",
            "attach": "organizations:AttachPolicy",
            "detach": "organizations:DetachPolicy",
        }.get(op)
        if action is None:
            raise Http404
        require(request, action, organization.arn, account=management)
        try:
            if op == "create":
                create_form = SCPCreateForm(request.POST)
                if create_form.is_valid():
                    data = create_form.cleaned_data
                    policies.scp_create(
                        actor=request.user,
                        organization=organization,
                        name=data["name"].strip(),
                        description=data["description"],
                        document=data["document"],
                        request=request,
                    )
                    messages.success(request, _("The SCP was created."))
                    return redirect("console:scp_list")
            else:
                arn = request.POST.get("policy_arn", "")
                if arn not in own and arn not in catalog:
                    raise Http404
                target_id = request.POST.get("target", "")
                target = next((a for a in accounts if a.id == target_id), None)
                if target is None and target_id != organization.id:
                    raise Http404
                # Both resources of the action: the policy, and the root or account it goes on.
                target_arn = (
                    policies.organization_account_arn(organization, target)
                    if target
                    else policies.organization_root_arn(organization)
                )
                require(request, action, arn, account=management)
                require(request, action, target_arn, account=management)
                service = policies.scp_attach if op == "attach" else policies.scp_detach
                service(
                    actor=request.user,
                    organization=organization,
                    policy_arn=arn,
                    account=target,
                    request=request,
                )
                messages.success(request, _("The SCP attachments were updated."))
                return redirect("console:scp_list")
        except ValidationError as error:
            if op == "create":
                _apply_service_errors(create_form, error, bare_errors_to=None)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("console:scp_list")
    attached: dict[str | None, list[str]] = {}
    for attachment in organization.scp_attachments.all():
        attached.setdefault(attachment.account_id, []).append(attachment.policy_arn)
    names = {
        **{arn: p.name for arn, p in catalog.items()},
        **{arn: p.name for arn, p in own.items()},
    }
    targets = [(organization.id, _("Organization root"), attached.get(None))] + [
        (a.id, f"{a.name} ({a.id})", attached.get(a.id)) for a in accounts
    ]
    rows = [
        (
            target_id,
            label,
            [(arn, names.get(arn, arn)) for arn in (arns or [policies.FULL_AWS_ACCESS])],
            arns is None,
        )
        for target_id, label, arns in targets
    ]
    return render(
        request,
        "console/scp_list.html",
        {
            "organization": organization,
            "scps": [*catalog.values(), *own.values()],
            "rows": rows,
            "create_form": create_form,
        },
    )
