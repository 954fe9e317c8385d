"""A user's permissions: managed policies attached and detached, inline policies (the JSON
editor, for users and groups alike), and what the user may effectively do."""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from identity import selectors
from identity.authorization import AnyOf, Permission
from identity.policies import catalog, loading
from identity.policies import services as policy_services
from identity.policy import IMPLICIT_DENY

from ..base import AccountPage, UserPage, user_arn
from ..forms.policies import AttachPolicyForm, InlinePolicyForm
from .errors import MFA_KEYS


def attach_choices(account):
    """The account's own policies first, then AWS's job-function ones, as AWS lists them (the
    policies a user's permissions boundary may be, too)."""
    customer = selectors.customer_policy_choices(account)
    managed = [(p.arn, p.name) for p in catalog.aws_managed_policies()]
    groups = [(_("Customer managed"), customer)] if customer else []
    return [*groups, (_("AWS managed"), managed)]


def with_boundary(policy_arn: str) -> dict:
    """``iam:PermissionsBoundary`` in a question's context: the boundary a user has (attaching,
    detaching, putting or deleting their policies) or is given (CreateUser,
    PutUserPermissionsBoundary); nothing when there is none, as AWS leaves the key out."""
    return {"iam:PermissionsBoundary": policy_arn} if policy_arn else {}


def decided_by(decision, boundary_arn: str = "") -> str:
    """What decided, for the simulator's and the effective permissions' *Decided by*: the SCP
    level, the permissions boundary (by name) or the identity-based policies."""
    if decision.stage == "scp":
        if decision.level:
            return _("Service control policy (%(level)s)") % {"level": decision.level}
        return _("Service control policies")
    if decision.stage == "boundary":
        name = decision.policy or boundary_arn.rsplit("/", 1)[-1] or _("(unreadable)")
        return _("Permissions boundary %(name)s") % {"name": name}
    if decision.policy:
        return _("Identity-based policy %(name)s") % {"name": decision.policy}
    return _("Identity-based policies")


def attached_policies(account, **owner) -> list:
    """The managed policies attached to a user or group, each with its name as ``display``."""
    attached = selectors.attachments_of(**owner)
    names = selectors.customer_policy_names(account)
    for attachment in attached:
        managed = catalog.aws_managed(attachment.policy_arn)
        attachment.display = managed.name if managed else names.get(attachment.policy_arn, "?")
    return attached


def attach_questions(
    page, form, attached, kind: str, owner_arn: str, *, extra: dict, owner_context=None
) -> dict:
    """The page's questions: which policies the principal may attach (the picker offers only
    those) and detach, and the ``extra`` actions the page offers.

    One question per policy, with iam:PolicyARN in the context as the POST asks it (and the
    owner's ``owner_context``: a user's permissions boundary); all in one ``permitted`` call, so
    the page's queries do not grow with the policies.
    """
    field = form.fields["policy_arn"]
    arns = [arn for _label, group in field.choices if isinstance(group, list) for arn, _n in group]
    owner_context = owner_context or {}
    answers = page.permitted(
        {
            **{
                ("attach", arn): (
                    f"iam:Attach{kind}Policy",
                    owner_arn,
                    {"iam:PolicyARN": arn, **owner_context},
                )
                for arn in arns
            },
            **{
                ("detach", a.policy_arn): (
                    f"iam:Detach{kind}Policy",
                    owner_arn,
                    {"iam:PolicyARN": a.policy_arn, **owner_context},
                )
                for a in attached
            },
            **extra,
        }
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


class UserPermissions(UserPage):
    """A user's policies (attach, detach, inline) and their effective permissions."""

    permission = Permission("iam:ListAttachedUserPolicies", user_arn, "`USER`")
    # Asked once, with the policy in the context, as the group page and the simulator ask: a
    # condition on iam:PolicyARN is false without it. The user's boundary too, as AWS sets it.
    form_permission = Permission(
        "iam:AttachUserPolicy",
        user_arn,
        "`USER`",
        note="with `iam:PolicyARN` (and the user's `iam:PermissionsBoundary`) in the context",
        context=lambda page: {
            "iam:PolicyARN": page.form.cleaned_data["policy_arn"],
            **with_boundary(page.user.permissions_boundary),
        },
    )
    template_name = "console/user_permissions.html"
    form_class = AttachPolicyForm

    def form_args(self):
        return (attach_choices(self.account),)

    def perform(self, data):
        policy_services.policy_attach(
            actor=self.request.user,
            account=self.account,
            policy_arn=data["policy_arn"],
            user=self.user,
            request=self.request,
        )

    def success_message(self, result):
        return _("The policy was attached.")

    def success_url(self, result):
        return reverse("console:user_permissions", args=[self.account.id, self.user.name])

    def get_context_data(self, form, **context):
        user = self.user
        attached = attached_policies(self.account, user=user)
        boundary = with_boundary(user.permissions_boundary)
        can = attach_questions(
            self,
            form,
            attached,
            "User",
            user.arn,
            extra={"put_inline": ("iam:PutUserPolicy", user.arn, boundary)},
            owner_context=boundary,
        )
        effective = loading.effective_permissions(user, EFFECTIVE_ACTIONS)
        for row in effective:
            row["decided_by"] = _effective_decided_by(row, user.permissions_boundary)
            row["conditional"] = _conditional_keys(row["mfa"])
        return super().get_context_data(
            form=form,
            attached=attached,
            inline=list(selectors.inline_policies_of(user=user)),
            effective=effective,
            boundary_name=user.permissions_boundary.rsplit("/", 1)[-1],
            can=can,
            **context,
        )


def _effective_decided_by(row: dict, boundary_arn: str) -> str:
    """What decided a row of the effective permissions: once when both cases agree."""
    without, with_mfa = (decided_by(row[key], boundary_arn) for key in ("no_mfa", "mfa"))
    if without == with_mfa:
        return without
    return _("Without MFA: %(without)s; with MFA: %(with_mfa)s") % {
        "without": without,
        "with_mfa": with_mfa,
    }


# The keys the console puts in a request's context, as AWS spells them (the engine lower-cases).
_KEY_SPELLING = {
    key.lower(): key
    for key in (
        "iam:PermissionsBoundary",
        "iam:PolicyARN",
        "aws:SourceIp",
        "aws:SecureTransport",
        "aws:CurrentTime",
        "aws:EpochTime",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalType",
        "aws:username",
        "aws:userid",
    )
}


def _conditional_keys(decision) -> list[str]:
    """For a row the table denies only because it asks without a request: the condition keys of
    the Allow statements that named the action and resource (MFA keys are the columns' business).
    Nothing for an allow or an explicit deny."""
    if decision.decision != IMPLICIT_DENY:
        return []
    return [_KEY_SPELLING.get(key, key) for key in decision.condition_keys if key not in MFA_KEYS]


class UserPolicyDetach(UserPage):
    http_method_names = ["post"]
    permission = Permission(
        "iam:DetachUserPolicy",
        user_arn,
        "`USER`",
        note="with `iam:PolicyARN` (and the user's `iam:PermissionsBoundary`) in the context",
        context=lambda page: {
            "iam:PolicyARN": page.policy_arn,
            **with_boundary(page.user.permissions_boundary),
        },
    )

    @property
    def policy_arn(self) -> str:
        return self.request.POST.get("policy_arn", "")[:1100]

    def post(self, request, *args, **kwargs):
        policy_services.policy_detach(
            actor=request.user,
            account=self.account,
            policy_arn=self.policy_arn,
            user=self.user,
            request=request,
        )
        messages.success(request, _("The policy was detached."))
        return redirect(
            "console:user_permissions", account_id=self.account.id, user_name=self.user.name
        )


def _owner_arn(page) -> str:
    return page.owner.arn


def _owner_boundary(page) -> dict:
    return with_boundary(getattr(page.owner, "permissions_boundary", ""))  # a group has none


def _inline_permissions(kind: str, resource_doc: str) -> tuple[Permission, AnyOf]:
    context = _owner_boundary if kind == "User" else None
    doc = f"`iam:Put{kind}Policy` (save) or `iam:Delete{kind}Policy` (delete)"
    if kind == "User":
        doc += ", with the user's `iam:PermissionsBoundary` in the context"
    return (
        Permission(f"iam:Get{kind}Policy", _owner_arn, resource_doc),
        AnyOf(
            {
                "put": Permission(f"iam:Put{kind}Policy", _owner_arn, context=context),
                "delete": Permission(f"iam:Delete{kind}Policy", _owner_arn, context=context),
            },
            doc=doc,
            resource_doc=resource_doc,
        ),
    )


class InlinePolicyPage(AccountPage):
    """Create or edit one inline policy of a user or a group (the JSON editor), or delete it."""

    template_name = "console/inline_policy.html"
    form_class = InlinePolicyForm

    def load(self):
        super().load()
        self.owner = self.load_owner()
        name = self.kwargs.get("name")
        self.inline = (
            None if name is None else selectors.inline_policy_get(name, **self.owner_kwargs)
        )

    @cached_property
    def back(self):
        return self.back_url()

    def get_initial(self):
        inline = self.inline
        return {"name": inline.name, "document": inline.document} if inline else None

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "delete" and self.inline is not None:
            self.require(self.post_permission["delete"])
            policy_services.inline_policy_delete(
                actor=request.user, inline=self.inline, request=request
            )
            messages.success(request, _("The inline policy was deleted."))
            return redirect(self.back)
        self.require(self.post_permission["put"])
        return super().post(request, *args, **kwargs)

    def perform(self, data):
        policy_services.inline_policy_put(
            actor=self.request.user,
            name=data["name"].strip(),
            document=data["document"],
            request=self.request,
            **self.owner_kwargs,
        )

    def success_message(self, result):
        return _("The inline policy was saved.")

    def success_url(self, result):
        return self.back

    def get_context_data(self, **context):
        return super().get_context_data(
            owner=self.owner, back_url=self.back, inline=self.inline, **context
        )


class UserInlinePolicy(InlinePolicyPage):
    permission, post_permission = _inline_permissions("User", "`USER`")

    def load_owner(self):
        self.owner_kwargs = {
            "user": selectors.account_user_get(
                account=self.account, user_name=self.kwargs["user_name"]
            )
        }
        return self.owner_kwargs["user"]

    def back_url(self):
        return reverse("console:user_permissions", args=[self.account.id, self.owner.name])


class GroupInlinePolicy(InlinePolicyPage):
    permission, post_permission = _inline_permissions("Group", "the group's ARN")

    def load_owner(self):
        self.owner_kwargs = {
            "group": selectors.account_group_get(
                account=self.account, group_name=self.kwargs["group_name"]
            )
        }
        return self.owner_kwargs["group"]

    def back_url(self):
        return reverse("console:group_detail", args=[self.account.id, self.owner.name])
