"""An organization's SAML signing certificates: made on first use, published in the IdP
metadata, rotated with an overlap.

Service providers pin the IdP's certificate (from the metadata or the PEM download), so these
are separate from the OpenID Connect keys (``sso.applications.keys``): an RSA 3072 key and a
self-signed X.509 certificate per state. The *current* certificate signs; the *next* one is
already in the metadata, so a service provider that refreshes it (or whose administrator adds
it) trusts the next certificate before it signs anything. A rotation makes next current,
current *retired*, and a new next.

Private keys are PKCS#8 PEM encrypted with the field keys (``identity.crypto``). Events name
certificate fingerprints (SHA-256 of the DER, public) and dates, never key material.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from identity import audit, crypto
from identity.audit_events import Event
from identity.models import Organization

from ..keys import _lock
from ..models import SAMLCertificate

State = SAMLCertificate.State
PUBLISHED = (State.CURRENT, State.NEXT)
KEY_SIZE = 3072
VALIDITY = timedelta(days=5 * 365)
# A next certificate signs only once it has been in the metadata this long: longer than the
# metadata may be cached (``views.metadata``: five minutes).
NEXT_MIN_AGE = timedelta(minutes=10)


def fingerprint(certificate_pem: str) -> str:
    """The SHA-256 fingerprint of the certificate (of its DER), as service providers show it."""
    der = x509.load_pem_x509_certificate(certificate_pem.encode()).public_bytes(
        serialization.Encoding.DER
    )
    return hashlib.sha256(der).hexdigest()


def _generate(organization: Organization) -> tuple[str, bytes, object]:
    """(certificate PEM, private key PKCS#8 PEM, not_after) of a new self-signed certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"Tobira SAML {organization.pk}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tobira"),
        ]
    )
    now = timezone.now()
    not_after = (now + VALIDITY).replace(microsecond=0)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), private_pem, not_after


def _make(organization: Organization, state: str) -> SAMLCertificate:
    certificate_pem, private_pem, not_after = _generate(organization)
    row = SAMLCertificate.objects.create(
        organization=organization,
        state=state,
        certificate_pem=certificate_pem,
        private_key_encrypted=crypto.encrypt(private_pem),
        not_after=not_after,
    )
    audit.record(
        Event.CREATE_SAML_CERTIFICATE,  # made by Tobira itself, whoever's request needed it first
        actor=None,
        account_id=organization.management_account_id,
        request_parameters={"organization": organization.pk},
        response_elements={
            "fingerprintSha256": fingerprint(certificate_pem),
            "state": state,
            "notAfter": not_after.isoformat(),
        },
    )
    return row


def published(organization: Organization) -> dict[str, SAMLCertificate]:
    """``{"current": ..., "next": ...}``, made on first use (under the organization's row lock,
    so that two processes never both make them)."""
    rows = {
        row.state: row
        for row in SAMLCertificate.objects.filter(organization=organization, state__in=PUBLISHED)
    }
    if len(rows) < len(PUBLISHED):
        with transaction.atomic():
            _lock(organization)
            rows = {
                row.state: row
                for row in SAMLCertificate.objects.filter(
                    organization=organization, state__in=PUBLISHED
                )
            }
            for state in PUBLISHED:
                if state not in rows:
                    rows[state] = _make(organization, state)
    return rows


def private_key_pem(row: SAMLCertificate) -> bytes:
    return crypto.decrypt(row.private_key_encrypted)


class RotationRefused(ValidationError):
    pass


@transaction.atomic
def rotate(
    organization: Organization,
    *,
    expected_current: str | None = None,
    actor=audit.FROM_REQUEST,
    request=None,
) -> SAMLCertificate:
    """Next becomes current, current retired; a new next certificate. Returns the new current.

    Refused (``RotationRefused``) while the next certificate has been published for less than
    ``NEXT_MIN_AGE``, and when ``expected_current`` (a fingerprint) is given and is no longer the
    current certificate's (another rotation came first).
    """
    published(organization)
    _lock(organization)  # one rotation at a time
    rows = {
        row.state: row
        for row in SAMLCertificate.objects.select_for_update().filter(
            organization=organization, state__in=PUBLISHED
        )
    }
    current, upcoming = rows[State.CURRENT], rows[State.NEXT]
    if expected_current is not None and fingerprint(current.certificate_pem) != expected_current:
        raise RotationRefused(
            "The current certificate changed meanwhile: it was rotated already.", code="rotated"
        )
    if timezone.now() - upcoming.created < NEXT_MIN_AGE:
        raise RotationRefused(
            "The next certificate was published too recently to sign: service providers may "
            "not know it yet.",
            code="too_soon",
        )
    current.state = State.RETIRED
    current.save(update_fields=["state"])
    upcoming.state = State.CURRENT
    upcoming.save(update_fields=["state"])
    new_next = _make(organization, State.NEXT)
    audit.record(
        Event.ROTATE_SAML_CERTIFICATE,
        request=request,
        actor=actor,
        account_id=organization.management_account_id,
        request_parameters={"organization": organization.pk},
        response_elements={
            "current": fingerprint(upcoming.certificate_pem),
            "next": fingerprint(new_next.certificate_pem),
            "retired": fingerprint(current.certificate_pem),
        },
    )
    return upcoming
