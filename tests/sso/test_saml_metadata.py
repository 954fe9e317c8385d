"""The organization's SAML identity provider as service providers configure it (issue 15):
its metadata, its signing certificates (made on first use, encrypted at rest, rotated with the
next one published ahead), and the cached pysaml2 server with its key file."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import defusedxml.ElementTree as ET
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.urls import reverse
from django.utils import timezone

from identity.models import AuditEvent
from sso.applications.models import SAMLCertificate
from sso.applications.saml import certificates, idp
from tests.support.saml import IDP_BASE, metadata_of

pytestmark = pytest.mark.django_db

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


def signing_certificates(xml: str) -> list[str]:
    descriptor = ET.fromstring(xml).find(f"{MD}IDPSSODescriptor")
    return [
        "".join(c.text.split())
        for k in descriptor.findall(f"{MD}KeyDescriptor")
        if k.get("use") == "signing"
        for c in k.iter(f"{DS}X509Certificate")
    ]


def der_base64(pem: str) -> str:
    import base64

    certificate = x509.load_pem_x509_certificate(pem.encode())
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def test_the_metadata_names_the_entity_its_endpoints_and_its_certificates(
    client, organization, saml_idp
):
    response = client.get(reverse("applications:saml_metadata", args=[organization.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in response
    root = ET.fromstring(response.content)
    entity_id = f"{IDP_BASE}/o/{organization.pk}/saml/metadata"
    assert root.tag == f"{MD}EntityDescriptor" and root.get("entityID") == entity_id
    assert root.find(f"{MD}Extensions") is None  # no list of xmlsec1's algorithms, MD5 included
    descriptor = root.find(f"{MD}IDPSSODescriptor")
    assert descriptor.get("WantAuthnRequestsSigned") is None  # decided per service provider
    services = {
        s.get("Binding"): s.get("Location") for s in descriptor.findall(f"{MD}SingleSignOnService")
    }
    sso = f"{IDP_BASE}/o/{organization.pk}/saml/sso"
    assert services == {REDIRECT: sso, POST: sso}
    formats = [f.text for f in descriptor.findall(f"{MD}NameIDFormat")]
    assert "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" in formats
    rows = certificates.published(organization)
    assert signing_certificates(response.content.decode()) == [
        der_base64(rows["current"].certificate_pem),
        der_base64(rows["next"].certificate_pem),
    ]
    pem = client.get(reverse("applications:saml_certificate", args=[organization.pk]))
    assert pem.status_code == 200
    assert pem.content.decode() == rows["current"].certificate_pem


def test_certificates_are_rsa_3072_self_signed_and_their_keys_encrypted_at_rest(
    organization, saml_idp
):
    rows = certificates.published(organization)
    assert set(rows) == {"current", "next"}
    for row in rows.values():
        certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode())
        assert certificate.public_key().key_size == 3072
        assert certificate.issuer == certificate.subject
        assert certificate.signature_hash_algorithm.name == "sha256"
        assert certificate.not_valid_after_utc == row.not_after
        assert "PRIVATE KEY" not in row.private_key_encrypted
        key = serialization.load_pem_private_key(certificates.private_key_pem(row), None)
        assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    # Made once: the next call finds them.
    assert certificates.published(organization) == rows
    assert SAMLCertificate.objects.filter(organization=organization).count() == 2
    created = AuditEvent.objects.filter(event_name="CreateSAMLCertificate")
    assert created.count() == 2
    for event in created:
        assert "PRIVATE" not in str(event.response_elements)
        assert len(event.response_elements["fingerprintSha256"]) == 64


def test_the_metadata_is_cached_until_the_certificates_change(
    client, organization, saml_idp, monkeypatch
):
    built = []
    real = idp.entity_descriptor  # forks xmlsec1: counted, not replaced

    def counting(config):
        built.append(config.entityid)
        return real(config)

    monkeypatch.setattr(idp, "entity_descriptor", counting)
    first = metadata_of(client, organization)
    assert metadata_of(client, organization) == first
    assert len(built) == 1
    SAMLCertificate.objects.filter(organization=organization).update(
        created=timezone.now() - certificates.NEXT_MIN_AGE - timedelta(minutes=1)
    )
    certificates.rotate(organization, actor=None)
    assert metadata_of(client, organization) != first
    assert len(built) == 2


def test_a_rotation_publishes_the_next_certificate_before_it_signs(client, organization, saml_idp):
    before = certificates.published(organization)
    with pytest.raises(certificates.RotationRefused):  # the next one was published just now
        certificates.rotate(organization, actor=None)
    SAMLCertificate.objects.filter(organization=organization).update(
        created=timezone.now() - certificates.NEXT_MIN_AGE - timedelta(minutes=1)
    )
    with pytest.raises(certificates.RotationRefused):
        certificates.rotate(organization, expected_current="0" * 64, actor=None)
    current = certificates.rotate(
        organization,
        expected_current=certificates.fingerprint(before["current"].certificate_pem),
        actor=None,
    )
    assert current.pk == before["next"].pk
    after = certificates.published(organization)
    assert after["current"].pk == before["next"].pk
    assert after["next"].pk not in (before["current"].pk, before["next"].pk)
    retired = SAMLCertificate.objects.get(pk=before["current"].pk)
    assert retired.state == "retired"
    assert signing_certificates(metadata_of(client, organization)) == [
        der_base64(after["current"].certificate_pem),
        der_base64(after["next"].certificate_pem),
    ]
    event = AuditEvent.objects.get(event_name="RotateSAMLCertificate")
    assert event.recipient_account_id == organization.management_account_id
    assert event.response_elements == {
        "current": certificates.fingerprint(after["current"].certificate_pem),
        "next": certificates.fingerprint(after["next"].certificate_pem),
        "retired": certificates.fingerprint(before["current"].certificate_pem),
    }
    # The server signs with the new current key from now on.
    server = idp.server_for(organization)
    assert "".join(server.sec.my_cert.split()) == der_base64(after["current"].certificate_pem)


def test_the_server_is_built_once_per_configuration_with_its_key_in_a_private_file(
    organization, saml_app, saml_idp
):
    server = idp.server_for(organization)
    assert idp.server_for(organization) is server
    assert server.support_AssertionIDRequest() is False and server.support_AuthnQuery() is False
    assert server.signing_algorithm.endswith("rsa-sha256")
    assert server.digest_algorithm.endswith("sha256")
    key_file = server.config.key_file
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(key_file)).st_mode) == 0o700
    # A change of a service provider is a new configuration: a new server, the old key gone.
    saml_app.acs_urls = [*saml_app.acs_urls, "https://sp.example.test/saml/acs3"]
    saml_app.save()
    rebuilt = idp.server_for(organization)
    assert rebuilt is not server
    assert not os.path.exists(key_file)
    idp.forget_servers()
    assert not os.path.exists(rebuilt.config.key_file)
