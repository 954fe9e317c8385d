#!/usr/bin/env python3
"""A tiny OpenID Connect relying party, to try Tobira's applications: it signs a person in with
the authorization code flow (PKCE S256, state, nonce), checks the ID token against the issuer's
JWKS, asks userinfo, and shows the claims that arrived. Authlib does the protocol, joserfc the
token checks; nothing here is Tobira's code.

    TOBIRA_RP_SECRET=... .venv/bin/python bin/demo_rp.py \\
        --issuer http://localhost:8000/o/o-abc123 --client-id tbc_... --port 8001

(or TOBIRA_RP_ISSUER and TOBIRA_RP_CLIENT_ID in the environment, as ``manage.py demo_data
--rp-env-file`` writes them).

``bin/demo`` starts it for the demo application. It listens on 127.0.0.1 only, keeps its
sessions in memory and never prints a token.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.cookies
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

COOKIE = "demo_rp"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><style>
body{{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#16191f}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #d5dbdb;padding:.4rem;
text-align:left;vertical-align:top}}code{{font-size:.9em}}.btn{{display:inline-block;padding:.5rem 1rem;
background:#0972d3;color:#fff;border-radius:1rem;text-decoration:none}}.muted{{color:#5f6b7a}}</style>
</head><body><p class="muted">Demo relying party · {name}</p>{body}</body></html>"""


class RelyingParty:
    def __init__(self, issuer: str, client_id: str, secret: str, base_url: str, name: str):
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.pending: dict[str, dict] = {}  # browser cookie -> state, nonce, verifier
        self.signed_in: dict[str, dict] = {}  # browser cookie -> claims, userinfo, id token

    def metadata(self) -> dict:
        return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10).json()

    def session(self) -> OAuth2Session:
        return OAuth2Session(
            self.client_id,
            self.secret,
            scope="openid profile email groups",
            redirect_uri=f"{self.base_url}/callback",
            code_challenge_method="S256",
        )

    def login(self, browser: str) -> str:
        verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
        url, state = self.session().create_authorization_url(
            self.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        self.pending[browser] = {"state": state, "nonce": nonce, "verifier": verifier}
        return url

    def callback(self, browser: str, url: str) -> dict:
        pending = self.pending.pop(browser, None)
        query = parse_qs(urlsplit(url).query)
        if "error" in query:
            raise ValueError(f"the provider answered {query['error'][0]}")
        if pending is None or query.get("state") != [pending["state"]]:
            raise ValueError("unexpected state: start again")
        if query.get("iss") not in (None, [self.issuer]):
            raise ValueError("the response names another issuer")
        metadata = self.metadata()
        session = self.session()
        session.state = pending["state"]
        token = session.fetch_token(
            metadata["token_endpoint"],
            authorization_response=url,
            code_verifier=pending["verifier"],
        )
        keys = KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())
        decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256", "ES256"])
        JWTClaimsRegistry(
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": pending["nonce"]},
            exp={"essential": True},
        ).validate(decoded.claims)
        userinfo = session.get(metadata["userinfo_endpoint"], timeout=10).json()
        result = {
            "claims": decoded.claims,
            "header": decoded.header,
            "userinfo": userinfo,
            "id_token": token["id_token"],
        }
        self.signed_in[browser] = result
        return result


class Handler(BaseHTTPRequestHandler):
    rp: RelyingParty

    def log_message(self, format, *args):  # the query strings carry codes: no access log
        pass

    def _browser(self) -> tuple[str, bool]:
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        if COOKIE in jar:
            return jar[COOKIE].value, False
        return secrets.token_urlsafe(16), True

    def _send(self, status: int, body: str = "", location: str = "", title: str = "") -> None:
        browser, new = self.browser  # read once per request: a new browser gets one key
        self.send_response(status)
        if new:
            self.send_header("Set-Cookie", f"{COOKIE}={browser}; HttpOnly; SameSite=Lax; Path=/")
        if location:
            self.send_header("Location", location)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        page = PAGE.format(
            title=html.escape(title or self.rp.name), name=html.escape(self.rp.name), body=body
        )
        self.wfile.write(page.encode())

    def do_GET(self):  # noqa: N802 - http.server's name
        self.browser = self._browser()
        browser = self.browser[0]
        path = urlsplit(self.path).path
        rp = self.rp
        if path == "/login":
            return self._send(302, location=rp.login(browser))
        if path == "/callback":
            try:
                rp.callback(browser, f"{rp.base_url}{self.path}")
            except Exception as error:  # shown to the person trying the demo
                body = f'<h1>Sign-in failed</h1><p data-testid="rp-error">{html.escape(str(error))}</p>'
                return self._send(400, body + '<p><a class="btn" href="/login">Try again</a></p>')
            return self._send(302, location="/")
        if path == "/logout":
            result = rp.signed_in.pop(browser, None)
            end = rp.metadata()["end_session_endpoint"]
            query = {"client_id": rp.client_id, "post_logout_redirect_uri": f"{rp.base_url}/"}
            if result:
                query["id_token_hint"] = result["id_token"]
            return self._send(302, location=f"{end}?{urlencode(query)}")
        if path != "/":
            return self._send(404, "<h1>Not found</h1>")
        result = rp.signed_in.get(browser)
        if result is None:
            body = (
                f"<h1>{html.escape(rp.name)}</h1><p>Not signed in.</p>"
                f'<p><a class="btn" href="/login" data-testid="rp-login">Sign in with Tobira</a></p>'
            )
            return self._send(200, body)
        rows = "".join(
            f'<tr><th>{html.escape(k)}</th><td data-testid="claim-{html.escape(k)}">'
            f"<code>{html.escape(str(v))}</code></td></tr>"
            for k, v in sorted(result["claims"].items())
        )
        info = "".join(
            f'<tr><th>{html.escape(k)}</th><td data-testid="userinfo-{html.escape(k)}">'
            f"<code>{html.escape(str(v))}</code></td></tr>"
            for k, v in sorted(result["userinfo"].items())
        )
        body = (
            f'<h1 data-testid="rp-signed-in">Signed in as {html.escape(str(result["claims"].get("preferred_username", result["claims"]["sub"])))}</h1>'
            f"<p>The ID token ({html.escape(result['header']['alg'])}, key "
            f"<code>{html.escape(result['header'].get('kid', ''))}</code>) was verified "
            "against the issuer's JWKS. Its claims:</p>"
            f"<table>{rows}</table><h2>Userinfo</h2><table>{info}</table>"
            '<p><a class="btn" href="/logout" data-testid="rp-logout">Sign out</a></p>'
        )
        return self._send(200, body)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default=os.environ.get("TOBIRA_RP_ISSUER"))
    parser.add_argument("--client-id", default=os.environ.get("TOBIRA_RP_CLIENT_ID"))
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--name", default="Demo wiki")
    args = parser.parse_args(argv)
    secret = os.environ.get("TOBIRA_RP_SECRET", "")
    if not (secret and args.issuer and args.client_id):
        print(
            "give --issuer and --client-id (or TOBIRA_RP_ISSUER, TOBIRA_RP_CLIENT_ID) and "
            "TOBIRA_RP_SECRET",
            file=sys.stderr,
        )
        return 2
    base_url = f"http://localhost:{args.port}"
    Handler.rp = RelyingParty(args.issuer, args.client_id, secret, base_url, args.name)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"demo relying party on {base_url} for {args.issuer}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
