"""The organization's service control policies: the catalog, new SCPs, where they apply.

Targets are the organization root, its OUs and its accounts. The list shows every target with
its SCPs (the root and the OUs on every page, the accounts a page at a time) and attaches there;
each SCP's own page lists every target it is attached to. A detach, from either, is confirmed
on a page of its own that says what it changes and for how many accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from identity import arns, ids, selectors
from identity.authorization import AnyOf, Permission
from identity.models import Account, OrganizationalUnit, SCPAttachment
from identity.policies import catalog
from identity.policies import services as policy_services
from identity.policy import parse

from ..base import OrganizationPage, organization_arn, page_of
from ..forms.policies import SCPCreateForm
from .organization_units import scp_names

OPS = {
    "create": "organizations:CreatePolicy",
    "attach": "organizations:AttachPolicy",
}
TARGET_DOC = (
    "the target's ARN (`arn:aws:organizations::MGMT:root/o-…/r-…`, `…:ou/o-…/ou-…` or "
    "`…:account/o-…/ACCOUNT`)"
)


@dataclass
class Target:
    """Where an SCP attaches: the root, an OU or an account of the organization."""

    id: str
    arn: str
    kind: str  # "root", "ou" or "account"
    label: str
    account: Account | None = None
    unit: OrganizationalUnit | None = None


def target_of(organization, units, target_id: str) -> Target:
    """The organization's root, OU or account by its id; 404 for any other."""
    management, root_id = (
        organization.management_account_id,
        ids.organization_root_id(organization.pk),
    )
    if target_id in (organization.pk, root_id):  # the organization's id: the root, as before
        arn = arns.organization_root(management, organization.pk)
        return Target(root_id, arn, "root", _("Root"))
    if target_id.startswith("ou-"):
        unit = next((u for u in units if u.pk == target_id), None)
        if unit is None:
            raise Http404
        path = selectors.organizational_unit_paths(units)[unit.pk]
        return Target(unit.pk, unit.arn, "ou", path, unit=unit)
    account = organization.accounts.filter(pk=target_id).first() if target_id else None
    if account is None:
        raise Http404
    arn = arns.organization_account(management, organization.pk, account.pk)
    return Target(account.pk, arn, "account", f"{account.name} ({account.pk})", account=account)


def page_number(value: str) -> str:
    """A page number as typed in the query (ASCII digits, at most six), or ''."""
    return value if value.isascii() and value.isdecimal() and len(value) <= 6 else ""


def list_page(page: str) -> str:
    """The SCP list at the page of accounts it was on (a number, never a URL)."""
    url = reverse("console:scp_list")
    return f"{url}?page={int(page)}" if page_number(page) else url


class SCPList(OrganizationPage):
    """The organization's service control policies and where they are attached."""

    permission = Permission("organizations:ListPolicies", organization_arn, "`ORG`")
    post_permission = AnyOf(
        {
            **{op: Permission(action, organization_arn) for op, action in OPS.items()},
            # Both resources of an attach: the policy, and the target it goes on.
            "attach:policy": Permission(OPS["attach"], lambda page: page.scp_arn),
            "attach:target": Permission(OPS["attach"], lambda page: page.target.arn),
        },
        doc="`organizations:CreatePolicy` or `organizations:AttachPolicy`",
        resource_doc=f"`ORG`; for an attach also the SCP's ARN and {TARGET_DOC}",
    )
    template_name = "console/scp_list.html"

    def load_within(self):
        self.units = selectors.organizational_units(self.organization)
        self.own = selectors.organization_scps(self.organization)
        self.catalog = {p.arn: p for p in catalog.aws_scps()}

    def get(self, request, *args, **kwargs):
        return self.render_page(create_form=SCPCreateForm())

    def post(self, request, *args, **kwargs):
        op = request.POST.get("op")
        if op not in OPS:
            raise Http404
        self.require(self.post_permission[op])
        create_form = SCPCreateForm(request.POST) if op == "create" else SCPCreateForm()
        if op != "create":
            back = self._back()
        try:
            if op == "create":
                if create_form.is_valid():
                    data = create_form.cleaned_data
                    policy_services.scp_create(
                        actor=request.user,
                        organization=self.organization,
                        name=data["name"].strip(),
                        description=data["description"],
                        document=data["document"],
                        request=request,
                    )
                    messages.success(request, _("The SCP was created."))
                    return redirect("console:scp_list")
            else:
                self._attach()
                messages.success(request, _("The SCP attachments were updated."))
                return redirect(back)
        except ValidationError as error:
            if op == "create":
                self.service_refused(create_form, error)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect(back)
        return self.render_page(create_form=create_form)

    def _back(self) -> str:
        """Where an attach returns: this list at the page it was on."""
        return list_page(self.request.POST.get("page", ""))

    def _attach(self) -> None:
        self.scp_arn = self.request.POST.get("policy_arn", "")
        if self.scp_arn not in self.own and self.scp_arn not in self.catalog:
            raise Http404
        self.target = target_of(self.organization, self.units, self.request.POST.get("target", ""))
        self.require(self.post_permission["attach:policy"])
        self.require(self.post_permission["attach:target"])
        policy_services.scp_attach(
            actor=self.request.user,
            organization=self.organization,
            policy_arn=self.scp_arn,
            account=self.target.account,
            organizational_unit=self.target.unit,
            request=self.request,
        )

    def get_context_data(self, **context):
        organization = self.organization
        page = page_of(self.request, selectors.organization_accounts_listed(organization))
        attached = selectors.organization_scp_targets(
            organization, account_ids=[account.pk for account in page.object_list]
        )
        names = {
            **{arn: p.name for arn, p in self.catalog.items()},
            **{arn: p.name for arn, p in self.own.items()},
        }
        root_id = ids.organization_root_id(organization.pk)
        paths = selectors.organizational_unit_paths(self.units)
        targets = [(root_id, _("Root"), "root", 0)]
        targets += [
            (unit.pk, paths[unit.pk], "ou", depth)
            for unit, depth in selectors.organizational_units_in_tree_order(self.units)
        ]
        targets += [
            (account.pk, f"{account.name} ({account.pk})", "account", 0)
            for account in page.object_list
        ]
        rows = [
            (
                target_id,
                label,
                kind,
                depth,
                [
                    (arn, names.get(arn, arn), arn.rsplit("/", 1)[-1])
                    for arn in (attached.get(target_id) or [catalog.FULL_AWS_ACCESS])
                ],
                target_id not in attached,
            )
            for target_id, label, kind, depth in targets
        ]
        counts = dict(
            SCPAttachment.objects.filter(organization=organization)
            .values_list("policy_arn")
            .annotate(targets=Count("id"))
            .values_list("policy_arn", "targets")
        )
        scps = [*self.catalog.values(), *self.own.values()]
        return super().get_context_data(
            scps=[(scp, scp.arn.rsplit("/", 1)[-1], counts.get(scp.arn, 0)) for scp in scps],
            rows=rows,
            page=page,
            **context,
        )


class SCPDetail(OrganizationPage):
    """One SCP: its document and every target it is attached to (the root, OUs, accounts, the
    accounts a page at a time), each with a Detach button."""

    permission = Permission(
        "organizations:DescribePolicy",
        lambda page: page.policy.arn,
        "the SCP's ARN (`arn:aws:organizations::MGMT:policy/o-…/service_control_policy/p-…`, "
        "or AWS's `arn:aws:organizations::aws:policy/service_control_policy/p-…`)",
    )
    template_name = "console/scp_detail.html"

    def load(self) -> None:
        super().load()
        self.policy = selectors.organization_scp_get(self.request.user, self.kwargs["policy_id"])

    def get_context_data(self, **context):
        organization, arn = self.organization, self.policy.arn
        units = selectors.organizational_units(organization)
        paths = selectors.organizational_unit_paths(units)
        attached = SCPAttachment.objects.filter(organization=organization, policy_arn=arn)
        on_units = set(
            attached.filter(organizational_unit__isnull=False).values_list(
                "organizational_unit_id", flat=True
            )
        )
        page = page_of(
            self.request, selectors.organization_scp_accounts(organization, policy_arn=arn)
        )
        return super().get_context_data(
            policy=self.policy,
            policy_id=self.kwargs["policy_id"],
            is_aws=getattr(self.policy, "is_aws", False),
            document=self.policy.document,
            on_root=attached.filter(
                account__isnull=True, organizational_unit__isnull=True
            ).exists(),
            root_id=ids.organization_root_id(organization.pk),
            units=[
                (unit, paths[unit.pk])
                for unit, _depth in selectors.organizational_units_in_tree_order(units)
                if unit.pk in on_units
            ],
            page=page,
            implicit=arn == catalog.FULL_AWS_ACCESS,
            **context,
        )


class SCPDetach(OrganizationPage):
    """Detach an SCP from a target, once confirmed: the page says what the target keeps, what
    the detach opens or closes, and how many accounts it reaches. Asked on both resources of
    AWS's DetachPolicy, the policy and the target, for the page and for the detach."""

    permission = Permission(
        "organizations:DetachPolicy",
        lambda page: page.policy.arn,
        f"the SCP's ARN and {TARGET_DOC}",
    )
    target_permission = Permission("organizations:DetachPolicy", lambda page: page.target.arn)
    template_name = "console/scp_detach.html"

    def load(self) -> None:
        super().load()
        self.policy = selectors.organization_scp_get(self.request.user, self.kwargs["policy_id"])
        self.units = selectors.organizational_units(self.organization)
        self.target = target_of(self.organization, self.units, self.kwargs["target_id"])

    def authorize(self) -> None:
        super().authorize()
        self.require(self.target_permission)

    @property
    def origin(self):
        """The query, or the form, that says where the page was opened from."""
        return self.request.POST if self.request.method == "POST" else self.request.GET

    @property
    def back(self) -> str:
        """Where the page returns: the SCP list at its page when it came from there, else the
        SCP's own page (from a page number, never a URL)."""
        if self.origin.get("from") == "list":
            return list_page(self.origin.get("page", ""))
        return reverse("console:scp_detail", args=[self.kwargs["policy_id"]])

    def attached(self) -> list[str]:
        """The SCPs on the target, FullAWSAccess when none is stored (implicit)."""
        target = self.target
        attached = selectors.organization_scp_targets(
            self.organization, account_ids=[target.account.pk] if target.account else []
        )
        return attached.get(target.id) or [catalog.FULL_AWS_ACCESS]

    def post(self, request, *args, **kwargs):
        back = self.back
        try:
            detached = policy_services.scp_detach(
                actor=request.user,
                organization=self.organization,
                policy_arn=self.policy.arn,
                account=self.target.account,
                organizational_unit=self.target.unit,
                request=request,
            )
        except ValidationError as error:
            return self.render_page(refused=" ".join(error.messages))
        if not detached:  # not attached (another detach came first): the page says so
            return self.render_page()
        messages.success(
            request,
            _("%(policy)s was detached from %(target)s.")
            % {"policy": self.policy.name, "target": self.target.label},
        )
        return redirect(back)

    def get_context_data(self, **context):
        organization, target = self.organization, self.target
        attached = self.attached()
        names = scp_names(organization)
        effects = {
            statement.effect for statement in parse(self.policy.document, scp=True).statements
        }
        if target.account is not None:
            reaches = int(target.account.pk != organization.management_account_id)
        elif not self.permitted({"list": ("organizations:ListChildren", target.arn)})["list"]:
            reaches = None  # what is inside is not theirs to count, as on the tree
        else:
            reaches = selectors.organization_accounts_governed(
                organization, self.units, target.unit.pk if target.unit else None
            )
        return super().get_context_data(
            policy=self.policy,
            policy_id=self.kwargs["policy_id"],
            target=target,
            is_attached=self.policy.arn in attached,
            remaining=[names.get(arn, arn) for arn in attached if arn != self.policy.arn],
            denies="Deny" in effects,
            allows="Allow" in effects,
            reaches=reaches,
            back=self.back,
            came_from_list=self.origin.get("from") == "list",
            page_number=page_number(self.origin.get("page", "")),
            **context,
        )
