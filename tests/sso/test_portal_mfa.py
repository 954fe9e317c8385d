"""MFA for SSO users, as the organization's SSO settings say."""

from __future__ import annotations

import pyotp
import pytest
from django.urls import reverse

from identity.models import AuditEvent
from mfa.totp import services as totp_services
from sso.models import SSOSettings
from tests.conftest import T0
from tests.support.sso import set_sso, signin_portal

pytestmark = pytest.mark.django_db


def give_app(user, at, name=None):
    device, key = totp_services.virtual_mfa_device_create(
        user=user, name=name or f"{user.name}-app"
    )
    app = pyotp.TOTP(__import__("base64").b32encode(key).decode())
    totp_services.mfa_device_enable(
        actor=user, device=device, first_code=app.at(T0 - 30), second_code=app.at(T0)
    )
    return device, app


def portal_url(organization):
    return reverse("sso:portal", args=[organization.pk])


def mfa_step(client, device, code):
    return client.post(reverse("mfa:signin") + "?next=x", {"device": device.pk, "code": code})


def test_always_on_mfa_prompts_at_every_sign_in(client, organization, sam, at):
    device, app = give_app(sam, at)
    response = signin_portal(client, organization)
    assert response["Location"].startswith(reverse("mfa:signin"))
    assert "next=" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert (
        client.get(portal_url(organization)).content.decode().count("Sign in to the access portal")
    )
    at(T0 + 60)
    response = client.post(
        response["Location"],
        {"device": device.pk, "code": app.at(T0 + 60), "next": portal_url(organization)},
    )
    assert response["Location"] == portal_url(organization)
    assert client.session["tobira_mfa"]["device"] == device.arn
    page = client.get(portal_url(organization)).content.decode()
    assert "Signed in as sam" in page
    client.post(reverse("accounts:signout"))
    at(T0 + 120)
    assert signin_portal(client, organization)["Location"].startswith(reverse("mfa:signin"))


def test_context_aware_mfa_prompts_only_when_the_sign_in_context_changes(
    client_factory, organization, sam, at
):
    set_sso(organization, mfa_prompt=SSOSettings.MFAPrompt.CONTEXT_CHANGE)
    device, app = give_app(sam, at)
    laptop = client_factory(HTTP_USER_AGENT="Laptop browser", REMOTE_ADDR="198.51.100.7")
    response = signin_portal(laptop, organization)
    assert response["Location"].startswith(reverse("mfa:signin"))
    at(T0 + 60)
    laptop.post(
        reverse("mfa:signin"),
        {"device": device.pk, "code": app.at(T0 + 60), "next": portal_url(organization)},
    )
    laptop.get(portal_url(organization))  # remembers this context
    laptop.post(reverse("accounts:signout"))

    # Same browser, same network: no MFA prompt; MFA is not claimed for the session.
    response = signin_portal(laptop, organization, REMOTE_ADDR="198.51.100.99")
    assert response["Location"] == portal_url(organization)
    assert "tobira_mfa" not in laptop.session
    assert AuditEvent.objects.filter(
        event_name="ConsoleLogin", request_parameters__mfa="RememberedContext"
    ).exists()
    laptop.post(reverse("accounts:signout"))

    # Another network, or another browser (no cookie): prompted again.
    response = signin_portal(laptop, organization, REMOTE_ADDR="203.0.113.5")
    assert response["Location"].startswith(reverse("mfa:signin"))
    phone = client_factory(HTTP_USER_AGENT="Phone browser", REMOTE_ADDR="198.51.100.7")
    phone.cookies = (
        laptop.cookies
    )  # even with the laptop's cookie, another browser is another context
    response = signin_portal(phone, organization)
    assert response["Location"].startswith(reverse("mfa:signin"))


def test_always_on_ignores_a_remembered_context(client, organization, sam, at):
    set_sso(organization, mfa_prompt=SSOSettings.MFAPrompt.CONTEXT_CHANGE)
    device, app = give_app(sam, at)
    signin_portal(client, organization)
    at(T0 + 60)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 60)})
    client.get(portal_url(organization))
    client.post(reverse("accounts:signout"))
    set_sso(organization, mfa_prompt=SSOSettings.MFAPrompt.EVERY_SIGNIN)
    assert signin_portal(client, organization)["Location"].startswith(reverse("mfa:signin"))


def test_without_a_device_the_user_must_register_one_first(
    client, organization, member_account, sam, at
):
    response = signin_portal(client, organization)  # the default: register at sign-in
    required = reverse("sso:mfa_required", args=[organization.pk])
    assert response["Location"] == required
    page = client.get(required).content.decode()
    assert "Register an MFA device" in page
    for url in (
        portal_url(organization),
        reverse("mfa:security_credentials"),
        reverse("console:home"),
    ):
        assert client.get(url)["Location"] == required
    assign = client.post(reverse("mfa:assign"), {"device_type": "app", "name": "sam-phone"})
    assert assign.status_code == 302
    enable = assign["Location"]
    page = client.get(enable).content.decode()
    secret = __import__("re").search(r'data-testid="secret">([A-Z2-7]+)<', page).group(1)
    app = pyotp.TOTP(secret)
    at(T0 + 30)
    response = client.post(enable, {"code1": app.at(T0), "code2": app.at(T0 + 30)})
    assert response.status_code == 302
    assert "Signed in as sam" in client.get(portal_url(organization)).content.decode()


def test_without_a_device_the_sign_in_can_be_blocked_or_allowed(client, organization, sam):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.BLOCK)
    response = signin_portal(client, organization)
    assert response.status_code == 403
    assert "requires an MFA device" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(
        event_name="UserAuthentication", error_code="MFARequired"
    ).exists()
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    assert signin_portal(client, organization)["Location"] == portal_url(organization)


def test_only_allowed_device_kinds_count_and_can_be_registered(client, organization, sam, at):
    give_app(sam, at)
    set_sso(
        organization,
        allow_authenticator_apps=False,
        allow_security_keys=True,
        mfa_no_device=SSOSettings.NoDevice.REGISTER,
    )
    # The app no longer counts: Sam must register a security key first.
    response = signin_portal(client, organization)
    assert response["Location"] == reverse("sso:mfa_required", args=[organization.pk])
    page = client.get(reverse("mfa:assign")).content.decode()
    assert 'value="webauthn"' in page and 'value="app"' not in page
    response = client.post(reverse("mfa:assign"), {"device_type": "app", "name": "x-app"})
    assert response.status_code in (200, 403)
    assert not sam.mfadevice_set.filter(name="x-app").exists()


def test_users_may_be_kept_from_managing_their_own_devices(client, organization, sam, at):
    device, app = give_app(sam, at)
    set_sso(organization, users_manage_devices=False)
    signin_portal(client, organization)
    at(T0 + 60)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 60)})
    assert client.get(reverse("mfa:security_credentials")).status_code == 200
    assert client.get(reverse("mfa:assign")).status_code == 403
    assert client.get(reverse("mfa:remove", args=[device.pk])).status_code == 403


def test_sso_users_share_the_device_limit_and_names(organization, sam, make_iam_user, at):
    from django.core.exceptions import ValidationError

    from mfa.models import MAX_DEVICES_PER_USER

    for n in range(MAX_DEVICES_PER_USER):
        give_app(sam, at, name=f"sam-{n}")
    with pytest.raises(ValidationError):
        totp_services.virtual_mfa_device_create(user=sam, name="one-too-many")
    # Device names are unique in the management account, where the directory lives.
    alice = make_iam_user(name="alice")
    with pytest.raises(ValidationError):
        totp_services.virtual_mfa_device_create(user=alice, name="sam-0")


def test_a_remembered_context_is_forgotten_when_the_password_or_devices_change(
    client, organization, sam, at
):
    set_sso(organization, mfa_prompt=SSOSettings.MFAPrompt.CONTEXT_CHANGE)
    device, app = give_app(sam, at)

    def sign_in_with_mfa(when):
        signin_portal(client, organization)
        at(when)
        client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(when)})
        client.get(portal_url(organization))
        client.post(reverse("accounts:signout"))

    sign_in_with_mfa(T0 + 60)
    assert signin_portal(client, organization)["Location"] == portal_url(organization)
    client.post(reverse("accounts:signout"))
    sam.set_password("Another-Horse-43!battery")
    sam.save()
    response = signin_portal(client, organization, password="Another-Horse-43!battery")
    assert response["Location"].startswith(reverse("mfa:signin"))
    at(T0 + 120)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 120)})
    client.get(portal_url(organization))
    client.post(reverse("accounts:signout"))
    at(T0)  # give_app enables with the codes of T0 - 30 and T0
    give_app(sam, at, name="sam-second")  # a new device: every context is asked again
    response = signin_portal(client, organization, password="Another-Horse-43!battery")
    assert response["Location"].startswith(reverse("mfa:signin"))


def test_a_session_used_later_does_not_remember_its_new_place(client, organization, sam, at):
    set_sso(organization, mfa_prompt=SSOSettings.MFAPrompt.CONTEXT_CHANGE)
    device, app = give_app(sam, at)
    signin_portal(client, organization)
    at(T0 + 60)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 60)})
    at(T0 + 60 + 3600)  # an hour later, perhaps from somewhere else
    response = client.get(portal_url(organization))
    assert "tobira_sso_context" not in response.cookies


def test_recovery_codes_are_not_for_sso_users(client, organization, sam, at):
    from mfa.recovery_codes import flows as codes

    device, app = give_app(sam, at)
    issued = codes.generate(user=sam)
    response = signin_portal(client, organization)
    page = client.get(response["Location"]).content.decode()
    assert "recovery_code" not in page
    response = client.post(
        reverse("mfa:signin"), {"method": "recovery_code", "recovery_code": issued[0]}
    )
    assert "_auth_user_id" not in client.session
    at(T0 + 60)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 60)})
    assert client.get(reverse("mfa:recovery_codes")).status_code == 403


def test_a_permission_set_can_require_mfa_of_the_portal_sign_in(
    client_factory, organization, member_account, sam, at
):
    """aws:MultiFactorAuthPresent in a role session is the portal sign-in's MFA."""
    import json

    from sso import services
    from tests.support.sso import make_permission_set, open_console

    needs_mfa = make_permission_set(
        organization,
        name="NeedsMFA",
        managed=[],
        inline_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "iam:GetAccountSummary",
                        "Resource": "*",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    }
                ],
            }
        ),
    )
    services.assignment_create(
        actor=None, account=member_account, permission_set=needs_mfa, user=sam
    )
    detail = reverse("console:account_detail", args=[member_account.pk])

    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    without = client_factory()
    signin_portal(without, organization)
    open_console(without, organization, member_account, needs_mfa)
    assert without.get(detail).status_code == 403

    device, app = give_app(sam, at)
    with_mfa = client_factory()
    signin_portal(with_mfa, organization)
    at(T0 + 60)
    with_mfa.post(reverse("mfa:signin"), {"device": device.pk, "code": app.at(T0 + 60)})
    open_console(with_mfa, organization, member_account, needs_mfa)
    assert with_mfa.get(detail).status_code == 200
