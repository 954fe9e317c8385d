"""Console pages of managed policies: the list, the JSON editor, versions, attachments."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from identity import arns, selectors
from identity.authorization import AnyOf, Permission
from identity.policies import catalog
from identity.policies import services as policy_services

from ..base import AccountPage, any_user_arn
from ..forms.common import DeleteConfirmForm
from ..forms.policies import PolicyAttachTargetForm, PolicyCreateForm, PolicyVersionForm
from ..lists import Column, ListPage
from .permissions import with_boundary

ANY_POLICY = "`arn:aws:iam::ACCOUNT:policy/*`"
THE_POLICY = "the policy's ARN"


def any_policy_arn(page) -> str:
    return arns.policy(page.account.id, "/", "*")


def policy_arn(page) -> str:
    return page.policy.arn


class PolicyPage(AccountPage):
    """A page of one customer managed policy of the account (``name`` in the URL)."""

    def load(self):
        super().load()
        self.policy = selectors.customer_policy_get(self.account, self.kwargs["name"])

    def get_context_data(self, **context):
        return super().get_context_data(policy=self.policy, **context)

    def back(self):
        return redirect("console:policy_detail", account_id=self.account.id, name=self.policy.name)


POLICY_COLUMNS = (
    Column("policy_name", _l("Policy name"), (Lower("name"),), lambda policy: policy.name),
    Column("description", _l("Description"), (), lambda policy: policy.description),
    Column("default_version", _l("Default version"), (), lambda policy: policy.default_version),
    Column("versions", _l("Versions"), ("version_count",), lambda policy: policy.version_count),
    Column(
        "attachments",
        _l("Attachments"),
        ("attachment_count",),
        lambda policy: policy.attachment_count,
    ),
    Column("updated", _l("Last edited"), ("updated",), lambda policy: policy.updated),
    Column("arn", "ARN", (), lambda policy: policy.arn, in_table=False),
)


class PolicyList(ListPage, AccountPage):
    permission = Permission("iam:ListPolicies", any_policy_arn, ANY_POLICY)
    template_name = "console/policy_list.html"
    columns = POLICY_COLUMNS
    default_sort = "policy_name"
    csv_name = "policies"

    def rows(self):
        return selectors.customer_policies_listed(self.account)

    def list_context(self, page) -> dict:
        can = self.permitted(
            {
                "create_policy": ("iam:CreatePolicy", any_policy_arn(self)),
                "simulator": ("iam:SimulatePrincipalPolicy", any_user_arn(self)),
            }
        )
        return {"aws_policies": catalog.aws_managed_policies(), "can": can}


class PolicyCreate(AccountPage):
    permission = Permission("iam:CreatePolicy", any_policy_arn, ANY_POLICY)
    template_name = "console/policy_create.html"
    form_class = PolicyCreateForm

    def perform(self, data):
        return policy_services.customer_policy_create(
            actor=self.request.user,
            account=self.account,
            name=data["name"].strip(),
            description=data["description"],
            document=data["document"],
            request=self.request,
        )

    def success_message(self, policy):
        return _("Policy %(name)s was created.") % {"name": policy.name}

    def success_url(self, policy):
        return reverse("console:policy_detail", args=[self.account.id, policy.name])


ATTACH_TARGETS_SHOWN = 1000
BOUNDARY_USERS_SHOWN = 1000  # the users a policy is the permissions boundary of, on its page


class PolicyDetail(PolicyPage):
    """A policy: its versions (a new one from the editor) and where it is attached."""

    permission = Permission("iam:GetPolicy", policy_arn, THE_POLICY)
    post_permission = Permission("iam:CreatePolicyVersion", policy_arn, THE_POLICY)
    template_name = "console/policy_detail.html"
    form_class = PolicyVersionForm

    def get(self, request, *args, **kwargs):
        return self.render_page(form=None)

    def perform(self, data):
        return policy_services.customer_policy_version_create(
            actor=self.request.user,
            policy=self.policy,
            document=data["document"],
            set_default=data["set_default"],
            request=self.request,
        )

    def success_message(self, version):
        return _("Version %(version)s was created.") % {"version": version.version_id}

    def success_url(self, version):
        return reverse("console:policy_detail", args=[self.account.id, self.policy.name])

    def get_context_data(self, form=None, **context):
        policy = self.policy
        versions = selectors.policy_versions(policy)
        default = next((v for v in versions if v.version_id == policy.default_version), None)
        if form is None:
            initial = {"set_default": True}
            if default is not None:
                initial["document"] = default.document
            form = PolicyVersionForm(initial=initial)
        users, groups = selectors.attach_targets(self.account, ATTACH_TARGETS_SHOWN)
        with_policy = {"iam:PolicyARN": policy.arn}
        can = self.permitted(
            {
                "create_version": ("iam:CreatePolicyVersion", policy.arn),
                "set_default": ("iam:SetDefaultPolicyVersion", policy.arn),
                "delete_version": ("iam:DeletePolicyVersion", policy.arn),
                "delete": ("iam:DeletePolicy", policy.arn),
                **{
                    f"user:{u.name}": (
                        "iam:AttachUserPolicy",
                        u.arn,
                        {**with_policy, **with_boundary(u.permissions_boundary)},
                    )
                    for u in users
                },
                **{
                    f"group:{g.name}": ("iam:AttachGroupPolicy", g.arn, with_policy) for g in groups
                },
            }
        )
        users = [u for u in users if can[f"user:{u.name}"]]
        groups = [g for g in groups if can[f"group:{g.name}"]]
        return super().get_context_data(
            versions=versions,
            default=default,
            pretty_document=_pretty(default.document) if default else "",
            form=form,
            attachments=selectors.policy_attachments(policy),
            boundary_users=selectors.boundary_users(self.account, policy.arn, BOUNDARY_USERS_SHOWN),
            attach_form=PolicyAttachTargetForm(users, groups) if users or groups else None,
            can=can,
            **context,
        )


def _pretty(document: str) -> str:
    """A stored policy document as 2-space JSON (the stored text is shown as well)."""
    try:
        return json.dumps(json.loads(document), indent=2, ensure_ascii=False)
    except ValueError:
        return document


def _with_policy_arn(page) -> dict:
    return {"iam:PolicyARN": page.policy.arn}


def _with_policy_arn_and_boundary(page) -> dict:
    return {**_with_policy_arn(page), **with_boundary(page.target.permissions_boundary)}


class PolicyAttach(PolicyPage):
    """Attach a customer policy from its own page, to one user or group (audited as there)."""

    http_method_names = ["post"]
    permission = AnyOf(
        {
            "user": Permission(
                "iam:AttachUserPolicy",
                lambda p: p.target.arn,
                context=_with_policy_arn_and_boundary,
            ),
            "group": Permission(
                "iam:AttachGroupPolicy", lambda p: p.target.arn, context=_with_policy_arn
            ),
        },
        doc="`iam:AttachUserPolicy` on the chosen user or `iam:AttachGroupPolicy` on the chosen "
        "group, with `iam:PolicyARN` (the policy's ARN) and a user's `iam:PermissionsBoundary` "
        "in the context",
        resource_doc="`USER` or the group's ARN",
    )

    def post(self, request, *args, **kwargs):
        account, policy = self.account, self.policy
        kind, _sep, target_name = request.POST.get("target", "")[:200].partition(":")
        if not kind:
            messages.error(request, _("Choose a user or group to attach the policy to."))
            return self.back()
        if kind == "user":
            self.target = selectors.account_user_get(account=account, user_name=target_name)
        elif kind == "group":
            self.target = selectors.account_group_get(account=account, group_name=target_name)
        else:
            raise Http404
        self.require(self.permission[kind])
        try:
            policy_services.policy_attach(
                actor=request.user,
                account=account,
                policy_arn=policy.arn,
                request=request,
                **{kind: self.target},
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(policy)s was attached to %(target)s.")
                % {"policy": policy.name, "target": self.target.name},
            )
        return self.back()


class PolicyDelete(PolicyPage):
    """Delete a customer managed policy, after typing its name: refused (AWS's DeleteConflict,
    said on the form) while it is attached or is a user's permissions boundary."""

    permission = Permission("iam:DeletePolicy", policy_arn, THE_POLICY)
    template_name = "console/policy_delete.html"
    form_class = DeleteConfirmForm

    def form_args(self):
        return (self.policy.name,)

    def form_kwargs(self):
        return {"label": _("To confirm deletion, enter the policy name")}

    def perform(self, data):
        policy_services.customer_policy_delete(
            actor=self.request.user, policy=self.policy, request=self.request
        )

    def success_message(self, result):
        return _("Policy %(name)s was deleted.") % {"name": self.policy.name}

    def success_url(self, result):
        return reverse("console:policy_list", args=[self.account.id])

    def get_context_data(self, **context):
        policy = self.policy
        return super().get_context_data(
            attachment_count=selectors.policy_attachments(policy).count(),
            boundary_users=selectors.boundary_users(self.account, policy.arn, BOUNDARY_USERS_SHOWN),
            **context,
        )


class PolicyVersionAction(PolicyPage):
    """Make a version the default, or delete a version that is not."""

    http_method_names = ["post"]
    permission = AnyOf(
        {
            "set_default": Permission("iam:SetDefaultPolicyVersion", policy_arn),
            "delete": Permission("iam:DeletePolicyVersion", policy_arn),
        },
        resource_doc=THE_POLICY,
    )

    def post(self, request, *args, **kwargs):
        deleting = request.POST.get("action") == "delete"
        self.require(self.permission["delete" if deleting else "set_default"])
        service = (
            policy_services.customer_policy_version_delete
            if deleting
            else policy_services.customer_policy_default_set
        )
        try:
            service(
                actor=request.user,
                policy=self.policy,
                version_id=self.kwargs["version_id"][:8],
                request=request,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The policy versions were updated."))
        return self.back()


class AWSPolicyDetail(AccountPage):
    permission = Permission(
        "iam:GetPolicy", lambda page: page.policy.arn, "`arn:aws:iam::aws:policy/NAME`"
    )
    template_name = "console/aws_policy_detail.html"

    def load(self):
        super().load()
        name = self.kwargs["name"]
        self.policy = next((p for p in catalog.aws_managed_policies() if p.name == name), None)
        if self.policy is None:
            raise Http404

    def get_context_data(self, **context):
        return super().get_context_data(
            policy=self.policy,
            boundary_users=selectors.boundary_users(
                self.account, self.policy.arn, BOUNDARY_USERS_SHOWN
            ),
            **context,
        )
