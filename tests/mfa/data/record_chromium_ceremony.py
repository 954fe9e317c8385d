"""Record a WebAuthn registration and two assertions from Debian's Chromium (virtual CTAP2 USB key).

    .venv/bin/python tests/mfa/data/record_chromium_ceremony.py

Writes chromium_ceremony.json beside this file: fixed challenges, the origin,
and what ``PublicKeyCredential.toJSON()`` returned. The verification tests
replay it, so they check py_webauthn and our rules against a real browser's
bytes without starting one.
"""

from __future__ import annotations

import base64
import http.server
import json
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Blank(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>ceremony</title>")

    def log_message(self, *args):
        pass


def main() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_address[1]}"
    registration_challenge = bytes(range(32))
    assertion_challenges = [bytes([i]) * 32 for i in (1, 2)]
    user_handle = bytes(range(100, 132))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=ARGS
        )
        page = browser.new_page()
        page.goto(origin + "/")
        cdp = page.context.new_cdp_session(page)
        cdp.send("WebAuthn.enable", {"enableUI": False})
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {"options": {"protocol": "ctap2", "transport": "usb", "hasResidentKey": False}},
        )
        registration = page.evaluate(
            """async ([challenge, user]) => {
              const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON({
                rp: {id: "localhost", name: "Tobira"},
                user: {id: user, name: "alice @ example-corp", displayName: "alice @ example-corp"},
                challenge, pubKeyCredParams: [{type: "public-key", alg: -7}],
                attestation: "none", timeout: 60000});
              return (await navigator.credentials.create({publicKey})).toJSON();
            }""",
            [b64url(registration_challenge), b64url(user_handle)],
        )
        assertions = []
        for challenge in assertion_challenges:
            assertions.append(
                page.evaluate(
                    """async ([challenge, id]) => {
                      const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON({
                        rpId: "localhost", challenge, timeout: 60000,
                        allowCredentials: [{type: "public-key", id}]});
                      return (await navigator.credentials.get({publicKey})).toJSON();
                    }""",
                    [b64url(challenge), registration["id"]],
                )
            )
        browser.close()
    server.shutdown()
    record = {
        "browser": "Debian chromium, CDP virtual authenticator (ctap2, usb)",
        "origin": origin,
        "rp_id": "localhost",
        "registration": {"challenge": b64url(registration_challenge), "response": registration},
        "assertions": [
            {"challenge": b64url(c), "response": a}
            for c, a in zip(assertion_challenges, assertions, strict=True)
        ],
    }
    (HERE / "chromium_ceremony.json").write_text(json.dumps(record, indent=2) + "\n")
    print("recorded", origin)


if __name__ == "__main__":
    main()
