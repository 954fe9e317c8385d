"""Signing in with a passkey alone in real headless Chromium, with a CDP virtual authenticator:
the administrator turns it on, alice registers a passkey through the real pages, signs out, and
signs in from the browser's autofill (WebAuthn conditional mediation) and from the button. A key
that does not verify its user is refused as the only factor."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from identity.models import Account, AuditEvent
from mfa.models import WebAuthnCredential
from tests.conftest import PASSWORD
from tests.support.browser import add_authenticator, register_key, sign_in_password

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSKEY = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}
SIGNED_OUT = re.compile(r"/signin/example-corp$")
CONSOLE = re.compile(re.escape(reverse("console:home")) + "$")


@pytest.fixture(autouse=True)
def relying_party(settings, live_server):
    assert live_server.url.startswith("http://localhost:")
    settings.WEBAUTHN_RP_ID = "localhost"
    settings.WEBAUTHN_ORIGINS = [live_server.url]


def turn_on(page, shoot, management_root):
    """The administrator turns it on in the console (the account's sign-in settings)."""
    page.goto("/signin")
    page.fill("#id_email", management_root.account.root_email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(CONSOLE)
    page.goto(reverse("console:signin_settings", args=[management_root.account_id]))
    expect(page.locator("h1")).to_have_text("Sign-in settings")
    shoot(page, "passkey-signin-settings-off-en")
    page.check("#id_passkey_signin")
    page.click("button:has-text('Save changes')")
    expect(page.locator(".messages")).to_contain_text("The sign-in settings have been saved.")
    expect(page.locator("[data-testid=passkey-signin-state]")).to_contain_text(
        "may sign in with a passkey alone"
    )
    shoot(page, "passkey-signin-settings-on-en")
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile("/signin"))


def register_passkey(page, cdp, authenticator_id):
    sign_in_password(page)
    expect(page).to_have_url(CONSOLE)
    register_key(page)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert stored["credentials"][0]["isResidentCredential"] is True
    # The page a sign-out lands on is a sign-in page whose autofill would be answered at once:
    # the key is taken out of reach first, and each test puts it back when it wants an answer.
    presence(cdp, authenticator_id, False)
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(SIGNED_OUT)


def presence(cdp, authenticator_id, enabled: bool, page=None) -> None:
    """Whether the virtual authenticator answers by itself (the person touching the key).
    Turned on from ``page``'s blank page: the sign-in page shown may hold a pending autofill
    request, which it would answer while the test goes elsewhere."""
    if enabled and page is not None:
        page.goto("about:blank")
    cdp.send(
        "WebAuthn.setAutomaticPresenceSimulation",
        {"authenticatorId": authenticator_id, "enabled": enabled},
    )


def test_autofill_and_button_sign_in_with_a_passkey_alone(page, shoot, management_root, alice):
    turn_on(page, shoot, management_root)
    cdp, authenticator_id = add_authenticator(page, PASSKEY)
    register_passkey(page, cdp, authenticator_id)
    device = WebAuthnCredential.objects.get(user=alice)
    assert device.discoverable is True and device.user_verified is True

    # The autofill: the page asks with mediation "conditional" as soon as it loads; the user
    # name box carries autocomplete="username webauthn". Chromium's virtual authenticator
    # answers a conditional request by itself (no account chooser to click: enableUI is off),
    # with the one discoverable credential it holds.
    # The answer may come, and the page go on to the console, before the sign-in page's "load"
    # event: wait only for the sign-in page's response, then for the console.
    presence(cdp, authenticator_id, True, page)
    page.goto("/signin/example-corp", wait_until="commit")
    expect(page).to_have_url(CONSOLE)
    assert page.evaluate("() => document.cookie").find("sessionid") == -1
    event = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="").latest("event_time")
    assert event.additional_event_data["method"] == "passkey"
    assert "userName" in event.request_parameters

    # The button: with the autofill request aborted first. The virtual authenticator answers
    # the autofill before anybody could click, so the button is tried on a page whose autofill
    # found nothing to answer with (the authenticator is detached while the page loads).
    presence(cdp, authenticator_id, False)  # before the sign-out page's own autofill
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(SIGNED_OUT)
    page.goto("/signin/example-corp")
    expect(page.locator("#id_user_name")).to_have_attribute("autocomplete", "username webauthn")
    button = page.locator("button:has-text('Sign in with a passkey')")
    expect(button).to_be_visible()
    expect(page.locator("form[data-passkey-signin]")).to_have_attribute(
        "data-passkey-state", "autofill"
    )
    shoot(page, "passkey-signin-page-en")
    cdp.send(
        "WebAuthn.setAutomaticPresenceSimulation",
        {"authenticatorId": authenticator_id, "enabled": True},
    )
    button.click()
    expect(page).to_have_url(CONSOLE)
    device.refresh_from_db()
    assert device.last_used_at is not None


def test_a_key_that_does_not_verify_its_user_is_refused_as_the_only_factor(
    page, shoot, alice, settings
):
    Account.objects.filter(pk=alice.account_id).update(passkey_signin=True)
    cdp, authenticator_id = add_authenticator(page, PASSKEY)
    register_passkey(page, cdp, authenticator_id)
    # From now on the key's PIN or biometrics fail: it only proves presence.
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator_id, "isUserVerified": False}
    )
    presence(cdp, authenticator_id, True, page)

    # 1. The honest browser: the options require user verification, so Chromium itself gets no
    # answer from this key: the autofill ends without a word (it asked nothing of the person),
    # and the button's request ends with the page's "cancelled or timed out" message.
    settings.WEBAUTHN_CHALLENGE_TTL = 3  # the browser gives up after the options' timeout
    page.goto("/signin/example-corp")
    expect(page.locator("form[data-passkey-signin]")).to_have_attribute(
        "data-passkey-state", "autofill-ended"
    )
    expect(page.locator("[data-webauthn-error]")).to_be_hidden()
    page.click("button:has-text('Sign in with a passkey')")
    error = page.locator("[data-webauthn-error]")
    expect(error).to_have_text(
        "The passkey request was cancelled or timed out. Try again, or sign in with your password.",
        timeout=20_000,
    )
    expect(page).to_have_url(SIGNED_OUT)
    settings.WEBAUTHN_CHALLENGE_TTL = 300

    # 2. A client that asks the key without user verification gets an answer without the UV
    # flag: the server refuses it as the only factor, and says why.
    page.goto("/signin/example-corp")
    with page.expect_navigation():
        page.evaluate(
            """async () => {
              const form = document.querySelector("form[data-passkey-signin]");
              const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
              const response = await fetch(form.dataset.optionsUrl, {
                method: "POST", headers: {"X-CSRFToken": token}});
              const json = await response.json();
              json.userVerification = "discouraged";
              const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(json);
              const credential = await navigator.credentials.get({publicKey});
              form.querySelector("[name=credential]").value = JSON.stringify(credential.toJSON());
              form.submit();
            }"""
        )
    expect(page.locator("[data-webauthn-error]")).to_have_text(
        "This security key did not verify you (PIN or biometrics). Sign in with your password, "
        "then use the key."
    )
    expect(page).not_to_have_url(CONSOLE)
    shoot(page, "passkey-signin-not-verified-en")
    assert AuditEvent.objects.filter(
        event_name="ConsoleLogin", error_code="UserNotVerified"
    ).exists()
    expect(page).to_have_url(re.compile("/passkey/signin$"))  # the page shown again


def test_without_the_opt_in_the_page_offers_no_passkey(page, alice):
    page.goto("/signin/example-corp")
    expect(page.locator("#id_user_name")).to_have_attribute("autocomplete", "username")
    expect(page.locator("[data-testid=passkey-signin]")).to_have_count(0)


def test_the_access_portal_signs_in_with_a_passkey_from_the_autofill(
    page, shoot, management_root, organization
):
    from sso.models import SSOSettings
    from tests.support.sso import make_sso_user, set_sso

    make_sso_user(organization, name="sam")
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    # The administrator turns it on in the Identity Center settings.
    page.goto("/signin")
    page.fill("#id_email", management_root.account.root_email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(CONSOLE)
    page.goto(reverse("console:sso_settings"))
    page.check("#id_passkey_signin")
    shoot(page, "passkey-signin-sso-settings-en")
    page.click("button:has-text('Save settings')")
    expect(page.locator(".messages")).to_contain_text("The Identity Center settings were saved.")
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile("/signin"))

    portal = reverse("sso:portal", args=[organization.pk])
    cdp, authenticator_id = add_authenticator(page, PASSKEY)
    cdp.send(  # no autofill answer yet: sam has no passkey
        "WebAuthn.setAutomaticPresenceSimulation",
        {"authenticatorId": authenticator_id, "enabled": False},
    )
    page.goto(portal)
    page.fill("#id_user_name", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    # Signed in (a missing h1, mid-navigation, would satisfy a "not this heading" check).
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    cdp.send(
        "WebAuthn.setAutomaticPresenceSimulation",
        {"authenticatorId": authenticator_id, "enabled": True},
    )
    register_key(page)
    cdp.send(  # for the picture of the page: no autofill answer yet
        "WebAuthn.setAutomaticPresenceSimulation",
        {"authenticatorId": authenticator_id, "enabled": False},
    )
    page.click("button:has-text('Sign out')")
    expect(page).to_have_url(re.compile(re.escape(portal) + "$"))
    expect(page.locator("[data-testid=passkey-signin]")).to_be_visible()
    expect(page.locator("#id_user_name")).to_have_attribute("autocomplete", "username webauthn")
    shoot(page, "passkey-signin-portal-en")
    presence(cdp, authenticator_id, True, page)
    # The autofill of the next visit answers with sam's passkey.
    page.goto(portal, wait_until="commit")  # the answer may come before "load"
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    event = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="").latest("event_time")
    assert event.request_parameters["loginTo"] == "portal"
    assert event.additional_event_data["method"] == "passkey"
