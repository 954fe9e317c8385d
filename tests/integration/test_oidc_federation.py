"""Signing in to the access portal through a real OpenID Connect provider.

The provider is the npm package ``oidc-provider`` on 127.0.0.1 (tests/oidc/provider.mjs);
Tobira runs in the live server; a ``requests`` session is the browser and follows the
whole redirect flow: portal → allauth login (POST) → the provider's authorization endpoint →
its login and consent forms → Tobira's callback (state, PKCE, code exchange, ID token
signature and nonce, userinfo) → the portal.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from identity.models import AuditEvent, User
from sso import services
from sso.models import ExternalIdentity, SSOSettings
from tests.support.oidc import run_oidc_provider
from tests.support.sso import make_sso_user, set_sso

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENT_ID, CLIENT_SECRET = "tobira-portal", "oidc-client-secret-for-tests"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def federation(live_server, organization):
    provider_id = organization.pk.replace("o-", "org-")
    callback = f"{live_server.url}/sso/oidc/{provider_id}/callback"
    clients = [
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [callback]}
    ]
    with run_oidc_provider(clients) as op:
        idp = services.external_idp_put(
            actor=None,
            organization=organization,
            name="Example IdP",
            issuer=op.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            match_by_email=True,
            jit_provisioning=False,
        )
        set_sso(organization, identity_source=SSOSettings.IdentitySource.EXTERNAL)
        yield op, idp, live_server.url


def start(base: str, organization, browser: requests.Session) -> str:
    """Press *Sign in with Example IdP*: the provider's authorization URL."""
    page = browser.get(f"{base}/start/{organization.pk}", timeout=10)
    assert "Sign in with Example IdP" in page.text
    action = re.search(r'<form method="post" action="([^"]+)">', page.text).group(1)
    response = browser.post(
        base + action,
        data={"csrfmiddlewaretoken": TOKEN.search(page.text).group(1)},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    location = response.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["nonce"][0] and query["state"][0] and query["code_challenge_method"] == ["S256"]
    return location


def finish(browser: requests.Session, callback_url: str) -> requests.Response:
    return browser.get(callback_url, timeout=10)


def signed_in_user(browser: requests.Session):
    key = browser.cookies.get("sessionid")
    return session_of(browser).get("_auth_user_id") if key else None


def session_of(browser: requests.Session):
    """The browser's session as the live server keeps it (its own session store)."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store(session_key=browser.cookies.get("sessionid"))


def refused(op_response: requests.Response, organization) -> str:
    assert op_response.url.endswith(f"/start/{organization.pk}")
    return op_response.text


def test_a_directory_user_signs_in_through_the_provider(federation, organization):
    op, idp, base = federation
    dana = make_sso_user(organization, name="dana", email="dana@example.test", password=None)
    browser = requests.Session()
    callback = op.login(browser, start(base, organization, browser), "dana@example.test")
    assert callback.startswith(f"{base}/sso/oidc/{idp.provider_id}/callback?")
    page = finish(browser, callback)
    assert page.url == f"{base}/start/{organization.pk}"
    assert "Signed in as dana" in page.text
    assert signed_in_user(browser) == str(dana.pk)
    link = ExternalIdentity.objects.get(provider=idp)
    assert (link.user_id, link.subject) == (dana.pk, "dana@example.test")
    event = AuditEvent.objects.get(event_name="ConsoleLogin")
    assert event.request_parameters["federated"] is True
    assert event.additional_event_data["MFAUsed"] == "No"  # the provider said no MFA (amr)
    assert CLIENT_SECRET not in str(list(AuditEvent.objects.values()))

    # Next time the subject finds Dana, even after her email address changed.
    dana.contact_email = "dana.new@example.test"
    dana.save()
    other = requests.Session()
    page = finish(other, op.login(other, start(base, organization, other), "dana@example.test"))
    assert "Signed in as dana" in page.text


def test_the_providers_mfa_counts_when_its_amr_says_so(federation, organization):
    op, _idp, base = federation
    make_sso_user(organization, name="mia", email="mia+mfa@example.test", password=None)
    browser = requests.Session()
    page = finish(
        browser, op.login(browser, start(base, organization, browser), "mia+mfa@example.test")
    )
    assert "Signed in as mia" in page.text
    session = session_of(browser)
    assert session["tobira_mfa"]["device"] == "external"


def test_a_forged_or_replayed_state_is_refused(federation, organization):
    op, _idp, base = federation
    make_sso_user(organization, name="dana", email="dana@example.test", password=None)
    browser = requests.Session()
    callback = op.login(browser, start(base, organization, browser), "dana@example.test")
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    query["state"] = ["forged-state-value"]
    forged = urlunsplit(parts._replace(query=urlencode({k: v[0] for k, v in query.items()})))
    page = finish(browser, forged)
    assert "did not complete" in refused(page, organization)
    assert signed_in_user(browser) is None

    # The real state still works once; then it is spent.
    assert "Signed in as dana" in finish(browser, callback).text
    browser.post(
        f"{base}/signout",
        data={
            "csrfmiddlewaretoken": TOKEN.search(
                browser.get(f"{base}/start/{organization.pk}").text
            ).group(1)
        },
        headers={"Referer": base + "/"},
        timeout=10,
    )
    assert signed_in_user(browser) is None
    page = finish(browser, callback)
    assert "did not complete" in refused(page, organization)
    assert signed_in_user(browser) is None
    failures = AuditEvent.objects.filter(
        event_name="UserAuthentication", error_code="AuthenticationFailed"
    )
    assert failures.count() == 2
    assert all(e.recipient_account_id == organization.management_account_id for e in failures)


def test_an_id_token_with_another_nonce_is_refused(federation, organization):
    op, _idp, base = federation
    make_sso_user(organization, name="dana", email="dana@example.test", password=None)
    browser = requests.Session()
    authorize = start(base, organization, browser)
    callback = op.login(browser, authorize, "dana@example.test")
    # The provider put the nonce we sent in the ID token; make the stored one differ,
    # as if the token had been minted for another sign-in.
    session = session_of(browser)
    states = session["socialaccount_states"]
    (state_id,) = states
    states[state_id][0]["nonce"] = "another-sign-ins-nonce"
    session["socialaccount_states"] = states
    session.save()
    page = finish(browser, callback)
    assert "did not complete" in refused(page, organization)
    assert signed_in_user(browser) is None
    assert AuditEvent.objects.filter(
        event_name="UserAuthentication", error_code="InvalidNonce"
    ).exists()


def test_an_unknown_user_is_refused_unless_just_in_time_provisioning_is_on(
    federation, organization
):
    op, idp, base = federation
    browser = requests.Session()
    page = finish(
        browser, op.login(browser, start(base, organization, browser), "stranger@example.test")
    )
    assert "no matching user in this organization" in refused(page, organization)
    assert signed_in_user(browser) is None
    assert AuditEvent.objects.filter(
        event_name="UserAuthentication", error_code="UnknownUser"
    ).exists()
    assert not User.objects.filter(kind=User.Kind.SSO).exists()

    idp.jit_provisioning = True
    idp.save()
    page = finish(
        browser, op.login(browser, start(base, organization, browser), "stranger@example.test")
    )
    assert "Signed in as stranger" in page.text
    created = User.objects.get(kind=User.Kind.SSO)
    assert (created.name, created.contact_email) == ("stranger", "stranger@example.test")
    assert not created.has_usable_password()


def test_an_unverified_email_matches_nobody(federation, organization):
    op, idp, base = federation
    make_sso_user(organization, name="uma", email="unverified-uma@example.test", password=None)
    idp.jit_provisioning = True
    idp.save()
    browser = requests.Session()
    page = finish(
        browser,
        op.login(browser, start(base, organization, browser), "unverified-uma@example.test"),
    )
    assert "no matching user" in refused(page, organization)
    assert signed_in_user(browser) is None
    assert not ExternalIdentity.objects.exists()
    assert AuditEvent.objects.filter(error_code="EmailNotVerified").exists()


def test_the_directory_password_is_closed_while_the_provider_is_the_source(
    federation, organization
):
    _op, _idp, base = federation
    make_sso_user(organization, name="dana", email="dana@example.test")
    browser = requests.Session()
    page = browser.get(f"{base}/start/{organization.pk}", timeout=10)
    response = browser.post(
        f"{base}/start/{organization.pk}",
        data={
            "csrfmiddlewaretoken": TOKEN.search(page.text).group(1),
            "user_name": "dana",
            "password": "Correct-Horse-42!battery",
        },
        headers={"Referer": page.url},
        timeout=10,
    )
    assert "Sign in with Example IdP" in response.text
    assert signed_in_user(browser) is None


def test_the_first_sign_in_links_the_subject_and_says_how(federation, organization):
    op, idp, base = federation
    make_sso_user(organization, name="dana", email="dana@example.test", password=None)
    browser = requests.Session()
    finish(browser, op.login(browser, start(base, organization, browser), "dana@example.test"))
    event = AuditEvent.objects.get(event_name="LinkExternalIdentity")
    assert event.request_parameters == {
        "userName": "dana",
        "userId": User.objects.get(name="dana").unique_id,
        "issuer": op.issuer,
        "subject": "dana@example.test",
        "method": "email",
    }
    assert event.recipient_account_id == organization.management_account_id


def test_a_subject_of_another_issuer_does_not_sign_in_as_a_linked_user(federation, organization):
    """Pointing the provider at another issuer must not hand its subjects the old links."""
    op, idp, base = federation
    victim = make_sso_user(organization, name="victor", email="victor@example.test", password=None)
    # Victor was linked to subject "eve@example.test" at the provider used before.
    ExternalIdentity.objects.create(
        provider=idp, user=victim, issuer="https://old-idp.example.test", subject="eve@example.test"
    )
    browser = requests.Session()
    page = finish(
        browser, op.login(browser, start(base, organization, browser), "eve@example.test")
    )
    assert "no matching user" in refused(page, organization)
    assert signed_in_user(browser) is None


def test_the_provider_is_closed_unless_it_is_the_identity_source(federation, organization):
    op, idp, base = federation
    browser = requests.Session()
    page = browser.get(f"{base}/start/{organization.pk}", timeout=10)
    token = TOKEN.search(page.text).group(1)
    set_sso(organization, identity_source=SSOSettings.IdentitySource.DIRECTORY)
    for path in (f"/sso/oidc/{idp.provider_id}/login", "/sso/oidc/tobira_oidc/login"):
        response = browser.post(
            base + path,
            data={"csrfmiddlewaretoken": token},
            headers={"Referer": page.url},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 404, path
        assert op.issuer not in response.headers.get("Location", "")


def test_an_unreachable_provider_ends_on_the_portal_with_a_message(
    live_server, organization, settings
):
    from tests.support.oidc import free_port

    services.external_idp_put(
        actor=None,
        organization=organization,
        name="Example IdP",
        issuer=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        match_by_email=True,
        jit_provisioning=False,
    )
    set_sso(organization, identity_source=SSOSettings.IdentitySource.EXTERNAL)
    browser = requests.Session()
    page = browser.get(f"{live_server.url}/start/{organization.pk}", timeout=10)
    action = re.search(r'<form method="post" action="([^"]+)">', page.text).group(1)
    response = browser.post(
        live_server.url + action,
        data={"csrfmiddlewaretoken": TOKEN.search(page.text).group(1)},
        headers={"Referer": page.url},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.url == f"{live_server.url}/start/{organization.pk}"
    assert "did not complete" in response.text
    event = AuditEvent.objects.get(event_name="UserAuthentication")
    assert event.error_code == "ProviderUnavailable"
    assert CLIENT_SECRET not in str(event.error_message)


def test_callbacks_are_rate_limited_and_a_flood_writes_few_events(
    federation, organization, settings
):
    _op, idp, base = federation
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {**settings.RATELIMITS, "sso_federation": "5/m/ip,50/m/user"}
    browser = requests.Session()
    for _ in range(12):
        browser.get(f"{base}/sso/oidc/{idp.provider_id}/callback?state=x&code=y", timeout=10)
    events = AuditEvent.objects.filter(event_name="UserAuthentication")
    assert events.filter(error_code="AuthenticationFailed").count() == 5
    assert events.filter(error_code="Throttled").count() == 1


def test_a_just_in_time_user_is_created_by_tobira_and_linked_by_jit(federation, organization):
    op, idp, base = federation
    idp.jit_provisioning = True
    idp.save()
    browser = requests.Session()
    finish(browser, op.login(browser, start(base, organization, browser), "jo@example.test"))
    created = AuditEvent.objects.get(event_name="CreateUser")
    assert created.user_identity == {"type": "Tobira"}
    link = AuditEvent.objects.get(event_name="LinkExternalIdentity")
    assert link.request_parameters["method"] == "jit"
    assert link.source_ip_address == "127.0.0.1"


def test_a_provider_at_a_private_address_is_not_called(federation, organization, settings):
    """In production the issuer must resolve to public addresses: 127.0.0.1 is refused."""
    _op, _idp, base = federation
    settings.SSO_OIDC_ALLOW_PRIVATE = False
    browser = requests.Session()
    page = browser.get(f"{base}/start/{organization.pk}", timeout=10)
    action = re.search(r'<form method="post" action="([^"]+)">', page.text).group(1)
    response = browser.post(
        base + action,
        data={"csrfmiddlewaretoken": TOKEN.search(page.text).group(1)},
        headers={"Referer": page.url},
        timeout=10,
    )
    assert response.url == f"{base}/start/{organization.pk}"
    assert "did not complete" in response.text
    assert (
        AuditEvent.objects.get(event_name="UserAuthentication").error_code == "ProviderUnavailable"
    )
