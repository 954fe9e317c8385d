"""The whole recovery in headless Chromium: lost device → alternative factors → the emailed
link → a call placed on the Twilio stand-in → the signed keypad webhook → signed in → banner."""

import re

import pytest
from playwright.sync_api import expect

from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD
from tests.support.browser import type_on_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TOKEN = "browser-test-auth-token"


@pytest.fixture
def twilio(settings, live_server, twilio_standin):
    settings.TOBIRA_BASE_URL = live_server.url
    settings.RECOVERY_VOICE_BACKEND = "recovery.voice.TwilioVoice"
    settings.TWILIO_API_URL = twilio_standin
    settings.TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = "+15005550006"


def at_the_mfa_step_with_a_lost_device(page, member_root, member_account):
    """The member account's root has a phone number and a TOTP device it lost; its password is
    accepted and the MFA step asks for the device."""
    member_account.contact_phone = "+81312345678"
    member_account.save(update_fields=["contact_phone"])
    device, _key = totp_services.virtual_mfa_device_create(user=member_root, name="lost-phone")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    page.goto("/signin")
    page.fill("#id_email", "member-root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa")


def test_lost_device_to_console_through_email_and_phone(
    page, shoot, live_server, twilio, member_root, member_account, mailoutbox
):
    at_the_mfa_step_with_a_lost_device(page, member_root, member_account)
    page.click("text=Troubleshoot MFA")
    page.click("text=Sign in using alternative factors")
    page.wait_for_url("**/recovery/start")
    shoot(page, "recovery-start-en")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("h1")).to_have_text("別の要素を使用してサインイン")
    shoot(page, "recovery-start-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")
    page.click("button:has-text('Send verification email')")
    page.wait_for_url("**/recovery/email-sent")
    shoot(page, "recovery-email-sent-en")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("h1")).to_have_text("メールを確認してください")
    shoot(page, "recovery-email-sent-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")

    link = re.search(r"/recovery/verify/[0-9a-f-]{36}\?t=[A-Za-z0-9_-]+", mailoutbox[-1].body)
    page.goto(link.group(0))
    # The token left the address bar: the address ends at the attempt's id, with no query.
    expect(page).to_have_url(re.compile(r"/recovery/verify/[0-9a-f-]{36}$"))
    page.click("button:has-text('Verify email address')")
    page.wait_for_url("**/recovery/phone")
    page.click("button:has-text('Call me now')")
    phone_code = page.locator("[data-testid=phone-code]")
    expect(phone_code).to_have_text(re.compile(r"^\s*\d{6}\s*$"))
    code = phone_code.inner_text().strip()
    assert re.fullmatch(r"\d{6}", code)
    shoot(page, "recovery-phone-en")

    # The person answers and types the code: Twilio posts the digits, signed.
    type_on_the_phone(live_server, code, TOKEN)

    expect(page.locator("button:has-text('Sign in to the console')")).to_be_visible()
    page.click("button:has-text('Sign in to the console')")
    page.wait_for_url("**/security-credentials")
    expect(page.locator("[data-testid=recovered-banner]")).to_contain_text(
        "You signed in without your MFA device."
    )
    shoot(page, "recovery-done-en")
    assert mailoutbox[-1].subject == "The root user signed in with alternative factors"


def test_with_the_broker_down_the_email_is_promised_not_asked_for_again(
    page, shoot, live_server, member_root, member_account, mailoutbox, monkeypatch
):
    """The outbox sends the email when the broker is back: the page says so, in both languages,
    and does not send the person to start again."""
    from recovery import tasks

    def broker_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.send_recovery_email, "apply_async", broker_down)
    at_the_mfa_step_with_a_lost_device(page, member_root, member_account)
    page.goto("/recovery/start")
    page.click("button:has-text('Send verification email')")
    page.wait_for_url("**/recovery/email-sent")
    expect(page.locator(".message-warning")).to_contain_text("may take a few minutes")
    shoot(page, "recovery-email-delayed-en")

    page.goto("/recovery/start")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("h1")).to_have_text("別の要素を使用してサインイン")
    page.click("form:not(.lang-form) button[type=submit]")
    page.wait_for_url("**/recovery/email-sent")
    expect(page.locator(".message-warning")).to_contain_text("数分かかることがあります")
    shoot(page, "recovery-email-delayed-ja")
    assert not mailoutbox
