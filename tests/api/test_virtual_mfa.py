"""Virtual MFA devices through boto3: created with the seed and QR code AWS returns, enabled with
two consecutive codes computed from that seed, listed, resynchronized, deactivated, deleted."""

import base64

import pytest
from botocore.exceptions import ClientError

from mfa.totp import auth as totp

pytestmark = pytest.mark.django_db(transaction=True)


def _codes(seed_base32: bytes, *steps: int) -> list[str]:
    key = base64.b32decode(seed_base32 + b"=" * (-len(seed_base32) % 8))
    return [totp.code_at(key, step) for step in steps]


def test_create_enable_list_deactivate_delete(admin, make_iam_user):
    iam, _sts = admin
    make_iam_user(name="dana")
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName="dana-phone")["VirtualMFADevice"]
    serial = created["SerialNumber"]
    assert serial.endswith(":mfa/dana-phone")
    assert created["QRCodePNG"].startswith(b"\x89PNG")
    seed = created["Base32StringSeed"]
    assert len(base64.b32decode(seed + b"=" * (-len(seed) % 8))) == 20

    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in unassigned] == [serial]

    now = totp.current_step()
    with pytest.raises(ClientError) as wrong:
        iam.enable_mfa_device(
            UserName="dana",
            SerialNumber=serial,
            AuthenticationCode1="000000",
            AuthenticationCode2="000001",
        )
    assert wrong.value.response["Error"]["Code"] == "InvalidAuthenticationCode"
    first, second = _codes(seed, now - 1, now)
    iam.enable_mfa_device(
        UserName="dana", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    listed = iam.list_mfa_devices(UserName="dana")["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert assigned[0]["User"]["UserName"] == "dana"

    with pytest.raises(ClientError) as in_use:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert in_use.value.response["Error"]["Code"] == "DeleteConflict"

    iam.deactivate_mfa_device(UserName="dana", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="dana")["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_virtual_mfa_device(SerialNumber=serial)
