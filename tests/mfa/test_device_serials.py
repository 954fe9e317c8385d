"""ListMFADevices' hand-written query lists what the ORM's did (mfa.base.selectors)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mfa.base import selectors
from mfa.models import HardwareTOTPDevice, MFADevice, VirtualMFADevice, WebAuthnCredential


@pytest.mark.django_db
def test_serials_and_order_are_the_orm_s(alice, make_iam_user):
    now = timezone.now()
    common = {"user": alice, "account": alice.account, "confirmed": True}
    VirtualMFADevice.objects.create(
        name="phone",
        path="/team/",
        kind=MFADevice.Kind.VIRTUAL,
        seed_encrypted="x",
        enabled_at=now - timedelta(days=2),
        **common,
    )
    HardwareTOTPDevice.objects.create(
        name="token",
        kind=MFADevice.Kind.HARDWARE,
        seed_encrypted="x",
        serial="GAKT000123",
        enabled_at=now - timedelta(days=3),
        **common,
    )
    WebAuthnCredential.objects.create(
        name="key",
        kind=MFADevice.Kind.WEBAUTHN,
        credential_id=b"id",
        credential_id_hash="h" * 64,
        public_key=b"k",
        enabled_at=now - timedelta(days=1),
        **common,
    )
    WebAuthnCredential.objects.create(  # not confirmed: not listed
        name="half",
        kind=MFADevice.Kind.WEBAUTHN,
        credential_id=b"id2",
        credential_id_hash="i" * 64,
        public_key=b"k",
        user=alice,
        account=alice.account,
        confirmed=False,
    )
    bob = make_iam_user(name="bob")
    VirtualMFADevice.objects.create(  # another user's: not listed
        name="bobs",
        kind=MFADevice.Kind.VIRTUAL,
        seed_encrypted="x",
        user=bob,
        account=bob.account,
        confirmed=True,
        enabled_at=now,
    )

    listed = [(device.pk, serial) for device, serial in selectors.user_device_serials(alice)]
    expected = [(device.pk, device.identifier) for device in selectors.user_devices(alice)]
    assert listed == expected
    assert [serial for _pk, serial in listed] == [
        "GAKT000123",
        f"arn:aws:iam::{alice.account_id}:mfa/team/phone",
        f"arn:aws:iam::{alice.account_id}:mfa/key",
    ]
