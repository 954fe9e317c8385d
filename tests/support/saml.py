"""An independent SAML 2.0 service provider for tests: @node-saml/node-saml (npm) run by
tests/saml/sp.mjs; and what a browser does with Tobira's pages in between.

    from tests.support.saml import run_service_provider, posted_form

    with run_service_provider(metadata_xml, ENTITY_ID, ACS_URL, relay_state="r1") as sp:
        sp.authorize_url                 # the AuthnRequest (HTTP-Redirect), maybe signed
        page = client.get(sp.authorize_url)
        form = posted_form(page)         # the auto-submitting form Tobira answers with
        result = sp.finish(form)         # node-saml's verdict on the SAMLResponse
        result["profile"]                # nameID, nameIDFormat, issuer, attributes...

``finish`` raises ``ServiceProviderError`` naming node-saml's error when it refuses the
response (signature, InResponseTo, audience, time, decryption...). The identity provider's URLs
must be on 127.0.0.1; the provider makes no request at all (the test hands it everything).
``bin/test`` installs the package (``ensure_saml_sp``) into ``var/tools/saml`` and exports
``SAML_SP_DIR``; a missing Node.js or package fails the test rather than skipping it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.support.npm import NodeScript, NodeScriptError, node_and_tool, run_node_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "saml" / "sp.mjs"


class ServiceProviderError(NodeScriptError):
    """node-saml refused (``error``, ``message``) or the process failed."""

    what = "service provider"


class ServiceProvider(NodeScript):
    error_class = ServiceProviderError

    def __init__(self, *args):
        super().__init__(*args)
        self.first: dict = self.next()

    @property
    def authorize_url(self) -> str:
        return self.first["authorize"]

    @property
    def form(self) -> dict:
        return self.first["form"]

    def finish(self, posted: dict) -> dict:
        """Hand over what the browser posted to the ACS ({"SAMLResponse", "RelayState"})."""
        message = {"SAMLResponse": posted["SAMLResponse"], "RelayState": posted.get("RelayState")}
        return self.send(json.dumps(message))


@contextlib.contextmanager
def run_service_provider(
    metadata: str,
    entity_id: str,
    acs_url: str,
    *,
    mode: str = "sp",
    binding: str = "redirect",
    relay_state: str = "",
    private_key: str = "",
    decryption_key: str = "",
    force_authn: bool = False,
    name_id_format: str = "",
    want_response_signed: bool = True,
    want_assertions_signed: bool = True,
    clock_offset_seconds: int = 0,
    timeout: float = 30.0,
) -> Iterator[ServiceProvider]:
    node, sp_dir = node_and_tool("SAML_SP_DIR", "saml", "@node-saml/node-saml", "ensure_saml_sp")
    env = {
        "SAML_SP_DIR": str(sp_dir),
        "SP_METADATA": metadata,
        "SP_ENTITY_ID": entity_id,
        "SP_ACS_URL": acs_url,
        "SP_MODE": mode,
        "SP_BINDING": binding,
        "SP_RELAY_STATE": relay_state,
        "SP_PRIVATE_KEY": private_key,
        "SP_DECRYPTION_KEY": decryption_key,
        "SP_FORCE_AUTHN": "1" if force_authn else "",
        "SP_NAMEID_FORMAT": name_id_format,
        "SP_WANT_RESPONSE_SIGNED": "1" if want_response_signed else "0",
        "SP_WANT_ASSERTIONS_SIGNED": "1" if want_assertions_signed else "0",
        "SP_CLOCK_OFFSET_SECONDS": str(clock_offset_seconds),
    }
    with run_node_script(ServiceProvider, node, SCRIPT, env, timeout) as service_provider:
        yield service_provider


# --- The browser's part -----------------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}, "attrs": attrs})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def posted_form(response) -> dict:
    """What the browser posts from Tobira's auto-submitting page: {"action", "SAMLResponse",
    "RelayState"}. Fails the test if the page is not that."""
    assert response.status_code == 200, response.status_code
    forms = [f for f in forms_of(response.content.decode()) if "data-autosubmit" in f["attrs"]]
    assert len(forms) == 1, "not the HTTP-POST binding's page"
    form = forms[0]
    return {"action": form["action"], **form["fields"]}


# --- A service provider's own key pair --------------------------------------------------------


@cache
def key_pair(name: str = "sp") -> tuple[str, str]:
    """(private key PEM, self-signed certificate PEM) of a test service provider, per name."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test {name}")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return private, certificate.public_bytes(serialization.Encoding.PEM).decode()


# --- Fixtures (offered by tests/sso/conftest.py) ----------------------------------------------

SP_ENTITY_ID = "https://sp.example.test/saml"
SP_ACS_URL = "https://sp.example.test/saml/acs"
IDP_BASE = "http://127.0.0.1:8000"  # what the metadata names; the test client does the requests


@pytest.fixture
def saml_idp(settings):
    """Tobira's IdP URLs on 127.0.0.1 (the service provider insists); cached servers dropped
    afterwards (their key files with them)."""
    from sso.applications.saml import idp

    settings.TOBIRA_BASE_URL = IDP_BASE
    yield
    idp.forget_servers()


@pytest.fixture
def saml_app(organization, sso_no_mfa, sam, saml_idp):
    """A SAML application of the organization with a service provider that signs its requests
    (``key_pair("sp")``), assigned to Sam; returns the SAMLServiceProvider."""
    from sso.applications import services

    _key, certificate = key_pair("sp")
    application, provider = services.saml_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        entity_id=SP_ENTITY_ID,
        acs_urls=[SP_ACS_URL, "https://sp.example.test/saml/acs2"],
        signing_certificate=certificate,
        attribute_mappings={"email": "email", "groups": "groups", "displayName": "user_name"},
        default_relay_state="/home",
    )
    services.assignment_add(actor=None, application=application, user=sam)
    return provider


def metadata_of(client, organization) -> str:
    from django.urls import reverse

    response = client.get(reverse("applications:saml_metadata", args=[organization.pk]))
    assert response.status_code == 200
    return response.content.decode()


def local(url: str) -> str:
    """The path and query of one of Tobira's URLs (the test client's request)."""
    assert url.startswith(IDP_BASE + "/"), url
    return url[len(IDP_BASE) :]


# --- Hand-made AuthnRequests, for what no real service provider sends ---------------------------

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


def authn_request(
    organization,
    *,
    issuer: str = SP_ENTITY_ID,
    request_id: str = "",
    issued: datetime | None = None,
    acs_url: str | None = SP_ACS_URL,
    binding: str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
    prologue: str = "",
    issuer_text: str | None = None,
) -> str:
    """An AuthnRequest's XML; ``prologue`` goes before it (a DOCTYPE...), ``issuer_text`` replaces
    the Issuer element's content as is (an entity reference...)."""
    from django.urls import reverse

    issued = issued or datetime.now(UTC)
    destination = IDP_BASE + reverse("applications:saml_sso", args=[organization.pk])
    acs = f' AssertionConsumerServiceURL="{acs_url}"' if acs_url else ""
    return (
        f'{prologue}<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="{request_id or "_" + os.urandom(16).hex()}" Version="2.0" '
        f'IssueInstant="{issued.strftime("%Y-%m-%dT%H:%M:%SZ")}" Destination="{destination}" '
        f'ProtocolBinding="{binding}"{acs}>'
        f"<saml:Issuer>{issuer if issuer_text is None else issuer_text}</saml:Issuer>"
        "</samlp:AuthnRequest>"
    )


def redirect_path(
    organization, xml: str, *, relay_state: str = "", key: str = "", sigalg: str = RSA_SHA256
) -> str:
    """The HTTP-Redirect binding's URL path for ``xml``: deflated, base64, signed over the query
    string with ``key`` (PEM) when given."""
    import base64
    import zlib
    from urllib.parse import quote

    from cryptography.hazmat.primitives.asymmetric import padding
    from django.urls import reverse

    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    encoded = base64.b64encode(deflater.compress(xml.encode()) + deflater.flush()).decode()
    query = "SAMLRequest=" + quote(encoded, safe="")
    if relay_state:
        query += "&RelayState=" + quote(relay_state, safe="")
    if key:
        query += "&SigAlg=" + quote(sigalg, safe="")
        private = serialization.load_pem_private_key(key.encode(), password=None)
        digest = hashes.SHA1() if sigalg == RSA_SHA1 else hashes.SHA256()  # noqa: S303 - refused
        signature = private.sign(query.encode(), padding.PKCS1v15(), digest)
        query += "&Signature=" + quote(base64.b64encode(signature).decode(), safe="")
    return reverse("applications:saml_sso", args=[organization.pk]) + "?" + query
