"""Malformed WebAuthn answers (issue 13, item 15): a form error with a 400, never a 500.

Both ceremonies get the same table of hostile bodies: wrong types, missing keys,
text that is not base64url, deep nesting, huge, empty, null, arrays, and well-formed
client data (with the real challenge) around garbage authenticator data, so that the
bodies reach py_webauthn's verification too. At sign-in each one is a failed MFA attempt.
"""

import base64
import json

import pytest
from django.urls import reverse

from identity.models import AuditEvent
from mfa.models import MFADevice
from tests.conftest import signin_iam
from tests.support.softauthn import b64url
from tests.support.webauthn import ORIGIN, assertion_options, key_error, registration_options

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relying_party")]

USABLE_ANSWER = "The browser sent no usable answer. Try again."


def client_data(kind: str, challenge: str, **extra) -> str:
    data = {"type": kind, "challenge": challenge, "origin": ORIGIN, **extra}
    return b64url(json.dumps(data).encode())


def bodies(kind: str, challenge: str) -> dict[str, str]:
    """Hostile answers, by name; ``challenge`` is the one the server just handed out."""
    good = client_data(kind, challenge)
    response = (
        {"clientDataJSON": good, "attestationObject": "a"}
        if kind == "webauthn.create"
        else {"clientDataJSON": good, "authenticatorData": "a", "signature": "a"}
    )

    def answer(**changes):
        body = {"id": "a", "rawId": "a", "type": "public-key", "response": dict(response)}
        body.update(changes)
        return json.dumps(body)

    def nested(depth: int) -> str:
        return '{"id":' * depth + "1" + "}" * depth

    return {
        "the issue's example": json.dumps(
            {
                "id": "a",
                "rawId": "a",
                "type": "public-key",
                "response": {
                    "clientDataJSON": "a",
                    "authenticatorData": "a",
                    "signature": "a",
                    "attestationObject": "a",
                },
            }
        ),
        "empty": "",
        "blank": "   ",
        "null": "null",
        "true": "true",
        "a number": "12",
        "a string": '"public-key"',
        "an array": "[]",
        "an array of answers": json.dumps([json.loads(answer())]),
        "an empty object": "{}",
        "not json": "not json",
        "truncated json": answer()[:-3],
        "deep nesting": nested(5000),
        "deep arrays": "[" * 60000 + "]" * 60000,
        "huge": json.dumps({"id": "a" * 70000}),
        "nearly the limit": answer(id="a" * 60000, rawId="a" * 60000)[:65000],
        "the response is null": answer(response=None),
        "the response is a list": answer(response=[1, 2]),
        "the response is a string": answer(response="a"),
        "no response": json.dumps({"id": "a", "rawId": "a", "type": "public-key"}),
        "no id": json.dumps({"rawId": "a", "type": "public-key", "response": response}),
        "the id is a number": answer(id=1, rawId=1),
        "the id is a list": answer(id=["a"], rawId=["a"]),
        "the id is null": answer(id=None, rawId=None),
        "the id is not base64url": answer(id="!!!", rawId="%%%"),
        "another type": answer(type="password"),
        "the type is a number": answer(type=7),
        "client data not base64url": answer(
            response={**response, "clientDataJSON": "***not base64***"}
        ),
        "client data not json": answer(
            response={**response, "clientDataJSON": b64url(b"\xff\xfe not json")}
        ),
        "client data is a list": answer(
            response={**response, "clientDataJSON": b64url(json.dumps([1]).encode())}
        ),
        "client data with a numeric challenge": answer(
            response={
                **response,
                "clientDataJSON": b64url(json.dumps({"type": kind, "challenge": 5}).encode()),
            }
        ),
        "client data is a number": answer(response={**response, "clientDataJSON": 5}),
        "garbage authenticator data": answer(
            response={
                **response,
                "authenticatorData": b64url(b"\x00" * 10),
                "attestationObject": b64url(b"\xa1\x63fmt\x64none"),
                "signature": b64url(b"\x30\x02\x01\x00"),
            }
        ),
        "attestation object not cbor": answer(
            response={**response, "attestationObject": b64url(b"\xff" * 40)}
        ),
        "authenticator data is a number": answer(
            response={**response, "authenticatorData": 3, "attestationObject": 3}
        ),
        "padding in base64": answer(
            id=base64.urlsafe_b64encode(b"abc").decode() + "==", rawId="YQ=="
        ),
        "transports are not a list": answer(
            response={**response, "transports": "usb"}, authenticatorAttachment=5
        ),
        "client extension results are a string": answer(clientExtensionResults="x"),
    }


def _challenge(options: dict) -> str:
    return options["challenge"]


KINDS = list(bodies("webauthn.create", "x"))


@pytest.mark.parametrize("name", KINDS)
def test_malformed_registration_answers_are_a_form_error_with_a_400(
    alice_client,
    alice,
    name,
):
    options = registration_options(alice_client)
    body = bodies("webauthn.create", _challenge(options))[name]
    response = alice_client.post(reverse("mfa:passkey"), {"credential": body})
    assert response.status_code == 400, name
    assert key_error(response), name  # the page says what happened, in the form's error area
    assert not MFADevice.objects.filter(user=alice).exists()


@pytest.mark.parametrize("name", KINDS)
def test_malformed_assertions_at_the_mfa_step_are_a_failed_attempt_with_a_400(
    client,
    alice,
    alice_key,
    name,
):
    response = signin_iam(client, "example-corp", "alice")
    assert response["Location"] == reverse("mfa:signin")
    options = assertion_options(client)
    body = bodies("webauthn.get", _challenge(options))[name]
    failures = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code__gt="").count()
    response = client.post(reverse("mfa:signin"), {"method": "webauthn", "credential": body})
    assert response.status_code == 400, name
    assert "was not accepted" in key_error(response), name
    assert "_auth_user_id" not in client.session
    # Counted as a failed MFA attempt, as a wrong key would be.
    assert (
        AuditEvent.objects.filter(event_name="ConsoleLogin", error_code__gt="").count()
        == failures + 1
    )


def test_the_issues_example_counts_against_the_mfa_limit(
    client,
    alice,
    alice_key,
    settings,
    ratelimits_on,
):
    """Malformed answers are throttled like wrong codes: they cannot be sent without end."""
    settings.RATELIMITS = {**settings.RATELIMITS, "mfa_failed": "3/5m/user"}
    signin_iam(client, "example-corp", "alice")
    body = bodies("webauthn.get", "x")["the issue's example"]
    statuses = [
        client.post(reverse("mfa:signin"), {"method": "webauthn", "credential": body}).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
