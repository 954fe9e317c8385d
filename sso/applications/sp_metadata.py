"""A SAML 2.0 service provider's metadata (the XML an administrator uploads or pastes), read
into the fields of ``SAMLServiceProvider``.

The document comes from outside and is hostile until proven otherwise: it is parsed with
defusedxml (no DTD at all, so no entity expansion and no external reference: XXE and the
"billion laughs" are refused, not expanded), only up to ``MAX_BYTES``, and only what is read
here is kept from it. Certificates must parse as X.509 (``cryptography``) and are kept as PEM.
Nothing is fetched: a metadata URL is never followed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

MAX_BYTES = 256 * 1024
MAX_ACS_URLS = 20

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAML2_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


class MetadataError(ValueError):
    """The metadata is refused; the message says why, for the administrator."""


@dataclass
class SPMetadata:
    entity_id: str
    acs_urls: list[str] = field(default_factory=list)  # HTTP-POST, in index order
    signing_certificate: str = ""  # PEM
    encryption_certificate: str = ""  # PEM
    authn_requests_signed: bool = False
    name_id_formats: list[str] = field(default_factory=list)


def _text(value) -> str:
    return (value or "").strip()


def certificate_pem(base64_der: str) -> str:
    """The PEM of a certificate given as base64 DER (``ds:X509Certificate``'s text)."""
    compact = "".join(base64_der.split())
    try:
        der = base64.b64decode(compact, validate=True)
        certificate = x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as error:
        raise MetadataError(
            _("A certificate in the metadata is not a valid X.509 certificate.")
        ) from error
    return certificate.public_bytes(Encoding.PEM).decode("ascii")


def _certificates(descriptor) -> tuple[str, str]:
    """The first signing and the first encryption certificate (a KeyDescriptor without
    ``use`` serves both, as SAML metadata section 2.4.1.1 says)."""
    signing = encryption = ""
    for key in descriptor.findall(f"{{{MD}}}KeyDescriptor"):
        use = _text(key.get("use"))
        found = key.find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
        if found is None or not _text(found.text):
            continue
        pem = certificate_pem(found.text)
        if use in ("", "signing") and not signing:
            signing = pem
        if use in ("", "encryption") and not encryption:
            encryption = pem
    return signing, encryption


def _index(service) -> int:
    try:
        return int(service.get("index", "0"))
    except ValueError:
        return 0


def parse(data: bytes | str) -> SPMetadata:
    """Read a service provider's metadata; ``MetadataError`` when it is refused."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_BYTES:
        raise MetadataError(
            _("The metadata is larger than %(kb)d KB: it cannot be a service provider's.")
            % {"kb": MAX_BYTES // 1024}
        )
    if not raw.strip():
        raise MetadataError(_("The metadata is empty."))
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise MetadataError(
            _(
                "The metadata declares a document type or entities, which are refused "
                "(they can read files or exhaust memory). Export it again without a DOCTYPE."
            )
        ) from None
    except (ParseError, ValueError):
        raise MetadataError(_("The metadata is not well-formed XML.")) from None

    if root.tag == f"{{{MD}}}EntitiesDescriptor":
        raise MetadataError(
            _("The metadata describes several entities: upload one service provider's metadata.")
        )
    if root.tag != f"{{{MD}}}EntityDescriptor":
        raise MetadataError(_("The metadata is not a SAML 2.0 EntityDescriptor."))
    entity_id = _text(root.get("entityID"))
    if not entity_id or len(entity_id) > 1024 or not entity_id.isprintable():
        raise MetadataError(_("The metadata has no valid entityID."))

    descriptor = None
    for candidate in root.findall(f"{{{MD}}}SPSSODescriptor"):
        if SAML2_PROTOCOL in _text(candidate.get("protocolSupportEnumeration")).split():
            descriptor = candidate
            break
    if descriptor is None:
        raise MetadataError(
            _("The metadata has no SAML 2.0 service provider (SPSSODescriptor) in it.")
        )

    services = [
        service
        for service in descriptor.findall(f"{{{MD}}}AssertionConsumerService")
        if _text(service.get("Binding")) == HTTP_POST and _text(service.get("Location"))
    ]
    services.sort(key=_index)
    acs_urls: list[str] = []
    for service in services:
        location = _text(service.get("Location"))
        if location not in acs_urls:
            acs_urls.append(location)
    if not acs_urls:
        raise MetadataError(
            _("The metadata has no assertion consumer service with the HTTP-POST binding.")
        )
    if len(acs_urls) > MAX_ACS_URLS:
        raise MetadataError(
            _("The metadata has more than %(n)d assertion consumer services.") % {"n": MAX_ACS_URLS}
        )

    signing, encryption = _certificates(descriptor)
    return SPMetadata(
        entity_id=entity_id,
        acs_urls=acs_urls,
        signing_certificate=signing,
        encryption_certificate=encryption,
        authn_requests_signed=_text(descriptor.get("AuthnRequestsSigned")).lower() in ("true", "1"),
        name_id_formats=[
            _text(element.text)
            for element in descriptor.findall(f"{{{MD}}}NameIDFormat")
            if _text(element.text)
        ],
    )


def pem_certificate(text: str) -> str:
    """A pasted PEM certificate, checked and normalized; ``MetadataError`` when it is not one."""
    text = (text or "").strip()
    if len(text) > 16 * 1024:
        raise MetadataError(_("The certificate is too long."))
    try:
        certificate = x509.load_pem_x509_certificate(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise MetadataError(
            _("Paste one X.509 certificate in PEM form (-----BEGIN CERTIFICATE-----).")
        ) from None
    return certificate.public_bytes(Encoding.PEM).decode("ascii")
