"""The organization's service control policies: the catalog, new SCPs, where they apply.

Targets are the organization root, its OUs and its accounts. The list shows every target with
its SCPs (the root and the OUs on every page, the accounts a page at a time) and attaches and
detaches there; each SCP's own page lists every target it is attached to.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from identity import arns, ids, selectors
from identity.authorization import AnyOf, Permission
from identity.models import SCPAttachment
from identity.policies import catalog
from identity.policies import services as policy_services

from ..base import OrganizationPage, organization_arn, page_of
from ..forms.policies import SCPCreateForm

OPS = {
    "create": "organizations:CreatePolicy",
    "attach": "organizations:AttachPolicy",
    "detach": "organizations:DetachPolicy",
}


class SCPList(OrganizationPage):
    """The organization's service control policies and where they are attached."""

    permission = Permission("organizations:ListPolicies", organization_arn, "`ORG`")
    post_permission = AnyOf(
        {
            **{op: Permission(action, organization_arn) for op, action in OPS.items()},
            # Both resources of attach and detach: the policy, and the target it goes on.
            **{
                f"{op}:policy": Permission(OPS[op], lambda page: page.scp_arn)
                for op in ("attach", "detach")
            },
            **{
                f"{op}:target": Permission(OPS[op], lambda page: page.target_arn)
                for op in ("attach", "detach")
            },
        },
        doc="`organizations:CreatePolicy`; `organizations:AttachPolicy` or "
        "`organizations:DetachPolicy`",
        resource_doc="`ORG`; for attach and detach also the SCP's ARN and the target's ARN "
        "(`arn:aws:organizations::MGMT:root/o-…/r-…`, `…:ou/o-…/ou-…` or `…:account/o-…/ACCOUNT`)",
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
                self._attachment(op)
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
        """Where an attach or detach returns: the SCP's own page when it came from there (by
        the policy's id, never a URL), else this list at the page it was on."""
        policy_id = self.request.POST.get("return_to", "")
        if policy_id:
            if self._policy_by_id(policy_id) is None:
                raise Http404
            return reverse("console:scp_detail", args=[policy_id])
        page = self.request.POST.get("page", "")
        url = reverse("console:scp_list")
        return f"{url}?page={int(page)}" if page.isdigit() else url

    def _policy_by_id(self, policy_id: str):
        for arn, policy in [*self.catalog.items(), *self.own.items()]:
            if arn.rsplit("/", 1)[-1] == policy_id:
                return policy
        return None

    def _attachment(self, op: str) -> None:
        organization, post = self.organization, self.request.POST
        self.scp_arn = post.get("policy_arn", "")
        if self.scp_arn not in self.own and self.scp_arn not in self.catalog:
            raise Http404
        target_id = post.get("target", "")
        management, root_id = (
            organization.management_account_id,
            ids.organization_root_id(organization.pk),
        )
        account = unit = None
        if target_id in (organization.pk, root_id):  # the organization's id: the root, as before
            self.target_arn = arns.organization_root(management, organization.pk)
        elif target_id.startswith("ou-"):
            unit = next((u for u in self.units if u.pk == target_id), None)
            if unit is None:
                raise Http404
            self.target_arn = unit.arn
        else:
            account = organization.accounts.filter(pk=target_id).first() if target_id else None
            if account is None:
                raise Http404
            self.target_arn = arns.organization_account(management, organization.pk, account.pk)
        self.require(self.post_permission[f"{op}:policy"])
        self.require(self.post_permission[f"{op}:target"])
        service = policy_services.scp_attach if op == "attach" else policy_services.scp_detach
        service(
            actor=self.request.user,
            organization=organization,
            policy_arn=self.scp_arn,
            account=account,
            organizational_unit=unit,
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
                    (arn, names.get(arn, arn))
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
