"""The console's left-hand navigation, one section per area, as AWS's consoles have it.

A context processor (``navigation``) builds it from the URL the page answers and the signed-in
principal; it reads no table (the principal's account and organization come with the user).
The organization's two areas are shown only to a principal of the management account whom the
engine lets open the area at all (``organizations:DescribeOrganization`` on the organization,
``sso:DescribeInstance`` on its instance), asked in one ``permitted`` call: the policies are
loaded once per request, so the page's queries do not grow. Inside an area every entry is a link
only: the page behind it still asks the engine, as in AWS's consoles.

The account of the IAM section is the one in the URL when the page is an account's page, else
the principal's own. An account id typed into a URL that the principal does not reach is a 404
page; the links it would build name only that id, which the person typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from identity import arns
from identity.authorization import permitted

# (label, URL name, URL names that highlight the entry besides its own)
IAM = (
    (_("Dashboard"), "account_dashboard", ("dashboard_affected_users",)),
    (_("Users"), "user_list", ("user_create", "user_detail", "user_bulk", "export_detail")),
    (_("Groups"), "group_list", ("group_detail",)),
    (_("Policies"), "policy_list", ("policy_create", "policy_detail", "aws_policy_detail")),
    (_("Policy simulator"), "simulator", ()),
    (_("Credential report"), "credential_report", ()),
    (_("Password policy"), "password_policy", ("password_policy_delete",)),
)
ORGANIZATION = (
    (_("AWS accounts"), "home", ("account_create",)),
    (
        _("Organizational structure"),
        "organization_structure",
        (
            "organization_parent",
            "organizational_unit_create",
            "organizational_unit_rename",
            "organizational_unit_delete",
            "account_move",
        ),
    ),
    (_("Service control policies"), "scp_list", ("scp_detail",)),
    (_("Root user MFA"), "root_mfa", ("root_mfa_wave_cancel",)),
    (_("Root access keys"), "root_access_keys", ()),
)
IDENTITY_CENTER = (
    (_("Dashboard"), "sso_home", ("sso_settings", "sso_idp")),
    (_("Users"), "sso_user_list", ("sso_user_create", "sso_user_detail")),
    (_("Groups"), "sso_group_list", ("sso_group_detail",)),
    (_("Permission sets"), "sso_permission_set_list", ("sso_permission_set_create",)),
    (_("AWS accounts"), "sso_assignment_list", ()),
    (_("Applications"), "sso_application_list", ("sso_application_detail",)),
)
EVENTS = ((_("Event history"), "audit_list", ("event_detail",)),)


@dataclass(frozen=True)
class Entry:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class Section:
    label: str
    entries: tuple[Entry, ...]


def _entries(table, current: str, **kwargs) -> tuple[Entry, ...]:
    entries = []
    for label, name, also in table:
        url = reverse(f"console:{name}", kwargs=kwargs)
        entries.append(Entry(label, url, current == name or current in also))
    return tuple(entries)


def sections(request) -> tuple[Section, ...]:
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    if (
        user is None
        or not user.is_authenticated
        or getattr(user, "is_sso", False)  # SSO users have the portal, not the console
        or match is None
        or match.namespace != "console"
        or getattr(request, "signin_step_pending", None)
    ):
        return ()
    current = match.url_name or ""
    account_id = match.kwargs.get("account_id") or user.account_id
    account = user.account
    found = [
        Section(_("IAM"), _entries(IAM, current, account_id=account_id)),
        Section(_("Event history"), _entries(EVENTS, current, account_id=account_id)),
    ]
    organization = account.organization
    if getattr(user, "kind", None) != "role" and organization.management_account_id == account.id:
        may = permitted(
            request,
            {
                "organization": ("organizations:DescribeOrganization", organization.arn),
                "identity_center": ("sso:DescribeInstance", arns.sso_instance(organization.pk)),
            },
            account=account,
        )
        if may["identity_center"]:
            found.insert(1, Section(_("IAM Identity Center"), _entries(IDENTITY_CENTER, current)))
        if may["organization"]:
            found.insert(1, Section(_("Organization"), _entries(ORGANIZATION, current)))
    return tuple(section for section in found if section.entries)


def navigation(request) -> dict:
    return {"console_nav": sections(request)}
