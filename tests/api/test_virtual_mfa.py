"""Virtual MFA devices through boto3: created with the seed and QR code AWS returns, enabled with
two consecutive codes computed from that seed, listed, resynchronized, deactivated, deleted."""

import base64
import json

import pytest
from botocore.exceptions import ClientError

from identity.policies import services as policies
from mfa.models import UnassignedVirtualMFADevice
from mfa.totp import auth as totp
from tests.support import aws

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


# --- Paths: the serial number is the ARN with the device's path ---------------------------


def test_a_device_with_a_path_through_its_whole_life(live_server, admin, make_iam_user):
    iam, _sts = admin
    dana = make_iam_user(name="dana")
    created = iam.create_virtual_mfa_device(
        Path="/team/phones/", VirtualMFADeviceName="dana-phone"
    )["VirtualMFADevice"]
    serial = created["SerialNumber"]
    assert serial == f"arn:aws:iam::{dana.account_id}:mfa/team/phones/dana-phone"
    pathless = f"arn:aws:iam::{dana.account_id}:mfa/dana-phone"  # the name alone is not it
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in unassigned] == [serial]

    now = totp.current_step()
    first, second = _codes(created["Base32StringSeed"], now - 1, now)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.enable_mfa_device(
            UserName="dana",
            SerialNumber=pathless,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
    iam.enable_mfa_device(
        UserName="dana", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    listed = iam.list_mfa_devices(UserName="dana")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [("dana", serial)]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [(d["SerialNumber"], d["User"]["UserName"]) for d in assigned] == [(serial, "dana")]
    everything = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in everything] == [serial]

    # Dana proves the device with her own key: GetSessionToken knows it by the ARN with the path.
    _dana_iam, dana_sts = aws.clients(live_server.url, *aws.access_key(dana))
    (code,) = _codes(created["Base32StringSeed"], totp.current_step() + 1)
    with pytest.raises(ClientError) as refused:
        dana_sts.get_session_token(SerialNumber=pathless, TokenCode=code)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    session = dana_sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
    _iam_mfa, sts_mfa = aws.clients(
        live_server.url, session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    assert sts_mfa.get_caller_identity()["Arn"] == dana.arn

    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.deactivate_mfa_device(UserName="dana", SerialNumber=pathless)
    iam.deactivate_mfa_device(UserName="dana", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="dana")["MFADevices"] == []
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in unassigned] == [serial]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_virtual_mfa_device(SerialNumber=pathless)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_a_name_is_taken_whatever_the_path(admin):
    iam, _sts = admin
    iam.create_virtual_mfa_device(VirtualMFADeviceName="build-bot")
    for path in ("/", "/ci/"):
        with pytest.raises(ClientError) as taken:
            iam.create_virtual_mfa_device(Path=path, VirtualMFADeviceName="build-bot")
        assert taken.value.response["Error"] == {
            "Type": "Sender",
            "Code": "EntityAlreadyExists",
            "Message": "MFADevice entity at the same path and name already exists.",
        }
    assert len(iam.list_virtual_mfa_devices()["VirtualMFADevices"]) == 1


@pytest.mark.parametrize(
    ("path", "constraint"),
    [
        ("ci", "Member must satisfy regular expression pattern: "),
        ("/ci", "Member must satisfy regular expression pattern: "),
        ("/c i/", "Member must satisfy regular expression pattern: "),
        ("/" + "b" * 511 + "/", "Member must have length less than or equal to 512"),
    ],
)
def test_a_path_the_model_forbids_is_refused(live_server, admin_keys, path, constraint):
    iam = aws.client(live_server.url, "iam", *admin_keys, config=aws.UNVALIDATED)
    with pytest.raises(ClientError) as refused:
        iam.create_virtual_mfa_device(Path=path, VirtualMFADeviceName="build-bot")
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert error["Message"].startswith("1 validation error detected: Value ")
    assert f"at 'path' failed to satisfy constraint: {constraint}" in error["Message"]
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_another_accounts_device_is_no_such_entity(live_server, admin, make_iam_user, other_root):
    iam, _sts = admin
    dana = make_iam_user(name="dana")
    other_iam, _other_sts = aws.clients(live_server.url, *aws.access_key(other_root))
    theirs = other_iam.create_virtual_mfa_device(
        Path="/team/phones/", VirtualMFADeviceName="dana-phone"
    )["VirtualMFADevice"]
    serial = theirs["SerialNumber"]
    assert serial == f"arn:aws:iam::{other_root.account_id}:mfa/team/phones/dana-phone"
    # The same name and path are free in this account: names are unique per account.
    ours = iam.create_virtual_mfa_device(Path="/team/phones/", VirtualMFADeviceName="dana-phone")
    assert ours["VirtualMFADevice"]["SerialNumber"] == serial.replace(
        other_root.account_id, dana.account_id
    )

    now = totp.current_step()
    first, second = _codes(theirs["Base32StringSeed"], now - 1, now)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.enable_mfa_device(
            UserName="dana",
            SerialNumber=serial,
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.deactivate_mfa_device(UserName="dana", SerialNumber=serial)
    listed = [d["SerialNumber"] for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]]
    assert serial not in listed
    # Still theirs, untouched: they enable it for their own user with the same codes.
    make_iam_user(account=other_root.account, name="erin")
    other_iam.enable_mfa_device(
        UserName="erin", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    listed = other_iam.list_mfa_devices(UserName="erin")["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]


def test_the_permission_asks_about_the_arn_with_the_path(live_server, make_iam_user):
    user = make_iam_user(name="ci-admin", self_service=False)
    policies.inline_policy_put(
        actor=None,
        user=user,
        name="ci-devices",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
                        "Resource": f"arn:aws:iam::{user.account_id}:mfa/ci/*",
                    }
                ],
            }
        ),
    )
    iam, _sts = aws.clients(live_server.url, *aws.access_key(user))
    created = iam.create_virtual_mfa_device(Path="/ci/", VirtualMFADeviceName="runner")
    serial = created["VirtualMFADevice"]["SerialNumber"]
    assert serial == f"arn:aws:iam::{user.account_id}:mfa/ci/runner"
    for path in ("/", "/other/"):
        with pytest.raises(ClientError) as refused:
            iam.create_virtual_mfa_device(Path=path, VirtualMFADeviceName="elsewhere")
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        resource = f"arn:aws:iam::{user.account_id}:mfa{path}elsewhere"
        assert f"on resource: {resource} " in refused.value.response["Error"]["Message"]
    iam.delete_virtual_mfa_device(SerialNumber=serial)


# --- Paging: Marker and MaxItems, by serial number -----------------------------------------

# (path, name, enabled for a user): the serial numbers sort by path and name as one string,
# not by path then name: "/a.phone" and "/Z/e" come before "/a/b-key", "/z-phone" after it.
DEVICES = (
    ("/", "z-phone", True),
    ("/", "A-phone", False),
    ("/", "a.phone", True),
    ("/a/", "b-key", False),
    ("/a/b/", "c", True),
    ("/a-team/", "d", False),
    ("/Z/", "e", False),
)


def _make_devices(iam, make_iam_user, account, devices=DEVICES) -> dict[str, bool]:
    """The devices, created and some enabled through the API: {serial number: assigned}."""
    made = {}
    for path, name, assigned in devices:
        created = iam.create_virtual_mfa_device(Path=path, VirtualMFADeviceName=name)
        serial = created["VirtualMFADevice"]["SerialNumber"]
        if assigned:
            make_iam_user(account=account, name=f"user-{name}")
            now = totp.current_step()
            first, second = _codes(created["VirtualMFADevice"]["Base32StringSeed"], now - 1, now)
            iam.enable_mfa_device(
                UserName=f"user-{name}",
                SerialNumber=serial,
                AuthenticationCode1=first,
                AuthenticationCode2=second,
            )
        made[serial] = assigned
    return made


def _pages(iam, page_size: int, **params) -> list[list[dict]]:
    paginator = iam.get_paginator("list_virtual_mfa_devices")
    pages = paginator.paginate(PaginationConfig={"PageSize": page_size}, **params)
    return [page["VirtualMFADevices"] for page in pages]


def test_the_list_pages_by_serial_number_for_every_assignment_status(
    admin, make_iam_user, management_root
):
    iam, _sts = admin
    made = _make_devices(iam, make_iam_user, management_root.account)
    assert sorted(made) == [
        f"arn:aws:iam::{management_root.account_id}:mfa{path}"
        for path in ("/A-phone", "/Z/e", "/a-team/d", "/a.phone", "/a/b-key", "/a/b/c", "/z-phone")
    ]
    for status, wanted in (
        ("Any", sorted(made)),
        ("Assigned", sorted(s for s, assigned in made.items() if assigned)),
        ("Unassigned", sorted(s for s, assigned in made.items() if not assigned)),
    ):
        for size in (1, 2, 3, 100):
            pages = _pages(iam, size, AssignmentStatus=status)
            assert all(len(page) <= size for page in pages[:-1])
            assert len(pages) == max(1, -(-len(wanted) // size)), (status, size)
            listed = [d["SerialNumber"] for page in pages for d in page]
            assert listed == wanted, (status, size)  # each once, in order
            for device in (d for page in pages for d in page):
                assert ("User" in device) == made[device["SerialNumber"]]
                if made[device["SerialNumber"]]:
                    name = device["SerialNumber"].rsplit("/", 1)[1]
                    assert device["User"]["UserName"] == f"user-{name}"
                    assert device["EnableDate"] is not None

    first = iam.list_virtual_mfa_devices(MaxItems=2)
    assert first["IsTruncated"] and len(first["VirtualMFADevices"]) == 2
    rest = iam.list_virtual_mfa_devices(Marker=first["Marker"])
    assert not rest["IsTruncated"] and "Marker" not in rest
    assert len(rest["VirtualMFADevices"]) == 5
    # A device enabled or deactivated between two pages keeps its place (the same serial number).
    serial = first["VirtualMFADevices"][1]["SerialNumber"]  # /Z/e, unassigned
    assert serial.endswith(":mfa/Z/e") and not made[serial]
    later = [d["SerialNumber"] for d in rest["VirtualMFADevices"]]
    iam.deactivate_mfa_device(UserName="user-a.phone", SerialNumber=later[1])
    again = iam.list_virtual_mfa_devices(Marker=first["Marker"])["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in again] == later


def test_another_accounts_devices_never_appear(live_server, admin, make_iam_user, other_root):
    iam, _sts = admin
    other_iam, _other_sts = aws.clients(live_server.url, *aws.access_key(other_root))
    ours = _make_devices(iam, make_iam_user, None, DEVICES[:4])
    theirs = _make_devices(other_iam, make_iam_user, other_root.account, DEVICES[2:])
    for client, made in ((iam, ours), (other_iam, theirs)):
        for status in ("Any", "Assigned", "Unassigned"):
            pages = _pages(client, 2, AssignmentStatus=status)
            listed = [d["SerialNumber"] for page in pages for d in page]
            assert listed == sorted(
                s
                for s, assigned in made.items()
                if status == "Any" or assigned == (status == "Assigned")
            )
    # Their Marker in our account is only a place in our list: the devices after it, ours.
    marker = other_iam.list_virtual_mfa_devices(MaxItems=1)["Marker"]
    listed = iam.list_virtual_mfa_devices(Marker=marker)["VirtualMFADevices"]
    assert {d["SerialNumber"] for d in listed} <= set(ours)


def test_a_marker_too_long_for_the_path_holds_its_start(admin, make_iam_user, management_root):
    """A Marker is at most 320 characters (the service model's markerType), a path up to 512: a
    device at a long path is named in it by the start of its path and name, and the next page
    reads the rest again from the device."""
    iam, _sts = admin
    long = "/" + "p" * 250 + "/" + "q" * 250 + "/"
    devices = (
        ("/", "f", False),
        (long, "a", False),
        (long, "b", False),
        (long, "c", False),
        (long[:-1] + "r/", "d", False),
        ("/x/", "e", True),
    )
    made = _make_devices(iam, make_iam_user, management_root.account, devices)
    order = ["/f", "/a", "/b", "/c", "/d", "/e"]
    assert [serial[-2:] for serial in sorted(made)] == order
    for status in ("Any", "Assigned", "Unassigned"):
        pages = _pages(iam, 1, AssignmentStatus=status)
        listed = [d["SerialNumber"] for page in pages for d in page]
        assert listed == sorted(
            s
            for s, assigned in made.items()
            if status == "Any" or assigned == (status == "Assigned")
        )
    first = iam.list_virtual_mfa_devices(MaxItems=3)
    assert len(first["Marker"]) <= 320
    assert [d["SerialNumber"][-2:] for d in first["VirtualMFADevices"]] == order[:3]
    # The device the Marker names is gone: the start of its key still places the next page, never
    # past a device, though it lists again the one before it, whose key starts the same.
    UnassignedVirtualMFADevice.objects.filter(name="b").delete()
    rest = iam.list_virtual_mfa_devices(Marker=first["Marker"])["VirtualMFADevices"]
    assert [d["SerialNumber"][-2:] for d in rest] == ["/a", "/c", "/d", "/e"]


def test_a_marker_not_ours_is_invalid(admin, make_iam_user, management_root):
    iam, _sts = admin
    _make_devices(iam, make_iam_user, management_root.account, DEVICES[:3])
    marker = iam.list_virtual_mfa_devices(MaxItems=1)["Marker"]

    def made_up(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    for tampered in (
        marker[:-2],
        marker + "x",
        "not a marker",
        made_up(["/a", 1]),  # a ListUsers Marker
        made_up(["/a", 2, 1, 0]),  # no third table
        made_up(["/a", 0, 1, 2]),
        made_up(["/a", 0, -1, 0]),
        made_up(["/a", 0, 1.5, 0]),
        made_up(["/a", 0, 2**63, 0]),
        made_up(["/a\x00", 0, 1, 0]),
        made_up(["\udc00", 0, 1, 0]),
        made_up([None, 0, 1, 0]),
        made_up({"key": "/a"}),
    ):
        with pytest.raises(ClientError) as refused:
            iam.list_virtual_mfa_devices(Marker=tampered)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue", tampered
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # A well-formed place in the list is only a place: the devices after it.
    listed = iam.list_virtual_mfa_devices(Marker=made_up(["/a", 0, 1, 0]))["VirtualMFADevices"]
    assert [d["SerialNumber"].rsplit(":mfa", 1)[1] for d in listed] == ["/a.phone", "/z-phone"]
