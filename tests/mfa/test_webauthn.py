"""Passkeys and security keys through the real views, answered by an independent software authenticator."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from identity.models import AuditEvent
from mfa.models import MFADevice, WebAuthnChallenge, WebAuthnCredential
from tests.conftest import PASSWORD, error_text, signin_iam, signin_root
from tests.support.softauthn import ICLOUD_KEYCHAIN, YUBIKEY_5_NFC, unb64url
from tests.support.webauthn import (
    RP_ID,
    assertion_options,
    key,
    key_error,
    post_assertion,
    post_registration,
    register,
    registration_options,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relying_party")]

# --- Registration ----------------------------------------------------------------------


def test_register_a_synced_passkey_named_after_its_provider(
    alice_client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    options = registration_options(alice_client)
    assert options["rp"] == {"id": RP_ID, "name": "Tobira"}
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-7, -8, -257]
    handle = unb64url(options["user"]["id"])  # a random handle, never the database id
    assert len(handle) == 32 and handle != str(alice.pk).encode()
    assert registration_options(alice_client)["user"]["id"] == options["user"]["id"]  # stable

    passkey = key(aaguid=ICLOUD_KEYCHAIN, synced=True)
    alice_client.post(reverse("mfa:assign"), {"device_type": "webauthn", "name": ""})
    with django_capture_on_commit_callbacks(execute=True):
        response = post_registration(
            alice_client, passkey.create(registration_options(alice_client))
        )
    assert response.status_code == 302, key_error(response)
    device = WebAuthnCredential.objects.get(user=alice)
    assert device.name == "alice-iCloud-Keychain"
    assert device.arn == f"arn:aws:iam::{alice.account_id}:mfa/alice-iCloud-Keychain"
    assert device.backup_eligible and device.backup_state and device.user_verified
    assert device.aaguid == ICLOUD_KEYCHAIN and device.transports == ["internal", "hybrid"]
    assert bytes(device.credential_id) == passkey.credential_id
    listing = alice_client.get(reverse("mfa:security_credentials")).content.decode()
    assert "alice-iCloud-Keychain" in listing and "Synced passkey" in listing
    assert mailoutbox[-1].subject == "An MFA device was added to your Tobira user"
    event = AuditEvent.objects.get(event_name="EnableMFADevice", error_code="")
    assert event.additional_event_data["authenticator"] == "iCloud Keychain"
    assert not WebAuthnChallenge.objects.exists()  # spent


def test_a_security_key_with_a_chosen_name_and_the_fallback_names(alice_client, alice):
    assert (
        register(alice_client, key(aaguid=YUBIKEY_5_NFC), name="alice-desk-key").status_code == 302
    )
    assert register(alice_client, key()).status_code == 302  # unknown AAGUID, device-bound
    assert register(alice_client, key()).status_code == 302
    assert register(alice_client, key(synced=True)).status_code == 302
    assert register(alice_client, key(aaguid=YUBIKEY_5_NFC)).status_code == 302
    names = list(
        WebAuthnCredential.objects.filter(user=alice).order_by("pk").values_list("name", flat=True)
    )
    assert names == [
        "alice-desk-key",
        "alice-security-key",
        "alice-security-key-2",
        "alice-passkey",
        "alice-YubiKey-5-NFC",
    ]


def test_the_app_suggestion_does_not_name_a_passkey(alice_client, alice):
    response = alice_client.post(
        reverse("mfa:assign"), {"device_type": "webauthn", "name": "alice-app"}
    )
    assert response.status_code == 302
    post_registration(
        alice_client, key(aaguid=YUBIKEY_5_NFC).create(registration_options(alice_client))
    )
    assert WebAuthnCredential.objects.get(user=alice).name == "alice-YubiKey-5-NFC"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ("challenge", "This registration has expired or was already used. Start again."),
        ("origin", "The passkey or security key could not be verified. Try again."),
        ("rp_id", "The passkey or security key could not be verified. Try again."),
    ],
)
def test_registration_with_a_wrong_challenge_origin_or_rp_id_is_refused(
    alice_client, alice, tamper, message
):
    options = registration_options(alice_client)
    authenticator = key()
    if tamper == "challenge":
        answer = authenticator.create(
            {**options, "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
        )
    elif tamper == "origin":
        answer = authenticator.create(options, origin="https://console.tobira.test.evil.example")
    else:
        answer = authenticator.create(options, rp_id="evil.example")
    response = post_registration(alice_client, answer)
    assert response.status_code == 400
    assert key_error(response) == message
    assert not MFADevice.objects.filter(user=alice).exists()
    assert AuditEvent.objects.filter(event_name="EnableMFADevice").exclude(error_code="").exists()


def test_a_registration_challenge_is_single_use_session_bound_and_expires(
    alice_client, alice, client_factory, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    options = registration_options(alice_client)
    answer = key().create(options)
    assert post_registration(alice_client, answer).status_code == 302
    again = post_registration(alice_client, answer)  # the same answer again
    assert key_error(again) == "This registration has expired or was already used. Start again."

    # Another session of the same user cannot spend this session's challenge.
    other = client_factory()
    other.force_login(alice)
    answer = key().create(registration_options(alice_client))
    assert post_registration(other, answer).status_code == 400

    # Five minutes later the challenge is gone.
    answer = key().create(registration_options(alice_client))
    time_machine.move_to(timezone.now() + timedelta(seconds=301), tick=False)
    assert post_registration(alice_client, answer).status_code == 400
    assert WebAuthnCredential.objects.filter(user=alice).count() == 1


def test_the_same_key_cannot_be_registered_twice(alice_client, alice):
    authenticator = key()
    assert register(alice_client, authenticator).status_code == 302
    options = registration_options(alice_client)
    excluded = [c["id"] for c in options["excludeCredentials"]]
    assert excluded == [authenticator.b64_id]
    response = post_registration(alice_client, authenticator.create(options))
    assert key_error(response) == "This passkey or security key is already registered."


def test_passkeys_count_in_the_eight_device_limit(alice_client, alice):
    for _ in range(8):
        assert register(alice_client, key()).status_code == 302
    response = alice_client.post(reverse("mfa:assign"), {"device_type": "webauthn"})
    assert "You can have at most 8 MFA devices" in error_text(response)
    response = post_registration(alice_client, key().create(registration_options(alice_client)))
    assert "You can have at most 8 MFA devices" in key_error(response)


def test_malformed_answers_are_refused_cleanly(alice_client, alice):
    registration_options(alice_client)
    for body in ("", "not json", "{}", json.dumps({"id": "x", "rawId": "y"}), "[" * 70000):
        response = alice_client.post(reverse("mfa:passkey"), {"credential": body})
        assert response.status_code == 400
    assert not MFADevice.objects.exists()


# --- Sign-in ---------------------------------------------------------------------------


def start_signin(client):
    response = signin_iam(client, "example-corp", "alice")
    assert response["Location"] == reverse("mfa:signin")
    page = client.get(reverse("mfa:signin")).content.decode()
    assert "Use passkey or security key" in page
    return assertion_options(client)


def test_sign_in_with_password_and_security_key(client, alice, alice_key):
    options = start_signin(client)
    assert [c["id"] for c in options["allowCredentials"]] == [alice_key.b64_id]
    assert options["rpId"] == RP_ID
    response = post_assertion(client, alice_key.get(options))
    assert response.status_code == 302 and response["Location"] == reverse("console:home")
    device = WebAuthnCredential.objects.get(user=alice)
    assert client.session["tobira_mfa"]["device"] == device.arn
    assert device.sign_count == 1 and device.last_used_at is not None
    success = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="").latest(
        "event_time"
    )
    assert success.additional_event_data["MFAUsed"] == "Yes"


def test_a_replayed_assertion_is_refused(client, alice, alice_key):
    answer = alice_key.get(start_signin(client))
    assert post_assertion(client, answer).status_code == 302
    client.post(reverse("accounts:signout"))
    start_signin(client)
    response = post_assertion(client, answer)
    assert "was not accepted" in key_error(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("tamper", ["origin", "rp_id", "challenge", "signature"])
def test_assertions_with_a_wrong_origin_rp_id_challenge_or_signature_are_refused(
    client, alice, alice_key, tamper
):
    options = start_signin(client)
    if tamper == "origin":
        answer = alice_key.get(options, origin="https://phish.example")
    elif tamper == "rp_id":
        answer = alice_key.get(options, rp_id="phish.example")
    elif tamper == "challenge":
        answer = alice_key.get(
            {**options, "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
        )
    else:
        answer = alice_key.get(options)
        answer["response"]["signature"] = key().get(options)["response"]["signature"]
    response = post_assertion(client, answer)
    assert response.status_code == 200
    assert key_error(response) == (
        "The passkey or security key was not accepted. Use a key registered to this user, "
        "or another MFA device."
    )
    assert "_auth_user_id" not in client.session
    assert WebAuthnCredential.objects.get(user=alice).possibly_cloned_at is None


def test_a_sign_count_regression_flags_the_key_as_possibly_cloned(
    client, alice, alice_key, management_root
):
    assert post_assertion(client, alice_key.get(start_signin(client))).status_code == 302
    client.post(reverse("accounts:signout"))
    alice_key.sign_count = 0  # a copy of the key, with the counter it had when copied
    response = post_assertion(client, alice_key.get(start_signin(client)))
    assert "was not accepted" in key_error(response)
    device = WebAuthnCredential.objects.get(user=alice)
    assert device.possibly_cloned_at is not None
    event = AuditEvent.objects.get(event_name="MFADevicePossiblyCloned")
    assert event.recipient_account_id == alice.account_id
    assert event.request_parameters == {"serialNumber": device.arn}

    # Refused from now on, even with a counter that goes up again.
    alice_key.sign_count = 50
    response = post_assertion(client, alice_key.get(assertion_options(client)))
    assert "was not accepted" in key_error(response)

    # Administrators see the flag.
    client.force_login(management_root)
    detail = client.get(reverse("console:user_detail", args=[alice.account_id, "alice"]))
    assert "Possibly cloned" in detail.content.decode()


def test_synced_passkeys_with_a_zero_counter_are_not_flagged(alice_client, alice, client):
    passkey = key(aaguid=ICLOUD_KEYCHAIN, synced=True)
    register(alice_client, passkey)
    alice_client.post(reverse("accounts:signout"))
    for _ in range(2):
        assert post_assertion(client, passkey.get(start_signin(client))).status_code == 302
        client.post(reverse("accounts:signout"))
    assert WebAuthnCredential.objects.get(user=alice).possibly_cloned_at is None


def test_another_users_key_is_refused(client, alice, alice_key, make_iam_user):
    bob = make_iam_user(name="bob")
    bob_key = key()
    signin_iam(client, "example-corp", "bob")
    register(client, bob_key)
    client.post(reverse("accounts:signout"))

    options = start_signin(client)  # alice signs in ...
    response = post_assertion(client, bob_key.get(options))  # ... with bob's key
    assert "was not accepted" in key_error(response)
    assert "_auth_user_id" not in client.session
    assert bob.pk != alice.pk


def test_the_assertion_options_need_a_pending_sign_in(client, alice, alice_key):
    assert client.post(reverse("mfa:signin_options")).status_code == 403
    assert client.get(reverse("mfa:signin_options")).status_code == 405


def test_a_root_user_uses_a_passkey_and_it_satisfies_root_mfa_enforcement(client, management_root):
    from mfa.enforcement import services as enforcement

    signin_root(client, "root@example.test")
    passkey = key(aaguid=ICLOUD_KEYCHAIN, synced=True)
    assert register(client, passkey).status_code == 302
    device = WebAuthnCredential.objects.get(user=management_root)
    assert device.name == "root-iCloud-Keychain"
    assert enforcement.root_status(management_root).code == enforcement.Status.REGISTERED
    client.post(reverse("accounts:signout"))
    assert signin_root(client, "root@example.test")["Location"] == reverse("mfa:signin")
    assert post_assertion(client, passkey.get(assertion_options(client))).status_code == 302


# --- Rename and remove -----------------------------------------------------------------


def test_rename_and_remove_a_key(alice_client, alice, make_iam_user, client_factory):
    register(alice_client, key(aaguid=YUBIKEY_5_NFC))
    device = WebAuthnCredential.objects.get(user=alice)
    url = reverse("mfa:rename", args=[device.pk])
    assert 'value="alice-YubiKey-5-NFC"' in alice_client.get(url).content.decode()
    response = alice_client.post(url, {"name": "bad name"})
    assert "Use 1 to 128 characters" in response.content.decode()
    assert alice_client.post(url, {"name": "alice-keyring"}).status_code == 302
    device.refresh_from_db()
    assert device.name == "alice-keyring"
    assert AuditEvent.objects.filter(event_name="UpdateMFADevice").count() == 1

    bob = make_iam_user(name="bob")
    bob_client = client_factory()
    signin_iam(bob_client, "example-corp", "bob")
    assert bob_client.get(url).status_code == 404
    assert bob_client.post(url, {"name": "stolen"}).status_code == 404
    device.refresh_from_db()
    assert device.name == "alice-keyring" and bob.pk

    remove = reverse("mfa:remove", args=[device.pk])
    assert alice_client.post(remove, {"password": "wrong"}).status_code == 200
    assert alice_client.post(remove, {"password": PASSWORD}).status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=device.pk).exists()


def test_an_administrator_lists_and_deactivates_a_users_key(
    alice_client, alice, management_root, client_factory
):
    register(alice_client, key(aaguid=ICLOUD_KEYCHAIN, synced=True))
    device = WebAuthnCredential.objects.get(user=alice)
    admin = client_factory()
    admin.force_login(management_root)
    detail = admin.get(reverse("console:user_detail", args=[alice.account_id, "alice"]))
    page = detail.content.decode()
    assert "alice-iCloud-Keychain" in page and "Passkey or security key" in page
    assert "Synced passkey" in page
    url = reverse("console:user_mfa_remove", args=[alice.account_id, "alice", device.pk])
    assert admin.post(url, {"confirmation": "alice-iCloud-Keychain"}).status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=device.pk).exists()
    event = AuditEvent.objects.get(event_name="DeactivateMFADevice")
    assert event.user_identity["arn"] == management_root.arn


def test_device_lists_cost_the_same_queries_for_one_key_or_eight(
    alice_client, alice, django_assert_max_num_queries
):
    register(alice_client, key())
    # 7: the page lists the signed-in sessions too (one query, whatever their number).
    with django_assert_max_num_queries(7):
        alice_client.get(reverse("mfa:security_credentials"))
    for _ in range(7):
        register(alice_client, key(synced=True))
    with django_assert_max_num_queries(7):
        alice_client.get(reverse("mfa:security_credentials"))
