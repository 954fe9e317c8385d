"""Placing the recovery phone call: a backend chosen by ``RECOVERY_VOICE_BACKEND``.

``TwilioVoice`` uses the real ``twilio`` client; ``TWILIO_API_URL`` sends its
requests to a stand-in (tests serve Twilio's own OpenAPI spec with Prism).
``ConsoleVoice`` is the embedded default: it logs the call and places none.

A backend that fails says whether the call may exist, because a retry must never ring the
phone a second time: ``CallNotPlaced`` when it certainly does not (Twilio refused it, or no
connection was made; ``retry`` says whether asking again may help), ``CallUnconfirmed`` when
the request may have reached Twilio and no answer says what became of it (docs/architecture.md).
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


class CallNotPlaced(Exception):
    """No call was placed: Twilio answered that it placed none, or was never reached."""

    def __init__(self, reason: str, *, retry: bool):
        super().__init__(reason)
        self.reason = reason
        self.retry = retry  # whether asking again may help (5xx, 429, no connection)


class CallUnconfirmed(Exception):
    """The request may have reached Twilio, and no answer came (a read timeout, a dropped
    connection, a gateway's 504): the call may ring, so it must not be placed again."""


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
            # Each of connecting and every wait for the answer (requests' timeout).
            http_client=StandInClient(timeout=settings.TWILIO_TIMEOUT_SECONDS),
        )

    def place_call(self, *, to: str, url: str, status_callback: str) -> str:
        from twilio.base.exceptions import TwilioRestException

        try:
            call = self.client.calls.create(
                to=to,
                from_=settings.TWILIO_FROM_NUMBER,
                url=url,
                status_callback=status_callback,  # Twilio's default event: completed
                timeout=30,  # seconds of ringing
            )
        except TwilioRestException as error:
            reason = f"http-{error.status}"
            # Twilio's error code says why (20003 credentials, 21211 invalid number); its
            # message may repeat the full number, and the request's URL names the account.
            logger.warning(
                "voice call to %s refused: HTTP %s, Twilio error %s",
                masked(to),
                error.status,
                error.code,
            )
            if error.status == 504:  # a gateway gave up waiting: Twilio may be placing it
                raise CallUnconfirmed(reason) from error
            # An answer that refuses: nothing was created. Overloaded or failing may pass.
            raise CallNotPlaced(reason, retry=error.status == 429 or error.status >= 500) from error
        except Exception as error:
            if _never_sent(error):
                raise CallNotPlaced(type(error).__name__, retry=True) from error
            # A read timeout, a dropped connection, an answer that cannot be read: the request
            # went out and nothing says whether Twilio placed the call.
            logger.warning("voice call to %s not confirmed: %s", masked(to), type(error).__name__)
            raise CallUnconfirmed(type(error).__name__) from error
        return call.sid


def _never_sent(error: Exception) -> bool:
    """Whether no connection was ever made (refused, no such host, connecting timed out): then
    Twilio never saw the request. requests wraps urllib3's reason in a ``MaxRetryError``."""
    import requests
    from urllib3.exceptions import ConnectTimeoutError  # NewConnectionError is one too

    if not isinstance(error, requests.ConnectionError):
        return False
    cause = error.args[0] if error.args else None
    return isinstance(getattr(cause, "reason", None), ConnectTimeoutError)


def backend():
    return import_string(settings.RECOVERY_VOICE_BACKEND)()
