"""Every ARN Tobira shows, stores or asks the policy engine about is built here.

One function per kind of resource, taking plain ids (never models, so that building an ARN
never costs a query and any layer may call it). A pattern is the same function with ``*``
where the part is left open: ``user(account_id, "/", "*")`` is
``arn:aws:iam::ACCOUNT:user/*``, every user of the account. The strings are AWS's formats.
"""

from __future__ import annotations

# --- IAM (arn:aws:iam::ACCOUNT:...) -----------------------------------------------------


def root(account_id: str) -> str:
    """The account's root user: ``arn:aws:iam::ACCOUNT:root``."""
    return f"arn:aws:iam::{account_id}:root"


def user(account_id: str, path: str, name: str) -> str:
    """An IAM user: ``arn:aws:iam::ACCOUNT:user/PATH/NAME``; ``path`` starts and ends with ``/``."""
    return f"arn:aws:iam::{account_id}:user{path}{name}"


def group(account_id: str, path: str, name: str) -> str:
    """An IAM group: ``arn:aws:iam::ACCOUNT:group/PATH/NAME``."""
    return f"arn:aws:iam::{account_id}:group{path}{name}"


def policy(account_id: str, path: str, name: str) -> str:
    """A customer managed policy: ``arn:aws:iam::ACCOUNT:policy/PATH/NAME``."""
    return f"arn:aws:iam::{account_id}:policy{path}{name}"


def aws_managed_policy(name: str) -> str:
    """An AWS managed policy: ``arn:aws:iam::aws:policy/NAME`` (the account is ``aws``)."""
    return f"arn:aws:iam::aws:policy/{name}"


def mfa_device(account_id: str, path: str, name: str) -> str:
    """A virtual MFA device (any device but a hardware token, whose id is its serial):
    ``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``; ``path`` starts and ends with ``/``."""
    return f"arn:aws:iam::{account_id}:mfa{path}{name}"


def mfa_device_path_and_name(account_id: str, serial_number: str) -> tuple[str, str] | None:
    """The path and the name of the device an MFA device ARN of ``account_id`` names (what
    ``mfa_device`` builds), or None for anything else: another account's ARN, a hardware
    token's serial number, an ARN with no name. ``…:mfa/a/b/phone`` is ``("/a/b/", "phone")``."""
    prefix = mfa_device(account_id, "/", "")
    if not serial_number.startswith(prefix):
        return None
    path, _slash, name = serial_number[len(prefix) - 1 :].rpartition("/")
    return (f"{path}/", name) if name else None


def sso_role(account_id: str, role_name: str) -> str:
    """The role IAM Identity Center provisions for a permission set in an account:
    ``arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/ROLE``."""
    return f"arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/{role_name}"


# --- STS --------------------------------------------------------------------------------


def assumed_role(account_id: str, role_name: str, session_name: str) -> str:
    """A role session: ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``."""
    return f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}"


# --- CloudTrail -------------------------------------------------------------------------


def trail(account_id: str, name: str) -> str:
    """A trail: ``arn:aws:cloudtrail::ACCOUNT:trail/NAME`` (Tobira asks about ``*``)."""
    return f"arn:aws:cloudtrail::{account_id}:trail/{name}"


# --- Organizations (arn:aws:organizations::MANAGEMENT:...) ------------------------------


def organization(management_account_id: str, organization_id: str) -> str:
    """The organization: ``arn:aws:organizations::MGMT:organization/o-...``."""
    return f"arn:aws:organizations::{management_account_id}:organization/{organization_id}"


def organization_root(management_account_id: str, organization_id: str) -> str:
    """The organization's root, the SCP target above every account:
    ``arn:aws:organizations::MGMT:root/o-.../r-...`` (``r-`` and four characters of the
    organization's id)."""
    return (
        f"arn:aws:organizations::{management_account_id}:root/"
        f"{organization_id}/r-{organization_id[2:6]}"
    )


def organizational_unit(management_account_id: str, organization_id: str, ou_id: str) -> str:
    """An organizational unit: ``arn:aws:organizations::MGMT:ou/o-.../ou-...``."""
    return f"arn:aws:organizations::{management_account_id}:ou/{organization_id}/{ou_id}"


def organization_account(management_account_id: str, organization_id: str, account_id: str) -> str:
    """An account as a member of its organization:
    ``arn:aws:organizations::MGMT:account/o-.../ACCOUNT``."""
    return f"arn:aws:organizations::{management_account_id}:account/{organization_id}/{account_id}"


def scp(management_account_id: str, organization_id: str, policy_id: str) -> str:
    """A customer SCP:
    ``arn:aws:organizations::MGMT:policy/o-.../service_control_policy/p-...``."""
    return (
        f"arn:aws:organizations::{management_account_id}:policy/"
        f"{organization_id}/service_control_policy/{policy_id}"
    )


def aws_scp(policy_id: str) -> str:
    """An AWS managed SCP: ``arn:aws:organizations::aws:policy/service_control_policy/p-...``."""
    return f"arn:aws:organizations::aws:policy/service_control_policy/{policy_id}"


# --- IAM Identity Center (SSO) and its identity store -----------------------------------


def sso_instance(organization_id: str) -> str:
    """The organization's Identity Center instance: ``arn:aws:sso:::instance/ssoins-o-...``."""
    return f"arn:aws:sso:::instance/ssoins-{organization_id}"


def permission_set(organization_id: str, permission_set_id: str) -> str:
    """A permission set: ``arn:aws:sso:::permissionSet/ssoins-o-.../ps-...``."""
    return f"arn:aws:sso:::permissionSet/ssoins-{organization_id}/{permission_set_id}"


def identity_store(management_account_id: str, organization_id: str) -> str:
    """The organization's identity store:
    ``arn:aws:identitystore::MGMT:identitystore/d-...`` (the organization's id without ``o-``)."""
    store = organization_id.removeprefix("o-")
    return f"arn:aws:identitystore::{management_account_id}:identitystore/d-{store}"


def identity_store_user(management_account_id: str, unique_id: str) -> str:
    """A user of the identity store (an SSO user): ``arn:aws:identitystore::MGMT:user/ID``."""
    return f"arn:aws:identitystore::{management_account_id}:user/{unique_id}"
