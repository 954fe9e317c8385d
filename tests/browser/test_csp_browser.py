"""The Content-Security-Policy in headless Chromium (issue 19): the pages break none of its rules,
the language switch still works without its inline handler, and the two ways to other sites go
through: the SAML response posted to a service provider whose ACS redirects to another origin,
and an application's redirect after one of Tobira's forms (the consent page's Deny).

Violations are caught twice: Chromium's console ("... violates the following Content Security
Policy directive", "Refused to ..." in older versions) over the whole visit, and a
``securitypolicyviolation`` listener registered by an init script (which the page's policy does
not govern: the first test proves it catches an inline handler, script and style on a real page).
After each page a barrier, an image from a site the policy refuses, is waited for: every
violation reported before it has been delivered.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from identity.policies import services as policies
from sso.applications import services as app_services
from sso.applications.models import OIDCClient
from sso.models import SSOSettings
from tests.conftest import PASSWORD
from tests.support.sso import make_sso_user, set_sso

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    [event.effectiveDirective, event.blockedURI || "(inline)", event.sample].join(" ")
  );
});
"""
BARRIER = "https://csp-barrier.invalid/barrier.png"  # an image from a site the policy refuses
DOCUMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}'


class Watch:
    """The violations of every page of a browser context."""

    def __init__(self, context):
        self.console: list[str] = []
        self.barriers = 0
        context.add_init_script(LISTENER)
        context.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if ("Content Security Policy" in text or "Refused to" in text) and BARRIER not in text:
            self.console.append(text)

    def violations(self, page) -> list[str]:
        """This page's violations, once it has loaded and a barrier has come through both ways
        (the listener and the console): whatever was refused before it has been reported."""
        page.wait_for_load_state("load")
        self.barriers += 1
        barrier = f"{BARRIER}?{self.barriers}"
        with page.expect_console_message(lambda message: barrier in message.text):
            page.evaluate("url => { new Image().src = url; }", barrier)
        page.wait_for_function(
            "url => window.__cspViolations.some(v => v.includes(url))", arg=barrier
        )
        found = page.evaluate("window.__cspViolations")
        return [v for v in found if BARRIER not in v]

    def assert_clean(self, page, where: str) -> None:
        assert self.violations(page) == [], where
        assert self.console == [], where


@pytest.fixture
def watch(page):
    return Watch(page.context)


def visit(page, watch, url: str, landmark: str) -> None:
    page.goto(url)
    expect(page.locator(landmark).first).to_be_visible()
    watch.assert_clean(page, url)


# --- Elsewhere: a service provider's ACS that sends people on to another origin -----------------


class _Site(BaseHTTPRequestHandler):
    landing = ""  # the other site's address, set on the class below

    def log_message(self, *args):
        pass

    def _page(self, body: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(f"<!doctype html><title>Elsewhere</title>{body}".encode())

    def do_GET(self):  # noqa: N802 - http.server's name
        self._page(f'<p data-testid="landed">{self.path.split("?")[0]}</p>')

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        posted = self.rfile.read(length).decode()
        self.send_response(302)
        marker = "saml" if "SAMLResponse=" in posted else "other"
        self.send_header("Location", f"{self.landing}/app/home?{marker}")
        self.end_headers()


@pytest.fixture
def elsewhere():
    """Two sites on other origins: ``acs`` takes a POST and redirects to ``app`` (as
    signin.aws.amazon.com/saml does to console.aws.amazon.com); each shows its path on a GET."""
    servers = []
    for _ in range(2):
        handler = type("Site", (_Site,), {})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    acs, app = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
    servers[0].RequestHandlerClass.landing = app
    yield {"acs": acs + "/saml/acs", "app": app, "callback": acs + "/callback"}
    for server in servers:
        server.shutdown()
        server.server_close()


# --- The tests -----------------------------------------------------------------------------------


def test_the_policy_is_enforced_and_the_watch_catches_what_it_refuses(page, watch):
    page.goto("/signin")
    expect(page.locator("#id_email")).to_be_visible()
    assert watch.violations(page) == []
    refused = "inline event handler"  # "Refused to execute ...", now "Executing ... violates"
    with page.expect_console_message(lambda message: refused in message.text):
        page.evaluate(
            """() => {
          const button = document.createElement("button");
          button.setAttribute("onclick", "window.__ranInline = true");
          button.setAttribute("style", "color: red");
          button.id = "inline";
          document.body.appendChild(button);
          button.click();
          const script = document.createElement("script");
          script.textContent = "window.__ranScript = true";
          document.body.appendChild(script);
        }"""
        )
    page.wait_for_function("window.__cspViolations.length >= 3")
    found = watch.violations(page)
    assert {v.split()[0] for v in found} == {
        "script-src-attr",
        "style-src-attr",
        "script-src-elem",
    }, found
    assert page.evaluate("[window.__ranInline, window.__ranScript]") == [None, None]
    expect(page.locator("#inline")).not_to_have_css("color", "rgb(255, 0, 0)")
    assert any(refused in text for text in watch.console)


def test_the_console_and_self_service_pages_break_no_rule(page, watch, management_root, alice):
    account = management_root.account_id
    visit(page, watch, "/signin", "#id_email")
    visit(page, watch, "/signin/example-corp", "#id_user_name")

    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    expect(page.locator("main")).to_contain_text(account)
    watch.assert_clean(page, "console home")

    policies.customer_policy_create(
        actor=None, account=management_root.account, name="Readers", document=DOCUMENT
    )
    tour = [
        (reverse("console:user_list", args=[account]), "table.table tbody tr"),
        (reverse("console:user_detail", args=[account, "alice"]), "main h1"),
        (reverse("console:policy_list", args=[account]), "table.table tbody tr"),
        (reverse("console:policy_create", args=[account]), "#id_document"),
        (reverse("console:policy_detail", args=[account, "Readers"]), "main h1"),
        (reverse("console:user_permissions", args=[account, "alice"]), "#id_policy_arn"),
        (reverse("console:audit_list", args=[account]), "main h1"),
        (reverse("mfa:security_credentials"), "main h1"),
    ]
    for url, landmark in tour:
        visit(page, watch, url, landmark)

    page.goto(reverse("console:simulator", args=[account]))
    page.select_option("#id_user", "alice")
    page.fill("#id_actions", "iam:GetUser\niam:CreateUser")
    page.click("button:has-text('Run simulation')")
    expect(page.locator("[data-testid=results]")).to_contain_text("no identity-based policy")
    watch.assert_clean(page, "simulator")

    # The authenticator app's QR code (inline SVG).
    page.goto(reverse("mfa:assign"))
    page.locator("form button.btn-primary").click()
    page.wait_for_url("**/enable")
    expect(page.locator("[data-testid=qr] svg")).to_be_visible()
    watch.assert_clean(page, "MFA setup")

    # The language switch, without its inline handler: choosing submits.
    page.goto(reverse("console:user_list", args=[account]))
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("button", name="サインアウト")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/console/accounts/{account}/users/$"))
    watch.assert_clean(page, "in Japanese")
    # A list's page size still applies as soon as it is chosen (the same script).
    with page.expect_navigation():
        page.select_option("#per-page", "50")
    expect(page).to_have_url(re.compile(r"per_page=50"))
    watch.assert_clean(page, "page size")


def no_content(route) -> None:
    route.fulfill(status=204)


def test_the_portal_and_the_ways_to_applications_break_no_rule(
    page, watch, shoot, settings, live_server, organization, elsewhere
):
    settings.TOBIRA_BASE_URL = live_server.url  # the SAML IdP's URLs
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    sam = make_sso_user(organization, name="sam")
    saml, _provider = app_services.saml_application_create(
        actor=None,
        organization=organization,
        name="Cloud console",
        entity_id="https://cloud.example.test/saml",
        acs_urls=[elsewhere["acs"]],
        allow_unsigned_requests=True,
    )
    app_services.assignment_add(actor=None, application=saml, user=sam)
    chat, client, _secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Team chat",
        redirect_uris=[elsewhere["callback"]],
        grant_types=["authorization_code"],
    )
    app_services.assignment_add(actor=None, application=chat, user=sam)
    assert not OIDCClient.objects.get(pk=client.pk).skip_authorization  # consent is asked

    visit(page, watch, f"/start/{organization.pk}", "#id_user_name")
    page.fill("#id_user_name", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    tile = page.get_by_test_id(f"portal-app-{saml.application_id}")
    expect(tile).to_contain_text("Cloud console")
    watch.assert_clean(page, "portal")

    # The SAML tile: the response page posts itself to the ACS, which redirects to another
    # origin. form-action would refuse that hop; the page has none, the rest of the policy stays.
    with page.context.expect_page() as opened:
        tile.get_by_role("link").click()
    tab = opened.value
    expect(tab.get_by_test_id("landed")).to_have_text("/app/home")
    expect(tab).to_have_url(elsewhere["app"] + "/app/home?saml")
    assert watch.console == []
    tab.close()

    # An OpenID Connect application asks for consent; Deny goes back to it after the form: the
    # redirect becomes a hand-over page (form-action 'self' would refuse it as the last hop).
    query = (
        f"client_id={client.client_id}&redirect_uri={elsewhere['callback']}&response_type=code"
        "&scope=openid&state=s1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        "&code_challenge_method=S256"
    )
    visit(page, watch, f"/o/{organization.pk}/authorize?{query}", "[data-testid=consent-deny]")

    # The hand-over page is seen for an instant. The application answers its refresh with 204
    # No Content first, so the page stays to be looked at; then its link goes on.
    def to_the_callback(url: str) -> bool:
        return url.startswith(elsewhere["callback"] + "?")

    page.route(to_the_callback, no_content)
    for language, heading in (
        ("ja", "127.0.0.1 に移動しています"),
        ("en", "Continuing to 127.0.0.1"),
    ):
        with page.expect_navigation():
            page.select_option("#lang-select", language)
        with page.expect_request(lambda request: to_the_callback(request.url)):
            page.get_by_test_id("consent-deny").click()
        expect(page.get_by_test_id("handover")).to_contain_text(heading)
        shoot(page, f"handover-{language}")
        if language == "ja":
            page.goto(f"/o/{organization.pk}/authorize?{query}")
    page.unroute(to_the_callback, no_content)
    page.get_by_test_id("handover-link").click()
    expect(page.get_by_test_id("landed")).to_have_text("/callback")
    expect(page).to_have_url(re.compile(r"/callback\?error=access_denied&state=s1"))
    assert watch.console == []
