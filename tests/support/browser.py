"""What several browser tests do the same way: carry a server-made session, type on the phone;
a virtual WebAuthn authenticator, signing in with a password and registering a key."""

from __future__ import annotations

import requests
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from recovery.models import RecoveryAttempt
from tests.conftest import PASSWORD


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


def add_authenticator(page, options: dict) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, authenticator["authenticatorId"]


def sign_in_password(page, user_name="alice"):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", user_name)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def register_key(page, shoot=None, name=None):
    page.goto("/security-credentials/mfa/assign")
    page.check("input[name=device_type][value=webauthn]")
    expect(page.locator("#id_name")).to_have_value("")  # the app's suggestion is cleared
    if shoot:
        shoot(page, f"{name}-assign")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/mfa/passkey")
    if shoot:
        shoot(page, f"{name}-setup")
    page.click("button:has-text('Continue')")
    page.wait_for_url("**/security-credentials")


def in_both_languages(page, shoot, name: str) -> None:
    """Shoot the page as ``<name>-en``, then in Japanese as ``<name>-ja`` (the language menu
    reloads it), and back to English."""
    shoot(page, f"{name}-en")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    shoot(page, f"{name}-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
