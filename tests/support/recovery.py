"""The recovery flow's test doubles: a request-like browser, the emailed link, and a voice
backend that records the calls it would place (``settings.RECOVERY_VOICE_BACKEND``)."""

import re

from django.urls import reverse
from twilio.request_validator import RequestValidator

TOKEN = "twilio-test-auth-token"
CALLS = []  # the calls placed
TRIES = []  # the calls a failing backend was asked for


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
    """Twilio's API answers 503: no call, and asking again may help."""

    retry = True

    def place_call(self, **kwargs):
        from recovery.voice import CallNotPlaced

        TRIES.append(kwargs)
        raise CallNotPlaced("http-503", retry=self.retry)


class RefusingVoice(FailingVoice):
    """Twilio's API answers 400 (a number it cannot call): asking again will not help."""

    retry = False


class UnconfirmedVoice:
    """The request reached Twilio and its answer never came: the call may ring."""

    def place_call(self, **kwargs):
        from recovery.voice import CallUnconfirmed

        TRIES.append(kwargs)
        raise CallUnconfirmed("ReadTimeout")


class WorkerKilled(Exception):
    """What a worker's death looks like from the task: Twilio got the request, nothing after."""


class KilledVoice:
    """Twilio places the call; the worker dies before its answer is recorded."""

    def place_call(self, **kwargs):
        CALLS.append(kwargs)
        raise WorkerKilled


class OnceBusyVoice(RecordingVoice):
    """Twilio answers 503 once (no call), then places the call."""

    def place_call(self, **kwargs):
        from recovery.voice import CallNotPlaced

        if not TRIES:
            TRIES.append(kwargs)
            raise CallNotPlaced("http-503", retry=True)
        return super().place_call(**kwargs)


class ObservedVoice(RecordingVoice):
    """Runs ``observe(attempt_id)`` in another thread (its own database connection) while
    Twilio is being asked, and checks that this thread holds no transaction then."""

    observe = None

    def place_call(self, *, to, url, status_callback):
        from concurrent.futures import ThreadPoolExecutor

        from django.db import connection

        with ThreadPoolExecutor(1) as pool:
            pool.submit(self.observe, url.rsplit("/", 1)[1]).result(timeout=30)
        assert not connection.in_atomic_block  # no transaction is held while Twilio is asked
        return super().place_call(to=to, url=url, status_callback=status_callback)


def signed_post(client, name, attempt, params):
    """A webhook as Twilio sends it for the attempt's current call, signed."""
    attempt.refresh_from_db()
    params = {"CallSid": attempt.call_sid, **params}
    url = reverse(name, args=[attempt.pk])
    signature = RequestValidator(TOKEN).compute_signature(
        "https://console.tobira.test" + url, params
    )
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)
