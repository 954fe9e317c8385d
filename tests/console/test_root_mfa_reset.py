"""Centralized root access: the management account removes a member account's root MFA devices."""

import pytest
from django.urls import reverse

from identity.models import AuditEvent
from mfa.models import MFADevice, VirtualMFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD, signin_root
from tests.support.mfa import mfa_login

pytestmark = pytest.mark.django_db


def give_devices(user, count=2):
    for n in range(count):
        device, _key = totp_services.virtual_mfa_device_create(
            user=user, name=f"root-app-{user.account_id}-{n}"
        )
        VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)


def url(account):
    return reverse("console:account_root_mfa_reset", args=[account.id])


def test_the_management_root_removes_a_member_roots_devices(
    client,
    management_root,
    member_root,
    member_account,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    give_devices(member_root)
    mfa_login(client, management_root)
    detail = client.get(
        reverse("console:account_detail", args=[member_account.id])
    ).content.decode()
    assert url(member_account) in detail
    page = client.get(url(member_account)).content.decode()
    assert "root-app-" in page
    response = client.post(
        url(member_account), {"confirmation": "000000000000", "password": PASSWORD}
    )
    assert "does not match" in response.content.decode()
    assert MFADevice.objects.filter(user=member_root).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(member_account), {"confirmation": member_account.id, "password": PASSWORD}
        )
    assert response.status_code == 302
    assert not MFADevice.objects.filter(user=member_root).exists()
    assert [m.to for m in mailoutbox] == [["member-root@example.test"]] * 2
    assert AuditEvent.objects.filter(event_name="ResetRootUserMFA").count() == 2  # both trails
    assert AuditEvent.objects.filter(event_name="DeactivateMFADevice").count() == 2

    client.post(reverse("accounts:signout"))
    assert signin_root(client, "member-root@example.test")["Location"] == reverse("console:home")


def test_nobody_else_may(
    client, management_root, member_root, member_account, other_root, management_account
):
    give_devices(member_root, 1)
    give_devices(management_root, 1)
    client.force_login(member_root)  # its own account: not through this page
    assert client.get(url(member_account)).status_code == 404
    assert client.post(url(member_account), {"confirmation": member_account.id}).status_code == 404
    client.force_login(other_root)  # another organization
    assert client.post(url(member_account), {"confirmation": member_account.id}).status_code == 404
    client.force_login(management_root)  # the management account itself
    assert client.get(url(management_account)).status_code == 404
    assert MFADevice.objects.count() == 2
