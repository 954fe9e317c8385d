"""Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies").

Anyone who knows a user name could keep that user locked out with 5 wrong passwords every 5
minutes. A browser that has signed in as the user before carries a signed cookie naming the user
and has a lockout of its own: the lockout strangers cause does not reach it. Per-address limits
still apply to it, and a browser without the cookie stays locked out.

Two clients at two addresses, told apart by X-Forwarded-For behind one trusted proxy.
"""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts import device_cookies
from identity.models import AuditEvent
from tests.conftest import PASSWORD, signin_iam, signin_root
from tests.support.sso import make_sso_user, set_sso, signin_portal

pytestmark = pytest.mark.django_db

OWNER = "198.51.100.7"
ATTACKER = "203.0.113.66"


@pytest.fixture
def limits(settings, ratelimits_on):
    # From the start of a window: one test crossed the edge of a 5-minute window and saw its
    # lockout vanish halfway (CI, 2026-11-30).
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "20/m/ip,5/5m/user"}


def browser(address: str) -> Client:
    return Client(HTTP_X_FORWARDED_FOR=address)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock_out(user_name="alice", attempts=6):
    attacker = browser(ATTACKER)
    for _ in range(attempts):
        signin_iam(attacker, "example-corp", user_name, "wrong-password-1")
    return attacker


def test_the_owners_browser_signs_in_while_a_stranger_keeps_the_user_locked(limits, alice):
    owner = browser(OWNER)
    signin_iam(owner, "example-corp", "alice")
    assert signed_in(owner)
    assert device_cookies.COOKIE in owner.cookies
    owner.post(reverse("accounts:signout"))

    lock_out()
    # Another browser without the cookie, even with the right password, is still locked out.
    newcomer = browser("192.0.2.10")
    response = signin_iam(newcomer, "example-corp", "alice")
    assert response.status_code == 429 and not signed_in(newcomer)

    response = signin_iam(owner, "example-corp", "alice")
    assert response.status_code == 302 and signed_in(owner)
    successes = AuditEvent.objects.filter(event_name="ConsoleLogin", error_code="")
    trusted = [e.additional_event_data.get("trustedDevice") for e in successes]
    assert sorted(trusted, key=bool) == [None, True]  # the first sign-in made the cookie


def test_the_cookie_names_one_user_and_cannot_be_forged(limits, alice, make_iam_user):
    make_iam_user(name="bob")
    owner = browser(OWNER)
    signin_iam(owner, "example-corp", "alice")
    owner.post(reverse("accounts:signout"))
    lock_out("bob")
    assert signin_iam(owner, "example-corp", "bob").status_code == 429  # alice's cookie

    forger = browser(OWNER)
    forger.cookies[device_cookies.COOKIE] = owner.cookies[device_cookies.COOKIE].value + "x"
    lock_out("alice")
    assert signin_iam(forger, "example-corp", "alice").status_code == 429
    unsigned = browser(OWNER)
    unsigned.cookies[device_cookies.COOKIE] = signing.dumps([["u", "n"]], salt="other")
    assert signin_iam(unsigned, "example-corp", "alice").status_code == 429


def test_the_trusted_browser_has_a_lockout_of_its_own(limits, alice):
    owner = browser(OWNER)
    signin_iam(owner, "example-corp", "alice")
    owner.post(reverse("accounts:signout"))
    for _ in range(5):
        assert signin_iam(owner, "example-corp", "alice", "wrong-password-1").status_code == 200
    response = signin_iam(owner, "example-corp", "alice")
    assert response.status_code == 429 and not signed_in(owner)
    # ... which strangers do not share: the user's own bucket is untouched by it.
    other = browser("192.0.2.10")
    signin_iam(other, "example-corp", "alice")
    assert signed_in(other)


def test_per_address_limits_still_apply_to_a_trusted_browser(limits, settings, alice):
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "3/m/ip,5/5m/user"}
    owner = browser(OWNER)
    signin_iam(owner, "example-corp", "alice")
    owner.post(reverse("accounts:signout"))
    for _ in range(3):
        signin_iam(owner, "example-corp", "alice", "wrong-password-1")
    assert signin_iam(owner, "example-corp", "alice").status_code == 429


def test_root_users_and_the_access_portal_have_device_cookies_too(
    limits, management_root, organization
):
    owner = browser(OWNER)
    signin_root(owner, management_root.email)
    owner.post(reverse("accounts:signout"))
    attacker = browser(ATTACKER)
    for _ in range(6):
        signin_root(attacker, management_root.email, "wrong-password-1")
    assert signin_root(browser("192.0.2.10"), management_root.email).status_code == 429
    assert signin_root(owner, management_root.email).status_code == 302

    from sso.models import SSOSettings

    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    make_sso_user(organization, name="sam")
    portal_owner = browser("198.51.100.8")
    signin_portal(portal_owner, organization, "sam")
    assert signed_in(portal_owner)
    portal_owner.post(reverse("accounts:signout"))
    for _ in range(6):
        signin_portal(attacker, organization, "sam", "wrong-password-1")
    signin_portal(browser("192.0.2.11"), organization, "sam")
    signin_portal(portal_owner, organization, "sam")
    assert signed_in(portal_owner)


def test_the_cookie_is_http_only_and_holds_no_user_name(limits, alice):
    owner = browser(OWNER)
    response = signin_iam(owner, "example-corp", "alice")
    morsel = response.cookies[device_cookies.COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert "alice" not in morsel.value and PASSWORD not in morsel.value


def test_a_password_change_retires_the_browsers_cookies(limits, alice):
    """A cookie earned with the old password must not give guesses against the new one."""
    owner = browser(OWNER)
    signin_iam(owner, "example-corp", "alice")
    owner.post(reverse("accounts:signout"))
    alice.set_password("A-brand-new-Passphrase-77")
    alice.save(update_fields=["password"])
    lock_out()
    response = signin_iam(owner, "example-corp", "alice", "A-brand-new-Passphrase-77")
    assert response.status_code == 429 and not signed_in(owner)


def test_many_trusted_browsers_share_one_budget(limits, settings, alice):
    """Stockpiled cookies (K sign-ins while the password was known) do not make K budgets."""
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "signin_failed": "100/m/ip,5/5m/user",
        "signin_failed_trusted": "8/h/user",
    }
    browsers = []
    for n in range(3):
        one = browser(f"198.51.100.{10 + n}")
        signin_iam(one, "example-corp", "alice")
        one.post(reverse("accounts:signout"))
        browsers.append(one)
    refused = 0
    for one in browsers:
        for _ in range(4):
            refused += signin_iam(one, "example-corp", "alice", "wrong-1").status_code == 429
    assert refused == 4  # 12 guesses, 8 allowed across the user's trusted browsers
