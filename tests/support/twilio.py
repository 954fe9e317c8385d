"""A Twilio stand-in: Prism (npm, in ``var/tools``) serving Twilio's own OpenAPI spec
(``../shared/twilio``, beside the repository). The ``twilio_standin`` fixture is its URL; the
integration and browser conftests offer it. ``faulty_twilio`` puts a proxy in front of it that
answers 5xx or stalls (the fault tests)."""

import json
import os
import re
import subprocess
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.oidc import free_port

SPEC = Path(__file__).resolve().parents[3] / "shared" / "twilio" / "twilio_api_v2010.json"


@pytest.fixture(scope="module")
def twilio_standin():
    binary = os.environ.get("PRISM_BIN") or str(
        Path(__file__).resolve().parents[2] / "var" / "tools" / "node_modules" / ".bin" / "prism"
    )
    if not Path(binary).exists():
        pytest.fail(f"{binary} is missing: bin/test installs Prism from npm (ensure_prism)")
    if not SPEC.exists():
        pytest.fail(f"{SPEC} is missing: ../shared must be beside the repository")
    port = free_port()
    process = subprocess.Popen(
        [binary, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "warn", str(SPEC)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            requests.get(url + "/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("Prism did not start:\n" + process.stdout.read())
    yield url
    process.terminate()
    process.wait(10)


CALLS_CREATE = re.compile(r"^/2010-04-01/Accounts/[^/]+/Calls\.json$")
# What Twilio's API answers when it fails (https://www.twilio.com/docs/usage/twilios-response).
TWILIO_ERROR = {"code": 20500, "message": "Internal Server Error", "more_info": "", "status": 500}


class FaultyTwilio:
    """A proxy on 127.0.0.1 between the Twilio client and the stand-in that spoils
    ``calls.create`` requests (Prism answers only what Twilio's spec defines, which for a call
    is 201: it cannot be asked for a 500).

    Each fault in ``faults`` spoils the next request, then they pass; ``always`` spoils every
    one. A fault is a status code (answered as Twilio's API does: nothing is created), "stall"
    or "drop": the request goes on to the stand-in, which creates the call, and its answer is
    held back until the client gave up (a read timeout), or the connection is closed instead
    of answering. Then the client cannot know that the call exists.

    ``requests`` lists each ``calls.create`` that arrived, as its fault (None: passed);
    ``placed`` counts those the stand-in created (201).
    """

    def __init__(self, target: str):
        self.target = target
        self.faults: list = []
        self.always = None
        self.requests: list = []
        self.placed = 0
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Relay)
        self._server.daemon_threads = True
        self._server.faulty = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def reset(self) -> None:
        """No faults, nothing counted (a stalled answer still held is dropped)."""
        with self._lock:
            self.faults, self.always, self.requests, self.placed = [], None, [], 0
            released, self._released = self._released, threading.Event()
        released.set()

    def _fault_for(self, method: str, path: str):
        """The fault of this request (recorded when it is a ``calls.create``)."""
        if method != "POST" or not CALLS_CREATE.match(urlsplit(path).path):
            return None, False, self._released
        with self._lock:
            fault = self.faults.pop(0) if self.faults else self.always
            self.requests.append(fault)
            return fault, True, self._released

    def _created(self) -> None:
        with self._lock:
            self.placed += 1

    def close(self) -> None:
        self.reset()
        self._server.shutdown()
        self._server.server_close()


class _Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's hook name
        self._relay()

    def do_POST(self):  # noqa: N802
        self._relay()

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def _relay(self):
        faulty: FaultyTwilio = self.server.faulty
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fault, create, released = faulty._fault_for(self.command, self.path)
        if isinstance(fault, int):
            error = {**TWILIO_ERROR, "status": fault, "message": HTTPStatus(fault).phrase}
            return self._answer(fault, json.dumps(error).encode(), "application/json")
        forwarded = {
            name: self.headers[name]
            for name in ("Authorization", "Content-Type", "Accept", "User-Agent")
            if name in self.headers
        }
        answer = requests.request(
            self.command, faulty.target + self.path, data=body, headers=forwarded, timeout=10
        )
        if create and answer.status_code == 201:
            faulty._created()
        if fault in ("stall", "drop"):
            if fault == "stall":
                released.wait(30)  # the client gave up long before: the answer is lost
            self.close_connection = True
            return None
        return self._answer(
            answer.status_code,
            answer.content,
            answer.headers.get("Content-Type", "application/json"),
        )

    def _answer(self, status: int, body: bytes, content_type: str):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def faulty_twilio(twilio_standin):
    """A :class:`FaultyTwilio` in front of the stand-in, for a module (a worker started once
    keeps its ``url`` as ``TWILIO_API_URL``): each test resets it."""
    faulty = FaultyTwilio(twilio_standin)
    yield faulty
    faulty.close()
