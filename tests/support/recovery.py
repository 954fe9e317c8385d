"""The recovery flow's test doubles: a request-like browser, the emailed link, and a voice
backend that records the calls it would place (``settings.RECOVERY_VOICE_BACKEND``)."""

import re

from django.urls import reverse
from twilio.request_validator import RequestValidator

TOKEN = "twilio-test-auth-token"
CALLS = []


class Browser:
    """What the flow reads from a request: the session of a test client, and an address."""

    def __init__(self, client):
        self.session = client.session
        self.session.save()
        self.META = {"REMOTE_ADDR": "127.0.0.1"}
        self.user = None


def link_of(message) -> tuple[str, str]:
    match = re.search(r"/recovery/verify/([0-9a-f-]{36})\?t=([A-Za-z0-9_-]+)", message.body)
    return match.group(1), match.group(2)


class RecordingVoice:
    def place_call(self, *, to, url, status_callback):
        CALLS.append({"to": to, "url": url, "status_callback": status_callback})
        return f"CA{len(CALLS):032d}"


class FailingVoice:
    def place_call(self, **kwargs):
        from twilio.base.exceptions import TwilioRestException

        raise TwilioRestException(503, "https://api.twilio.test", "Service unavailable")


def signed_post(client, name, attempt, params):
    """A webhook as Twilio sends it for the attempt's current call, signed."""
    attempt.refresh_from_db()
    params = {"CallSid": attempt.call_sid, **params}
    url = reverse(name, args=[attempt.pk])
    signature = RequestValidator(TOKEN).compute_signature(
        "https://console.tobira.test" + url, params
    )
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)
