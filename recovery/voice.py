"""Placing the recovery phone call: a backend chosen by ``RECOVERY_VOICE_BACKEND``.

``TwilioVoice`` uses the real ``twilio`` client; ``TWILIO_API_URL`` sends its
requests to a stand-in (tests serve Twilio's own OpenAPI spec with Prism).
``ConsoleVoice`` is the embedded default: it logs the call and places none.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def masked(number: str) -> str:
    """``+81••••••5678``: enough to recognize one's own number, not to learn someone else's."""
    if len(number) < 6:
        return "•" * len(number)
    return number[:3] + "•" * (len(number) - 7) + number[-4:]


class ConsoleVoice:
    def place_call(self, *, to: str, url: str, status_callback: str) -> str:
        sid = "CA" + secrets.token_hex(16)
        logger.warning("voice call %s to %s would fetch %s", sid, masked(to), url)
        return sid


class TwilioVoice:
    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        base = getattr(settings, "TWILIO_API_URL", None)

        class StandInClient(TwilioHttpClient):
            """Twilio's client has no base-URL option: swap scheme and host, keep the path."""

            def request(self, method, url, *args, **kwargs):
                if base:
                    target = urlsplit(base)
                    parts = urlsplit(url)
                    url = urlunsplit(
                        (target.scheme, target.netloc, parts.path, parts.query, parts.fragment)
                    )
                return super().request(method, url, *args, **kwargs)

        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=StandInClient(timeout=10),
        )

    def place_call(self, *, to: str, url: str, status_callback: str) -> str:
        call = self.client.calls.create(
            to=to,
            from_=settings.TWILIO_FROM_NUMBER,
            url=url,
            status_callback=status_callback,  # Twilio's default event: completed
            timeout=30,
        )
        return call.sid


def backend():
    return import_string(settings.RECOVERY_VOICE_BACKEND)()
