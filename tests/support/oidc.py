"""A real OpenID Connect provider for tests: oidc-provider (npm) run by tests/oidc/provider.mjs.

    from tests.support.oidc import run_oidc_provider

    with run_oidc_provider(
        [{"client_id": "tobira", "client_secret": "s3cret", "redirect_uris": [callback]}]
    ) as op:
        op.issuer                     # "http://127.0.0.1:<port>", discovery under it
        final = op.login(session, authorize_url, "alice@example.test")
        # final is the redirect to the client's redirect_uri, with code, state and iss

Any login and password are accepted. The login is the subject (``sub``); its
e-mail is the login when it holds an "@", else ``<login>@example.test``;
``email_verified`` is false for logins starting with "unverified"; logins
containing "+mfa" get ``amr: ["pwd", "mfa"]`` in the ID token. PKCE (S256) is
optional, and the token endpoint takes client_secret_basic or client_secret_post (or
none, for a client registered with ``token_endpoint_auth_method: "none"``). A client
whose ``grant_types`` include ``refresh_token`` gets a refresh token when it asks for
``offline_access`` with ``prompt=consent`` (tests/support/rp.py does so with refresh=True).

``bin/test`` installs the package (``ensure_oidc_provider`` in bin/_setup.sh)
into ``var/tools/oidc`` and exports ``OIDC_PROVIDER_DIR``; a missing Node.js or
package fails the test rather than skipping it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

from tests.support.npm import node_and_tool

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
COOKIE_PREFIX = "oidc_op_"  # the provider's cookie names (see provider.mjs)
MAX_STEPS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class _Form:
    action: str | None
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> value (hidden, text, ...)
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (name, type)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[_Form] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                _Form(
                    action=attributes.get("action"),
                    method=(attributes.get("method") or "get").lower(),
                )
            )
        elif tag == "input" and self.forms and attributes.get("name"):
            form = self.forms[-1]
            kind = (attributes.get("type") or "text").lower()
            form.inputs.append((attributes["name"], kind))
            if kind not in ("submit", "button", "image", "reset"):
                form.fields[attributes["name"]] = attributes.get("value") or ""


def _forms(html: str) -> list[_Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def _endpoint(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path


class OIDCProvider:
    """A running provider; ``issuer``, ``port``, ``clients``, ``output`` (its log lines)."""

    def __init__(self, port: int, clients: list[dict], output: list[str]):
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.clients = clients
        self.output = output
        self._discovery: dict | None = None

    def discovery(self) -> dict:
        """The provider's /.well-known/openid-configuration document."""
        if self._discovery is None:
            response = requests.get(self.issuer + "/.well-known/openid-configuration", timeout=10)
            response.raise_for_status()
            self._discovery = response.json()
        return self._discovery

    def forget(self, session: requests.Session) -> None:
        """Drop the provider's cookies from ``session``: the next sign-in starts afresh."""
        for cookie in list(session.cookies):
            if cookie.name.startswith(COOKIE_PREFIX) and cookie.domain in ("127.0.0.1", ""):
                session.cookies.clear(cookie.domain, cookie.path, cookie.name)

    def login(
        self,
        session: requests.Session,
        authorize_url: str,
        login: str,
        password: str = "any-password",
        *,
        keep_session: bool = False,
    ) -> str:
        """Sign in as ``login`` through the development interactions; return the final redirect.

        Starting at ``authorize_url`` (the provider's authorization endpoint with
        its query), fills the login form, confirms the consent form and follows
        the provider's redirects, until one goes to a redirect URI of a client
        (or the ``redirect_uri`` of the request), which is returned as it is,
        unfollowed: ``...?code=...&state=...&iss=...`` (or ``?error=...``).

        The provider's cookies in ``session`` are dropped first, so the login
        form is always shown; with ``keep_session=True`` an earlier sign-in in
        the same session is reused (single sign-on: no login form is shown, and
        ``login`` is not used unless the provider asks again).
        """
        if not keep_session:
            self.forget(session)
        targets = {_endpoint(uri) for client in self.clients for uri in client["redirect_uris"]}
        requested = parse_qs(urlsplit(authorize_url).query).get("redirect_uri")
        if requested:
            targets.add(_endpoint(requested[0]))

        method, url, data = "GET", authorize_url, None
        trail: list[str] = []
        for _ in range(MAX_STEPS):
            response = session.request(method, url, data=data, allow_redirects=False, timeout=15)
            trail.append(f"{method} {url} -> {response.status_code}")
            if response.is_redirect:
                location = urljoin(url, response.headers["Location"])
                if _endpoint(location) in targets:
                    return location
                method, url, data = "GET", location, None
                continue
            forms = _forms(response.text) if response.status_code == 200 else []
            if not forms:
                break
            form = forms[0]
            fields = dict(form.fields)
            names = {name for name, _ in form.inputs}
            if "login" in names and "password" in names:
                fields["login"] = login
                fields["password"] = password
            action = urljoin(url, form.action or url)
            if _endpoint(action) in targets:
                raise AssertionError(
                    f"the provider posts the response to {action} (response_mode=form_post?); "
                    "login() needs a redirect (query response mode)"
                )
            method, url, data = form.method.upper(), action, fields
            if method == "GET":
                url, data = f"{action}?{urlencode(fields)}", None
        else:
            response = None
        body = response.text[:2000] if response is not None else "(too many steps)"
        raise AssertionError(
            "the sign-in did not end in a redirect to the client:\n"
            + "\n".join(trail)
            + "\n"
            + body
            + "\nprovider output:\n"
            + "\n".join(self.output[-20:])
        )


@contextlib.contextmanager
def run_oidc_provider(clients: list[dict], timeout: float = 30.0) -> Iterator[OIDCProvider]:
    """Run the provider on a free 127.0.0.1 port for ``clients``; stop it on exit.

    Each client is ``{"client_id", "client_secret", "redirect_uris"}`` (other
    client metadata is passed to oidc-provider as it is).
    """
    node, provider_dir = node_and_tool(
        "OIDC_PROVIDER_DIR", "oidc", "oidc-provider", "ensure_oidc_provider"
    )
    port = free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_PROVIDER_DIR": str(provider_dir),
        "NO_COLOR": "1",
    }
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    ready = threading.Event()

    def read():
        for line in process.stdout:
            output.append(line.rstrip())
            if line.startswith("READY "):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + timeout
        while not ready.wait(0.1):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                reader.join(5)
                pytest.fail("the OpenID provider did not start:\n" + "\n".join(output[-40:]))
        yield OIDCProvider(port, clients, output)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
