"""What several browser tests do the same way: carry a server-made session, type on the phone."""

from __future__ import annotations

import requests
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from recovery.models import RecoveryAttempt


def carry_session(page, live_server, client: Client | None = None, *, user=None, language=None):
    """Give the browser the session of ``client`` (or of ``user``, signed in on the server side)
    and, if named, a language: for pages whose sign-in this test is not about."""
    if client is None:
        client = Client()
        client.force_login(user)
    cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value}]
    if language:
        cookies.append({"name": "django_language", "value": language})
    page.context.add_cookies([{**cookie, "url": live_server.url} for cookie in cookies])


def type_on_the_phone(live_server, code: str, token: str) -> None:
    """The digits as Twilio posts them for the attempt's current call: its signed keypad webhook."""
    attempt = RecoveryAttempt.objects.get(state="call_in_progress")
    assert attempt.call_sid.startswith("CA")
    gather = reverse("recovery:twilio_gather", args=[attempt.pk])
    params = {"CallSid": attempt.call_sid, "Digits": code}
    signature = RequestValidator(token).compute_signature(live_server.url + gather, params)
    answer = requests.post(
        live_server.url + gather,
        data=params,
        headers={"X-Twilio-Signature": signature},
        timeout=10,
    )
    assert answer.status_code == 200 and "<Hangup" in answer.text
