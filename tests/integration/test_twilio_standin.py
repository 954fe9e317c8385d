"""The real ``twilio`` client against a stand-in serving Twilio's own OpenAPI spec (Prism).

Prism checks each request against the spec: a call without ``To`` or with a
malformed account SID is refused (422), a valid ``calls.create`` answers 201. A refused call is
``CallNotPlaced``, not worth trying again (tests/faults/test_twilio_faults.py has the rest).
"""

import pytest

from recovery import voice

pytestmark = [pytest.mark.integration]


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
    with pytest.raises(voice.CallNotPlaced) as error:
        twilio.place_call(to="", url="not a url", status_callback="also not")
    assert error.value.reason == "http-422" and not error.value.retry


def test_a_malformed_account_is_refused(settings, twilio_standin):
    settings.TWILIO_API_URL = twilio_standin
    settings.TWILIO_ACCOUNT_SID = "not-an-account"
    settings.TWILIO_AUTH_TOKEN = "standin-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    with pytest.raises(voice.CallNotPlaced) as error:
        voice.TwilioVoice().place_call(
            to="+81312345678",
            url="https://console.tobira.test/recovery/twilio/voice/1",
            status_callback="https://console.tobira.test/recovery/twilio/status/1",
        )
    assert not error.value.retry
