"""Virtual MFA devices as the IAM API handles them (mfa/totp/unassigned.py, mfa/totp/selectors.py):
created for no user, enabled for one with two codes computed from the seed, deactivated back to
unassigned, deleted. Every refusal carries the IAM error code the API answers with."""

import io

import pytest
import segno
from django.core.exceptions import ValidationError
from django.db import connection

from identity.models import AuditEvent
from mfa.models import MFADevice, RecoveryCode, UnassignedVirtualMFADevice, VirtualMFADevice
from mfa.totp import selectors as totp_selectors
from mfa.totp import services as totp_services
from mfa.totp import unassigned
from tests.conftest import T0
from tests.support.mfa import authenticator
from tests.support.sso import make_sso_user

pytestmark = pytest.mark.django_db

MINUTE = 60


def create(account, name="api-device", actor=None, path="/"):
    return unassigned.unassigned_virtual_mfa_device_create(
        actor=actor, account=account, name=name, path=path
    )


def enable(device, user, app, at_time=T0):
    return unassigned.unassigned_virtual_mfa_device_enable(
        actor=None,
        device=device,
        user=user,
        first_code=app.at(at_time - 30),
        second_code=app.at(at_time),
    )


def listed(account, status="Any", *, limit=100, after=None):
    return totp_selectors.account_virtual_mfa_devices(account, status, limit=limit, after=after)


def code_of(error: pytest.ExceptionInfo) -> str:
    return error.value.error_list[0].code


def events(name: str):
    return AuditEvent.objects.filter(event_name=name).order_by("event_time", "pk")


# --- Create ------------------------------------------------------------------------------


def test_create_gives_the_seed_once_and_audits_without_it(management_account, at):
    device, seed = create(management_account, "build-bot")
    assert len(seed) == 20 and device.key == seed
    assert device.arn == f"arn:aws:iam::{management_account.id}:mfa/build-bot"
    (event,) = events("CreateVirtualMFADevice")
    assert event.request_parameters == {"virtualMFADeviceName": "build-bot", "path": "/"}
    assert event.response_elements == {"virtualMFADevice": {"serialNumber": device.arn}}
    base32 = totp_selectors.base32_secret(seed)
    stored = str(event.request_parameters) + str(event.response_elements)
    assert base32 not in stored and seed.hex() not in stored


def test_a_path_goes_into_the_serial_number_and_the_audit(management_account, at):
    device, _seed = create(management_account, "build-bot", path="/ci/runners/")
    assert device.path == "/ci/runners/"
    assert device.arn == f"arn:aws:iam::{management_account.id}:mfa/ci/runners/build-bot"
    (event,) = events("CreateVirtualMFADevice")
    assert event.request_parameters == {"virtualMFADeviceName": "build-bot", "path": "/ci/runners/"}
    assert event.response_elements == {"virtualMFADevice": {"serialNumber": device.arn}}


def test_a_name_is_unique_in_the_account_whatever_the_path(alice, management_account, at):
    create(management_account, "build-bot", path="/ci/")
    for name, path in (("build-bot", "/"), ("Build-Bot", "/other/"), ("build-bot", "/ci/")):
        with pytest.raises(ValidationError, match="already exists") as error:
            create(management_account, name, path=path)
        assert code_of(error) == "EntityAlreadyExists"
    with pytest.raises(ValidationError, match="already exists in this account"):
        totp_services.virtual_mfa_device_create(user=alice, name="BUILD-BOT")
    assert UnassignedVirtualMFADevice.objects.count() == 1


@pytest.mark.parametrize(
    "path", ["", "ci", "/ci", "ci/", "/c i/", "/caf\u00e9/", "/\x7f/", "/" + "b" * 511 + "/"]
)
def test_a_path_aws_would_refuse_is_refused(management_account, path):
    with pytest.raises(ValidationError) as error:
        create(management_account, "build-bot", path=path)
    assert code_of(error) == "ValidationError"
    assert not UnassignedVirtualMFADevice.objects.exists()


def test_the_longest_path_aws_allows_is_kept(management_account):
    path = "/" + "b" * 510 + "/"
    device, _seed = create(management_account, "build-bot", path=path)
    device.refresh_from_db()
    assert device.path == path and device.arn.endswith(f":mfa{path}build-bot")


def test_names_are_one_namespace_with_the_consoles_devices(alice, management_account, at):
    create(management_account, "Shared-Name")
    with pytest.raises(ValidationError, match="already exists") as error:
        create(management_account, "shared-name")
    assert code_of(error) == "EntityAlreadyExists"
    # The console refuses the name of an unassigned device, and the API a console device's.
    with pytest.raises(ValidationError, match="already exists in this account"):
        totp_services.virtual_mfa_device_create(user=alice, name="SHARED-NAME")
    totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    with pytest.raises(ValidationError) as error:
        create(management_account, "Alice-App")
    assert code_of(error) == "EntityAlreadyExists"


def test_a_name_aws_would_refuse_is_refused(management_account):
    with pytest.raises(ValidationError) as error:
        create(management_account, "no spaces allowed")
    assert code_of(error) == "ValidationError"
    assert not UnassignedVirtualMFADevice.objects.exists()


def test_the_qr_png_holds_the_consoles_otpauth_uri(management_account, alice):
    device, seed = create(management_account, "build-bot")
    png = totp_selectors.virtual_mfa_qr_png(device, management_account, "build-bot")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert totp_selectors.virtual_mfa_qr_png(seed, management_account, "build-bot") == png
    uri = totp_selectors.otpauth_uri(seed, management_account, "build-bot")
    assert uri == (
        "otpauth://totp/Tobira:build-bot@example-corp?secret="
        + totp_selectors.base32_secret(seed)
        + "&issuer=Tobira&algorithm=SHA1&digits=6&period=30"
    )
    expected = io.BytesIO()
    segno.make(uri, error="m").save(expected, kind="png", scale=4, border=4)
    assert png == expected.getvalue()
    # The console's URI is the same function with the user where the device's name is.
    console_device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    assert totp_selectors.provisioning_uri(
        alice, console_device, key
    ) == totp_selectors.otpauth_uri(key, management_account, "alice")


# --- Enable ------------------------------------------------------------------------------


def test_enable_turns_it_into_the_users_device_with_the_same_seed_and_name(
    management_account, alice, at, mailoutbox, django_capture_on_commit_callbacks
):
    device, seed = create(management_account, "alice-phone")
    with django_capture_on_commit_callbacks(execute=True):
        enabled = enable(device, alice, authenticator(seed))
    assert isinstance(enabled, VirtualMFADevice)
    assert (enabled.user, enabled.name, enabled.key) == (alice, "alice-phone", seed)
    assert enabled.confirmed and enabled.enabled_at is not None
    assert enabled.arn == device.arn
    assert not UnassignedVirtualMFADevice.objects.exists()
    (event,) = events("EnableMFADevice")
    assert event.error_code == ""
    assert event.request_parameters == {"userName": "alice", "serialNumber": device.arn}
    assert [m.to for m in mailoutbox] == [["alice@example.test"]]
    # The second code was spent enabling it.
    assert not totp_services.mfa_device_verify(device=enabled, code=authenticator(seed).at(T0))


@pytest.mark.parametrize(
    ("first_offset", "second_offset"),
    [(0, 60), (30, 0), (-600, -570)],  # not consecutive, the wrong order, ten minutes old
)
def test_codes_that_are_not_two_consecutive_ones_are_refused_and_audited(
    management_account, alice, at, first_offset, second_offset
):
    device, seed = create(management_account)
    app = authenticator(seed)
    with pytest.raises(ValidationError, match="not valid") as error:
        unassigned.unassigned_virtual_mfa_device_enable(
            actor=None,
            device=device,
            user=alice,
            first_code=app.at(T0 + first_offset),
            second_code=app.at(T0 + second_offset),
        )
    assert code_of(error) == "InvalidAuthenticationCode"
    (event,) = events("EnableMFADevice")
    assert event.error_code == "InvalidAuthenticationCode"
    assert UnassignedVirtualMFADevice.objects.filter(pk=device.pk).exists()
    assert not MFADevice.objects.exists()


@pytest.mark.parametrize(("first", "second"), [("123456", "123456"), ("12345", "654321")])
def test_malformed_or_repeated_codes_are_invalid_codes(management_account, alice, first, second):
    device, _seed = create(management_account)
    with pytest.raises(ValidationError) as error:
        unassigned.unassigned_virtual_mfa_device_enable(
            actor=None, device=device, user=alice, first_code=first, second_code=second
        )
    assert code_of(error) == "InvalidAuthenticationCode"


def test_a_user_with_eight_devices_has_no_room(management_account, alice, at):
    for index in range(8):
        console_device, key = totp_services.virtual_mfa_device_create(
            user=alice, name=f"app-{index}"
        )
        app = authenticator(key)
        totp_services.mfa_device_enable(
            actor=alice, device=console_device, first_code=app.at(T0 - 30), second_code=app.at(T0)
        )
    device, seed = create(management_account, "ninth")
    with pytest.raises(ValidationError, match="at most 8") as error:
        enable(device, alice, authenticator(seed))
    assert code_of(error) == "LimitExceeded"
    assert UnassignedVirtualMFADevice.objects.filter(pk=device.pk).exists()


def test_an_sso_user_or_another_accounts_user_is_refused(
    organization, management_account, member_account, make_iam_user, at
):
    device, seed = create(management_account)
    sam = make_sso_user(organization, password=None)
    with pytest.raises(ValidationError) as error:
        enable(device, sam, authenticator(seed))
    assert code_of(error) == "InvalidInput"
    carol = make_iam_user(account=member_account, name="carol", password=None)
    with pytest.raises(ValidationError) as error:
        enable(device, carol, authenticator(seed))
    assert code_of(error) == "NoSuchEntity"
    assert not MFADevice.objects.exists()


def test_a_device_created_and_never_enabled_expires_like_a_console_setup(
    management_account, alice, at
):
    device, seed = create(management_account, "forgotten")
    at(T0 + 16 * MINUTE)
    assert listed(management_account) == []
    with pytest.raises(ValidationError) as error:
        totp_selectors.unassigned_virtual_mfa_device_get(management_account, device.arn)
    assert code_of(error) == "NoSuchEntity"
    with pytest.raises(ValidationError) as error:
        enable(device, alice, authenticator(seed), at_time=T0 + 16 * MINUTE)
    assert code_of(error) == "NoSuchEntity"
    # Its name is free again: creating one purges it.
    create(management_account, "forgotten")
    assert UnassignedVirtualMFADevice.objects.get().pk != device.pk


# --- Deactivate, enable again, delete ----------------------------------------------------


def test_deactivate_enable_again_and_delete(
    management_account,
    alice,
    make_iam_user,
    at,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    device, seed = create(management_account, "shared-phone")
    app = authenticator(seed)
    enabled = enable(device, alice, app)
    serial = enabled.arn

    at(T0 + 5 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True):
        back = unassigned.mfa_device_deactivate(actor=None, device=enabled)
    assert isinstance(back, UnassignedVirtualMFADevice)
    assert (back.name, back.key, back.arn, back.last_step) == (
        "shared-phone",
        seed,
        serial,
        T0 // 30,
    )
    assert not MFADevice.objects.exists()
    (event,) = events("DeactivateMFADevice")
    assert event.request_parameters == {"userName": "alice", "serialNumber": serial}
    assert "removed" in mailoutbox[-1].subject.lower()

    # Long after the setup window it is still there: it was enabled once.
    at(T0 + 60 * MINUTE)
    (row,) = listed(management_account, "Unassigned")
    assert (row.serial_number, row.user, row.enable_date) == (serial, None, None)
    assert totp_selectors.unassigned_virtual_mfa_device_get(management_account, serial) == back

    # The codes that enabled it are spent, whoever they would be enabled for now.
    bob = make_iam_user(name="bob", password=None)
    at(T0 + 30)
    with pytest.raises(ValidationError) as error:
        enable(back, bob, app, at_time=T0)
    assert code_of(error) == "InvalidAuthenticationCode"
    at(T0 + 60 * MINUTE)
    again = enable(back, bob, app, at_time=T0 + 60 * MINUTE)
    assert (again.user, again.name, again.key) == (bob, "shared-phone", seed)

    with pytest.raises(ValidationError, match="must be deactivated before deletion") as error:
        unassigned.unassigned_virtual_mfa_device_delete(actor=None, device=again)
    assert code_of(error) == "DeleteConflict"

    back = unassigned.mfa_device_deactivate(actor=None, device=again)
    unassigned.unassigned_virtual_mfa_device_delete(actor=None, device=back)
    assert not UnassignedVirtualMFADevice.objects.exists()
    (event,) = events("DeleteVirtualMFADevice")
    assert event.request_parameters == {"serialNumber": serial}
    with pytest.raises(ValidationError) as error:
        totp_selectors.account_virtual_mfa_device_get(management_account, serial)
    assert code_of(error) == "NoSuchEntity"


def test_deactivating_a_hardware_token_removes_it_and_the_last_device_takes_the_codes(alice, at):
    key = bytes(range(20))
    token = authenticator(key)
    hardware = totp_services.hardware_totp_device_enable(
        actor=alice,
        user=alice,
        name="token",
        serial="GAKT000042",
        seed=key.hex(),
        first_code=token.at(T0 - 30),
        second_code=token.at(T0),
    )
    RecoveryCode.objects.create(user=alice, code_hash="x" * 64)
    assert unassigned.mfa_device_deactivate(actor=None, device=hardware) is None
    assert not MFADevice.objects.exists() and not UnassignedVirtualMFADevice.objects.exists()
    assert not RecoveryCode.objects.filter(user=alice).exists()
    (event,) = events("DeactivateMFADevice")
    assert event.request_parameters["serialNumber"] == hardware.arn


def test_a_device_not_enabled_cannot_be_deactivated(alice):
    pending, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    with pytest.raises(ValidationError) as error:
        unassigned.mfa_device_deactivate(actor=None, device=pending)
    assert code_of(error) == "NoSuchEntity"


# --- Listing and looking up --------------------------------------------------------------


def test_the_list_by_assignment_status_in_two_queries(
    management_account, member_account, alice, make_iam_user, at, django_assert_num_queries
):
    for index in range(6):
        device, seed = create(management_account, f"assigned-{index}")
        user = make_iam_user(name=f"user-{index}", password=None, self_service=False)
        enable(device, user, authenticator(seed))
    for index in range(4):
        create(management_account, f"spare-{index}")
    create(member_account, "another-accounts")
    pending, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-pending")

    with django_assert_num_queries(2):
        rows = listed(management_account)
        users = [row.user.name if row.user else None for row in rows]
    assert [row.serial_number.rsplit("/", 1)[1] for row in rows] == [
        *(f"assigned-{i}" for i in range(6)),
        *(f"spare-{i}" for i in range(4)),
    ]
    assert users == [*(f"user-{i}" for i in range(6)), *([None] * 4)]
    assert all(row.enable_date is not None for row in rows[:6])
    with django_assert_num_queries(1):
        assert len(listed(management_account, "Assigned")) == 6
    with django_assert_num_queries(1):
        assert len(listed(management_account, "Unassigned")) == 4
    with pytest.raises(ValidationError) as error:
        listed(management_account, "Lost")
    assert code_of(error) == "ValidationError"


def _pages(account, status, size):
    """Every page of ``size``, each from where the last one ended."""
    pages, after = [], None
    while True:
        rows = listed(account, status, limit=size + 1, after=after)
        pages.append(rows[:size])
        if len(rows) <= size:
            return pages
        after = rows[size - 1].position


def test_the_list_pages_by_serial_number_across_both_tables(
    management_account, member_account, make_iam_user, at, django_assert_num_queries
):
    # Path then name as one string, byte by byte, as the serial numbers sort: "/a.b" and "/Z/x"
    # before "/a/b", "/z" after it (by path, then name, "/z" would come first); "D" before "b".
    names = {"z": "/", "a.b": "/", "b": "/a/", "x": "/Z/", "c": "/a/b/", "D": "/a/", "e": "/a-/"}
    for index, (name, path) in enumerate(names.items()):
        device, seed = create(management_account, name, path=path)
        if index % 2:
            user = make_iam_user(name=f"user-{index}", password=None, self_service=False)
            enable(device, user, authenticator(seed))
    for name in ("a", "zz"):
        create(member_account, name)
    everything = listed(management_account)
    assert [row.serial_number for row in everything] == sorted(
        f"arn:aws:iam::{management_account.id}:mfa{path}{name}" for name, path in names.items()
    )
    assert [row.serial_number.split(":mfa")[1] for row in everything] == [
        "/Z/x", "/a-/e", "/a.b", "/a/D", "/a/b", "/a/b/c", "/z"
    ]  # fmt: skip
    for status in ("Any", "Assigned", "Unassigned"):
        whole = listed(management_account, status)
        assert len(whole) == {"Any": 7, "Assigned": 3, "Unassigned": 4}[status]
        for size in (1, 2, 3, 7, 8):
            pages = _pages(management_account, status, size)
            assert [row.serial_number for page in pages for row in page] == [
                row.serial_number for row in whole
            ]
    # A page: one query per table, each cut at the page's size, whatever the number of devices.
    after = everything[2].position
    with django_assert_num_queries(2) as captured:
        rows = listed(management_account, limit=2, after=after)
        assert [row.user.name if row.user else None for row in rows] == ["user-5", None]
    assert [row.serial_number.split(":mfa")[1] for row in rows] == ["/a/D", "/a/b"]
    for query in captured.captured_queries:
        assert " LIMIT 2" in query["sql"] and " OFFSET " not in query["sql"]
        if connection.vendor == "postgresql":  # whatever the database's collation
            assert 'COLLATE "C" >' in query["sql"]


def test_a_tie_between_the_tables_lists_the_assigned_device_first(
    management_account, alice, make_iam_user, at
):
    """A name lives in one table at a time; were it ever in both (two requests racing), the
    list would show both, the assigned one first, and a page ending on either resumes after it."""
    device, seed = create(management_account, "shared")
    enable(device, alice, authenticator(seed))
    create(management_account, "after")
    twin = UnassignedVirtualMFADevice.objects.create(
        account=management_account, name="shared", seed_encrypted="", last_step=0
    )
    rows = listed(management_account)
    assert [(row.serial_number.rsplit("/", 1)[1], row.user) for row in rows] == [
        ("after", None),
        ("shared", alice),
        ("shared", None),
    ]
    assert rows[2].device == twin
    for size in (1, 2):
        pages = _pages(management_account, "Any", size)
        assert [row.device for page in pages for row in page] == [row.device for row in rows]


def test_a_position_holding_the_start_of_a_key(management_account, at, django_assert_num_queries):
    """A marker holds only the start of a long key: the whole key is read again from the row (one
    more query), or the start serves if the row is gone (never past a device)."""
    long = "/" + "p" * 300 + "/"
    for name in ("a", "b", "c"):
        create(management_account, name, path=long)
    create(management_account, "z")
    rows = listed(management_account)
    start = rows[1].position  # b
    cut = totp_selectors.ListPosition(start.key[:200], start.table, start.pk, key_is_prefix=True)
    with django_assert_num_queries(3):
        assert [row.serial_number[-2:] for row in listed(management_account, after=cut)] == [
            "/c",
            "/z",
        ]
    UnassignedVirtualMFADevice.objects.filter(name="b").delete()
    with django_assert_num_queries(3):
        assert [row.serial_number[-2:] for row in listed(management_account, after=cut)] == [
            "/a",
            "/c",
            "/z",
        ]


def test_lookups_stay_in_their_account(management_account, member_account, alice, at):
    device, seed = create(management_account, "ours")
    assert totp_selectors.unassigned_virtual_mfa_device_get(management_account, device.arn) == (
        device
    )
    for account, serial in (
        (member_account, device.arn),  # another account's device
        (management_account, device.arn.replace(management_account.id, member_account.id)),
        (management_account, device.arn + "/x"),
        (management_account, "GAKT000042"),
    ):
        with pytest.raises(ValidationError) as error:
            totp_selectors.unassigned_virtual_mfa_device_get(account, serial)
        assert code_of(error) == "NoSuchEntity"
    enabled = enable(device, alice, authenticator(seed))
    with pytest.raises(ValidationError) as error:
        totp_selectors.unassigned_virtual_mfa_device_get(management_account, device.arn)
    assert code_of(error) == "NoSuchEntity"
    assert totp_selectors.account_virtual_mfa_device_get(management_account, device.arn) == (
        enabled
    )


def test_a_device_keeps_its_path_and_serial_number_when_enabled_and_deactivated(
    management_account, alice, at
):
    device, seed = create(management_account, "alice-phone", path="/team/phones/")
    serial = device.arn
    account = management_account
    pathless = f"arn:aws:iam::{account.id}:mfa/alice-phone"
    elsewhere = f"arn:aws:iam::{account.id}:mfa/team/alice-phone"
    assert totp_selectors.unassigned_virtual_mfa_device_get(account, serial) == device
    for wrong in (pathless, elsewhere):  # the name alone, or another path, is not the device
        with pytest.raises(ValidationError) as error:
            totp_selectors.unassigned_virtual_mfa_device_get(account, wrong)
        assert code_of(error) == "NoSuchEntity"

    enabled = enable(device, alice, authenticator(seed))
    assert (enabled.path, enabled.arn, enabled.identifier) == ("/team/phones/", serial, serial)
    assert MFADevice.objects.get(pk=enabled.pk).arn == serial  # as the base row reads it
    (row,) = listed(account, "Assigned")
    assert row.serial_number == serial
    assert totp_selectors.account_virtual_mfa_device_get(account, serial) == enabled
    with pytest.raises(ValidationError) as error:
        totp_selectors.account_virtual_mfa_device_get(account, pathless)
    assert code_of(error) == "NoSuchEntity"
    (event,) = events("EnableMFADevice")
    assert event.request_parameters == {"userName": "alice", "serialNumber": serial}

    at(T0 + 5 * MINUTE)
    back = unassigned.mfa_device_deactivate(actor=None, device=enabled)
    assert (back.path, back.arn) == ("/team/phones/", serial)
    (row,) = listed(account, "Unassigned")
    assert row.serial_number == serial
    unassigned.unassigned_virtual_mfa_device_delete(actor=None, device=back)
    assert [e.request_parameters for e in events("DeleteVirtualMFADevice")] == [
        {"serialNumber": serial}
    ]
