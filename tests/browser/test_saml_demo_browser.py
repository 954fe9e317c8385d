"""The demo's SAML application in headless Chromium: a person signs in to the access portal
(password and TOTP), clicks the SAML application's tile (IdP-initiated), and the demo service
provider (bin/demo_sp.py, pysaml2 as a service provider) shows the NameID and the attributes of a
response whose signatures it verified; then the same from the service provider's own /login
(SP-initiated, InResponseTo checked)."""

from __future__ import annotations

import base64
import re
import time
from urllib.parse import parse_qs, urlencode

import pyotp
import pytest
import requests
from playwright.sync_api import expect

from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from sso import services as sso_services
from sso.applications import services as app_services
from tests.conftest import PASSWORD
from tests.support.demo_sp import acs_url_for, demo_service_provider, entity_id_for, free_port
from tests.support.sso import make_sso_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TWO_FACTOR = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"


@pytest.fixture
def saml_app(settings, live_server, organization):
    # The IdP metadata, the Issuer and the SSO endpoint are built from the base URL.
    settings.TOBIRA_BASE_URL = live_server.url
    sam = make_sso_user(organization, name="sam")
    device, key = totp_services.virtual_mfa_device_create(user=sam, name="sam-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    team = sso_services.sso_group_create(actor=None, organization=organization, name="Engineers")
    sso_services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    port = free_port()
    application, _provider = app_services.saml_application_create(
        actor=None,
        organization=organization,
        name="Demo SAML app",
        entity_id=entity_id_for(port),
        acs_urls=[acs_url_for(port)],
        name_id_format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        attribute_mappings={"email": "email", "username": "user_name", "groups": "groups"},
        allow_unsigned_requests=True,
        default_relay_state="/",
    )
    app_services.assignment_add(actor=None, application=application, group=team)
    metadata_url = f"{live_server.url}/o/{organization.pk}/saml/metadata"
    with demo_service_provider(metadata_url, port) as sp:
        yield {
            "sp": sp,
            "sam": sam,
            "totp": pyotp.TOTP(base64.b32encode(key).decode()),
            "application": application,
        }


def expect_signed_in(page, sam, flow: str) -> None:
    expect(page.get_by_test_id("sp-signed-in")).to_have_text(f"Signed in as {sam.unique_id}")
    expect(page.get_by_test_id("saml-nameid")).to_have_text(sam.unique_id)
    expect(page.get_by_test_id("saml-nameid-format")).to_have_text(
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    )
    expect(page.get_by_test_id("saml-flow")).to_have_text(flow)
    expect(page.get_by_test_id("saml-authn-context")).to_have_text(TWO_FACTOR)
    expect(page.get_by_test_id("attr-email")).to_have_text("sam@example.test")
    expect(page.get_by_test_id("attr-username")).to_have_text("sam")
    expect(page.get_by_test_id("attr-groups")).to_have_text("Engineers")


def test_a_tile_and_the_service_providers_login_both_sign_in(
    page, shoot, organization, live_server, saml_app
):
    sp, sam = saml_app["sp"], saml_app["sam"]
    posted = []  # what the browser posts to the service provider's ACS
    page.context.on(
        "request",
        lambda request: posted.append(request.post_data) if request.url == sp.acs_url else None,
    )
    page.goto(f"/start/{organization.pk}")
    page.fill("#id_user_name", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/mfa\?"))
    page.fill("#id_code", saml_app["totp"].at(time.time()))
    page.click("main form button[type=submit] >> nth=0")

    # IdP-initiated: the portal's tile posts a signed response to the service provider.
    tile = page.get_by_test_id(f"portal-app-{saml_app['application'].application_id}")
    expect(tile).to_contain_text("Demo SAML app")
    shoot(page, "saml-demo-portal-en")
    with page.context.expect_page() as opened:
        tile.get_by_role("link").click()
    sp_page = opened.value
    expect_signed_in(sp_page, sam, "IdP-initiated (unsolicited)")
    expect(sp_page.get_by_test_id("saml-issuer")).to_have_text(
        f"{live_server.url}/o/{organization.pk}/saml/metadata"
    )
    expect(sp_page).to_have_url(f"{sp.url}/")  # the default relay state
    shoot(sp_page, "saml-demo-idp-initiated-en")

    # The service provider checks what it is given: the same response again is refused, and
    # so is one whose NameID was changed (its signatures no longer verify).
    form = parse_qs(posted[0])
    acs = sp.acs_url.replace("localhost", "127.0.0.1")
    again = requests.post(acs, data=posted[0], headers=FORM, allow_redirects=False, timeout=10)
    assert again.status_code == 400 and "already used" in again.text
    document = base64.b64decode(form["SAMLResponse"][0]).decode()
    assert sam.unique_id in document  # the NameID
    forged = base64.b64encode(document.replace(sam.unique_id, "0" * 32).encode()).decode()
    body = urlencode({"SAMLResponse": forged, "RelayState": "/"})
    refused = requests.post(acs, data=body, headers=FORM, allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and "SignatureError" in refused.text

    # SP-initiated: the service provider forgets its session and asks again; Tobira's
    # session answers at once and the response answers that request.
    sp_page.get_by_test_id("sp-logout").click()
    expect(sp_page.get_by_test_id("sp-login")).to_be_visible()
    shoot(sp_page, "saml-demo-signed-out-en")
    sp_page.get_by_test_id("sp-login").click()
    expect_signed_in(sp_page, sam, "SP-initiated")
    shoot(sp_page, "saml-demo-sp-initiated-en")
