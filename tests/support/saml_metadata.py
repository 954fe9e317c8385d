"""SAML 2.0 test material for the metadata parser and the console: self-signed certificates and
service provider metadata documents (tests/support/saml.py runs a real service provider)."""

from __future__ import annotations

import base64
import datetime
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@cache
def certificate(common_name: str = "sp.example.test") -> x509.Certificate:
    """A self-signed certificate (EC P-256: quick to make), one per name for the session."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )


def certificate_pem(common_name: str = "sp.example.test") -> str:
    return certificate(common_name).public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_base64(common_name: str = "sp.example.test") -> str:
    der = certificate(common_name).public_bytes(serialization.Encoding.DER)
    return base64.b64encode(der).decode("ascii")


def _key_descriptor(use: str | None, common_name: str) -> str:
    use_attribute = f' use="{use}"' if use else ""
    return (
        f"<md:KeyDescriptor{use_attribute}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{certificate_base64(common_name)}"
        "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    )


def sp_metadata(
    entity_id: str = "https://sp.example.test/saml",
    acs: tuple[str, ...] = ("https://sp.example.test/saml/acs",),
    *,
    signing: bool = True,
    encryption: bool = True,
    authn_requests_signed: bool = True,
    name_id_format: str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    extra: str = "",
) -> str:
    """A service provider's metadata, as an SP such as node-saml or Shibboleth exports it."""
    keys = ""
    if signing:
        keys += _key_descriptor("signing", "sp-signing.example.test")
    if encryption:
        keys += _key_descriptor("encryption", "sp-encryption.example.test")
    services = "".join(
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        f'Location="{location}" index="{index}"/>'
        for index, location in enumerate(acs)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">'
        f'<md:SPSSODescriptor AuthnRequestsSigned="{str(authn_requests_signed).lower()}" '
        'WantAssertionsSigned="true" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}"
        '<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="https://sp.example.test/saml/slo"/>'
        f"<md:NameIDFormat>{name_id_format}</md:NameIDFormat>"
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="https://sp.example.test/saml/redirect-acs" index="9"/>'
        f"{services}{extra}"
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )
