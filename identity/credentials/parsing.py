"""Reading what people paste: an SSH public key, an X.509 signing certificate.

Each reader returns the form Tobira stores and the fingerprint AWS shows, or raises
``ValidationError(message, code)`` with the AWS IAM error code an API answers with. Nothing
here echoes the input back: a message never quotes what was pasted (it may be a private key,
or a megabyte of anything).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BODY_LENGTH = 16_384  # AWS's limit for SSHPublicKeyBody and CertificateBody
MIN_RSA_BITS = 2048  # AWS: "The minimum bit-length of the public key is 2048 bits"

# AWS's pattern for both bodies: tab, line feed, carriage return and U+0020 to U+00FF.
_ALLOWED_CHARACTERS = re.compile(r"[\t\n\r\x20-\xff]+")
_PRIVATE_KEY = re.compile(r"PRIVATE KEY-----|PuTTY-User-Key-File-|BEGIN SSH2 ENCRYPTED PRIVATE")

SSH_KEY_TYPES = (
    "ssh-rsa",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
)
_SSH_PEM_HEADERS = ("-----BEGIN PUBLIC KEY-----", "-----BEGIN RSA PUBLIC KEY-----")


@dataclass(frozen=True)
class ParsedSSHPublicKey:
    body: str  # OpenSSH form: "<type> <base64>[ <comment>]"
    fingerprint: str  # MD5 of the key blob, colon-separated lowercase hex


@dataclass(frozen=True)
class ParsedCertificate:
    body: str  # the certificate alone, PEM
    fingerprint: str  # SHA-256 of the DER, colon-separated lowercase hex


def colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02x}" for byte in digest)


def _text_messages(kind: str) -> tuple[str, str, str]:
    """(empty, too long, wrong characters): whole sentences, so each reads well translated."""
    if kind == "ssh":
        return (
            _("Paste your SSH public key."),
            _("That is too long for an SSH public key: it has at most %(max)d characters."),
            _(
                "That text contains characters an SSH public key never has (control characters "
                "or characters beyond Latin-1). Paste the .pub file's content as it is."
            ),
        )
    return (
        _("Paste the certificate."),
        _("That is too long for a certificate: it has at most %(max)d characters."),
        _(
            "That text contains characters a PEM certificate never has (control characters "
            "or characters beyond Latin-1). Paste the certificate's text as it is."
        ),
    )


def _check_text(body: str, kind: str) -> str:
    """AWS's constraints on the text itself; the text, stripped."""
    empty, too_long, characters = _text_messages(kind)
    if not isinstance(body, str) or not body.strip():
        raise ValidationError(empty, "ValidationError")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(too_long % {"max": MAX_BODY_LENGTH}, "ValidationError")
    if not _ALLOWED_CHARACTERS.fullmatch(body):
        raise ValidationError(characters, "ValidationError")
    return body.strip()


def _refuse_private_key(text: str, code: str) -> None:
    if _PRIVATE_KEY.search(text):
        raise ValidationError(
            _(
                "This is a private key, and it was not saved. Never paste a private key "
                "anywhere: upload only the public part. If you pasted it somewhere else too, "
                "consider it exposed and make a new key pair."
            ),
            code,
        )


def ssh_public_key_parse(body: str) -> ParsedSSHPublicKey:
    """An SSH public key in OpenSSH form (``ssh-rsa AAAA… comment``, the ``.pub`` file) or a
    PEM public key; RSA of at least 2048 bits, Ed25519 or ECDSA (NIST curves)."""
    text = _check_text(body, "ssh")
    _refuse_private_key(text, "InvalidPublicKey")
    if text.startswith("-----BEGIN CERTIFICATE-----"):
        raise ValidationError(
            _(
                "This is an X.509 certificate, not an SSH public key. Upload it under "
                "X.509 signing certificates."
            ),
            "UnrecognizedPublicKeyEncoding",
        )
    if text.startswith("---- BEGIN SSH2 PUBLIC KEY"):
        raise ValidationError(
            _(
                "This key is in the SSH2 (RFC 4716) format. Convert it to OpenSSH's with "
                "ssh-keygen -i -f key.pub and paste the result (it starts with ssh-rsa or "
                "ssh-ed25519)."
            ),
            "UnrecognizedPublicKeyEncoding",
        )
    if text.startswith(_SSH_PEM_HEADERS):
        key, comment = _load_pem_public_key(text), ""
    else:
        key, comment = _load_openssh_public_key(text)
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise ValidationError(
            _("This RSA key has %(bits)d bits. Use a key of at least %(min)d bits.")
            % {"bits": key.key_size, "min": MIN_RSA_BITS},
            "InvalidPublicKey",
        )
    openssh = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    key_type, blob = openssh.decode("ascii").split(" ", 1)
    fingerprint = colon_hex(hashlib.md5(base64.b64decode(blob), usedforsecurity=False).digest())
    stored = f"{key_type} {blob}" + (f" {comment}" if comment else "")
    return ParsedSSHPublicKey(body=stored, fingerprint=fingerprint)


def _unsupported_key_type() -> ValidationError:
    return ValidationError(
        _(
            "This is not an SSH public key Tobira accepts. Paste the content of your .pub "
            "file: one line starting with ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256 (384, "
            "521), or a PEM public key (-----BEGIN PUBLIC KEY-----)."
        ),
        "UnrecognizedPublicKeyEncoding",
    )


def _invalid_key() -> ValidationError:
    return ValidationError(
        _(
            "This SSH public key is damaged: part of it may be missing. Copy the whole line "
            "of the .pub file again."
        ),
        "InvalidPublicKey",
    )


def _load_openssh_public_key(text: str):
    """The key of one ``<type> <base64> [comment]`` line, and its comment."""
    if "\n" in text or "\r" in text:
        raise ValidationError(
            _("Paste one key at a time: an SSH public key is a single line."),
            "InvalidPublicKey",
        )
    parts = text.split(None, 2)
    if parts[0] not in SSH_KEY_TYPES:
        raise _unsupported_key_type()
    if len(parts) < 2:
        raise _invalid_key()
    key_type, encoded = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else ""
    try:
        base64.b64decode(encoded, validate=True)
        key = serialization.load_ssh_public_key(f"{key_type} {encoded}".encode("ascii"))
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        raise _invalid_key() from None
    return key, comment


def _load_pem_public_key(text: str):
    try:
        key = serialization.load_pem_public_key(text.encode("latin-1"))
    except (ValueError, UnsupportedAlgorithm):
        raise _invalid_key() from None
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name not in (
        "secp256r1",
        "secp384r1",
        "secp521r1",
    ):
        raise _unsupported_key_type()
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
        raise _unsupported_key_type()
    return key


def signing_certificate_parse(body: str, *, now: datetime | None = None) -> ParsedCertificate:
    """One X.509 certificate, PEM-encoded, valid now."""
    text = _check_text(body, "certificate")
    _refuse_private_key(text, "MalformedCertificate")
    malformed = ValidationError(
        _(
            "This is not a PEM-encoded X.509 certificate. Paste the certificate's text, from "
            "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
        ),
        "MalformedCertificate",
    )
    if text.count("-----BEGIN CERTIFICATE-----") > 1:
        raise ValidationError(
            _("Upload one certificate at a time, without the chain of its issuers."),
            "MalformedCertificate",
        )
    try:
        certificate = x509.load_pem_x509_certificate(text.encode("latin-1"))
        not_before = certificate.not_valid_before_utc
        not_after = certificate.not_valid_after_utc
    except (ValueError, UnsupportedAlgorithm):
        raise malformed from None
    now = now or datetime.now(UTC)
    if not_after < now:
        raise ValidationError(
            _("This certificate expired. Upload a certificate that is valid now."),
            "MalformedCertificate",  # AWS: "the certificate was malformed or expired"
        )
    if not_before > now:
        raise ValidationError(
            _("This certificate is not valid yet. Upload a certificate that is valid now."),
            "InvalidCertificate",
        )
    try:
        certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise ValidationError(
            _("Tobira cannot read this certificate's public key. Use an RSA or EC key."),
            "InvalidCertificate",
        ) from None
    return ParsedCertificate(
        body=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        fingerprint=colon_hex(certificate.fingerprint(hashes.SHA256())),
    )
