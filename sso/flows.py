"""Signing in to the access portal: a directory password or the external identity provider,
then MFA as the organization's SSO settings say."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from django.core import signing
from django.utils import timezone

from accounts import flows as signin_flows
from accounts.backends import candidates, canonical, unique_or_none
from identity import audit, authn_state
from identity.audit_events import Event
from identity.models import Organization, User
from identity.requestinfo import client_ip, user_agent
from mfa.models import MFADevice
from mfa.signin import passkey

from . import services
from .models import SSOSettings
from .stages import SSOMFARegistration

CONTEXT_COOKIE = "tobira_sso_context"
CONTEXT_MAX_AGE = 30 * 24 * 3600  # a remembered sign-in context lasts 30 days
CONTEXT_SALT = "tobira.sso.context"
CONTEXT_MINT_WINDOW = 300  # seconds after the MFA step during which the context is remembered


def find_sso_user(organization: Organization, user_name: str) -> User | None:
    user_name = canonical(user_name)
    if not user_name or len(user_name) > 64 or not user_name.isascii():
        return None
    user = unique_or_none(
        candidates().filter(
            kind=User.Kind.SSO,
            account_id=organization.management_account_id,
            name__iexact=user_name,
        )
    )
    return user if user is not None and canonical(user.name) == user_name else None


def _network(request) -> str:
    """The sign-in location, coarsely: the /24 (IPv4) or /48 (IPv6) of the client address."""
    address = ipaddress.ip_address(client_ip(request) or "0.0.0.0")  # noqa: S104 - an address, not a bind
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _context_fingerprint(request, user: User) -> str:
    """This browser on this network, for this user with these credentials.

    The password's session hash and the user's enabled devices are part of it: changing the
    password or any MFA device forgets every remembered context.
    """
    devices = ",".join(
        str(pk)
        for pk in MFADevice.objects.filter(user=user, confirmed=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    material = "|".join(
        (
            user.unique_id,
            user.get_session_auth_hash(),
            devices,
            user_agent(request),
            _network(request),
        )
    )
    return hashlib.sha256(material.encode()).hexdigest()


def context_cookie_value(request, user: User) -> str:
    return signing.dumps({"c": _context_fingerprint(request, user)}, salt=CONTEXT_SALT)


def context_remembered(request, user: User) -> bool:
    """Whether this browser, from this network, passed MFA as ``user`` within 30 days."""
    value = request.COOKIES.get(CONTEXT_COOKIE)
    if not value:
        return False
    try:
        data = signing.loads(value, salt=CONTEXT_SALT, max_age=CONTEXT_MAX_AGE)
    except signing.BadSignature:
        return False
    return hmac.compare_digest(str(data.get("c", "")), _context_fingerprint(request, user))


class Outcome:
    SIGNED_IN = "signed_in"
    MFA = "mfa"  # go to the MFA step
    REGISTER = "register"  # signed in; must register a device before anything else
    BLOCKED = "blocked"  # no MFA device and the organization blocks such sign-ins
    FAILED = "failed"
    THROTTLED = "throttled"


def portal_signin(request, organization: Organization, *, user_name: str, password: str) -> str:
    """The password step of the portal (Identity Center directory as the identity source)."""
    candidate = find_sso_user(organization, user_name)
    params = {
        "loginTo": "portal",
        "organization": organization.pk,
        "userName": candidate.name if candidate else signin_flows.HIDDEN,
    }
    check = signin_flows.check_password(
        request,
        candidate=candidate,
        password=password,
        user_key=f"sso:{organization.pk}:{canonical(user_name)}",
    )
    if check.user is None:
        if not check.throttled:
            _failed(request, organization, params, "Failed authentication")
        elif check.just_tripped:
            _failed(request, organization, params, "Throttled")
        return Outcome.THROTTLED if check.throttled else Outcome.FAILED
    return after_first_factor(request, organization, check.user, params)


def _failed(request, organization, params: dict, error_code: str, message: str = "") -> None:
    """A failed portal sign-in: anonymous, in the trail of the organization's management account."""
    audit.record(
        Event.USER_AUTHENTICATION,
        request=request,
        actor=None,
        account_id=organization.management_account_id,
        request_parameters=params,
        response_elements={"UserAuthentication": "Failure"},
        error_code=error_code,
        error_message=message,
    )


def after_first_factor(request, organization: Organization, user: User, params: dict) -> str:
    """MFA as the organization's settings say, after the directory password."""
    settings = services.settings_for(organization)
    has_device = MFADevice.objects.filter(
        user=user, confirmed=True, kind__in=settings.allowed_device_kinds
    ).exists()
    if has_device:
        remembered = (
            settings.mfa_prompt == SSOSettings.MFAPrompt.CONTEXT_CHANGE
            and context_remembered(request, user)
        )
        if not remembered:
            authn_state.begin_pending_signin(request, user_id=user.pk, params=params)
            return Outcome.MFA
        signin_flows.complete_signin(request, user, {**params, "mfa": "RememberedContext"})
        return Outcome.SIGNED_IN
    if settings.mfa_no_device == SSOSettings.NoDevice.BLOCK:
        _failed(
            request, organization, params, "MFARequired", "No MFA device and sign-in is blocked."
        )
        return Outcome.BLOCKED
    signin_flows.complete_signin(request, user, params)
    if settings.mfa_no_device == SSOSettings.NoDevice.REGISTER:
        authn_state.require_stage(request, SSOMFARegistration.key)
        return Outcome.REGISTER
    return Outcome.SIGNED_IN


def federated_signin(
    request,
    organization: Organization,
    user: User,
    *,
    subject: str,
    idp_mfa: bool,
    idp_amr: list[str] | None = None,
) -> None:
    """Signed in by the external identity provider: its authentication (and its MFA) applies."""
    params = {"loginTo": "portal", "organization": organization.pk, "federated": True}
    signin_flows.complete_signin(
        request, user, params, external_mfa=idp_mfa, external_amr=idp_amr or []
    )
    user.external_identities.filter(subject=subject).update(last_used=timezone.now())


def passkey_offered(organization: Organization) -> bool:
    """Whether the portal offers *Sign in with a passkey*: the organization turned it on, its
    people sign in here (the Identity Center directory, not an external identity provider), and
    passkeys and security keys are an allowed kind of MFA device."""
    settings = services.settings_for(organization)
    return (
        settings.passkey_signin
        and settings.identity_source == SSOSettings.IdentitySource.DIRECTORY
        and MFADevice.Kind.WEBAUTHN in settings.allowed_device_kinds
    )


def passkey_door(organization: Organization) -> passkey.Door:
    """The portal's door: an active person of this organization's directory, while the
    organization offers the passkey sign-in. Refusals go to the management account's trail, as
    the portal's other failures (``UserAuthentication``)."""

    def accepts(user: User) -> bool:
        return (
            user.is_sso
            and user.is_active
            and user.account_id == organization.management_account_id
            and passkey_offered(organization)
        )

    return passkey.Door(
        accepts=accepts,
        params={"loginTo": "portal", "organization": organization.pk},
        failure_event=Event.USER_AUTHENTICATION,
        failure_account=lambda user: organization.management_account_id,
    )


def portal_passkey_signin(request, organization: Organization, *, credential_json: str):
    """*Sign in with a passkey* on the portal: both factors at once (``mfa.signin.passkey``)."""
    return passkey.signin_passkey(
        request, credential_json=credential_json, door=passkey_door(organization)
    )
