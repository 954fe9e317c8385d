"""Signing in with a passkey alone (usernameless, user verification required), through the real
views, answered by the independent software authenticator of tests/support/softauthn.py."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import RequestFactory
from django.urls import reverse

from identity import authn_state
from identity.models import Account, AuditEvent
from identity.policies.loading import request_context
from mfa.models import WebAuthnChallenge, WebAuthnCredential, WebAuthnUserHandle
from sso.applications import services as app_services
from sso.models import SSOSettings
from tests.conftest import PASSWORD, signin_iam
from tests.support.applications import App, id_claims
from tests.support.softauthn import unb64url
from tests.support.sso import make_sso_user, set_sso
from tests.support.webauthn import enrol, key, key_error, register, registration_options

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relying_party")]

NOT_ACCEPTED = (
    "The passkey was not accepted. Sign in with your user name and password, or try another "
    "passkey."
)
NOT_VERIFIED = (
    "This security key did not verify you (PIN or biometrics). Sign in with your password, "
    "then use the key."
)


def signin_options(client) -> dict:
    response = client.post(reverse("mfa:passkey_signin_options"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def post_passkey(client, answer, **data):
    return client.post(
        reverse("mfa:passkey_signin"),
        {"method": "passkey", "credential": json.dumps(answer), **data},
    )


def passkey_signin(client, authenticator, **kwargs):
    return post_passkey(client, authenticator.get(signin_options(client), **kwargs))


@pytest.fixture
def allowed(alice):
    Account.objects.filter(pk=alice.account_id).update(passkey_signin=True)


@pytest.fixture
def passkey(alice):
    return enrol(alice)


def refusals(code=None):
    events = AuditEvent.objects.filter(event_name="ConsoleLogin").exclude(error_code="")
    return events.filter(error_code=code) if code else events


# --- Options ---------------------------------------------------------------------------------


def test_options_name_no_key_and_require_user_verification(client):
    options = signin_options(client)
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    assert options["rpId"] == "console.tobira.test"
    assert len(unb64url(options["challenge"])) == 32
    challenge = WebAuthnChallenge.objects.get()
    assert challenge.user is None and challenge.purpose == "signin"
    assert challenge.challenge_hash != options["challenge"]  # stored only as a hash
    signin_options(client)  # a second request voids the first challenge of this session
    assert WebAuthnChallenge.objects.count() == 1


def test_options_are_post_only(client):
    assert client.get(reverse("mfa:passkey_signin_options")).status_code == 405


# --- Success ----------------------------------------------------------------------------------


def test_a_passkey_signs_in_with_both_factors(client, alice, allowed, passkey):
    response = passkey_signin(client, passkey)
    assert response.status_code == 302, key_error(response)
    assert response["Location"] == reverse("console:home")
    assert int(client.session["_auth_user_id"]) == alice.pk
    device = WebAuthnCredential.objects.get(user=alice)
    mfa = client.session[authn_state.MFA_SESSION_KEY]
    assert mfa["device"] == device.arn
    assert client.session[authn_state.SIGNIN_SESSION_KEY]["amr"] == ["hwk", "user", "mfa"]
    assert device.sign_count == passkey.sign_count and device.last_used_at is not None
    event = AuditEvent.objects.get(event_name="ConsoleLogin", error_code="")
    assert event.additional_event_data["MFAUsed"] == "Yes"
    assert event.additional_event_data["method"] == "passkey"
    assert event.request_parameters == {"loginTo": "iam", "userName": "alice"}
    alice.refresh_from_db()
    assert alice.last_login is not None and alice.password_last_used is None  # no password
    assert not WebAuthnChallenge.objects.exists()  # spent

    # The policy context of the session's requests: MFA present.
    request = RequestFactory().get("/console/")
    request.session = client.session
    context = request_context(request, alice)
    assert context["aws:MultiFactorAuthPresent"] is True
    assert int(context["aws:MultiFactorAuthAge"]) < 60
    assert client.get(reverse("console:home")).status_code == 200


def test_a_synced_passkey_is_a_software_key(client, alice, allowed):
    synced = enrol(alice, synced=True)
    assert passkey_signin(client, synced).status_code == 302
    assert client.session[authn_state.SIGNIN_SESSION_KEY]["amr"] == ["swk", "user", "mfa"]


def test_next_is_kept_and_only_a_path_of_this_site(client, alice, allowed, passkey):
    options = signin_options(client)
    response = post_passkey(client, passkey.get(options), next="/console/accounts/")
    assert response["Location"] == "/console/accounts/"
    client.post(reverse("accounts:signout"))
    response = post_passkey(
        client, passkey.get(signin_options(client)), next="https://evil.example/"
    )
    assert response["Location"] == reverse("console:home")


def test_no_password_expiry_is_asked_but_an_administrators_reset_is(
    client, alice, allowed, passkey, settings
):
    from identity.models import AccountPasswordPolicy

    AccountPasswordPolicy.objects.create(account=alice.account, max_password_age=1)
    type(alice).objects.filter(pk=alice.pk).update(password_changed="2000-01-01T00:00Z")
    response = passkey_signin(client, passkey)
    assert response["Location"] == reverse("console:home")  # the expired password is not asked
    alice.refresh_from_db()
    assert not alice.password_reset_required
    client.post(reverse("accounts:signout"))

    type(alice).objects.filter(pk=alice.pk).update(password_reset_required=True)
    passkey_signin(client, passkey)
    assert client.get(reverse("console:home"))["Location"].startswith(
        reverse("accounts:change_password")
    )


# --- Refusals ---------------------------------------------------------------------------------


def test_a_wrong_origin_is_refused(client, alice, allowed, passkey):
    response = post_passkey(
        client, passkey.get(signin_options(client), origin="https://evil.example")
    )
    assert response.status_code == 200
    assert key_error(response) == NOT_ACCEPTED
    assert "_auth_user_id" not in client.session
    assert refusals("InvalidAssertion").count() == 1


def test_a_replayed_answer_is_refused(client, alice, allowed, passkey):
    answer = passkey.get(signin_options(client))
    assert post_passkey(client, answer).status_code == 302
    client.post(reverse("accounts:signout"))
    response = post_passkey(client, answer)
    assert key_error(response) == NOT_ACCEPTED
    assert "_auth_user_id" not in client.session
    assert refusals("ChallengeMismatch").count() == 1


def test_an_expired_challenge_is_refused(client, alice, allowed, passkey, time_machine):
    time_machine.move_to("2030-01-01T00:00Z", tick=False)
    options = signin_options(client)
    time_machine.move_to("2030-01-01T00:05:01Z", tick=False)
    response = post_passkey(client, passkey.get(options))
    assert key_error(response) == NOT_ACCEPTED and "_auth_user_id" not in client.session


def test_another_sessions_challenge_is_refused(client, alice, allowed, passkey):
    from django.test import Client

    options = signin_options(Client())
    response = post_passkey(client, passkey.get(options))
    assert key_error(response) == NOT_ACCEPTED
    assert refusals("ChallengeMismatch").count() == 1


def test_an_unknown_key_and_a_key_without_the_opt_in_read_the_same(client, alice, passkey):
    stranger = key()
    stranger.user_handle = b"x" * 32
    unknown = passkey_signin(client, stranger)
    not_allowed = passkey_signin(client, passkey)  # alice's account has not turned it on
    assert unknown.status_code == not_allowed.status_code == 200
    assert key_error(unknown) == key_error(not_allowed) == NOT_ACCEPTED
    assert "_auth_user_id" not in client.session
    unknown_event = refusals("UnknownCredential").get()
    assert unknown_event.recipient_account_id == ""  # nobody's trail
    refused = refusals("PasskeySignInNotAllowed").get()
    assert refused.recipient_account_id == alice.account_id  # alice's account sees the attempt
    assert refused.request_parameters == {"loginTo": "iam", "userName": "alice"}
    assert refused.additional_event_data == {"MFAUsed": "Yes", "method": "passkey"}


def test_a_key_without_user_verification_is_refused_as_the_only_factor(client, alice, allowed):
    touch_only = enrol(alice, user_verified=False)
    response = passkey_signin(client, touch_only)
    assert response.status_code == 200
    assert key_error(response) == NOT_VERIFIED
    assert "_auth_user_id" not in client.session
    assert refusals("UserNotVerified").count() == 1
    device = WebAuthnCredential.objects.get(user=alice)
    assert device.sign_count == touch_only.sign_count  # it did sign: the counter moved on
    # ... and it is still good as MFA after the password.
    response = signin_iam(client, "example-corp", "alice")
    assert response["Location"].startswith(reverse("mfa:signin"))


@pytest.mark.parametrize(
    "who",
    ["inactive", "no_console_password", "root", "sso_user"],
)
def test_only_active_iam_users_with_console_access_come_in_by_the_console(
    client, alice, allowed, passkey, who, management_root, organization
):
    user = alice
    if who == "inactive":
        type(alice).objects.filter(pk=alice.pk).update(is_active=False)
    elif who == "no_console_password":
        alice.set_unusable_password()
        alice.save(update_fields=["password"])
    elif who == "root":
        user = management_root
    else:
        user = make_sso_user(organization, name="sam")
    authenticator = passkey if user is alice else enrol(user)
    response = passkey_signin(client, authenticator)
    assert key_error(response) == NOT_ACCEPTED
    assert "_auth_user_id" not in client.session
    assert refusals().count() == 1


def test_a_user_handle_of_somebody_else_is_refused(client, alice, allowed, passkey, make_iam_user):
    bob = make_iam_user(name="bob")
    enrol(bob)
    passkey.user_handle = bytes(WebAuthnUserHandle.objects.get(user=bob).handle)
    response = passkey_signin(client, passkey)
    assert key_error(response) == NOT_ACCEPTED
    assert refusals("UserHandleMismatch").count() == 1


def test_a_counter_going_back_flags_the_key(client, alice, allowed, passkey):
    assert passkey_signin(client, passkey).status_code == 302
    client.post(reverse("accounts:signout"))
    passkey.sign_count -= 1  # a clone that has not seen the last use
    response = passkey_signin(client, passkey)
    assert key_error(response) == NOT_ACCEPTED
    device = WebAuthnCredential.objects.get(user=alice)
    assert device.possibly_cloned_at is not None
    assert AuditEvent.objects.filter(event_name="MFADevicePossiblyCloned").count() == 1
    passkey.sign_count += 5
    assert key_error(passkey_signin(client, passkey)) == NOT_ACCEPTED  # refused from now on
    assert refusals("PossiblyCloned").count() == 1


@pytest.mark.parametrize(
    "credential", ["", "not json", json.dumps({"id": "x"}), "[" * 5000, "{}" * 40000]
)
def test_a_malformed_answer_is_a_400(client, credential):
    response = client.post(reverse("mfa:passkey_signin"), {"credential": credential})
    assert response.status_code == 400
    assert key_error(response) == NOT_ACCEPTED
    assert refusals("Malformed").exists()


def test_the_page_shown_again_keeps_a_valid_account_identifier_only(client, alice, passkey):
    answer = passkey.get(signin_options(client))
    page = post_passkey(client, answer, account="example-corp").content.decode()
    assert 'action="/signin/example-corp"' in page
    answer = passkey.get(signin_options(client))
    page = post_passkey(client, answer, account="../x/y").content.decode()
    assert 'action="/signin"' in page and "../x/y" not in page


# --- The sign-in page -------------------------------------------------------------------------


def test_the_signin_page_offers_the_passkey_where_it_can_be_used(client, alice):
    iam = client.get(reverse("accounts:signin") + "?mode=iam").content.decode()
    assert "data-passkey-signin" in iam and 'autocomplete="username webauthn"' in iam
    assert "js/passkey-signin.js" in iam and "<script>" not in iam
    root = client.get(reverse("accounts:signin")).content.decode()
    assert "data-passkey-signin" not in root
    # An account's own page: only once the account has turned it on.
    page = reverse("accounts:signin_account", args=["example-corp"])
    assert "data-passkey-signin" not in client.get(page).content.decode()
    Account.objects.filter(pk=alice.account_id).update(passkey_signin=True)
    assert "data-passkey-signin" in client.get(page).content.decode()


def test_the_password_still_works_on_the_page_with_the_passkey(client, alice, allowed):
    response = signin_iam(client, "example-corp", "alice")
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == alice.pk


# --- Registration records a discoverable credential -------------------------------------------


def test_registration_asks_credprops_and_records_whether_the_key_is_discoverable(client, alice):
    signin_iam(client, "example-corp", "alice")
    options = registration_options(client)
    assert options["extensions"] == {"credProps": True}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"

    class Answering:
        """The browser's answer with the credProps result."""

        def __init__(self, rk):
            self.inner = key()
            self.rk = rk

        def create(self, options):
            answer = self.inner.create(options)
            if self.rk is not None:
                answer["clientExtensionResults"] = {"credProps": {"rk": self.rk}}
            return answer

    for rk in (True, False, None):
        assert register(client, Answering(rk)).status_code == 302
    found = list(
        WebAuthnCredential.objects.filter(user=alice)
        .order_by("pk")
        .values_list("discoverable", flat=True)
    )
    assert found == [True, False, None]


# --- The access portal (SSO users, per organization) ------------------------------------------


@pytest.fixture
def sam_passkey(organization):
    sam = make_sso_user(organization, name="sam")
    return sam, enrol(sam)


def portal_passkey(client, organization, authenticator, **data):
    answer = authenticator.get(signin_options(client))
    return client.post(
        reverse("sso:portal", args=[organization.pk]),
        {"method": "passkey", "credential": json.dumps(answer), **data},
    )


def test_the_portal_refuses_until_the_organization_turns_it_on(client, organization, sam_passkey):
    sam, authenticator = sam_passkey
    portal = reverse("sso:portal", args=[organization.pk])
    assert "data-passkey-signin" not in client.get(portal).content.decode()
    response = portal_passkey(client, organization, authenticator)
    assert key_error(response) == NOT_ACCEPTED and "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(event_name="UserAuthentication")
    assert event.error_code == "PasskeySignInNotAllowed"
    assert event.recipient_account_id == organization.management_account_id

    set_sso(organization, passkey_signin=True)
    page = client.get(portal).content.decode()
    assert "data-passkey-signin" in page and 'autocomplete="username webauthn"' in page
    response = portal_passkey(client, organization, authenticator)
    assert response["Location"] == portal
    assert int(client.session["_auth_user_id"]) == sam.pk
    assert client.session[authn_state.SIGNIN_SESSION_KEY]["amr"] == ["hwk", "user", "mfa"]


def test_the_portal_takes_no_passkey_when_keys_are_not_an_allowed_kind(
    client, organization, sam_passkey
):
    _sam, authenticator = sam_passkey
    set_sso(organization, passkey_signin=True, allow_security_keys=False)
    response = portal_passkey(client, organization, authenticator)
    assert key_error(response) == NOT_ACCEPTED and "_auth_user_id" not in client.session


def test_an_iam_users_passkey_does_not_open_the_portal(client, organization, alice, allowed):
    set_sso(organization, passkey_signin=True)
    response = portal_passkey(client, organization, enrol(alice))
    assert key_error(response) == NOT_ACCEPTED and "_auth_user_id" not in client.session


def test_a_refusal_at_another_organizations_portal_does_not_name_the_keys_owner(
    client, other_organization, sam_passkey
):
    """One relying party serves every tenant: the autofill may offer sam's passkey on another
    organization's portal. That organization's trail records the refusal, never sam's name."""
    sam, authenticator = sam_passkey
    set_sso(other_organization, passkey_signin=True)
    response = portal_passkey(client, other_organization, authenticator)
    assert key_error(response) == NOT_ACCEPTED and "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(event_name="UserAuthentication")
    assert event.recipient_account_id == other_organization.management_account_id
    assert event.error_code == "PasskeySignInNotAllowed"
    assert "userName" not in event.request_parameters
    assert event.user_name != sam.name


def test_a_hard_expired_password_shuts_the_passkey_door_too(client, at, alice, allowed, passkey):
    from identity import services
    from tests.conftest import T0

    at(T0)
    services.password_policy_set(
        actor=None, account=alice.account, max_password_age=30, hard_expiry=True
    )
    at(T0 + 31 * 86400)
    response = passkey_signin(client, passkey)
    assert key_error(response) == NOT_ACCEPTED and "_auth_user_id" not in client.session
    assert refusals("PasskeySignInNotAllowed").count() == 1


def test_an_sso_users_passkey_does_not_open_the_console(client, organization, sam_passkey):
    _sam, authenticator = sam_passkey
    set_sso(organization, passkey_signin=True)
    assert key_error(passkey_signin(client, authenticator)) == NOT_ACCEPTED


def test_an_application_is_told_hwk_and_user(client, organization, sam_passkey):
    sam, authenticator = sam_passkey
    set_sso(organization, passkey_signin=True, mfa_prompt=SSOSettings.MFAPrompt.EVERY_SIGNIN)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    url = app.authorize_url()
    login = client.get(url)["Location"]
    next_url = parse_qs(urlsplit(login).query)["next"][0]
    assert next_url == url
    response = portal_passkey(client, organization, authenticator, next=url)
    assert response["Location"] == url
    callback = client.get(url)["Location"]
    claims = id_claims(app.exchange(client, callback))
    assert claims["amr"] == ["hwk", "user", "mfa"]
    assert "pwd" not in claims["amr"]


def test_the_password_is_asked_on_the_portal_as_before(client, organization, sam_passkey):
    set_sso(organization, passkey_signin=True)
    response = client.post(
        reverse("sso:portal", args=[organization.pk]), {"user_name": "sam", "password": PASSWORD}
    )
    assert response["Location"].startswith(reverse("mfa:signin"))  # sam has a key: MFA next


# --- Rate limits: the MFA step's, by address and by user ---------------------------------------


def test_failures_of_the_persons_own_key_are_limited_per_user_and_shared_with_the_mfa_step(
    client, alice, allowed, ratelimits_on
):
    touch_only = enrol(alice, user_verified=False)  # alice's key, but it did not verify her
    for _attempt in range(10):  # RATELIMIT_MFA_FAILED: 10 in 5 minutes per user
        assert key_error(passkey_signin(client, touch_only)) == NOT_VERIFIED
    passkey = enrol(alice)
    response = passkey_signin(client, passkey)  # the right answer, too late
    assert response.status_code == 429
    assert key_error(response) == "Too many attempts. Wait a few minutes, then try again."
    assert "_auth_user_id" not in client.session
    # The MFA step after the password draws on the same budget.
    signin_iam(client, "example-corp", "alice")
    response = client.post(
        reverse("mfa:signin"),
        {"method": "webauthn", "credential": json.dumps(passkey.get(signin_options(client)))},
    )
    assert response.status_code == 429


def test_whoever_knows_a_keys_id_cannot_lock_its_owner_out(
    client_factory, alice, allowed, passkey, ratelimits_on
):
    """A credential id is no secret: answers that name it but were not signed by the key (a
    wrong origin, another key's signature) count against their address only."""
    attacker = client_factory(REMOTE_ADDR="203.0.113.66")  # another address
    for _attempt in range(12):
        answer = passkey.get(signin_options(attacker), origin="https://evil.example")
        assert post_passkey(attacker, answer).status_code == 200
    owner = client_factory()
    assert passkey_signin(owner, passkey).status_code == 302
    assert "_auth_user_id" in owner.session


def test_a_success_gives_its_attempt_back(client, alice, allowed, passkey, ratelimits_on):
    for _round in range(12):
        assert passkey_signin(client, passkey).status_code == 302
        client.post(reverse("accounts:signout"))


def test_unknown_keys_are_limited_per_address(client, ratelimits_on):
    stranger = key()
    stranger.user_handle = b"x" * 32
    for _attempt in range(30):  # 30 a minute per address
        assert passkey_signin(client, stranger).status_code == 200
    assert passkey_signin(client, stranger).status_code == 429


def test_options_are_limited_per_address(client, ratelimits_on, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "passkey_options": "3/m/ip"}
    for _attempt in range(3):
        signin_options(client)
    assert client.post(reverse("mfa:passkey_signin_options")).status_code == 429
