"""The recovery phone step in Chromium (issue 13, items 2 and 4): the code survives a reload, a call
that never reports back ends and *Call me again* appears, and the verified page offers one action.

The console voice backend places no call, as on a development machine; the digits arrive through
Twilio's signed keypad webhook, as they would from a real phone.
"""

import re

import pytest
from playwright.sync_api import expect

from recovery.models import RecoveryAttempt
from tests.conftest import PASSWORD
from tests.support.browser import type_on_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = "browser-test-auth-token"


@pytest.fixture
def console_voice(settings, live_server):
    settings.TOBIRA_BASE_URL = live_server.url
    settings.RECOVERY_VOICE_BACKEND = "recovery.voice.ConsoleVoice"
    settings.TWILIO_AUTH_TOKEN = TOKEN  # the keypad webhook is still signed


def to_the_phone_step(page, mailoutbox):
    page.goto("/signin")
    page.fill("#id_email", "member-root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/mfa$"))
    page.click("text=Troubleshoot MFA")
    page.click("text=Sign in using alternative factors")
    expect(page).to_have_url(re.compile(r"/recovery/start$"))
    page.click("button:has-text('Send verification email')")
    expect(page).to_have_url(re.compile(r"/recovery/email-sent$"))
    link = re.search(r"/recovery/verify/[0-9a-f-]{36}\?t=[A-Za-z0-9_-]+", mailoutbox[-1].body)
    page.goto(link.group(0))
    page.click("button:has-text('Verify email address')")
    expect(page).to_have_url(re.compile(r"/recovery/phone$"))


def switch_language(page, language: str, heading: str):
    with page.expect_navigation():
        page.select_option("#lang-select", language)
    expect(page.locator("h1")).to_have_text(heading)


def test_the_code_survives_a_reload_and_the_verified_page_offers_one_action(
    page, shoot, live_server, console_voice, lost_device, mailoutbox
):
    to_the_phone_step(page, mailoutbox)
    page.click("button:has-text('Call me now')")
    expect(page).to_have_url(re.compile(r"/recovery/phone$"))
    code_box = page.locator("[data-testid=phone-code]")
    expect(code_box).to_have_text(re.compile(r"^\s*\d{6}\s*$"))
    code = code_box.inner_text().strip()
    page.reload()  # a GET: no second call, the same code
    expect(code_box).to_have_text(code)
    expect(page.locator("form[data-call]")).to_have_count(0)
    shoot(page, "recovery-phone-live-after-reload-en")
    switch_language(page, "ja", "電話番号の確認")
    expect(code_box).to_have_text(code)
    shoot(page, "recovery-phone-live-after-reload-ja")
    switch_language(page, "en", "Verify your phone number")
    assert RecoveryAttempt.objects.get().calls_requested == 1

    type_on_the_phone(live_server, code, TOKEN)
    # The page notices by itself and shows the verified state.
    expect(page.locator("h1")).to_have_text("Your phone number is verified")
    expect(page.locator("[data-testid=phone-verified]")).to_contain_text(
        "Sign in to the console to continue."
    )
    primary = page.locator("main .btn-primary")
    expect(primary).to_have_count(1)
    expect(primary).to_have_text("Sign in to the console")
    expect(page.locator("[data-testid=phone-code]")).to_have_count(0)
    shoot(page, "recovery-phone-verified-en")
    switch_language(page, "ja", "電話番号が確認されました")
    expect(page.locator("main .btn-primary")).to_have_count(1)
    expect(page.locator("main .btn-primary")).to_have_text("コンソールにサインイン")
    shoot(page, "recovery-phone-verified-ja")
    switch_language(page, "en", "Your phone number is verified")
    primary.click()
    expect(page).to_have_url(re.compile(r"/security-credentials$"))
    expect(page.locator("[data-testid=recovered-banner]")).to_be_visible()


def test_a_call_that_never_reports_back_lets_the_person_call_again(
    page, shoot, live_server, console_voice, lost_device, mailoutbox, settings
):
    settings.RECOVERY_CALL_TIMEOUT = 3  # seconds; the default is 120
    to_the_phone_step(page, mailoutbox)
    page.click("button:has-text('Call me now')")
    expect(page.locator("[data-testid=phone-code]")).to_be_visible()
    # Nothing reports back (the console backend places no call): the page moves on by itself.
    again = page.locator("form[data-call] button")
    expect(again).to_have_text("Call me again", timeout=15_000)
    expect(page.locator("[data-testid=call-error]")).to_contain_text(
        "We did not hear back from the call."
    )
    expect(page.locator("[data-testid=phone-code]")).to_have_count(0)
    shoot(page, "recovery-phone-timed-out-en")
    switch_language(page, "ja", "電話番号の確認")
    expect(page.locator("form[data-call] button")).to_have_text("もう一度電話する")
    shoot(page, "recovery-phone-timed-out-ja")
    switch_language(page, "en", "Verify your phone number")
    settings.RECOVERY_CALL_TIMEOUT = 120
    again.click()
    expect(page.locator("[data-testid=phone-code]")).to_have_text(re.compile(r"\d{6}"))
    assert RecoveryAttempt.objects.get().calls_requested == 2


def test_the_development_keypad_opens_once_the_call_is_placed(
    page, shoot, live_server, console_voice, lost_device, mailoutbox, settings
):
    settings.DEBUG = True  # the keypad is a development tool
    to_the_phone_step(page, mailoutbox)
    page.click("button:has-text('Call me now')")
    expect(page.locator("[data-testid=phone-code]")).to_have_text(re.compile(r"^\s*\d{6}\s*$"))
    code = page.locator("[data-testid=phone-code]").inner_text().strip()
    with page.context.expect_page() as opened:
        page.click("text=Open the phone keypad")
    keypad = opened.value
    keypad.fill("#digits", code)
    shoot(keypad, "recovery-dev-keypad-en")
    keypad.click("button:has-text('Send the digits')")
    expect(keypad.locator("h1")).to_have_text("Your phone number is verified")
    expect(page.locator("h1")).to_have_text("Your phone number is verified")


def test_a_call_twilio_never_confirmed_voids_its_code_and_says_what_to_do(
    page, shoot, live_server, console_voice, lost_device, mailoutbox, settings
):
    """Twilio took the request and its answer never came (issue 19, Twilio faults): the call may
    ring, so its code stops working, the page says to ignore a ring, and offers another call."""
    to_the_phone_step(page, mailoutbox)
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.UnconfirmedVoice"
    page.click("button:has-text('Call me now')")
    expect(page.locator("[data-testid=call-error]")).to_contain_text(
        "We could not confirm the call, so its code no longer works."
    )
    expect(page.locator("[data-testid=phone-code]")).to_have_count(0)
    expect(page.locator("form[data-call] button")).to_have_text("Call me again")
    shoot(page, "recovery-phone-unconfirmed-en")
    switch_language(page, "ja", "電話番号の確認")
    expect(page.locator("[data-testid=call-error]")).to_contain_text(
        "そのコードは使用できなくなりました"
    )
    shoot(page, "recovery-phone-unconfirmed-ja")
