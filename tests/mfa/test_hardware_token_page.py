"""An administrator imports a hardware TOTP token for a user through the console page."""

import base64

import pyotp
import pytest
from django.urls import reverse

from identity.models import AuditEvent
from mfa.models import HardwareTOTPDevice, MFADevice
from tests.conftest import error_text, signin_iam

pytestmark = pytest.mark.django_db

T0 = 1_900_000_020
SEED_HEX = "3132333435363738393031323334353637383930"  # the RFC 6238 SHA1 key, as a vendor's hex
TOKEN = pyotp.TOTP(base64.b32encode(bytes.fromhex(SEED_HEX)).decode())


@pytest.fixture
def admin(client, management_root, time_machine):
    time_machine.move_to(T0 + 30, tick=False)
    client.force_login(management_root)
    return client


def url(alice):
    return reverse("console:user_mfa_hardware", args=[alice.account_id, alice.name])


def body(**overrides):
    return {
        "name": "alice-token",
        "serial": "GAKT000A1B2C",
        "seed": SEED_HEX,
        "code1": TOKEN.at(T0),
        "code2": TOKEN.at(T0 + 30),
        **overrides,
    }


def test_import_a_token_then_the_user_signs_in_with_it(
    admin, alice, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    page = admin.get(url(alice)).content.decode()
    assert 'value="alice-token"' in page  # a suggested name
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(url(alice), body())
    assert response.status_code == 302, error_text(response)

    token = HardwareTOTPDevice.objects.get(user=alice)
    assert token.serial == "GAKT000A1B2C" and token.confirmed
    assert SEED_HEX not in token.seed_encrypted
    detail = admin.get(response["Location"]).content.decode()
    assert "GAKT000A1B2C" in detail and "Hardware TOTP token" in detail
    event = AuditEvent.objects.get(event_name="EnableMFADevice", error_code="")
    assert event.request_parameters == {"userName": "alice", "serialNumber": "GAKT000A1B2C"}
    assert SEED_HEX not in str(event.__dict__)
    assert mailoutbox[-1].subject == "An MFA device was added to your Tobira user"

    admin.post(reverse("accounts:signout"))
    time_machine.move_to(T0 + 120, tick=False)
    assert signin_iam(admin, "example-corp", "alice")["Location"] == reverse("mfa:signin")
    response = admin.post(reverse("mfa:signin"), {"device": token.pk, "code": TOKEN.at(T0 + 120)})
    assert response.status_code == 302 and admin.session["tobira_mfa"]["device"] == token.arn


def test_wrong_codes_keep_what_was_typed_and_enable_nothing(admin, alice):
    response = admin.post(url(alice), body(code2=TOKEN.at(T0 + 90)))
    assert response.status_code == 200
    assert error_text(response) == (
        "The codes are not valid. Enter two consecutive codes from the token."
    )
    page = response.content.decode()
    assert 'value="GAKT000A1B2C"' in page and f'value="{SEED_HEX}"' in page
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    )
    assert not MFADevice.objects.filter(user=alice).exists()
    failure = AuditEvent.objects.get(event_name="EnableMFADevice")
    assert failure.error_code == "InvalidAuthenticationCode"


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"seed": "not a seed!"}, "The seed must be base32 or hexadecimal."),
        ({"seed": "JBSWY3DP"}, "The seed is too short: at least 128 bits."),
        ({"serial": "bad serial"}, "Use 1 to 64 characters"),
        ({"name": "no spaces"}, "Use 1 to 128 characters"),
        ({"code2": ""}, "This field is required."),
    ],
)
def test_bad_input_is_named_on_its_field(admin, alice, overrides, field_error):
    response = admin.post(url(alice), body(**overrides))
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not MFADevice.objects.exists()


def test_the_same_code_twice_is_refused(admin, alice):
    response = admin.post(url(alice), body(code2=TOKEN.at(T0)))
    assert "Enter two different codes" in error_text(response)


def test_a_serial_already_assigned_and_a_taken_name_are_refused(admin, alice, make_iam_user):
    assert admin.post(url(alice), body()).status_code == 302
    bob = make_iam_user(name="bob")
    response = admin.post(url(bob), body(name="bob-token"))
    assert "A token with this serial number is already assigned." in response.content.decode()
    response = admin.post(url(bob), body(serial="GAKT000OTHER"))
    assert "An MFA device with this name already exists in this account." in (
        response.content.decode()
    )
    assert HardwareTOTPDevice.objects.count() == 1


def test_an_iam_user_without_permission_is_refused(client, alice, make_iam_user, time_machine):
    time_machine.move_to(T0 + 30, tick=False)
    make_iam_user(name="bob")
    signin_iam(client, "example-corp", "bob")
    response = client.post(url(alice), body())
    assert response.status_code == 403
    assert not MFADevice.objects.exists()


def test_serials_of_other_tenants_cannot_be_probed(
    admin, alice, other_root, client, django_user_model
):
    """The codes are checked before the serial: without the seed nobody learns a serial is taken."""
    assert admin.post(url(alice), body()).status_code == 302
    from identity import services

    bob = services.iam_user_create(
        actor=None, account=other_root.account, name="bob", password=None
    )
    client.force_login(other_root)
    before = AuditEvent.objects.filter(event_name="EnableMFADevice").count()
    probe = {"name": "x", "seed": "A" * 32, "code1": "000000", "code2": "111111"}
    hit = client.post(url(bob), {**probe, "serial": "GAKT000A1B2C"})
    miss = client.post(url(bob), {**probe, "serial": "GAKT-NOSUCH"})
    assert (
        error_text(hit)
        == error_text(miss)
        == ("The codes are not valid. Enter two consecutive codes from the token.")
    )
    assert AuditEvent.objects.filter(event_name="EnableMFADevice").count() == before + 2


def test_every_refused_import_is_audited(admin, alice):
    assert admin.post(url(alice), body()).status_code == 302
    admin.post(url(alice), body(name="alice-token-2"))  # the serial is taken
    refused = AuditEvent.objects.filter(event_name="EnableMFADevice").exclude(error_code="")
    assert [e.error_code for e in refused] == ["duplicate"]
