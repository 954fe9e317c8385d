"""The organization's service control policies: the catalog, new SCPs, where they apply."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from identity import arns, selectors
from identity.authorization import AnyOf, Permission
from identity.policies import catalog
from identity.policies import services as policy_services

from ..base import OrganizationPage, organization_arn
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
            # Both resources of attach and detach: the policy, and the root or account it goes on.
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
        "(`arn:aws:organizations::MGMT:root/o-…/r-…` or `…:account/o-…/ACCOUNT`)",
    )
    template_name = "console/scp_list.html"

    def load_within(self):
        self.accounts = selectors.organization_accounts_by_age(self.organization)
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
                return redirect("console:scp_list")
        except ValidationError as error:
            if op == "create":
                self.service_refused(create_form, error)
            else:
                messages.error(request, " ".join(error.messages))
                return redirect("console:scp_list")
        return self.render_page(create_form=create_form)

    def _attachment(self, op: str) -> None:
        organization, post = self.organization, self.request.POST
        self.scp_arn = post.get("policy_arn", "")
        if self.scp_arn not in self.own and self.scp_arn not in self.catalog:
            raise Http404
        target_id = post.get("target", "")
        target = next((a for a in self.accounts if a.id == target_id), None)
        if target is None and target_id != organization.id:
            raise Http404
        self.target_arn = (
            arns.organization_account(
                organization.management_account_id, organization.id, target.id
            )
            if target
            else arns.organization_root(organization.management_account_id, organization.id)
        )
        self.require(self.post_permission[f"{op}:policy"])
        self.require(self.post_permission[f"{op}:target"])
        service = policy_services.scp_attach if op == "attach" else policy_services.scp_detach
        service(
            actor=self.request.user,
            organization=organization,
            policy_arn=self.scp_arn,
            account=target,
            request=self.request,
        )

    def get_context_data(self, **context):
        organization = self.organization
        attached = selectors.organization_scp_targets(organization)
        names = {
            **{arn: p.name for arn, p in self.catalog.items()},
            **{arn: p.name for arn, p in self.own.items()},
        }
        targets = [(organization.id, _("Organization root"), attached.get(None))] + [
            (a.id, f"{a.name} ({a.id})", attached.get(a.id)) for a in self.accounts
        ]
        rows = [
            (
                target_id,
                label,
                [(arn, names.get(arn, arn)) for arn in (arns or [catalog.FULL_AWS_ACCESS])],
                arns is None,
            )
            for target_id, label, arns in targets
        ]
        return super().get_context_data(
            scps=[*self.catalog.values(), *self.own.values()], rows=rows, **context
        )
