"""A certified OpenID Connect relying party for tests: openid-client (npm) run by tests/oidc/rp.mjs.

    from tests.support.rp import run_relying_party

    with run_relying_party(issuer, "portal", "s3cret", callback) as rp:
        rp.authorization_url          # PKCE S256, nonce and state included
        final = op.login(session, rp.authorization_url, "alice@example.test")
        result = rp.finish(final)     # the callback URL the browser reached
        result["claims"]              # the ID token's claims, checked by openid-client
        result["userinfo"]            # the userinfo response (same sub, checked)
        result["id_token_header"]     # {"alg": ..., "kid": ..., ...}
        result["token"]               # {"token_type", "scope", "expires_in", "refresh_token": bool}
        result["refreshed"]           # with refresh=True: the refresh grant's summary, else None
                                      # (and "old_token_reused": the error for the first refresh
                                      # token presented again)
        result["end_session_url"]     # with post_logout_redirect_uri: the RP-initiated logout URL

An empty ``secret`` is a public client (``token_endpoint_auth_method`` none, PKCE only).
``finish`` raises ``RelyingPartyError`` naming openid-client's error when it refuses
anything (state, iss, signature, nonce, an OAuth error from the token endpoint...). No
token is ever returned or logged, only decoded claims and headers.

The issuer must be on 127.0.0.1 (plain http is allowed there only), and the relying party
refuses any request elsewhere. Each step waits at most ``timeout`` seconds; the process is
killed on a timeout and when the block ends.

``bin/test`` installs the package (``ensure_oidc_client`` in bin/_setup.sh) into
``var/tools/rp`` and exports ``OIDC_CLIENT_DIR``; a missing Node.js or package fails the
test rather than skipping it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.npm import node_and_tool

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "rp.mjs"


class RelyingPartyError(Exception):
    """openid-client refused (``error``: its error name, ``message``) or the process failed."""

    def __init__(self, report: dict, stderr: str = ""):
        self.report = report
        self.error = report.get("error", "")
        self.message = report.get("message", "")
        details = ", ".join(
            f"{key}={report[key]}"
            for key in ("code", "oauth_error", "error_description", "cause", "detail")
            if key in report
        )
        text = f"{self.error}: {self.message}" + (f" ({details})" if details else "")
        if stderr.strip():
            text += "\nrelying party stderr:\n" + stderr.strip()[-2000:]
        super().__init__(text)


class RelyingParty:
    """A running relying party, waiting for the callback URL."""

    def __init__(self, process: subprocess.Popen, lines: queue.Queue, stderr: list[str], timeout):
        self._process = process
        self._lines = lines
        self._stderr = stderr
        self._timeout = timeout
        self.authorization_url: str = self._next()["authorize"]

    def _next(self) -> dict:
        try:
            line = self._lines.get(timeout=self._timeout)
        except queue.Empty:
            self._process.kill()
            raise RelyingPartyError(
                {"error": "Timeout", "message": f"no answer within {self._timeout} s"},
                self.stderr,
            ) from None
        if line is None:
            self._process.wait(5)
            raise RelyingPartyError(
                {"error": "Exited", "message": f"exit status {self._process.returncode}"},
                self.stderr,
            )
        report = json.loads(line)
        if "error" in report:
            self._process.wait(5)
            raise RelyingPartyError(report, self.stderr)
        return report

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def finish(self, callback_url: str) -> dict:
        """Hand over the callback URL; return the claims, userinfo... (see the module)."""
        try:
            self._process.stdin.write(callback_url.strip() + "\n")
            self._process.stdin.close()
        except BrokenPipeError:  # it has already failed: _next() reports why
            pass
        return self._next()


@contextlib.contextmanager
def run_relying_party(
    issuer: str,
    client_id: str,
    secret: str,
    redirect_uri: str,
    *,
    scope: str = "openid email profile",
    refresh: bool = False,
    alg: str | None = None,
    auth_method: str = "client_secret_basic",
    post_logout_redirect_uri: str = "",
    timeout: float = 30.0,
) -> Iterator[RelyingParty]:
    """Start the relying party for ``client_id`` at ``issuer``; kill it when the block ends.

    ``auth_method`` (client_secret_basic or client_secret_post) applies when there is a
    ``secret``; ``alg`` is the ID token signing algorithm to expect (default RS256).
    """
    if urlsplit(issuer).hostname != "127.0.0.1":
        raise ValueError(f"the relying party talks to 127.0.0.1 only, not {issuer}")
    node, client_dir = node_and_tool("OIDC_CLIENT_DIR", "rp", "openid-client", "ensure_oidc_client")
    env = {
        **os.environ,
        "OIDC_CLIENT_DIR": str(client_dir),
        "RP_ISSUER": issuer,
        "RP_CLIENT_ID": client_id,
        "RP_CLIENT_SECRET": secret,
        "RP_AUTH_METHOD": auth_method,
        "RP_REDIRECT_URI": redirect_uri,
        "RP_SCOPE": scope,
        "RP_ID_TOKEN_ALG": alg or "",
        "RP_REFRESH": "1" if refresh else "",
        "RP_POST_LOGOUT_URI": post_logout_redirect_uri,
        "NO_COLOR": "1",
    }
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    stderr: list[str] = []

    def read_stdout():
        for line in process.stdout:
            if line.strip():
                lines.put(line)
        lines.put(None)

    def read_stderr():
        for line in process.stderr:
            stderr.append(line)

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(target=read_stderr, daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        yield RelyingParty(process, lines, stderr, timeout)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for reader in readers:
            reader.join(5)
        for stream in (process.stdin, process.stdout, process.stderr):
            with contextlib.suppress(OSError):
                stream.close()
