"""A signed API call costs a constant number of queries, whatever the number of users listed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity import arns, generation, services
from identity.policies import services as policies
from mfa.totp import unassigned
from tests.conftest import T0
from tests.support import aws
from tests.support.mfa import authenticator


def _call(client, keys, action, **params):
    response = aws.signed_client_call(client, keys, action, **params)
    assert response.status_code == 200, response.content
    return response


def _queries(client, keys, action, *, cold=False, **params) -> int:
    """The queries of one call after a first one ("last used" is written once a minute); with
    ``cold``, after a new generation, so that the key and the policies are loaded again."""
    _call(client, keys, action, **params)
    if cold:
        generation.bump()
    with CaptureQueriesContext(connection) as captured:
        _call(client, keys, action, **params)
    return len(captured)


@pytest.mark.django_db
def test_list_users_get_user_and_list_mfa_devices_are_constant(client, management_root):
    keys = aws.access_key(management_root)
    account = management_root.account
    services.iam_user_create(actor=None, account=account, name="target")
    calls = (
        ("ListUsers", {"MaxItems": "100"}),
        ("GetUser", {"UserName": "target"}),
        ("ListMFADevices", {"UserName": "target"}),
    )
    few = {action: _queries(client, keys, action, **params) for action, params in calls}
    cold = {action: _queries(client, keys, action, cold=True, **params) for action, params in calls}
    for index in range(40):
        services.iam_user_create(actor=None, account=account, name=f"more-{index:02d}")
    assert _queries(client, keys, "ListUsers", MaxItems="100") == few["ListUsers"]
    assert _queries(client, keys, "ListUsers", cold=True, MaxItems="100") == cold["ListUsers"]
    # The operation's own queries; the key comes from the process's cache (identity.generation)
    # and the root user's policies are its SCPs (none in the management account).
    assert few == {"ListUsers": 1, "GetUser": 1, "ListMFADevices": 2}  # GetUser: user and tags
    assert cold == {"ListUsers": 2, "GetUser": 2, "ListMFADevices": 3}  # the key, then the op


@pytest.mark.django_db
def test_an_iam_user_s_call_adds_only_its_policies(client, make_iam_user):
    admin = make_iam_user(name="admin", self_service=False)
    policies.policy_attach(
        actor=None,
        account=admin.account,
        policy_arn=arns.aws_managed_policy("AdministratorAccess"),
        user=admin,
    )
    keys = aws.access_key(admin)
    calls = (
        ("ListUsers", {"MaxItems": "100"}),
        ("GetUser", {"UserName": "admin"}),
        ("ListMFADevices", {"UserName": "admin"}),
    )
    warm = {action: _queries(client, keys, action, **params) for action, params in calls}
    cold = {action: _queries(client, keys, action, cold=True, **params) for action, params in calls}
    assert max(cold.values()) <= 5  # the key, 2 for the policies, the operation's own
    assert max(warm.values()) <= 2  # the operation's own: the key and policies are cached


@pytest.mark.django_db
def test_a_page_of_virtual_mfa_devices_is_constant(client, management_root, make_iam_user, at):
    keys = aws.access_key(management_root)
    account = management_root.account

    def devices(prefix: str, count: int) -> None:
        for index in range(count):
            device, seed = unassigned.unassigned_virtual_mfa_device_create(
                actor=None, account=account, name=f"{prefix}-{index:02d}", path=f"/p{index % 3}/"
            )
            if index % 2:
                app = authenticator(seed)
                unassigned.unassigned_virtual_mfa_device_enable(
                    actor=None,
                    device=device,
                    user=make_iam_user(name=f"{prefix}-user-{index:02d}", self_service=False),
                    first_code=app.at(T0 - 30),
                    second_code=app.at(T0),
                )

    devices("few", 3)
    marker = _call(client, keys, "ListVirtualMFADevices", MaxItems="1").content.decode()
    marker = marker.split("<Marker>")[1].split("</Marker>")[0]
    calls = [("Any", None), ("Assigned", None), ("Unassigned", None), ("Any", marker)]

    def counts() -> list[int]:
        return [
            _queries(
                client,
                keys,
                "ListVirtualMFADevices",
                AssignmentStatus=status,
                MaxItems="2",
                **({"Marker": after} if after else {}),
            )
            for status, after in calls
        ]

    few = counts()
    devices("more", 40)
    assert counts() == few == [2, 1, 1, 2]  # one query per table the status reads
