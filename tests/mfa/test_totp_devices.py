"""TOTP devices: codes come from pyotp, an implementation independent of ours."""

import base64
import threading

import pyotp
import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from identity import crypto
from identity.models import AuditEvent
from mfa.models import MFADevice, VirtualMFADevice
from mfa.totp import auth as totp
from mfa.totp import services as totp_services

pytestmark = pytest.mark.django_db

T0 = 1_900_000_020  # a fixed instant, 20 s into a 30-second step


def codes(key: bytes):
    return pyotp.TOTP(base64.b32encode(key).decode())


@pytest.fixture
def at(time_machine):
    def move(seconds):
        time_machine.move_to(seconds, tick=False)

    move(T0)
    return move


@pytest.mark.parametrize(
    ("unix_time", "expected"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
    ],
)
def test_rfc6238_sha1_vectors(unix_time, expected):
    key = b"12345678901234567890"
    assert totp.code_at(key, unix_time // 30) == expected[-6:]
    assert pyotp.TOTP(base64.b32encode(key).decode(), digits=8).at(unix_time) == expected


def test_seed_is_encrypted_at_rest_and_keys_rotate(alice, settings):
    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    with connection.cursor() as cursor:
        cursor.execute("SELECT seed_encrypted FROM mfa_virtualmfadevice")
        (stored,) = cursor.fetchone()
    assert key not in stored.encode() and base64.b32encode(key).decode() not in stored
    assert VirtualMFADevice.objects.get(pk=device.pk).key == key

    from cryptography.fernet import Fernet

    old = settings.FIELD_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new, old]  # the newest encrypts, all decrypt
    assert VirtualMFADevice.objects.get(pk=device.pk).key == key
    rotated = crypto.rotate(stored)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt(rotated) == key
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(stored)


def test_enable_with_two_consecutive_codes(alice, at):
    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    assert not device.confirmed
    app = codes(key)
    at(T0 + 30)
    totp_services.mfa_device_enable(
        actor=alice, device=device, first_code=app.at(T0), second_code=app.at(T0 + 30)
    )
    device.refresh_from_db()
    assert device.confirmed and device.enabled_at is not None
    assert device.arn == f"arn:aws:iam::{alice.account_id}:mfa/alice-app"
    assert AuditEvent.objects.filter(event_name="EnableMFADevice", error_code="").count() == 1
    # The second code was spent in enabling: it cannot sign in.
    assert not totp_services.mfa_device_verify(device=device, code=app.at(T0 + 30))


@pytest.mark.parametrize(
    ("first_offset", "second_offset", "message"),
    [
        (0, 60, "The codes are not valid."),  # not consecutive
        (30, 0, "The codes are not valid."),  # the wrong order
        (-600, -570, "The codes are not valid."),  # consecutive, but ten minutes old
    ],
)
def test_enable_refuses_codes_that_are_not_two_consecutive_ones(
    alice, at, first_offset, second_offset, message
):
    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    app = codes(key)
    with pytest.raises(ValidationError, match=message):
        totp_services.mfa_device_enable(
            actor=alice,
            device=device,
            first_code=app.at(T0 + first_offset),
            second_code=app.at(T0 + second_offset),
        )
    device.refresh_from_db()
    assert not device.confirmed
    assert AuditEvent.objects.filter(error_code="InvalidAuthenticationCode").count() == 1


@pytest.mark.parametrize(
    ("first", "second"), [("123456", "123456"), ("12345", "654321"), ("abcdef", "123456")]
)
def test_enable_refuses_malformed_or_repeated_codes(alice, first, second):
    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    with pytest.raises(ValidationError):
        totp_services.mfa_device_enable(
            actor=alice, device=device, first_code=first, second_code=second
        )


def test_an_abandoned_setup_expires(alice, at):
    device, key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    at(T0 + 16 * 60)
    app = codes(key)
    with pytest.raises(ValidationError, match="expired"):
        totp_services.mfa_device_enable(
            actor=alice,
            device=device,
            first_code=app.at(T0 + 16 * 60 - 30),
            second_code=app.at(T0 + 16 * 60),
        )
    # Its name is free again once it has expired.
    totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    assert VirtualMFADevice.objects.count() == 1


def _enabled_device(user, name, at_time=T0):
    device, key = totp_services.virtual_mfa_device_create(user=user, name=name)
    app = codes(key)
    totp_services.mfa_device_enable(
        actor=user, device=device, first_code=app.at(at_time - 30), second_code=app.at(at_time)
    )
    return VirtualMFADevice.objects.get(pk=device.pk), app


def test_sign_in_code_accepts_one_step_either_way_and_never_twice(alice, at):
    device, app = _enabled_device(alice, "alice-app")
    at(T0 + 300)
    assert totp_services.mfa_device_verify(
        device=device, code=app.at(T0 + 300 - 30)
    )  # one step behind
    assert not totp_services.mfa_device_verify(device=device, code=app.at(T0 + 300 - 30))  # replay
    assert not totp_services.mfa_device_verify(
        device=device, code=app.at(T0 + 300 - 60)
    )  # older than the last used
    at(T0 + 400)
    device.refresh_from_db()
    device.throttle_reset()
    assert not totp_services.mfa_device_verify(
        device=device, code=app.at(T0 + 400 + 60)
    )  # two steps ahead
    device.refresh_from_db()
    device.throttle_reset()
    assert totp_services.mfa_device_verify(
        device=device, code=" " + app.at(T0 + 400 + 30)[:3] + " " + app.at(T0 + 430)[3:]
    )


def test_failures_back_off_exponentially(alice, at):
    device, app = _enabled_device(alice, "alice-app")
    at(T0 + 120)
    assert not totp_services.mfa_device_verify(device=device, code="000000")
    # Within the back-off even the right code is refused (and the refusal costs nothing more).
    assert not totp_services.mfa_device_verify(device=device, code=app.at(T0 + 120))
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    at(T0 + 125)
    assert totp_services.mfa_device_verify(device=device, code=app.at(T0 + 125))
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_resync_after_drift(alice, at):
    device, app = _enabled_device(alice, "alice-app")
    at(T0 + 3600)
    drifted = T0 + 3600 - 240  # the device's clock is four minutes slow
    assert not totp_services.mfa_device_verify(device=device, code=app.at(drifted))
    device.refresh_from_db()
    device.throttle_reset()
    totp_services.mfa_device_resync(
        actor=alice, device=device, first_code=app.at(drifted - 30), second_code=app.at(drifted)
    )
    device.refresh_from_db()
    assert device.drift == -8
    at(T0 + 3700)
    assert totp_services.mfa_device_verify(device=device, code=app.at(T0 + 3700 - 240))
    with pytest.raises(ValidationError):
        totp_services.mfa_device_resync(
            actor=alice, device=device, first_code="111111", second_code="222222"
        )


def test_at_most_eight_devices_of_any_kind(alice, at):
    for index in range(7):
        _enabled_device(alice, f"app-{index}")
    key = bytes(range(20))
    hardware = codes(key)
    totp_services.hardware_totp_device_enable(
        actor=alice,
        user=alice,
        name="token",
        serial="GAKT000001",
        seed=key.hex(),
        first_code=hardware.at(T0 - 30),
        second_code=hardware.at(T0),
    )
    assert MFADevice.objects.filter(user=alice, confirmed=True).count() == 8
    with pytest.raises(ValidationError, match="at most 8"):
        totp_services.virtual_mfa_device_create(user=alice, name="one-too-many")


def test_names_are_unique_per_account_not_globally(alice, make_iam_user, member_account):
    bob = make_iam_user(name="bob")
    totp_services.virtual_mfa_device_create(user=alice, name="SecurityKey")
    with pytest.raises(ValidationError, match="already exists in this account"):
        totp_services.virtual_mfa_device_create(user=bob, name="securitykey")
    carol = make_iam_user(account=member_account, name="carol")
    totp_services.virtual_mfa_device_create(user=carol, name="SecurityKey")


@pytest.mark.parametrize(
    "seed", ["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "00112233445566778899aabbccddeeff00112233"]
)
def test_hardware_seed_in_base32_or_hex(seed):
    assert len(totp_services.parse_seed(seed)) >= 16


@pytest.mark.parametrize("seed", ["", "not base32!", "JBSWY3DP"])
def test_hardware_seed_errors_are_clear(seed):
    with pytest.raises(ValidationError):
        totp_services.parse_seed(seed)


@pytest.mark.django_db(transaction=True)
def test_one_code_cannot_be_spent_twice_in_parallel(alice, at):
    device, app = _enabled_device(alice, "alice-app")
    at(T0 + 90)
    code = app.at(T0 + 90)
    barrier = threading.Barrier(4)
    results = []

    def spend():
        from django.db import connections

        barrier.wait()
        try:
            results.append(totp_services.mfa_device_verify(device=device, code=code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1


def test_a_seed_no_key_decrypts_fails_closed(alice, at, settings, caplog):
    from cryptography.fernet import Fernet

    device, app = _enabled_device(alice, "alice-app")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    at(T0 + 60)
    assert not totp_services.mfa_device_verify(device=device, code=app.at(T0 + 60))
    assert "cannot decrypt the seed of MFA device" in caplog.text


def test_the_last_used_code_again_is_told_apart_and_still_counts_as_a_failure(alice, at):
    """Issue 13, item 8: "already used" only for the device's last used step, throttled as before."""
    device, app = _enabled_device(alice, "alice-app")  # enabling spent the code of T0
    Outcome = totp_services.CodeOutcome
    assert totp_services.mfa_device_check(device=device, code=app.at(T0)) == Outcome.REPLAYED
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the back-off counts it, as any refusal
    at(T0 + 31)  # past the back-off; T0's code is one step behind, still in the window
    assert totp_services.mfa_device_check(device=device, code=app.at(T0)) == Outcome.REPLAYED
    at(T0 + 40)
    device.refresh_from_db()
    device.throttle_reset()
    # An older code, even one that was valid once, and a wrong code: just not valid.
    assert totp_services.mfa_device_check(device=device, code=app.at(T0 - 30)) == Outcome.REFUSED
    device.throttle_reset()
    assert totp_services.mfa_device_check(device=device, code="000000") == Outcome.REFUSED
    device.throttle_reset()
    assert totp_services.mfa_device_check(device=device, code=app.at(T0 + 30)) == Outcome.ACCEPTED
    # Within the back-off nothing is told apart, not even the last used code.
    assert totp_services.mfa_device_check(device=device, code="000000") == Outcome.REFUSED
    assert totp_services.mfa_device_check(device=device, code=app.at(T0 + 30)) == Outcome.REFUSED
    # Long after, the last used code is an old code like any other.
    at(T0 + 600)
    device.refresh_from_db()
    device.throttle_reset()
    assert totp_services.mfa_device_check(device=device, code=app.at(T0 + 30)) == Outcome.REFUSED


def test_resync_with_an_already_used_code_says_so(alice, at):
    device, app = _enabled_device(alice, "alice-app")
    at(T0 + 30)
    # The code of T0 was spent enabling the device: T0, T0 + 30 are consecutive, but used.
    with pytest.raises(ValidationError, match="already used") as refused:
        totp_services.mfa_device_resync(
            actor=alice, device=device, first_code=app.at(T0), second_code=app.at(T0 + 30)
        )
    assert refused.value.code == "replayed"
    with pytest.raises(ValidationError, match="The codes are not valid."):
        totp_services.mfa_device_resync(
            actor=alice, device=device, first_code="123456", second_code="654321"
        )
