"""The console URLs that take an object id, for the tenant-boundary tests (``tests/console/
test_tenancy.py``, and ``tests/sso/test_role_console.py`` for role sessions).

Add a new URL to ``OBJECT_URLS`` and it is covered: asked from the other side of a tenant
boundary it must be a 404, for GET and POST alike, and nothing may change.
"""

import time

import pytest

from identity import services as iam_services
from identity.policies import services as policies
from tests.support.keys import certificate_pem, new_ssh_public_key
from tests.support.sso import ADMIN

OBJECT_URLS = [
    ("console:account_detail", lambda account, user: [account.id]),
    ("console:account_dashboard", lambda account, user: [account.id]),
    ("console:dashboard_affected_users", lambda account, user: [account.id, "use-sso"]),
    ("console:user_list", lambda account, user: [account.id]),
    ("console:user_create", lambda account, user: [account.id]),
    ("console:user_detail", lambda account, user: [account.id, user.name]),
    ("console:user_delete", lambda account, user: [account.id, user.name]),
    ("console:audit_list", lambda account, user: [account.id]),
    ("console:event_download_csv", lambda account, user: [account.id]),
    ("console:event_download_json", lambda account, user: [account.id]),
    ("console:event_detail", lambda account, user: [account.id, event_of(account)]),
    ("console:credential_report", lambda account, user: [account.id]),
    ("console:password_policy", lambda account, user: [account.id]),
    ("console:signin_settings", lambda account, user: [account.id]),
    ("console:user_sessions_end", lambda account, user: [account.id, user.name]),
    ("console:user_console_access", lambda account, user: [account.id, user.name]),
    ("console:user_permissions_boundary", lambda account, user: [account.id, user.name]),
    ("console:user_permissions_boundary_delete", lambda account, user: [account.id, user.name]),
    ("console:user_password_shown", lambda account, user: [account.id, user.name]),
    ("console:user_mfa_remove", lambda account, user: [account.id, user.name, user.mfa_device_id]),
    ("console:user_mfa_hardware", lambda account, user: [account.id, user.name]),
    ("console:policy_list", lambda account, user: [account.id]),
    ("console:policy_create", lambda account, user: [account.id]),
    ("console:policy_detail", lambda account, user: [account.id, user.policy_name]),
    ("console:policy_delete", lambda account, user: [account.id, user.policy_name]),
    ("console:aws_policy_detail", lambda account, user: [account.id, "AdministratorAccess"]),
    ("console:user_permissions", lambda account, user: [account.id, user.name]),
    ("console:user_inline_policy_new", lambda account, user: [account.id, user.name]),
    ("console:user_inline_policy", lambda account, user: [account.id, user.name, "SelfService"]),
    ("console:simulator", lambda account, user: [account.id]),
    ("console:group_list", lambda account, user: [account.id]),
    ("console:group_detail", lambda account, user: [account.id, user.group_name]),
    ("console:group_inline_policy_new", lambda account, user: [account.id, user.group_name]),
    ("console:user_access_key_create", lambda account, user: [account.id, user.name]),
    ("console:user_access_key_created", lambda account, user: [account.id, user.name]),
    (
        "console:user_access_key_delete",
        lambda account, user: [account.id, user.name, user.access_key_id],
    ),
    ("console:user_ssh_public_key_upload", lambda account, user: [account.id, user.name]),
    (
        "console:user_ssh_public_key_delete",
        lambda account, user: [account.id, user.name, user.ssh_public_key_id],
    ),
    ("console:user_signing_certificate_upload", lambda account, user: [account.id, user.name]),
    (
        "console:user_signing_certificate_delete",
        lambda account, user: [account.id, user.name, user.certificate_id],
    ),
]
# The console's POST-only URLs that take an object id (asked from the other side: 404 too).
POST_ONLY_CREDENTIAL_URLS = [
    (
        "console:user_access_key_status",
        lambda account, user: [account.id, user.name, user.access_key_id],
    ),
    (
        "console:user_ssh_public_key_status",
        lambda account, user: [account.id, user.name, user.ssh_public_key_id],
    ),
    (
        "console:user_signing_certificate_status",
        lambda account, user: [account.id, user.name, user.certificate_id],
    ),
]
HARDWARE_SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def event_of(account) -> str:
    """The id of an event of the account's own trail."""
    from identity.models import AuditEvent

    return str(
        AuditEvent.objects.filter(recipient_account_id=account.id)
        .values_list("event_id", flat=True)
        .first()
    )


def _hardware_token_body() -> dict:
    """A token import that would succeed if the view let the intruder in."""
    import pyotp

    now = time.time()
    totp = pyotp.TOTP(HARDWARE_SEED)
    return {
        "name": "intruder-token",
        "serial": "GAKT-INTRUDER",
        "seed": HARDWARE_SEED,
        "code1": totp.at(now - 30),
        "code2": totp.at(now),
    }


POST_BODIES = {
    "console:user_create": {"name": "intruder", "path": "/"},
    "console:user_delete": {"confirmation": "alice"},
    "console:user_console_access": {"password_kind": "autogenerated"},
    "console:user_permissions_boundary": {
        "permissions_boundary": "arn:aws:iam::aws:policy/AdministratorAccess"
    },
    "console:policy_delete": lambda: {"confirmation": CREDENTIALS["policy_name"]},
    "console:user_mfa_remove": {"confirmation": "alice-app"},
    "console:user_mfa_hardware": _hardware_token_body,
    "console:policy_create": {"name": "intruder-policy", "document": '{"Statement": []}'},
    "console:policy_detail": {"document": '{"Statement": []}', "set_default": "on"},
    "console:user_permissions": {"policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    "console:user_inline_policy_new": {"name": "intruder", "document": "{}"},
    "console:user_inline_policy": {"action": "delete"},
    "console:user_policy_detach": {"policy_arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"},
    "console:policy_version_action": {"action": "delete"},
    "console:policy_attach": {"target": "user:alice"},
    "console:group_list": {"name": "intruders"},
    "console:group_detail": {"op": "add", "user": "alice"},
    "console:group_inline_policy_new": {"name": "intruder", "document": "{}"},
    "console:user_access_key_create": {},
    "console:user_access_key_delete": lambda: {"confirmation": CREDENTIALS["access_key_id"]},
    "console:user_ssh_public_key_upload": lambda: {"body": new_ssh_public_key()},
    "console:user_signing_certificate_upload": lambda: {"body": certificate_pem()},
    "console:user_access_key_status": {"status": "Inactive"},
    "console:user_ssh_public_key_status": {"status": "Inactive"},
    "console:user_signing_certificate_status": {"status": "Inactive"},
    "console:credential_report": {},
}
CREDENTIALS: dict[str, str] = {}  # the target's key ids, for the bodies above


def give_credentials(user) -> None:
    """An inactive access key (deletable at once), an SSH public key and a certificate, their
    ids as ``user.access_key_id``, ``user.ssh_public_key_id``, ``user.certificate_id``."""
    from identity.credentials import services as credentials

    key, _secret = credentials.access_key_create(actor=None, user=user)
    credentials.access_key_status_set(actor=None, key=key, status="Inactive")
    ssh = credentials.ssh_public_key_upload(actor=None, user=user, body=new_ssh_public_key())
    certificate = credentials.signing_certificate_upload(
        actor=None, user=user, body=certificate_pem()
    )
    user.access_key_id = CREDENTIALS["access_key_id"] = key.access_key_id
    user.ssh_public_key_id = ssh.ssh_public_key_id
    user.certificate_id = certificate.certificate_id


@pytest.fixture
def target(management_account, alice):
    from mfa.totp import services as totp_services

    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    device.__class__.objects.filter(pk=device.pk).update(confirmed=True)
    alice.mfa_device_id = device.pk
    alice.policy_name = CREDENTIALS["policy_name"] = policy_in(management_account)
    alice.group_name = group_in(management_account)
    give_credentials(alice)
    policies.policy_attach(
        actor=None,
        account=management_account,
        policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        user=alice,
    )
    # A permissions boundary to set or remove from the other side: it must stay as it is.
    iam_services.user_permissions_boundary_put(
        actor=None, user=alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    return management_account, alice


def group_in(account) -> str:
    from identity import services

    services.group_create(actor=None, account=account, name=f"team-{account.id}")
    return f"team-{account.id}"


def policy_in(account) -> str:
    from identity.policies import services as policies

    document = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}}'
    policies.customer_policy_create(
        actor=None, account=account, name=f"ops-{account.id}", document=document
    )
    return f"ops-{account.id}"


def intruder(kind: str, other_organization, request):
    """A principal of another organization: its root user ("other_root"), or an IAM user of its
    management account with AdministratorAccess ("other_admin")."""
    if kind == "other_root":
        return request.getfixturevalue("other_root")
    principal = iam_services.iam_user_create(
        actor=None, account=other_organization.management_account, name="ops", password=None
    )
    policies.policy_attach(
        actor=None, account=other_organization.management_account, policy_arn=ADMIN, user=principal
    )
    return principal
