"""Signing in through the organization's external identity provider (django-allauth).

allauth runs the OpenID Connect redirect, the state check, PKCE, the code exchange and the
ID token's verification (``sso.oidc``). This adapter then takes over before allauth would
create or sign in a Django user of its own: it checks the nonce, finds the directory user
(by the provider's subject, else by a verified email address, else creates one when
just-in-time provisioning is on) and signs them in to the access portal. allauth's own
account tables stay empty; the provider's client secret stays encrypted in ours.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import socket
from urllib.parse import urlsplit

import requests
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from requests.adapters import HTTPAdapter

from identity import audit
from identity.audit_events import Event
from identity.models import User

from . import flows, services
from .models import ExternalIdentity, ExternalIdentityProvider, SSOSettings

PROVIDER = "tobira_oidc"


class PublicAddressesOnly(HTTPAdapter):
    """Talk to an identity provider only at public addresses.

    An administrator types the issuer; without this, Tobira could be made to call its own
    network (metadata services, databases) from the server. Every address the host name
    resolves to must be global, unless ``SSO_OIDC_ALLOW_PRIVATE`` is on (development and the
    tests' provider on 127.0.0.1). The check runs before each request; a name that resolves
    differently a moment later (DNS rebinding) is not caught here.
    """

    def send(self, request, *args, **kwargs):
        if not django_settings.SSO_OIDC_ALLOW_PRIVATE:
            host = urlsplit(request.url).hostname or ""
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            except OSError as error:
                raise requests.ConnectionError(f"cannot resolve {host}") from error
            for info in infos:
                address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
                if not address.is_global:
                    raise requests.ConnectionError(f"{host} is not a public address")
        return super().send(request, *args, **kwargs)


# amr values (RFC 8176) that mean a second factor or a phishing-resistant key was used.
MFA_AMR = frozenset({"mfa", "otp", "hwk", "swk", "sms", "tel", "fpt", "face", "iris", "sc"})


def social_app(idp: ExternalIdentityProvider) -> SocialApp:
    """An unsaved allauth app for ``idp``: allauth reads it, nothing stores it."""
    return SocialApp(
        provider=PROVIDER,
        provider_id=idp.provider_id,
        name=idp.name,
        client_id=idp.client_id,
        secret=idp.client_secret,
        settings={"server_url": idp.issuer, "fetch_userinfo": True, "oauth_pkce_enabled": True},
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        if not provider or provider == PROVIDER:
            return []  # only ever one organization's provider, named by its provider id
        idps = ExternalIdentityProvider.objects.filter(provider_id=provider)
        if client_id:
            idps = idps.filter(client_id=client_id)
        return [social_app(idp) for idp in idps[:1]]

    def get_requests_session(self):
        session = super().get_requests_session()
        session.max_redirects = 0  # the provider's endpoints answer themselves; no redirects
        adapter = PublicAddressesOnly()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def is_open_for_signup(self, request, sociallogin):
        return False  # allauth never creates users here; pre_social_login decides

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        idp = _idp(provider.app.provider_id if provider and provider.app else "")
        _refuse(
            request,
            idp,
            "AuthenticationFailed",
            f"{error or 'unknown'}: {type(exception).__name__ if exception else 'no exception'}",
        )

    def pre_social_login(self, request, sociallogin):
        idp = _idp(sociallogin.provider.app.provider_id)
        if idp is None:
            raise ImmediateHttpResponse(redirect("home"))
        data = sociallogin.account.extra_data or {}
        id_token = data.get("id_token") or {}
        userinfo = data.get("userinfo") or {}
        expected = str((sociallogin.state or {}).get("nonce") or "")
        if not expected or not hmac.compare_digest(str(id_token.get("nonce", "")), expected):
            _refuse(request, idp, "InvalidNonce", "The ID token's nonce did not match.")
        subject = str(id_token.get("sub") or "")
        issuer = str(id_token.get("iss") or "")
        if not subject or (userinfo and str(userinfo.get("sub")) != subject):
            _refuse(
                request, idp, "InvalidSubject", "The userinfo subject differs from the ID token's."
            )
        settings = services.settings_for(idp.organization)
        if settings.identity_source != SSOSettings.IdentitySource.EXTERNAL:
            _refuse(
                request, idp, "IdentitySourceNotExternal", "The directory is the identity source."
            )
        claims = {**id_token, **userinfo}
        user = _match(request, idp, issuer, subject, claims)
        amr = id_token.get("amr") or []
        idp_mfa = isinstance(amr, list) and bool(MFA_AMR.intersection(map(str, amr)))
        flows.federated_signin(
            request,
            idp.organization,
            user,
            subject=subject,
            idp_mfa=idp_mfa,
            idp_amr=[str(v) for v in amr] if isinstance(amr, list) else [],
        )
        raise ImmediateHttpResponse(redirect("sso:portal", organization_id=idp.organization_id))


def _idp(provider_id: str) -> ExternalIdentityProvider | None:
    return (
        ExternalIdentityProvider.objects.select_related("organization")
        .filter(provider_id=provider_id)
        .first()
    )


def refuse_response(request, idp, error: str, message: str):
    """Audit the failure and send the person back to the portal with a message."""
    audit.record(
        Event.USER_AUTHENTICATION,
        request=request,
        actor=None,
        account_id=idp.organization.management_account_id if idp else "",
        request_parameters={"loginTo": "portal", "federated": True},
        response_elements={"UserAuthentication": "Failure"},
        error_code=error,
        error_message=message,
    )
    messages.error(
        request,
        _(
            "Signing in through your identity provider did not complete. "
            "Try again; if it keeps failing, ask your administrator."
        )
        if error not in {"UnknownUser", "EmailNotVerified"}
        else _(
            "Your identity provider signed you in, but there is no matching user in this "
            "organization's directory. Ask your administrator to add you."
        ),
    )
    if idp is None:
        return redirect("home")
    return redirect("sso:portal", organization_id=idp.organization_id)


def _refuse(request, idp, error: str, message: str):
    raise ImmediateHttpResponse(refuse_response(request, idp, error, message))


def _directory(idp: ExternalIdentityProvider):
    return User.objects.filter(
        kind=User.Kind.SSO, account_id=idp.organization.management_account_id
    )


def _match(request, idp: ExternalIdentityProvider, issuer: str, subject: str, claims: dict) -> User:
    """The directory user of (issuer, subject): linked before, else by verified email, else new."""
    link = (
        ExternalIdentity.objects.select_related("user")
        .filter(provider=idp, issuer=issuer, subject=subject)
        .first()
    )
    if link is not None:
        if not link.user.is_active:
            _refuse(request, idp, "UserDisabled", "The directory user is disabled.")
        return link.user
    email = str(claims.get("email") or "").strip()
    verified = claims.get("email_verified") in (True, "true")  # some providers send a string
    if email and not verified:
        _refuse(request, idp, "EmailNotVerified", "The provider did not verify the email address.")
    user, method = None, ""
    if email and idp.match_by_email:
        user = _directory(idp).filter(contact_email__iexact=email).first()
        method = "email"
        linked = ExternalIdentity.objects.filter(provider=idp, issuer=issuer, user=user)
        if user is not None and linked.exists():
            # Already linked to another subject: an email address does not move an identity.
            _refuse(request, idp, "SubjectMismatch", "The user is linked to another subject.")
    if user is None and idp.jit_provisioning and email:
        method = "jit"
        name = _user_name(email)
        try:
            user = services.sso_user_create(
                # Tobira itself creates the user (no request: not the anonymous browser);
                # LinkExternalIdentity, next, records who signed in and from where.
                actor=None,
                organization=idp.organization,
                name=name,
                email=email,
            )
        except ValidationError:
            _refuse(request, idp, "ProvisioningFailed", "Just-in-time provisioning failed.")
    if user is None:
        _refuse(request, idp, "UnknownUser", "No directory user matches.")
    if not user.is_active:
        _refuse(request, idp, "UserDisabled", "The directory user is disabled.")
    try:
        with transaction.atomic():
            ExternalIdentity.objects.create(provider=idp, user=user, issuer=issuer, subject=subject)
            audit.record(
                Event.LINK_EXTERNAL_IDENTITY,
                request=request,
                actor=None,
                account_id=idp.organization.management_account_id,
                request_parameters={
                    "userName": user.name,
                    "userId": user.unique_id,
                    "issuer": issuer,
                    "subject": subject,
                    "method": method,
                },
            )
    except IntegrityError:  # a concurrent first sign-in linked it meanwhile
        _refuse(request, idp, "SubjectMismatch", "The user was linked meanwhile.")
    return user


def _user_name(email: str) -> str:
    """A just-in-time user's name: the verified email address's local part, made valid."""
    wanted = email.split("@", 1)[0]
    return (re.sub(r"[^A-Za-z0-9_+=,.@-]", "-", wanted).strip(".") or "user")[:64]
