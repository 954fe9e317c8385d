#!/usr/bin/env python3
"""A tiny SAML 2.0 service provider, to try Tobira's SAML applications: it signs a person in
(SP-initiated from /login, HTTP-Redirect; or IdP-initiated from the access portal's tile), checks
the signed response at /acs (HTTP-POST) and shows the NameID, the attributes and the
authentication context that arrived. pysaml2 does the protocol as a service provider, xmlsec1
the signatures; nothing here is Tobira's code.

    .venv/bin/python bin/demo_sp.py \\
        --idp-metadata-url http://localhost:8000/o/o-abc123/saml/metadata --port 8002

(or TOBIRA_SP_IDP_METADATA_URL in the environment, as ``manage.py demo_data --rp-env-file``
writes it). Its entity ID is http://localhost:PORT/metadata (served there), its ACS
http://localhost:PORT/acs.

``bin/demo`` starts it for the demo SAML application. It fetches the identity provider's
metadata when first needed (and again after five minutes), so it may start before Tobira. Its
AuthnRequests are unsigned: a key made at start would be unknown to Tobira, and the demo
application accepts unsigned requests; what matters, the response, must be signed, and so must
its assertion. It listens on 127.0.0.1 only, keeps its sessions in memory and never prints an
assertion.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import html
import http.cookies
import logging
import os
import secrets
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

COOKIE = "demo_sp"
MAX_POST = 256 * 1024
METADATA_TTL = 300  # seconds; Tobira's metadata may be cached five minutes
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><style>
body{{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#16191f}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #d5dbdb;padding:.4rem;
text-align:left;vertical-align:top}}th{{width:13rem}}code{{font-size:.9em;word-break:break-all}}.btn{{display:inline-block;
padding:.5rem 1rem;background:#0972d3;color:#fff;border-radius:1rem;text-decoration:none}}
.muted{{color:#5f6b7a}}</style>
</head><body><p class="muted">Demo SAML service provider · {name}</p>{body}</body></html>"""

# pysaml2 logs whole documents at DEBUG and INFO, and some of them on errors.
logging.getLogger("saml2").setLevel(logging.CRITICAL)


class ServiceProvider:
    def __init__(self, metadata_url: str, base_url: str, name: str):
        self.metadata_url = metadata_url
        self.base_url = base_url.rstrip("/")
        self.entity_id = f"{self.base_url}/metadata"
        self.name = name
        self.pending: dict[str, dict[str, str]] = {}  # browser cookie -> {request ID: relay}
        self.signed_in: dict[str, dict] = {}  # browser cookie -> what the assertion said
        self.seen = collections.deque(maxlen=10_000)  # assertion IDs already accepted
        self._lock = threading.Lock()
        self._client: Saml2Client | None = None
        self._loaded = 0.0
        descriptor = entity_descriptor(self._config(None))
        descriptor.extensions = None  # xmlsec1's algorithm list, MD5 and SHA-1 included
        self.own_metadata = descriptor.to_string().decode()

    def _config(self, idp_metadata: str | None) -> SPConfig:
        settings = {
            "entityid": self.entity_id,
            "xmlsec_binary": shutil.which("xmlsec1"),
            "only_use_keys_in_metadata": True,
            "service": {
                "sp": {
                    "name": self.name,
                    "endpoints": {
                        "assertion_consumer_service": [(f"{self.base_url}/acs", BINDING_HTTP_POST)]
                    },
                    "authn_requests_signed": False,
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "allow_unsolicited": True,  # IdP-initiated; checked again in ``acs``
                    "name_id_policy_format": NAMEID_FORMAT_PERSISTENT,
                    # Read here, in the service section (at the top level pysaml2 uses SHA-1).
                    "signing_algorithm": SIG_RSA_SHA256,
                    "digest_algorithm": DIGEST_SHA256,
                }
            },
        }
        if idp_metadata is not None:
            settings["metadata"] = {"inline": [idp_metadata]}
        config = SPConfig()
        config.load(settings)
        return config

    def client(self) -> Saml2Client:
        """pysaml2's client, with the identity provider's metadata fetched on first use."""
        with self._lock:
            if self._client is None or time.monotonic() - self._loaded > METADATA_TTL:
                try:
                    response = requests.get(self.metadata_url, timeout=10)
                    response.raise_for_status()
                except requests.RequestException as error:
                    raise ValueError(
                        f"the identity provider's metadata is not available ({error})"
                    ) from None
                self._client = Saml2Client(config=self._config(response.text))
                self._loaded = time.monotonic()
            return self._client

    def login(self, browser: str) -> str:
        client = self.client()
        idp = next(iter(client.metadata.identity_providers()))
        request_id, info = client.prepare_for_authenticate(
            entityid=idp, relay_state="/", binding=BINDING_HTTP_REDIRECT, sign=False
        )
        waiting = self.pending.setdefault(browser, {})
        while len(waiting) >= 10:  # at most ten sign-ins under way per browser
            waiting.pop(next(iter(waiting)))
        waiting[request_id] = "/"
        return dict(info["headers"])["Location"]

    def acs(self, browser: str, form: dict[str, list[str]]) -> str:
        """Check the response; where to go next (the relay state, if a path of this site)."""
        saml_response = form.get("SAMLResponse", [""])[0]
        if not saml_response:
            raise ValueError("no SAMLResponse was posted")
        waiting = self.pending.get(browser, {})
        response = self.client().parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=dict(waiting)
        )
        if response is None:
            raise ValueError("the response was refused")
        # pysaml2 with allow_unsolicited accepts any InResponseTo: an answer must answer a
        # request of this browser, and only an answer to nothing is IdP-initiated.
        answered = response.in_response_to
        if answered is not None and waiting.pop(answered, None) is None:
            raise ValueError("the response answers a request this browser did not make")
        if not response.check_subject_confirmation_in_response_to(answered):
            raise ValueError("the assertion's InResponseTo differs from the response's")
        assertion = response.assertion
        with self._lock:
            if assertion.id in self.seen:
                raise ValueError("this assertion was already used")
            self.seen.append(assertion.id)
        attributes = {}
        for statement in assertion.attribute_statement:
            for attribute in statement.attribute:
                values = [value.text or "" for value in attribute.attribute_value]
                attributes.setdefault(attribute.name, []).extend(values)
        info = response.session_info()
        context = response.authn_info()
        self.signed_in[browser] = {
            "issuer": info["issuer"],
            "name_id": response.name_id.text,
            "name_id_format": response.name_id.format or "",
            "attributes": attributes,
            "authn_context": context[0][0] if context else "",
            "authn_instant": context[0][2] if context else "",
            "session_index": info["session_index"] or "",
            "flow": "SP-initiated" if answered else "IdP-initiated (unsolicited)",
        }
        relay = form.get("RelayState", ["/"])[0]
        return relay if relay.startswith("/") and not relay.startswith("//") else "/"


class Handler(BaseHTTPRequestHandler):
    sp: ServiceProvider

    def log_message(self, format, *args):  # no access log
        pass

    def _read_cookie(self) -> str:
        """This browser's key, read once per request (a new one is the same for the whole
        request, and set on its response)."""
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        self._new = COOKIE not in jar
        self._cookie = secrets.token_urlsafe(16) if self._new else jar[COOKIE].value
        return self._cookie

    def _send(
        self, status: int, body: str = "", location: str = "", content_type: str = ""
    ) -> None:
        browser, new = self._cookie, self._new
        self.send_response(status)
        if new:
            self.send_header("Set-Cookie", f"{COOKIE}={browser}; HttpOnly; SameSite=Lax; Path=/")
        if location:
            self.send_header("Location", location)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Type", content_type or "text/html; charset=utf-8")
        self.end_headers()
        if not content_type:
            name = html.escape(self.sp.name)
            body = PAGE.format(title=name, name=name, body=body)
        self.wfile.write(body.encode())

    def _failed(self, error: Exception) -> None:
        message = html.escape(f"{type(error).__name__}: {error}"[:300])
        body = f'<h1>Sign-in failed</h1><p data-testid="sp-error">{message}</p>'
        self._send(400, body + '<p><a class="btn" href="/login">Try again</a></p>')

    def do_POST(self):  # noqa: N802 - http.server's name
        browser = self._read_cookie()
        if urlsplit(self.path).path != "/acs":
            return self._send(404, "<h1>Not found</h1>")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_POST:
            return self._send(413, "<h1>Too large</h1>")
        form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        try:
            next_path = self.sp.acs(browser, form)
        except Exception as error:  # shown to the person trying the demo
            return self._failed(error)
        return self._send(303, location=next_path)

    def do_GET(self):  # noqa: N802 - http.server's name
        browser = self._read_cookie()
        path = urlsplit(self.path).path
        sp = self.sp
        if path == "/metadata":
            return self._send(200, sp.own_metadata, content_type="application/samlmetadata+xml")
        if path == "/login":
            try:
                return self._send(302, location=sp.login(browser))
            except Exception as error:
                return self._failed(error)
        if path == "/logout":  # this site's session only: Tobira has no single logout yet
            sp.signed_in.pop(browser, None)
            return self._send(302, location="/")
        if path != "/":
            return self._send(404, "<h1>Not found</h1>")
        result = sp.signed_in.get(browser)
        if result is None:
            body = (
                f"<h1>{html.escape(sp.name)}</h1><p>Not signed in.</p>"
                '<p><a class="btn" href="/login" data-testid="sp-login">Sign in with Tobira</a></p>'
                f'<p class="muted">Entity ID <code>{html.escape(sp.entity_id)}</code></p>'
            )
            return self._send(200, body)

        def row(label: str, value: str, testid: str) -> str:
            return (
                f'<tr><th>{html.escape(label)}</th><td data-testid="{html.escape(testid)}">'
                f"<code>{html.escape(value)}</code></td></tr>"
            )

        facts = "".join(
            row(label, result[key], testid)
            for label, key, testid in (
                ("NameID", "name_id", "saml-nameid"),
                ("NameID format", "name_id_format", "saml-nameid-format"),
                ("Issuer", "issuer", "saml-issuer"),
                ("Sign-in", "flow", "saml-flow"),
                ("AuthnContextClassRef", "authn_context", "saml-authn-context"),
                ("AuthnInstant", "authn_instant", "saml-authn-instant"),
                ("SessionIndex", "session_index", "saml-session-index"),
            )
        )
        attributes = "".join(
            row(name, ", ".join(values), f"attr-{name}")
            for name, values in sorted(result["attributes"].items())
        )
        body = (
            f'<h1 data-testid="sp-signed-in">Signed in as {html.escape(result["name_id"])}</h1>'
            "<p>The response and its assertion were signed; both signatures were verified "
            "with the identity provider's certificate from its metadata.</p>"
            f"<table>{facts}</table><h2>Attributes</h2>"
            f"<table>{attributes or '<tr><td>None</td></tr>'}</table>"
            '<p><a class="btn" href="/logout" data-testid="sp-logout">Forget this session</a></p>'
        )
        return self._send(200, body)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idp-metadata-url", default=os.environ.get("TOBIRA_SP_IDP_METADATA_URL"))
    parser.add_argument("--port", type=int, default=8002)
    parser.add_argument("--name", default="Demo SAML app")
    args = parser.parse_args(argv)
    if not args.idp_metadata_url:
        print("give --idp-metadata-url (or TOBIRA_SP_IDP_METADATA_URL)", file=sys.stderr)
        return 2
    if not shutil.which("xmlsec1"):
        print("xmlsec1 is missing (Debian: apt-get install xmlsec1)", file=sys.stderr)
        return 2
    base_url = f"http://localhost:{args.port}"
    Handler.sp = ServiceProvider(args.idp_metadata_url, base_url, args.name)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"demo SAML service provider on {base_url} for {args.idp_metadata_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
