"""The organization's structure: the root, its organizational units (OUs) nested under it and
the accounts in each, with the SCPs attached to each; creating, renaming and deleting OUs, and
moving accounts between the root and the OUs.

Only the management account's principals reach these pages (``identity.selectors``: for anyone
else an OU or an account id is a 404, as another organization's is); the engine then decides,
on the ARNs AWS Organizations uses: the root's, an OU's, an account's.
"""

from __future__ import annotations

from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from identity import arns, ids, selectors
from identity import organization_units as structure
from identity.authorization import Permission
from identity.models import OrganizationalUnit
from identity.policies import catalog

from ..base import OrganizationPage, page_of
from ..forms.organization import (
    AccountMoveForm,
    OrganizationalUnitDeleteForm,
    OrganizationalUnitNameForm,
)

# Accounts shown under each parent on the tree; the parent's own page lists them all, a page
# at a time.
ACCOUNTS_PER_PARENT = 25

ROOT_DOC = "`arn:aws:organizations::MGMT:root/o-…/r-…`"
OU_DOC = "`arn:aws:organizations::MGMT:ou/o-…/ou-…`"
PARENT_DOC = f"the parent's: {ROOT_DOC} or {OU_DOC}"


def root_arn(page) -> str:
    organization = page.organization
    return arns.organization_root(organization.management_account_id, organization.pk)


def parent_arn(page) -> str:
    return page.parent.arn if page.parent is not None else root_arn(page)


def unit_arn(page) -> str:
    return page.unit.arn


def member_arn(page) -> str:
    organization = page.organization
    return arns.organization_account(
        organization.management_account_id, organization.pk, page.member.pk
    )


def _parent_arn_of(page, unit_id: str | None) -> str:
    organization = page.organization
    if unit_id is None:
        return root_arn(page)
    return arns.organizational_unit(organization.management_account_id, organization.pk, unit_id)


def source_arn(page) -> str:
    return _parent_arn_of(page, page.member.organizational_unit_id)


def destination_arn(page) -> str:
    return _parent_arn_of(page, page.destination.pk if page.destination is not None else None)


def scp_names(organization) -> dict[str, str]:
    """Every SCP the organization can attach, by ARN: AWS's and its own (one query)."""
    return {
        **{policy.arn: policy.name for policy in catalog.aws_scps()},
        **{arn: scp.name for arn, scp in selectors.organization_scps(organization).items()},
    }


def named(attached: list[str], names: dict[str, str]) -> list[str]:
    """The names of the SCPs attached to a target; FullAWSAccess when none is (AWS's default)."""
    full = names.get(catalog.FULL_AWS_ACCESS, "FullAWSAccess")
    return [names.get(arn, arn) for arn in attached] or [full]


def crumbs(root_id: str, chain, last: str | None = None) -> list[tuple[str | None, str]]:
    """The breadcrumbs below *Organizational structure*: the root, each OU of ``chain`` (from
    the top), then ``last`` (the page's action) unlinked, or the chain's end unlinked."""
    items = [(reverse("console:organization_parent", args=[root_id]), _("Root"))]
    items += [(reverse("console:organization_parent", args=[unit.pk]), unit.name) for unit in chain]
    if last is None:
        return [*items[:-1], (None, items[-1][1])]
    return [*items, (None, last)]


def chain_in(units, unit_id: str | None) -> list:
    """The OUs from the top down to ``unit_id`` (none for the root), from the organization's."""
    by_id = {unit.pk: unit for unit in units}
    chain = []
    while unit_id in by_id and len(chain) <= OrganizationalUnit.MAX_DEPTH:
        chain.append(by_id[unit_id])
        unit_id = by_id[unit_id].parent_id
    return chain[::-1]


class OrganizationStructure(OrganizationPage):
    """The tree: the root, the OUs nested under it, the accounts in each, and their SCPs. A
    constant number of queries whatever the size (``selectors.organization_structure``). An OU
    whose children the principal may not list shows no OU or account inside it."""

    permission = Permission("organizations:ListChildren", root_arn, ROOT_DOC)
    template_name = "console/organization_structure.html"

    def get_context_data(self, **context):
        root, nodes = selectors.organization_structure(
            self.organization, accounts_per_parent=ACCOUNTS_PER_PARENT
        )
        names = scp_names(self.organization)
        # Each OU's contents are asked of the engine as its own page asks them (ListChildren on
        # the OU): one refused shows itself, since its parent may be listed, but nothing inside.
        listable = self.permitted(
            {
                node.id: ("organizations:ListChildren", node.unit.arn)
                for node in nodes
                if node.unit is not None
            }
        )
        for node in nodes:
            node.scp_names = named(node.scps, names)
            node.listed = node.unit is None or listable[node.id]
            for account in node.accounts:
                account.scp_names = named(account.scps, names)
        return super().get_context_data(
            root=root,
            unit_count=len(nodes) - 1,
            max_depth=OrganizationalUnit.MAX_DEPTH,
            **context,
        )


class _ParentPage(OrganizationPage):
    """A page about one parent: the root (``r-…``) or an OU, from the URL."""

    def load(self) -> None:
        super().load()
        self.parent = selectors.organization_parent_get(self.request.user, self.kwargs["parent_id"])

    def get_context_data(self, **context):
        return super().get_context_data(
            parent=self.parent,
            root_id=ids.organization_root_id(self.organization.pk),
            **context,
        )


class OrganizationParent(_ParentPage):
    """One parent: its SCPs, the OUs directly under it, its accounts a page at a time."""

    permission = Permission("organizations:ListChildren", parent_arn, PARENT_DOC)
    template_name = "console/organization_parent.html"

    def get_context_data(self, **context):
        organization, parent = self.organization, self.parent
        units = selectors.organizational_units(organization)
        chain = chain_in(units, parent.pk if parent is not None else None)
        parent_id = parent.pk if parent is not None else None
        page = page_of(self.request, selectors.organization_parent_accounts(organization, parent))
        root_id = ids.organization_root_id(organization.pk)
        attached = selectors.organization_scp_targets(
            organization, account_ids=[account.pk for account in page.object_list]
        )
        names = scp_names(organization)
        for account in page.object_list:
            account.scp_names = named(attached.get(account.pk, []), names)
        # What applies from above: the root's SCPs and each OU's down to this parent's.
        above = [(_("Root"), root_id)] + [(unit.name, unit.pk) for unit in chain[:-1]]
        if parent is None:
            above = []
        return super().get_context_data(
            inherited=[(label, named(attached.get(target, []), names)) for label, target in above],
            crumbs=crumbs(root_id, chain),
            arn=parent_arn(self),
            children=[unit for unit in units if unit.parent_id == parent_id],
            page=page,
            scp_names=named(attached.get(parent.pk if parent else root_id, []), names),
            target_id=parent.pk if parent else root_id,
            can_nest=len(chain) < OrganizationalUnit.MAX_DEPTH,
            max_depth=OrganizationalUnit.MAX_DEPTH,
            **context,
        )


class OrganizationalUnitCreate(_ParentPage):
    """A new OU under the root or under an OU (at most five deep)."""

    permission = Permission("organizations:CreateOrganizationalUnit", parent_arn, PARENT_DOC)
    template_name = "console/organizational_unit_create.html"
    form_class = OrganizationalUnitNameForm
    bare_errors_to = None

    def get_context_data(self, **context):
        chain = selectors.organizational_unit_chain(self.parent) if self.parent else []
        root_id = ids.organization_root_id(self.organization.pk)
        return super().get_context_data(crumbs=crumbs(root_id, chain, _("Add an OU")), **context)

    def perform(self, data):
        return structure.organizational_unit_create(
            actor=self.request.user,
            organization=self.organization,
            parent=self.parent,
            name=data["name"],
            request=self.request,
        )

    def success_message(self, unit):
        return _("OU %(name)s (%(id)s) was created.") % {"name": unit.name, "id": unit.pk}

    def success_url(self, unit):
        return reverse("console:organization_structure")


class _UnitPage(OrganizationPage):
    """A page about one OU, from the URL."""

    crumb = ""

    def load(self) -> None:
        super().load()
        self.unit = selectors.organizational_unit_get(self.request.user, self.kwargs["ou_id"])

    def get_context_data(self, **context):
        root_id = ids.organization_root_id(self.organization.pk)
        chain = selectors.organizational_unit_chain(self.unit)
        return super().get_context_data(
            unit=self.unit, crumbs=crumbs(root_id, chain, str(self.crumb)), **context
        )


class OrganizationalUnitRename(_UnitPage):
    crumb = gettext_lazy("Rename")
    permission = Permission("organizations:UpdateOrganizationalUnit", unit_arn, OU_DOC)
    template_name = "console/organizational_unit_rename.html"
    form_class = OrganizationalUnitNameForm
    bare_errors_to = None

    def get_initial(self):
        return {"name": self.unit.name}

    def perform(self, data):
        return structure.organizational_unit_rename(
            actor=self.request.user, unit=self.unit, name=data["name"], request=self.request
        )

    def success_message(self, unit):
        return _("The OU is now named %(name)s.") % {"name": unit.name}

    def success_url(self, unit):
        return reverse("console:organization_structure")


class OrganizationalUnitDelete(_UnitPage):
    """Delete an empty OU, its name typed to confirm; a non-empty one says what is left in it."""

    crumb = gettext_lazy("Delete")
    permission = Permission("organizations:DeleteOrganizationalUnit", unit_arn, OU_DOC)
    template_name = "console/organizational_unit_delete.html"
    form_class = OrganizationalUnitDeleteForm
    bare_errors_to = None

    def form_args(self):
        return (self.unit.name,)

    def perform(self, data):
        structure.organizational_unit_delete(
            actor=self.request.user, unit=self.unit, request=self.request
        )
        return self.unit

    def success_message(self, unit):
        return _("OU %(name)s (%(id)s) was deleted.") % {"name": unit.name, "id": unit.pk}

    def success_url(self, unit):
        return reverse("console:organization_structure")

    def get_context_data(self, **context):
        return super().get_context_data(
            child_count=self.unit.children.count(),
            account_count=self.unit.accounts.count(),
            **context,
        )


class AccountMove(OrganizationPage):
    """Move an account to the root or to an OU. Asked on the account and the parent it leaves
    (every method), and on the parent it goes to (once the form is valid)."""

    permission = Permission(
        "organizations:MoveAccount",
        member_arn,
        "`arn:aws:organizations::MGMT:account/o-…/ACCOUNT` and its current parent's "
        f"({ROOT_DOC} or {OU_DOC})",
    )
    source_permission = Permission("organizations:MoveAccount", source_arn)
    form_permission = Permission(
        "organizations:MoveAccount",
        destination_arn,
        f"the destination's: {ROOT_DOC} or {OU_DOC} (besides the account's and its parent's)",
    )
    template_name = "console/account_move.html"
    form_class = AccountMoveForm
    bare_errors_to = "destination"

    def load(self) -> None:
        super().load()
        self.member = selectors.organization_member_get(self.request.user, self.kwargs["member_id"])

    def authorize(self) -> None:
        super().authorize()
        self.require(self.source_permission)

    @cached_property
    def units(self):
        return selectors.organizational_units(self.organization)

    def form_args(self):
        root_id = ids.organization_root_id(self.organization.pk)
        return (root_id, self.units, self.member.organizational_unit_id or root_id)

    def form_valid(self, form):
        self.destination = form.cleaned_data["destination"]
        return super().form_valid(form)

    def perform(self, data):
        return structure.account_move(
            actor=self.request.user,
            account=self.member,
            destination=data["destination"],
            request=self.request,
        )

    def success_message(self, account):
        place = (
            _("OU %(name)s") % {"name": self.destination.name}
            if self.destination is not None
            else _("the root")
        )
        return _("Account %(name)s (%(id)s) was moved to %(place)s.") % {
            "name": account.name,
            "id": account.pk,
            "place": place,
        }

    def success_url(self, account):
        return reverse("console:organization_structure")

    def get_context_data(self, **context):
        paths = selectors.organizational_unit_paths(self.units)
        current = self.member.organizational_unit_id
        chain = chain_in(self.units, current)
        root_id = ids.organization_root_id(self.organization.pk)
        return super().get_context_data(
            crumbs=crumbs(root_id, chain, _("Move account %(id)s") % {"id": self.member.pk}),
            member=self.member,
            current_path=paths.get(current, "") if current else "",
            **context,
        )
