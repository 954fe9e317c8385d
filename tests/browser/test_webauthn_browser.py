"""Passkeys and security keys in real headless Chromium, with CDP virtual authenticators.

Each kind registers through the real pages, signs out, and signs in with
password + key: a platform passkey (CTAP2, internal, resident key, user
verification), a roaming security key (CTAP2, USB, no resident key) and a
U2F-protocol key.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from mfa.models import WebAuthnCredential
from tests.conftest import PASSWORD
from tests.support.browser import add_authenticator, register_key, sign_in_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUTHENTICATORS = {
    "platform-passkey": {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
    },
    "roaming-security-key": {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": False,
        "hasUserVerification": False,
    },
    "u2f-key": {"protocol": "u2f", "transport": "usb"},
}
# Signing out takes an IAM user to her account's sign-in page.
SIGNED_OUT = re.compile(r"/signin/example-corp$")


@pytest.fixture(autouse=True)
def relying_party(settings, live_server):
    # The page is served from http://localhost:PORT: a secure context, RP ID "localhost".
    assert live_server.url.startswith("http://localhost:")
    settings.WEBAUTHN_RP_ID = "localhost"
    settings.WEBAUTHN_ORIGINS = [live_server.url]


@pytest.mark.parametrize("kind", list(AUTHENTICATORS))
def test_register_then_sign_in_with_password_and_key(page, shoot, alice, kind):
    cdp, authenticator_id = add_authenticator(page, AUTHENTICATORS[kind])
    sign_in_password(page)
    page.wait_for_url("**/console/")
    register_key(page, shoot, f"webauthn-{kind}-en")
    expect(page.locator(".messages")).to_contain_text("was assigned.")
    device = WebAuthnCredential.objects.get(user=alice)
    expect(page.get_by_test_id("mfa-devices")).to_contain_text(device.name)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert len(stored["credentials"]) == 1
    assert stored["credentials"][0]["isResidentCredential"] is (kind == "platform-passkey")
    shoot(page, f"webauthn-{kind}-listed-en")

    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(SIGNED_OUT)
    sign_in_password(page)
    page.wait_for_url("**/mfa")
    shoot(page, f"webauthn-{kind}-signin-en")
    page.click("button:has-text('Use passkey or security key')")
    page.wait_for_url("**/console/")
    device.refresh_from_db()
    assert device.last_used_at is not None
    if kind != "platform-passkey":
        assert device.sign_count >= 1
    assert page.evaluate("document.cookie").find("sessionid") == -1  # HttpOnly
    expect(page).to_have_url(re.compile(re.escape(reverse("console:home"))))


def test_a_removed_authenticator_gives_a_clear_error(page, shoot, alice, settings):
    cdp, authenticator_id = add_authenticator(page, AUTHENTICATORS["roaming-security-key"])
    sign_in_password(page)
    page.wait_for_url("**/console/")
    register_key(page)
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(SIGNED_OUT)

    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator_id})
    settings.WEBAUTHN_CHALLENGE_TTL = 3  # the browser gives up after the options' timeout
    sign_in_password(page)
    page.wait_for_url("**/mfa")
    page.click("button:has-text('Use passkey or security key')")
    error = page.locator("[data-webauthn-error]")
    expect(error).to_be_visible(timeout=20_000)
    expect(error).to_have_text(
        "The request was cancelled or timed out. Try again, or use another MFA device."
    )
    expect(page.locator("button:has-text('Use passkey or security key')")).to_be_enabled()
    shoot(page, "webauthn-signin-no-authenticator-en")
    expect(page).to_have_url(re.compile("/mfa"))


def test_another_users_key_is_refused_by_the_server(
    page, chromium, live_server, alice, make_iam_user
):
    # Bob registers a key in his own browser.
    make_iam_user(name="bob")
    bob_context = chromium.new_context(base_url=live_server.url)
    bob_page = bob_context.new_page()
    bob_cdp, bob_authenticator = add_authenticator(bob_page, AUTHENTICATORS["roaming-security-key"])
    sign_in_password(bob_page, "bob")
    bob_page.wait_for_url("**/console/")
    register_key(bob_page)
    bob_credential = bob_cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": bob_authenticator}
    )["credentials"][0]
    bob_context.close()

    # Alice has a key of her own; her browser also holds a copy of Bob's.
    cdp, authenticator_id = add_authenticator(page, AUTHENTICATORS["roaming-security-key"])
    sign_in_password(page)
    page.wait_for_url("**/console/")
    register_key(page)
    cdp.send(
        "WebAuthn.addCredential",
        {"authenticatorId": authenticator_id, "credential": bob_credential},
    )
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(SIGNED_OUT)
    sign_in_password(page)
    page.wait_for_url("**/mfa")

    # A tampered client answers Alice's challenge with Bob's key.
    with page.expect_navigation():
        page.evaluate(
            """async (bobId) => {
              const form = document.querySelector("form[data-webauthn]");
              const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
              const response = await fetch(form.dataset.optionsUrl, {
                method: "POST", headers: {"X-CSRFToken": token}});
              const json = await response.json();
              json.allowCredentials = [{type: "public-key", id: bobId}];
              const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json);
              const credential = await navigator.credentials.get({publicKey});
              form.querySelector("[name=credential]").value = JSON.stringify(credential.toJSON());
              form.submit();
            }""",
            bob_credential["credentialId"].replace("+", "-").replace("/", "_").rstrip("="),
        )
    expect(page).to_have_url(re.compile("/mfa"))
    expect(page.locator("[data-webauthn-error]")).to_contain_text(
        "The passkey or security key was not accepted."
    )
    assert page.context.cookies()
    expect(page).not_to_have_url(re.compile("console"))


def test_the_passkey_pages_in_japanese(page, shoot, alice):
    add_authenticator(page, AUTHENTICATORS["platform-passkey"])
    page.goto("/signin/example-corp")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    page.goto("/security-credentials/mfa/assign")
    page.check("input[name=device_type][value=webauthn]")
    shoot(page, "webauthn-assign-ja")
    page.click("button:has-text('次へ')")
    page.wait_for_url("**/mfa/passkey")
    expect(page.locator("h1")).to_have_text("パスキーまたはセキュリティキーの設定")
    shoot(page, "webauthn-setup-ja")
    page.click("button:has-text('続行')")
    page.wait_for_url("**/security-credentials")
    expect(page.locator("main")).to_contain_text(re.compile("同期パスキー|デバイス固定"))
    shoot(page, "webauthn-listed-ja")
    page.click("button:has-text('サインアウト')")
    expect(page).to_have_url(SIGNED_OUT)
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/mfa")
    shoot(page, "webauthn-signin-ja")
    page.click("button:has-text('パスキーまたはセキュリティキーを使用')")
    page.wait_for_url("**/console/")


def test_registering_the_same_key_twice_says_so(page, alice):
    add_authenticator(page, AUTHENTICATORS["roaming-security-key"])
    sign_in_password(page)
    page.wait_for_url("**/console/")
    register_key(page)
    page.goto("/security-credentials/mfa/assign")
    page.check("input[name=device_type][value=webauthn]")
    page.click("button:has-text('Next')")
    page.wait_for_url("**/mfa/passkey")
    page.click("button:has-text('Continue')")  # excludeCredentials names this key
    error = page.locator("[data-webauthn-error]")
    expect(error).to_be_visible()
    expect(error).to_have_text("This passkey or security key is already registered to you.")
    assert WebAuthnCredential.objects.filter(user=alice).count() == 1
