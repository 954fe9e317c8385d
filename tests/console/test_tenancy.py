"""Every console URL that takes an object id, asked from the other side of a tenant boundary.

Add a new URL to ``OBJECT_URLS`` (in tests/support/tenancy.py) and it is covered: the
principal of another organization, and a member account's root asking about its management
account, must both get 404, for GET and POST alike, and nothing may change.
"""

import pytest
from django.urls import reverse

from identity.credentials.models import (
    AccessKey,
    CredentialReport,
    SigningCertificate,
    SSHPublicKey,
)
from identity.models import (
    AuditEvent,
    CustomerPolicy,
    Group,
    GroupMembership,
    InlinePolicy,
    PolicyAttachment,
    PolicyVersion,
    User,
)
from mfa.models import MFADevice
from tests.support.tenancy import (
    OBJECT_URLS,
    POST_BODIES,
    POST_ONLY_CREDENTIAL_URLS,
    give_credentials,
    group_in,
    policy_in,
)

pytestmark = pytest.mark.django_db

# Views that take only POST: the intruder's POST is a 404 too.
POST_ONLY_URLS = [
    ("console:user_policy_detach", lambda account, user: [account.id, user.name]),
    (
        "console:policy_version_action",
        lambda account, user: [account.id, user.policy_name, "v1"],
    ),
    ("console:policy_attach", lambda account, user: [account.id, user.policy_name]),
    *POST_ONLY_CREDENTIAL_URLS,
]


def _enabled_device_of(user) -> int:
    from mfa.totp import services as totp_services

    device, _key = totp_services.virtual_mfa_device_create(user=user, name=f"{user.name}-app")
    device.__class__.objects.filter(pk=device.pk).update(confirmed=True)
    return device.pk


def _urls(account, user):
    return [(name, reverse(name, args=args(account, user))) for name, args in OBJECT_URLS]


@pytest.mark.parametrize(("name", "args"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("intruder", ["other_root", "other_iam_user", "member_root"])
def test_other_tenants_get_404(
    client, request, target, name, args, method, intruder, other_organization
):
    account, user = target
    if intruder == "other_iam_user":
        from identity import services

        principal = services.iam_user_create(
            actor=None, account=other_organization.management_account, name="alice", password=None
        )
    else:
        principal = request.getfixturevalue(intruder)
    client.force_login(principal)
    events_before = AuditEvent.objects.count()

    url = reverse(name, args=args(account, user))
    body = POST_BODIES.get(name, {})
    response = getattr(client, method)(url, body() if callable(body) else body)

    assert response.status_code == 404, (intruder, url)
    body = response.content.decode()
    assert account.root_email not in body and user.arn not in body
    assert User.objects.filter(pk=user.pk).exists()
    assert User.objects.get(pk=user.pk).permissions_boundary == user.permissions_boundary
    assert not User.objects.filter(name="intruder").exists()
    assert not MFADevice.objects.filter(name__startswith="intruder").exists()
    assert not CustomerPolicy.objects.filter(name="intruder-policy").exists()
    assert PolicyAttachment.objects.filter(user=user).count() == 1
    assert InlinePolicy.objects.filter(user=user).count() == 1
    assert not Group.objects.filter(name="intruders").exists()
    assert not GroupMembership.objects.exists()
    assert PolicyVersion.objects.filter(policy__account=account).count() == 1
    assert CustomerPolicy.objects.filter(account=account, name=user.policy_name).exists()
    assert_credentials_untouched(user)
    assert not CredentialReport.objects.exists()
    assert AuditEvent.objects.count() == events_before


def assert_credentials_untouched(user):
    """The target's inactive access key, active SSH public key and certificate, and no more."""
    assert list(AccessKey.objects.values_list("access_key_id", "status")) == [
        (user.access_key_id, "Inactive")
    ]
    assert list(SSHPublicKey.objects.values_list("ssh_public_key_id", "status")) == [
        (user.ssh_public_key_id, "Active")
    ]
    assert list(SigningCertificate.objects.values_list("certificate_id", "status")) == [
        (user.certificate_id, "Active")
    ]


@pytest.mark.parametrize(("name", "args"), OBJECT_URLS, ids=[name for name, _ in OBJECT_URLS])
def test_unknown_ids_are_404_not_500(client, management_root, name, args):
    client.force_login(management_root)

    class Missing:
        id = "000000000000"
        name = "nobody"
        mfa_device_id = 999999
        policy_name = "nothing"
        group_name = "nobody"
        access_key_id = "AKIAAAAAAAAAAAAAAAAA"
        ssh_public_key_id = "APKAAAAAAAAAAAAAAAAAA"
        certificate_id = "A" * 32

    assert client.get(reverse(name, args=args(Missing, Missing))).status_code == 404
    assert client.get(reverse(name, args=args(management_root.account, Missing))).status_code in (
        200,
        404,
    )


def test_management_root_reaches_member_accounts(
    client, management_root, member_account, make_iam_user
):
    user = make_iam_user(account=member_account, name="ops")
    user.mfa_device_id = _enabled_device_of(user)
    user.policy_name = policy_in(member_account)
    user.group_name = group_in(member_account)
    give_credentials(user)
    client.force_login(management_root)
    for name, url in _urls(member_account, user):
        if name == "console:user_delete":
            continue
        assert client.get(url).status_code == 200, name


def test_member_root_reaches_only_its_own_account(
    client, member_root, member_account, make_iam_user
):
    user = make_iam_user(account=member_account, name="ops")
    user.mfa_device_id = _enabled_device_of(user)
    user.policy_name = policy_in(member_account)
    user.group_name = group_in(member_account)
    give_credentials(user)
    client.force_login(member_root)
    for name, url in _urls(member_account, user):
        assert client.get(url).status_code == 200, name
    home = client.get(reverse("console:home")).content.decode()
    assert member_root.account_id in home
    assert member_account.organization.management_account_id not in home.split("<table")[1]


@pytest.mark.parametrize(("name", "args"), POST_ONLY_URLS, ids=[n for n, _ in POST_ONLY_URLS])
@pytest.mark.parametrize("intruder", ["other_root", "member_root"])
def test_post_only_views_are_404_from_the_other_side(client, request, target, name, args, intruder):
    account, user = target
    client.force_login(request.getfixturevalue(intruder))
    events_before = AuditEvent.objects.count()
    response = client.post(reverse(name, args=args(account, user)), POST_BODIES[name])
    assert response.status_code == 404
    assert PolicyAttachment.objects.filter(user=user).count() == 1
    assert PolicyVersion.objects.filter(policy__account=account).count() == 1
    assert_credentials_untouched(user)
    assert AuditEvent.objects.count() == events_before
