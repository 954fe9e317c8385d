"""A software WebAuthn authenticator for tests, written from the specification, not from our code.

It answers ``navigator.credentials.create/get`` options (WebAuthn JSON, as the
server sends them) with the JSON a browser's ``PublicKeyCredential.toJSON()``
gives: ``none`` attestation, an ES256 (P-256) or EdDSA (Ed25519) key, the
flags and the signature counter it is told to report.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import uuid
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40
ICLOUD_KEYCHAIN = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"
YUBIKEY_5_NFC = "ee882879-721c-4913-9775-3dfcce97072a"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftAuthenticator:
    origin: str = "http://localhost:8000"
    rp_id: str = "localhost"
    aaguid: str = "00000000-0000-0000-0000-000000000000"
    synced: bool = False  # backup eligible and backed up: a synced passkey
    user_verified: bool = True
    algorithm: str = "ES256"
    sign_count: int = 0  # reported at registration; each assertion adds one
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    user_handle: bytes | None = None

    def __post_init__(self):
        if self.algorithm == "EdDSA":
            self.key = ed25519.Ed25519PrivateKey.generate()
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())

    @property
    def b64_id(self) -> str:
        return b64url(self.credential_id)

    # --- pieces ---------------------------------------------------------------------

    def _cose_public_key(self) -> bytes:
        if self.algorithm == "EdDSA":
            raw = self.key.public_key().public_bytes_raw()
            return cbor2.dumps({1: 1, 3: -8, -1: 6, -2: raw})
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _flags(self, *, attested: bool) -> int:
        flags = UP | (UV if self.user_verified else 0)
        if self.synced:
            flags |= BE | BS
        return flags | (AT if attested else 0)

    def _auth_data(self, rp_id: str, *, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest()
        data += bytes([self._flags(attested=attested)]) + struct.pack(">I", self.sign_count)
        if attested:
            data += uuid.UUID(self.aaguid).bytes
            data += struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._cose_public_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False},
            separators=(",", ":"),
        ).encode()

    def _sign(self, data: bytes) -> bytes:
        if self.algorithm == "EdDSA":
            return self.key.sign(data)
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    # --- ceremonies -----------------------------------------------------------------

    def create(self, options: dict, *, origin: str | None = None, rp_id: str | None = None) -> dict:
        """The browser's answer to ``navigator.credentials.create`` with these options."""
        self.user_handle = unb64url(options["user"]["id"])
        client_data = self._client_data(
            "webauthn.create", options["challenge"], origin or self.origin
        )
        attestation = cbor2.dumps(
            {
                "fmt": "none",
                "attStmt": {},
                "authData": self._auth_data(rp_id or options["rp"]["id"], attested=True),
            }
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform" if self.synced else "cross-platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"] if self.synced else ["usb"],
            },
        }

    def get(
        self,
        options: dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        advance: bool = True,
    ) -> dict:
        """The browser's answer to ``navigator.credentials.get``; the counter goes up by one."""
        if advance and not self.synced:  # synced passkeys report 0 forever
            self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin or self.origin)
        auth_data = self._auth_data(rp_id or options["rpId"], attested=False)
        signature = self._sign(auth_data + hashlib.sha256(client_data).digest())
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform" if self.synced else "cross-platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle or b""),
            },
        }
