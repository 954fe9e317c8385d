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
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.npm import NodeScript, NodeScriptError, node_and_tool, run_node_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "rp.mjs"


class RelyingPartyError(NodeScriptError):
    """openid-client refused (``error``: its error name, ``message``) or the process failed."""

    what = "relying party"

    def details(self) -> str:
        report = self.report
        details = ", ".join(
            f"{key}={report[key]}"
            for key in ("code", "oauth_error", "error_description", "cause", "detail")
            if key in report
        )
        return f" ({details})" if details else ""


class RelyingParty(NodeScript):
    """A running relying party, waiting for the callback URL."""

    error_class = RelyingPartyError

    def __init__(self, *args):
        super().__init__(*args)
        self.authorization_url: str = self.next()["authorize"]

    def finish(self, callback_url: str) -> dict:
        """Hand over the callback URL; return the claims, userinfo... (see the module)."""
        return self.send(callback_url)


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
    }
    with run_node_script(RelyingParty, node, SCRIPT, env, timeout) as relying_party:
        yield relying_party
