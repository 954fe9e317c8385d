"""Applications in headless Chromium: a person signs in to an OpenID Connect application (the
demo relying party, bin/demo_rp.py) through the access portal, and the claims arrive; an
application's "MFA within 5 minutes" rule asks for a new MFA step when the last one is older."""

from __future__ import annotations

import base64
import re
import time
from importlib import import_module

import pyotp
import pytest
from django.conf import settings
from playwright.sync_api import expect

from identity import authn_state
from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from sso import services as sso_services
from sso.applications import services as app_services
from tests.conftest import PASSWORD
from tests.support.demo_rp import demo_relying_party, free_port, redirect_uri_for
from tests.support.sso import make_sso_user

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def authenticator_app(user):
    device, key = totp_services.virtual_mfa_device_create(user=user, name=f"{user.name}-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return pyotp.TOTP(base64.b32encode(key).decode())


@pytest.fixture
def wiki(live_server, organization):
    sam = make_sso_user(organization, name="sam")
    app = authenticator_app(sam)
    team = sso_services.sso_group_create(actor=None, organization=organization, name="Engineers")
    sso_services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    port = free_port()
    application, client, secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        redirect_uris=[redirect_uri_for(port)],
        post_logout_redirect_uris=[f"http://localhost:{port}/"],
        grant_types=["authorization_code"],
        skip_authorization=True,
        start_url=f"http://localhost:{port}/login",
        mfa_max_age_minutes=5,
    )
    app_services.assignment_add(actor=None, application=application, group=team)
    issuer = f"{live_server.url}/o/{organization.pk}"
    with demo_relying_party(issuer, client.client_id, secret, port) as rp:
        yield {"rp": rp, "sam": sam, "app": app, "application": application}


def age_mfa(page, seconds: int) -> None:
    """Make this browser's MFA step (and sign-in) ``seconds`` older, in the session store."""
    key = next(
        c["value"] for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    session = SessionStore(session_key=key)
    for name in (authn_state.MFA_SESSION_KEY, authn_state.SIGNIN_SESSION_KEY):
        record = dict(session[name])
        record["at"] -= seconds
        session[name] = record
    session.save()


def mfa_step(page, app, ahead: int = 0):
    """Answer the MFA page; ``ahead`` seconds: the code of a later step (the code of a step is
    accepted once, and a device a step ahead is within the accepted window)."""
    page.wait_for_url(re.compile(r"/mfa\?"))
    page.fill("#id_code", app.at(time.time() + ahead))
    page.click("main form button[type=submit] >> nth=0")


def test_the_claims_arrive_and_an_older_mfa_asks_for_a_new_step(page, shoot, organization, wiki):
    rp, sam, app = wiki["rp"], wiki["sam"], wiki["app"]
    # Straight to the application's login, as from a bookmark: no cookie of it yet.
    page.goto(rp.url + "/login")
    # Tobira's portal sign-in, then the MFA step, then back to the application.
    page.wait_for_url(re.compile(rf"/start/{organization.pk}\?next="))
    shoot(page, "app-signin-portal-en")
    page.fill("#id_user_name", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    mfa_step(page, app)
    expect(page.get_by_test_id("rp-signed-in")).to_contain_text("Signed in as sam")
    expect(page.get_by_test_id("claim-sub")).to_have_text(sam.unique_id)
    expect(page.get_by_test_id("claim-amr")).to_contain_text("otp")
    expect(page.get_by_test_id("userinfo-email")).to_have_text("sam@example.test")
    expect(page.get_by_test_id("userinfo-groups")).to_contain_text("Engineers")
    shoot(page, "app-claims-en")
    expect(page.get_by_test_id("claim-auth_time")).to_have_text(re.compile(r"^\d{10}$"))
    first_auth_time = page.get_by_test_id("claim-auth_time").text_content()

    # The access portal lists the application; its tile opens it (a new tab), signed in.
    page.goto(f"/start/{organization.pk}")
    tile = page.get_by_test_id(f"portal-app-{wiki['application'].application_id}")
    expect(tile).to_contain_text("Wiki")
    shoot(page, "app-portal-tiles-en")
    with page.context.expect_page() as opened:
        tile.get_by_role("link").click()
    page = opened.value
    expect(page.get_by_test_id("rp-signed-in")).to_contain_text("Signed in as sam")
    expect(page.get_by_test_id("claim-sub")).to_have_text(sam.unique_id)

    # The MFA step was six minutes ago (the session says so; the relying party's clock, in
    # another process, stays right): the application's rule asks for a new one.
    age_mfa(page, 6 * 60)
    page.goto(rp.url + "/login")
    shoot(page, "app-step-up-en")
    mfa_step(page, app, ahead=30)
    expect(page.get_by_test_id("rp-signed-in")).to_contain_text("Signed in as sam")
    expect(page.get_by_test_id("claim-auth_time")).not_to_have_text(first_auth_time)
    # A fresh step is enough for five minutes: no question this time.
    page.goto(rp.url + "/login")
    expect(page.get_by_test_id("rp-signed-in")).to_contain_text("Signed in as sam")
