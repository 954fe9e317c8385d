"""Verification on recorded ceremony data: a registration and two assertions from real Chromium.

``data/chromium_ceremony.json`` was made by ``data/record_chromium_ceremony.py``
with fixed challenges. The tests plant those challenges as this session's and
replay the browser's bytes through the same services the pages call.
"""

import copy
import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from mfa.models import WebAuthnChallenge, WebAuthnCredential
from mfa.webauthn import auth as webauthn
from mfa.webauthn import flows as webauthn_flows
from tests.support.softauthn import b64url, unb64url

pytestmark = pytest.mark.django_db

RECORD = json.loads((Path(__file__).parent / "data" / "chromium_ceremony.json").read_text())


@pytest.fixture(autouse=True)
def relying_party(settings):
    settings.WEBAUTHN_RP_ID = RECORD["rp_id"]
    settings.WEBAUTHN_ORIGINS = [RECORD["origin"]]


class FakeRequest:
    """What the services read from a request: a session with a key, and nothing else."""

    def __init__(self, client):
        self.session = client.session
        self.session.save()
        self.META = {"REMOTE_ADDR": "127.0.0.1"}
        self.user = None


def plant(request, user, purpose, challenge_b64: str, *, ttl=300):
    WebAuthnChallenge.objects.create(
        user=user,
        purpose=purpose,
        challenge_hash=hashlib.sha256(unb64url(challenge_b64)).hexdigest(),
        session_hash=hashlib.sha256(request.session.session_key.encode()).hexdigest(),
        expires_at=timezone.now() + timedelta(seconds=ttl),
    )


@pytest.fixture
def request_(client, alice):
    request = FakeRequest(client)
    request.user = alice
    return request


def register(request, alice):
    plant(request, alice, "register", RECORD["registration"]["challenge"])
    return webauthn_flows.register(
        request, user=alice, credential_json=json.dumps(RECORD["registration"]["response"])
    )


def authenticate(request, alice, index: int, *, response=None):
    assertion = RECORD["assertions"][index]
    plant(request, alice, "authenticate", assertion["challenge"])
    return webauthn_flows.authenticate(
        request, user=alice, credential_json=json.dumps(response or assertion["response"])
    )


def test_the_recorded_registration_verifies(request_, alice):
    device = register(request_, alice)
    assert b64url(bytes(device.credential_id)) == RECORD["registration"]["response"]["id"]
    assert device.sign_count == 1 and device.transports == ["usb"]
    assert device.name == "alice-security-key" and not device.backup_eligible


def test_the_recorded_assertions_verify_in_order(request_, alice):
    register(request_, alice)
    first = authenticate(request_, alice, 0)
    assert first.ok, first.reason
    second = authenticate(request_, alice, 1)
    assert second.ok, second.reason
    assert WebAuthnCredential.objects.get(user=alice).sign_count == 3


def test_a_replayed_recorded_assertion_is_refused(request_, alice):
    register(request_, alice)
    assert authenticate(request_, alice, 0).ok
    # The same bytes again: its challenge was spent.
    replay = webauthn_flows.authenticate(
        request_, user=alice, credential_json=json.dumps(RECORD["assertions"][0]["response"])
    )
    assert replay.reason == "ChallengeMismatch"


def test_a_recorded_sign_count_regression_flags_the_key(request_, alice):
    register(request_, alice)
    assert authenticate(request_, alice, 1).ok  # counter 3 first
    result = authenticate(request_, alice, 0)  # then the older counter 2
    assert result.reason == "SignCountRegression"
    assert WebAuthnCredential.objects.get(user=alice).possibly_cloned_at is not None


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("WEBAUTHN_ORIGINS", ["http://localhost:1"], "InvalidAssertion"),
        ("WEBAUTHN_RP_ID", "example.com", "InvalidAssertion"),
    ],
)
def test_a_recorded_assertion_for_another_origin_or_rp_id_is_refused(
    request_, alice, settings, setting, value, reason
):
    register(request_, alice)
    setattr(settings, setting, value)
    assert authenticate(request_, alice, 0).reason == reason


def test_a_recorded_assertion_against_another_challenge_is_refused(request_, alice):
    register(request_, alice)
    plant(request_, alice, "authenticate", RECORD["assertions"][1]["challenge"])
    result = webauthn_flows.authenticate(
        request_, user=alice, credential_json=json.dumps(RECORD["assertions"][0]["response"])
    )
    assert result.reason == "ChallengeMismatch"


def test_a_recorded_registration_for_another_challenge_or_origin_is_refused(
    request_, alice, settings
):
    plant(request_, alice, "register", b64url(b"\x07" * 32))
    with pytest.raises(webauthn.CeremonyError):
        webauthn_flows.register(
            request_, user=alice, credential_json=json.dumps(RECORD["registration"]["response"])
        )
    settings.WEBAUTHN_ORIGINS = ["https://elsewhere.example"]
    plant(request_, alice, "register", RECORD["registration"]["challenge"])
    with pytest.raises(webauthn.CeremonyError) as error:
        webauthn_flows.register(
            request_, user=alice, credential_json=json.dumps(RECORD["registration"]["response"])
        )
    assert error.value.code == "invalid"
    assert not WebAuthnCredential.objects.exists()


def test_a_tampered_recorded_signature_is_refused(request_, alice):
    register(request_, alice)
    response = copy.deepcopy(RECORD["assertions"][0]["response"])
    signature = bytearray(unb64url(response["response"]["signature"]))
    signature[-1] ^= 1
    response["response"]["signature"] = b64url(bytes(signature))
    assert authenticate(request_, alice, 0, response=response).reason == "InvalidAssertion"


def test_an_expired_challenge_is_refused(request_, alice):
    register(request_, alice)
    plant(request_, alice, "authenticate", RECORD["assertions"][0]["challenge"], ttl=-1)
    result = webauthn_flows.authenticate(
        request_, user=alice, credential_json=json.dumps(RECORD["assertions"][0]["response"])
    )
    assert result.reason == "ChallengeMismatch"
