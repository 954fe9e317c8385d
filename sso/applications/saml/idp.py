"""Tobira as a SAML 2.0 identity provider, one per organization, through pysaml2.

pysaml2 7.5 parses, signs and encrypts (through Debian's ``xmlsec1``); this module fixes what
its defaults get wrong for an identity provider that serves many organizations from one
process (docs/research/issue15-idp-libraries.md, section 3):

- signatures are RSA-SHA256 with SHA-256 digests (the library's default is SHA-1);
- encrypted assertions use AES-256-GCM with RSA-OAEP for the key (the default is 3DES);
- nothing is remembered in memory per assertion or per person (``support_AssertionIDRequest``
  and ``support_AuthnQuery`` are off, the NameID is always given, never looked up);
- the checks the library does loosely are done here or in ``views``: a clock skew of three
  minutes (the library accepts a day), the assertion consumer service compared with the
  registered URLs (the library's ``verify_assertion_consumer_service`` is broken), the request
  ID remembered (the library has no replay cache), HTTP-Redirect signatures verified over the
  query string exactly as received, and size limits before anything is inflated or parsed;
- a ``Server`` costs about 80 ms to build and the metadata forks ``xmlsec1``: both are cached.

The signing key must be a file for ``xmlsec1``: it is written, decrypted, to a 0600 file in a
0700 directory of this process (``/dev/shm`` when there is one, so never to disk), for as
long as the cached ``Server`` that uses it, and removed with it.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote_plus
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, md, saml, samlp, xmldsig
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.s_utils import do_ava, factory
from saml2.saml import NAME_FORMAT_BASIC, NAME_FORMAT_URI
from saml2.server import Server
from saml2.sigver import get_pem_wrapped_unwrapped, make_temp, pre_encryption_part

from identity.models import Organization

from ..models import SAMLCertificate, SAMLServiceProvider
from . import certificates

XMLSEC1 = shutil.which("xmlsec1") or "/usr/bin/xmlsec1"
SIGN_ALG = xmldsig.SIG_RSA_SHA256
DIGEST_ALG = xmldsig.DIGEST_SHA256
AES256_GCM = "http://www.w3.org/2009/xmlenc11#aes256-gcm"
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"

CLOCK_SKEW = timedelta(minutes=3)  # an AuthnRequest's IssueInstant may be this far off
ASSERTION_LIFETIME = timedelta(minutes=5)  # NotOnOrAfter of the assertion and its subject
# A request ID is remembered for longer than a request can be accepted (issued up to
# CLOCK_SKEW in the future, accepted until CLOCK_SKEW after), so it never comes back valid.
REPLAY_WINDOW = 2 * CLOCK_SKEW + timedelta(minutes=1)
MAX_ENCODED_REQUEST = 64 * 1024  # characters of a SAMLRequest as received
MAX_REQUEST_XML = 64 * 1024  # bytes of the request's XML, once decoded (and inflated)

PASSWORD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MFA_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"

# Redirect-binding signature algorithms accepted from service providers (no SHA-1).
_REDIRECT_ALGORITHMS = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", hashes.SHA256),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", hashes.SHA384),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", hashes.SHA512),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ec", hashes.SHA256),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ec", hashes.SHA384),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": ("ec", hashes.SHA512),
}
_WEAK_XML_SIGNATURES = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
}


class Refused(Exception):
    """An AuthnRequest Tobira will not answer: ``reason`` is the audit's error code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Reason:
    MALFORMED = "MalformedRequest"
    UNKNOWN_SP = "UnknownServiceProvider"
    UNREGISTERED_ACS = "UnregisteredAssertionConsumerService"
    UNSUPPORTED_BINDING = "UnsupportedBinding"
    REPLAYED = "ReplayedRequest"
    ISSUE_INSTANT = "IssueInstantOutOfRange"
    UNSIGNED = "UnsignedRequest"
    BAD_SIGNATURE = "InvalidSignature"
    NO_EMAIL = "NoEmailAddress"
    EXPIRED = "RequestExpired"


# --- Where the organization's identity provider lives -----------------------------------------


def base_url(request=None) -> str:
    """``settings.TOBIRA_BASE_URL`` (required in production); the request's own origin only
    when that is unset."""
    configured = getattr(settings, "TOBIRA_BASE_URL", None)
    if configured:
        return configured.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def entity_id(organization: Organization, request=None) -> str:
    return base_url(request) + reverse("applications:saml_metadata", args=[organization.pk])


def sso_url(organization: Organization, request=None) -> str:
    return base_url(request) + reverse("applications:saml_sso", args=[organization.pk])


# --- The signing key as a file, for xmlsec1 ------------------------------------------------------

_SHM = "/dev/shm"  # noqa: S108 - only as the parent of mkdtemp's new 0700 directory
_directory: str | None = None
_directory_lock = threading.Lock()


def _private_directory() -> str:
    """A 0700 directory of this process (``mkdtemp``), in memory when ``/dev/shm`` exists."""
    global _directory
    with _directory_lock:
        if _directory is None or not os.path.isdir(_directory):
            parent = _SHM if os.access(_SHM, os.W_OK) else None
            _directory = tempfile.mkdtemp(prefix="tobira-saml-", dir=parent)
            atexit.register(shutil.rmtree, _directory, True)
        return _directory


def _write_private(content: bytes, suffix: str) -> str:
    """A new 0600 file holding ``content`` (created 0600: never readable by others)."""
    fd, path = tempfile.mkstemp(suffix=suffix, dir=_private_directory())  # mode 0600
    with os.fdopen(fd, "wb") as file:
        file.write(content)
    return path


# --- The pysaml2 server ----------------------------------------------------------------------


class _Attributes:
    """pysaml2's attribute converter, replaced: each attribute goes out under exactly the name
    the administrator mapped (the library's maps would rename ``email`` to an OID, and lower-case
    names they do not know). A name that is a URI says so in its NameFormat."""

    name_format = NAME_FORMAT_URI  # what Policy.get_name_form asks for (see _policy)

    def to_(self, attributes: dict) -> list:
        return [
            factory(
                saml.Attribute,
                name=name,
                name_format=NAME_FORMAT_URI if _is_uri(name) else NAME_FORMAT_BASIC,
                attribute_value=do_ava(value),
            )
            for name, value in attributes.items()
        ]

    # Incoming requests never carry attributes Tobira reads.
    def from_format(self, attribute):
        return ""

    def to_format(self, attribute):
        return attribute


def _is_uri(name: str) -> bool:
    return name.startswith(("urn:", "http://", "https://"))


class TobiraIdP(Server):
    """pysaml2's ``Server`` without its memory and its 3DES."""

    def support_AssertionIDRequest(self):  # noqa: N802 - the library's name
        return False  # else every assertion is kept in memory (session_db), forever

    def support_AuthnQuery(self):  # noqa: N802
        return False

    def _encrypt_assertion(self, encrypt_cert, sp_entity_id, response, node_xpath=None):
        """AES-256-GCM for the assertion, RSA-OAEP for its key, with the service provider's
        registered certificate only (never one from a request or from metadata)."""
        if not encrypt_cert:
            raise ValueError("no encryption certificate")
        wrapped, unwrapped = get_pem_wrapped_unwrapped(encrypt_cert)
        certificate_file = make_temp(wrapped.encode("ascii"), decode=False, delete_tmpfiles=True)
        template = pre_encryption_part(msg_enc=AES256_GCM, key_enc=RSA_OAEP, encrypt_cert=unwrapped)
        return self.sec.encrypt_assertion(
            response, certificate_file.name, template, key_type="aes-256", node_xpath=node_xpath
        )


def _certificate_base64(pem: str) -> str | None:
    """The DER of a PEM certificate, base64 (for metadata), or None if it does not parse."""
    try:
        certificate = x509.load_pem_x509_certificate(pem.strip().encode())
    except ValueError:
        return None
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def _provider_metadata(provider: SAMLServiceProvider) -> str:
    """What pysaml2 knows of a service provider, built from the registered settings (not from
    the uploaded metadata): its entity ID, its signing certificate, its ACS URLs."""
    keys = ""
    signing = _certificate_base64(provider.signing_certificate or "")
    if signing:
        keys = (
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f"{signing}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        )
    services = "".join(
        f'<md:AssertionConsumerService Binding="{BINDING_HTTP_POST}" Location={quoteattr(url)} '
        f'index="{index}"/>'
        for index, url in enumerate(provider.acs_urls)
    )
    return (
        f"<md:EntityDescriptor entityID={quoteattr(provider.entity_id)}>"
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}<md:NameIDFormat>{escape(provider.name_id_format)}</md:NameIDFormat>"
        f"{services}</md:SPSSODescriptor></md:EntityDescriptor>"
    )


def _providers_metadata(providers: list[SAMLServiceProvider]) -> str:
    return (
        '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
        + "".join(_provider_metadata(p) for p in providers)
        + "</md:EntitiesDescriptor>"
    )


def _policy() -> dict:
    return {
        "default": {
            "lifetime": {"seconds": int(ASSERTION_LIFETIME.total_seconds())},
            "name_form": NAME_FORMAT_URI,
            "attribute_restrictions": None,
            "entity_categories": [],
        }
    }


def _config(organization, certificate_file: str, key_file: str, metadata_xml: str | None):
    sso = sso_url(organization)
    config = {
        "entityid": entity_id(organization),
        "xmlsec_binary": XMLSEC1,
        "crypto_backend": "xmlsec1",
        "delete_tmpfiles": True,
        "key_file": key_file,
        "cert_file": certificate_file,
        "only_use_keys_in_metadata": True,  # never a key the request brings itself
        "accepted_time_diff": int(CLOCK_SKEW.total_seconds()),
        "service": {
            "idp": {
                "name": organization.name,
                # Per service, not top-level: pysaml2 reads them from here (else SHA-1).
                "signing_algorithm": SIGN_ALG,
                "digest_algorithm": DIGEST_ALG,
                "endpoints": {
                    "single_sign_on_service": [
                        (sso, BINDING_HTTP_REDIRECT),
                        (sso, BINDING_HTTP_POST),
                    ]
                },
                "name_id_format": list(SAMLServiceProvider.NameIDFormat.values),
                "policy": _policy(),
                # Decided per service provider (views), never globally.
                "want_authn_requests_signed": None,
                "sign_response": True,
                "sign_assertion": True,
            }
        },
    }
    if metadata_xml is not None:
        config["metadata"] = {"inline": [metadata_xml]}
    idp_config = IdPConfig()
    idp_config.load(config)
    idp_config.attribute_converters = [_Attributes()]
    return idp_config


@dataclass
class _Entry:
    version: str
    server: TobiraIdP
    files: tuple[str, ...]


_servers: dict[str, _Entry] = {}
_servers_lock = threading.Lock()


def _remove(files) -> None:
    for path in files:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _version(current: SAMLCertificate, providers: list[SAMLServiceProvider]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{base_url()}\0{current.pk}\0{current.state}\0".encode())
    for provider in providers:
        for value in (
            provider.pk,
            provider.entity_id,
            provider.acs_urls,
            provider.signing_certificate,
            provider.name_id_format,
        ):
            digest.update(repr(value).encode() + b"\0")
    return digest.hexdigest()


def server_for(organization: Organization) -> TobiraIdP:
    """The organization's identity provider, built once per configuration (its current
    certificate and its service providers) in this process."""
    current = certificates.published(organization)[SAMLCertificate.State.CURRENT]
    providers = list(SAMLServiceProvider.objects.filter(organization=organization).order_by("pk"))
    version = _version(current, providers)
    with _servers_lock:
        entry = _servers.get(organization.pk)
        if entry is not None and entry.version == version:
            return entry.server
        key_file = _write_private(certificates.private_key_pem(current), ".key.pem")
        certificate_file = _write_private(current.certificate_pem.encode(), ".crt.pem")
        try:
            config = _config(
                organization,
                certificate_file,
                key_file,
                _providers_metadata(providers) if providers else None,
            )
            server = TobiraIdP(config=config)
        except BaseException:
            _remove((key_file, certificate_file))
            raise
        if entry is not None:
            _remove(entry.files)
        _servers[organization.pk] = _Entry(version, server, (key_file, certificate_file))
        return server


def forget_servers() -> None:
    """Drop every cached server and its key files (tests, and a process that forks)."""
    with _servers_lock:
        for entry in _servers.values():
            _remove(entry.files)
        _servers.clear()


# --- The identity provider's metadata ---------------------------------------------------------


def _key_descriptor(certificate_pem: str):
    return md.KeyDescriptor(
        use="signing",
        key_info=xmldsig.KeyInfo(
            x509_data=[
                xmldsig.X509Data(
                    x509_certificate=xmldsig.X509Certificate(
                        text=_certificate_base64(certificate_pem)
                    )
                )
            ]
        ),
    )


def metadata_xml(organization: Organization) -> str:
    """The organization's IdP metadata: its entity ID, its single sign-on service for both
    bindings, the NameID formats, and the current and next signing certificates. Cached (shared
    by the processes) per organization, certificates and base URL."""
    rows = certificates.published(organization)
    current, upcoming = rows[SAMLCertificate.State.CURRENT], rows[SAMLCertificate.State.NEXT]
    key = "saml-metadata:{}:{}".format(
        organization.pk,
        hashlib.sha256(f"{base_url()}\0{current.pk}\0{upcoming.pk}".encode()).hexdigest(),
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    certificate_file = _write_private(current.certificate_pem.encode(), ".crt.pem")
    try:
        config = _config(organization, certificate_file, "", None)
        descriptor = entity_descriptor(config)  # forks xmlsec1 --list-transforms
    finally:
        _remove((certificate_file,))
    descriptor.extensions = None  # xmlsec1's algorithm list, MD5 and SHA-1 included: not ours
    idp = descriptor.idpsso_descriptor
    idp.want_authn_requests_signed = None  # decided per service provider
    idp.key_descriptor = [_key_descriptor(current.certificate_pem)]
    idp.key_descriptor.append(_key_descriptor(upcoming.certificate_pem))
    xml = descriptor.to_string().decode()
    cache.set(key, xml, timeout=24 * 3600)
    return xml


# --- AuthnRequests ----------------------------------------------------------------------------


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise Refused(Reason.MALFORMED) from None


def _inflate(raw: bytes) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        xml = inflater.decompress(raw, MAX_REQUEST_XML)
    except zlib.error:
        raise Refused(Reason.MALFORMED) from None
    if inflater.unconsumed_tail:
        raise Refused(Reason.MALFORMED)
    return xml


def decode_request(encoded: str, binding: str) -> bytes:
    """The XML of a SAMLRequest, within the size limits. HTTP-Redirect deflates it; HTTP-POST
    should not, but some service providers (node-saml) do: whatever looks deflated is inflated
    here, at most ``MAX_REQUEST_XML`` bytes (no decompression bomb). pysaml2 never sees the
    encoded form: it would inflate without a limit."""
    if not encoded or len(encoded) > MAX_ENCODED_REQUEST:
        raise Refused(Reason.MALFORMED)
    raw = _b64decode(encoded)
    if binding == BINDING_HTTP_REDIRECT or not raw.lstrip().startswith(b"<"):
        xml = _inflate(raw)
    else:
        xml = raw
    if len(xml) > MAX_REQUEST_XML:
        raise Refused(Reason.MALFORMED)
    return xml


def parse_request(server: TobiraIdP, xml: bytes) -> samlp.AuthnRequest:
    """The AuthnRequest, parsed with defusedxml (no DTD, no entities), schema-checked, its
    Destination (if any) one of this IdP's endpoints, its embedded signature (if any) verified
    against the issuer's registered certificate. Refused when any of that fails."""
    try:
        parsed = server.parse_authn_request(xml, binding=None)  # decoded already
    except Exception as error:  # anything from a hostile document: one refusal
        raise Refused(_reason_of(error)) from None
    if parsed is None or parsed.message is None or parsed.message.issuer is None:
        raise Refused(Reason.MALFORMED)
    message = parsed.message
    if not message.id or not (message.issuer.text or "").strip():
        raise Refused(Reason.MALFORMED)
    if message.signature is not None:
        method = message.signature.signed_info.signature_method
        if method is None or method.algorithm in _WEAK_XML_SIGNATURES:
            raise Refused(Reason.BAD_SIGNATURE)
    return message


def _reason_of(error: BaseException) -> str:
    """pysaml2 reports a document it cannot parse as wrongly signed (its signature check parses
    first): a parse error anywhere in the chain is a malformed request."""
    chain = []
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or error.__context__
    if any(isinstance(e, (DefusedXmlException, ParseError, TypeError)) for e in chain):
        return Reason.MALFORMED
    names = {type(e).__name__ for e in chain}
    if names & {"IncorrectlySigned", "SignatureError", "MissingKey", "XmlsecError"}:
        return Reason.BAD_SIGNATURE
    return Reason.MALFORMED


def issue_instant_ok(message: samlp.AuthnRequest, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    try:
        issued = datetime.fromisoformat(message.issue_instant)
    except (TypeError, ValueError):
        return False
    if issued.tzinfo is None:  # SAML core 1.3.3: UTC, "with no time zone component"
        issued = issued.replace(tzinfo=UTC)
    return abs(now - issued) <= CLOCK_SKEW


def raw_query_parameter(query_string: str, name: str) -> str | None:
    """``name=value`` exactly as it came in the query string (still URL-encoded), or None."""
    found = None
    for part in query_string.split("&"):
        key, _sep, _value = part.partition("=")
        if unquote_plus(key) == name:
            if found is not None:
                return None  # twice: ambiguous, so absent
            found = part
    return found


def redirect_signature_ok(query_string: str, sigalg: str, signature: str, pem: str) -> bool:
    """The HTTP-Redirect binding's signature (SAML bindings 3.4.4.1): over
    ``SAMLRequest=…&RelayState=…&SigAlg=…`` as received, with the registered certificate."""
    if sigalg not in _REDIRECT_ALGORITHMS or not pem:
        return False
    parts = [raw_query_parameter(query_string, name) for name in ("SAMLRequest", "RelayState")]
    if parts[0] is None:
        return False
    signed = "&".join(p for p in parts if p is not None)
    signed += "&" + (raw_query_parameter(query_string, "SigAlg") or "")
    try:
        key = x509.load_pem_x509_certificate(pem.strip().encode()).public_key()
        value = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        return False
    kind, digest = _REDIRECT_ALGORITHMS[sigalg]
    try:
        if kind == "rsa" and isinstance(key, rsa.RSAPublicKey):
            key.verify(value, signed.encode("ascii"), padding.PKCS1v15(), digest())
            return True
        if kind == "ec" and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(value, signed.encode("ascii"), ec.ECDSA(digest()))
            return True
    except (InvalidSignature, UnicodeEncodeError, ValueError):
        return False
    return False


def first_use(organization: Organization, issuer: str, request_id: str) -> bool:
    """True the first time this (issuer, ID) is seen within ``REPLAY_WINDOW``: an atomic add in
    the shared cache (Redis), so two processes never both accept it."""
    digest = hashlib.sha256(f"{issuer}\0{request_id}".encode()).hexdigest()
    return cache.add(
        f"saml-req:{organization.pk}:{digest}", 1, timeout=int(REPLAY_WINDOW.total_seconds())
    )


# --- Responses --------------------------------------------------------------------------------


def name_id(organization, provider: SAMLServiceProvider, user) -> saml.NameID | None:
    """The NameID of ``user`` for ``provider``'s format: persistent is the user's ``unique_id``
    (random, stable, never reused), email the contact address (None without one), unspecified
    the directory user name."""
    formats = SAMLServiceProvider.NameIDFormat
    if provider.name_id_format == formats.EMAIL:
        value = user.contact_email
    elif provider.name_id_format == formats.UNSPECIFIED:
        value = user.name
    else:
        value = user.unique_id
    if not value:
        return None
    return saml.NameID(
        format=provider.name_id_format,
        name_qualifier=entity_id(organization),
        sp_name_qualifier=provider.entity_id,
        text=value,
    )


def create_response(
    server: TobiraIdP,
    provider: SAMLServiceProvider,
    *,
    subject: saml.NameID,
    attributes: dict,
    in_response_to: str | None,
    destination: str,
    authn_class: str,
    authn_instant: int,
) -> str:
    """A signed (response and/or assertion, per the provider), possibly encrypted Response, as
    the base64 the HTTP-POST binding carries."""
    identity = {
        name: value
        for name, value in attributes.items()
        if value is not None and value != "" and value != []
    }
    response = server.create_authn_response(
        identity,
        in_response_to,
        destination,
        provider.entity_id,
        name_id=subject,
        authn={"class_ref": authn_class, "authn_instant": authn_instant},
        sign_response=provider.sign_response,
        sign_assertion=provider.sign_assertion,
        encrypt_assertion=provider.encrypt_assertion,
        encrypt_cert_assertion=provider.encryption_certificate or None,
        sign_alg=SIGN_ALG,
        digest_alg=DIGEST_ALG,
    )
    xml = response if isinstance(response, str) else response.to_string().decode()
    return base64.b64encode(xml.encode()).decode()
