"""WebAuthn ceremonies through the real views, for the software authenticator of
``tests/support/softauthn.py``: the relying party the tests configure, and the requests a
browser's script would make."""

import json

from django.urls import reverse

from mfa.models import WebAuthnCredential, WebAuthnUserHandle
from mfa.webauthn.auth import sha256
from tests.support.softauthn import SoftAuthenticator

ORIGIN = "https://console.tobira.test"
RP_ID = "console.tobira.test"


def key(**kwargs) -> SoftAuthenticator:
    return SoftAuthenticator(origin=ORIGIN, rp_id=RP_ID, **kwargs)


def registration_options(client) -> dict:
    response = client.post(reverse("mfa:passkey_options"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def post_registration(client, answer: dict):
    return client.post(reverse("mfa:passkey"), {"credential": json.dumps(answer)})


def register(client, authenticator: SoftAuthenticator, name: str = ""):
    response = client.post(reverse("mfa:assign"), {"device_type": "webauthn", "name": name})
    assert response["Location"] == reverse("mfa:passkey")
    return post_registration(client, authenticator.create(registration_options(client)))


def assertion_options(client) -> dict:
    response = client.post(reverse("mfa:signin_options"))
    assert response.status_code == 200
    return response.json()


def post_assertion(client, answer: dict):
    return client.post(
        reverse("mfa:signin"), {"method": "webauthn", "credential": json.dumps(answer)}
    )


def key_error(response) -> str:
    import re

    match = re.search(r"data-webauthn-error\s*>(.*?)</div>", response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


def enrol(user, **kwargs):
    """A passkey registered to ``user`` (rows as the registration writes them)."""
    authenticator = key(**kwargs)
    handle, _created = WebAuthnUserHandle.objects.get_or_create(
        user=user, defaults={"handle": b"h" * 16 + str(user.pk).encode().rjust(16, b"0")}
    )
    authenticator.user_handle = bytes(handle.handle)
    WebAuthnCredential.objects.create(
        user=user,
        account_id=user.account_id,
        name=f"{user.name}-passkey-{WebAuthnCredential.objects.count()}",
        kind="webauthn",
        confirmed=True,
        credential_id=authenticator.credential_id,
        credential_id_hash=sha256(authenticator.credential_id),
        public_key=authenticator._cose_public_key(),
        sign_count=authenticator.sign_count,
        backup_eligible=authenticator.synced,
        discoverable=True,
    )
    return authenticator
