"""The real ``twilio`` client against a stand-in serving Twilio's own OpenAPI spec (Prism).

Prism checks each request against the spec: a call without ``To`` or with a
malformed account SID is refused (422), a valid ``calls.create`` answers 201.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest
import requests
from twilio.base.exceptions import TwilioRestException

from recovery import voice
from tests.integration.conftest import free_port

pytestmark = [pytest.mark.integration]

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


@pytest.fixture
def twilio(settings, twilio_standin):
    settings.TWILIO_API_URL = twilio_standin
    settings.TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
    settings.TWILIO_AUTH_TOKEN = "standin-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    return voice.TwilioVoice()


def test_a_call_the_spec_accepts(twilio):
    sid = twilio.place_call(
        to="+81312345678",
        url="https://console.tobira.test/recovery/twilio/voice/1",
        status_callback="https://console.tobira.test/recovery/twilio/status/1",
    )
    assert sid.startswith("CA") and len(sid) == 34


def test_requests_the_spec_refuses_fail_loudly(twilio):
    with pytest.raises(TwilioRestException) as error:
        twilio.place_call(to="", url="not a url", status_callback="also not")
    assert error.value.status == 422


def test_a_malformed_account_is_refused(settings, twilio_standin):
    settings.TWILIO_API_URL = twilio_standin
    settings.TWILIO_ACCOUNT_SID = "not-an-account"
    settings.TWILIO_AUTH_TOKEN = "standin-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    with pytest.raises(TwilioRestException):
        voice.TwilioVoice().place_call(
            to="+81312345678",
            url="https://console.tobira.test/recovery/twilio/voice/1",
            status_callback="https://console.tobira.test/recovery/twilio/status/1",
        )
