"""A Twilio stand-in: Prism (npm, in ``var/tools``) serving Twilio's own OpenAPI spec
(``../shared/twilio``, beside the repository). The ``twilio_standin`` fixture is its URL; the
integration and browser conftests offer it."""

import os
import subprocess
import time
from pathlib import Path

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
