"""The OpenID Connect provider of one organization, under its issuer ``/o/<organization id>``.

``authorize`` is Tobira's own: it finds the client under this issuer, checks the redirect URI
exactly (before anything is sent there), then asks ``access.decide`` whether the person in this
browser may go on (portal sign-in, a new sign-in for ``prompt=login`` or ``max_age``, a fresh
MFA step, or a refusal), asks for consent when the application needs it, and only then lets
django-oauth-toolkit issue the code. The token, userinfo and revocation endpoints are the
library's, with Tobira's validator (``validator.py``); discovery lists exactly what is served.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.models import AccessToken, RefreshToken
from oauth2_provider.views import RevokeTokenView, TokenView, UserInfoView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749.tokens import random_token_generator
from oauthlib.openid import Server

from accounts import flows as signin_flows
from identity import authn_state
from identity.headers import hand_over_cross_origin_redirects
from identity.models import Organization

from .. import access
from ..models import OIDCClient
from . import validator as tobira_validator

SCOPES = ("openid", "profile", "email", "groups", "offline_access")
MFA_ACR = "urn:tobira:acr:mfa"  # the sign-in used an MFA device
PASSWORD_ACR = "urn:tobira:acr:pwd"  # a password (or a federated sign-in) without MFA
# acr_values that ask for multi-factor authentication: Tobira's, and the common names for it.
MFA_ACR_VALUES = frozenset(
    {MFA_ACR, "mfa", "http://schemas.openid.net/pape/policies/2007/06/multi-factor"}
)
CONSENT_SESSION_KEY = "tobira_oidc_consent"  # {client_id: [scopes]} consented in this session
LOGIN_REQUESTED = "tobira_oidc_login_requested"  # {client_id: epoch} for prompt=login


class ServerMixin(OAuthLibMixin):
    """The library's endpoints, on oauthlib's OpenID Connect server with Tobira's validator,
    JWT access tokens and each client's own lifetimes."""

    server_class = Server
    validator_class = tobira_validator.Validator

    @classmethod
    def get_server(cls):
        return Server(
            tobira_validator.Validator(),
            token_expires_in=tobira_validator.access_token_lifetime,
            token_generator=tobira_validator.access_token,
            # Without its own generator oauthlib makes refresh tokens with the access token's:
            # they would be signed JWTs an API could take for access tokens. Opaque, random.
            refresh_token_generator=random_token_generator,
        )


def _organization(organization_id: str) -> Organization:
    return get_object_or_404(Organization, pk=organization_id)


def _issuer(request, organization: Organization) -> str:
    return tobira_validator.issuer_of(request, organization.pk)


# --- Discovery ------------------------------------------------------------------------------


@require_safe
def discovery(request, organization_id: str):
    """``/.well-known/openid-configuration`` (OpenID Connect Discovery 1.0): what is served."""
    organization = _organization(organization_id)
    issuer = _issuer(request, organization)
    response = JsonResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks",
            "revocation_endpoint": f"{issuer}/revoke",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(OIDCClient.Grant.values),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "revocation_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(SCOPES),
            "claims_supported": [
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "amr",
                "acr",
                "azp",
                "name",
                "preferred_username",
                "email",
                "email_verified",
                "groups",
            ],
            "prompt_values_supported": ["none", "login", "consent"],
            "acr_values_supported": [MFA_ACR, PASSWORD_ACR],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "authorization_response_iss_parameter_supported": True,
        }
    )
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Authorization endpoint -----------------------------------------------------------------


def _error_page(request, organization, message: str, status: int = 400):
    """An error the client cannot be told of (unknown client, unregistered redirect URI):
    shown here, never redirected (RFC 6749 section 4.1.2.1)."""
    return render(
        request,
        "sso/oidc/error.html",
        {"organization": organization, "message": message},
        status=status,
    )


def _to_client(redirect_uri: str, issuer: str, state: str | None, **params):
    query = [(k, v) for k, v in params.items() if v]
    if state:
        query.append(("state", state))
    query.append(("iss", issuer))  # RFC 9207
    return HttpResponseRedirect(add_params_to_uri(redirect_uri, query))


def _max_age(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValueError(value)
    return int(value)


def _login_satisfied(request, client_id: str) -> bool:
    """``prompt=login``: the person signed in (a first factor: the password, or the identity
    provider; an MFA step-up is not a sign-in) after this client asked, for this request. The
    demand is dropped once a code is issued, so the next prompt=login asks again."""
    asked = request.session.get(LOGIN_REQUESTED, {}).get(client_id)
    primary_at = authn_state.signin_record(request).get("primary_at")
    return asked is not None and primary_at is not None and primary_at >= asked


def _has_consent(request, client: OIDCClient, user, scopes: set[str]) -> bool:
    if client.skip_authorization:
        return True
    consented = set(request.session.get(CONSENT_SESSION_KEY, {}).get(client.client_id, ()))
    if scopes <= consented:
        return True
    # An earlier consent of this user to this client, still in force (a live token with these
    # scopes): not asked again (django-oauth-toolkit's "auto" approval).
    for token in AccessToken.objects.filter(
        user=user, application=client, expires__gt=timezone.now()
    ).only("scope"):
        if scopes <= set(token.scope.split()):
            return True
    return False


@csrf_exempt  # relying parties send people here, by GET or by an auto-submitted POST
@never_cache
@require_http_methods(["GET", "POST"])
@hand_over_cross_origin_redirects  # after a sign-in's form, a page goes on to the client
def authorize(request, organization_id: str):
    organization = _organization(organization_id)
    if request.method == "POST":  # OpenID Connect Core 3.1.2.1: the same request, as a form
        params = request.POST.copy()
        params.pop("csrfmiddlewaretoken", None)
        return redirect(f"{request.path}?{params.urlencode()}")
    params = request.GET
    client = (
        OIDCClient.objects.select_related("application__organization", "organization")
        .filter(client_id=params.get("client_id", ""), organization=organization)
        .first()
    )
    if client is None:
        return _error_page(request, organization, _("This application is not known here."))
    redirect_uri = params.get("redirect_uri", "")
    if not client.redirect_uri_allowed(redirect_uri):
        return _error_page(
            request,
            organization,
            _(
                "The application sent you to a return address it has not registered. "
                "Tell the application's administrator."
            ),
        )
    issuer = _issuer(request, organization)
    state = params.get("state")
    application = client.application
    prompt = set(params.get("prompt", "").split())
    try:
        max_age = _max_age(params.get("max_age"))
    except ValueError:
        return _to_client(
            redirect_uri,
            issuer,
            state,
            error="invalid_request",
            error_description="max_age must be a number of seconds.",
        )
    if params.get("response_mode", "query") != "query":
        return _to_client(
            redirect_uri,
            issuer,
            state,
            error="invalid_request",
            error_description="Only response_mode=query is supported.",
        )
    if "none" in prompt and len(prompt) > 1:
        return _to_client(
            redirect_uri,
            issuer,
            state,
            error="invalid_request",
            error_description="prompt=none cannot be combined.",
        )
    force_login = "login" in prompt and not _login_satisfied(request, client.client_id)
    wants_mfa = bool(set(params.get("acr_values", "").split()) & MFA_ACR_VALUES)
    decision = access.decide(
        request, application, max_age=max_age, force_login=force_login, mfa=wants_mfa
    )
    here = request.get_full_path()
    if decision.outcome is not access.Outcome.PROCEED:
        if "none" in prompt:
            error = {
                access.Outcome.SIGN_IN: "login_required",
                access.Outcome.STEP_UP: "interaction_required",
                access.Outcome.DENIED: "access_denied",
            }[decision.outcome]
            if decision.outcome is access.Outcome.DENIED:
                access.record_refusal(request, application, decision.user, decision.reason)
            return _to_client(redirect_uri, issuer, state, error=error)
        if decision.outcome is access.Outcome.SIGN_IN:
            if force_login:
                asked = request.session.get(LOGIN_REQUESTED, {})
                request.session[LOGIN_REQUESTED] = {**asked, client.client_id: int(time.time())}
            return access.sign_in(request, organization, here, again=decision.user is not None)
        if decision.outcome is access.Outcome.STEP_UP:
            return access.step_up(request, decision.user, application, here)
        # Refused: the person sees why, and may go back to the application, which is told
        # access_denied.
        back = add_params_to_uri(
            redirect_uri,
            [("error", "access_denied"), *([("state", state)] if state else []), ("iss", issuer)],
        )
        return access.refuse(request, application, decision, back_url=back)
    user = decision.user
    # The scopes the code will carry: oauthlib gives a request without any the default, openid.
    scopes = set(params.get("scope", "").split()) or {"openid"}
    if "consent" in prompt or not _has_consent(request, client, user, scopes):
        if "none" in prompt:
            return _to_client(redirect_uri, issuer, state, error="consent_required")
        return render(
            request,
            "sso/oidc/consent.html",
            {
                "organization": organization,
                "application": application,
                "scopes": sorted(scopes & set(SCOPES)),
                "custom_claims": sorted(client.claim_mappings),
                "next": here,
                "user": user,
            },
        )
    return _issue_code(request, client, decision, issuer)


def _issue_code(request, client: OIDCClient, decision, issuer: str):
    """Let the library validate the rest (PKCE, scopes, id_token_hint) and issue the code."""
    record = authn_state.signin_record(request)
    token = tobira_validator.authorize_decision.set(
        {"signed_in": True, "consented": True, "sub": decision.user.unique_id}
    )
    core = ServerMixin.get_oauthlib_core()
    try:
        try:
            scopes, credentials = core.validate_authorization_request(request)
            credentials["tobira_auth"] = {
                "auth_time": record["at"],
                "amr": record["amr"],
                "acr": _acr(request, record),
            }
            uri, _headers, _body, _status = core.create_authorization_response(
                request, scopes, credentials, allow=True
            )
        except FatalClientError as error:
            return _error_page(
                request, client.application.organization, error.oauthlib_error.description
            )
        except OAuthToolkitError as error:
            # The redirect URI was checked (exactly) before: the client is told what was wrong.
            uri = error.oauthlib_error.in_uri(request.GET["redirect_uri"])
    finally:
        tobira_validator.authorize_decision.reset(token)
    asked = request.session.get(LOGIN_REQUESTED, {})
    if client.client_id in asked:  # a prompt=login is answered by one code, not by every later
        request.session[LOGIN_REQUESTED] = {k: v for k, v in asked.items() if k != client.client_id}
    return HttpResponseRedirect(add_params_to_uri(uri, [("iss", issuer)]))


def _acr(request, record) -> str:
    """The ``acr`` of this sign-in: multi-factor or password only (what ``acr_values`` ask)."""
    return MFA_ACR if authn_state.mfa_present(request) else PASSWORD_ACR


@csrf_protect
@never_cache
@require_http_methods(["POST"])
@hand_over_cross_origin_redirects  # "Deny" goes straight back to the client
def consent(request, organization_id: str):
    """The person's answer on the consent page: allow (remembered for this session) or deny."""
    organization = _organization(organization_id)
    next_url = request.POST.get("next", "")
    if not next_url.startswith(f"/o/{organization.pk}/authorize?"):
        raise Http404
    params = QueryDict(next_url.partition("?")[2])
    client = get_object_or_404(
        OIDCClient, client_id=params.get("client_id", ""), organization=organization
    )
    if not client.redirect_uri_allowed(params.get("redirect_uri", "")):
        raise Http404
    if access.portal_user(request, organization) is None:
        return access.sign_in(request, organization, next_url)
    if request.POST.get("decision") != "allow":
        return _to_client(
            params["redirect_uri"],
            _issuer(request, organization),
            params.get("state"),
            error="access_denied",
        )
    consented = request.session.get(CONSENT_SESSION_KEY, {})
    scopes = sorted(set(params.get("scope", "").split()) & set(SCOPES))
    request.session[CONSENT_SESSION_KEY] = {**consented, client.client_id: scopes}
    # The consent was given: prompt=consent is answered.
    prompt = " ".join(p for p in params.get("prompt", "").split() if p != "consent")
    params = params.copy()
    if prompt:
        params["prompt"] = prompt
    else:
        params.pop("prompt", None)
    return redirect(
        f"{reverse('applications:authorize', args=[organization.pk])}?{params.urlencode()}"
    )


# --- The library's endpoints ------------------------------------------------------------------


@method_decorator(csrf_exempt, name="dispatch")
@method_decorator(transaction.atomic, name="dispatch")
class Token(ServerMixin, TokenView):
    """The token endpoint, in one transaction: a code's grant stays locked while it is spent.
    The library's ``app_authorized`` signal (which re-reads the token it just wrote) is not sent:
    ``TokenIssued`` is audited in the validator. An unknown organization is not looked up here
    (a query per grant): no client is found under its issuer, so the answer is invalid_client."""

    def dispatch(self, request, organization_id: str, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for key, value in headers.items():
            response[key] = value
        return response


@method_decorator(csrf_exempt, name="dispatch")
class UserInfo(ServerMixin, UserInfoView):
    """A token of another (or an unknown) organization is refused by the validator: 401."""

    def dispatch(self, request, organization_id: str, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


@method_decorator(csrf_exempt, name="dispatch")
class Revoke(ServerMixin, RevokeTokenView):
    def dispatch(self, request, organization_id: str, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


# --- RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) -----------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@csrf_protect
@hand_over_cross_origin_redirects  # after "Sign out", back to the client
def logout(request, organization_id: str):
    """Sign out of Tobira from an application. Without a valid ``id_token_hint`` naming the
    signed-in person, the person is asked first (a POST); the application's tokens for that
    person are revoked; then back to a registered ``post_logout_redirect_uri`` with ``state``."""
    organization = _organization(organization_id)
    params = request.POST if request.method == "POST" else request.GET
    hint = params.get("id_token_hint", "")
    client_id = params.get("client_id", "")
    target = params.get("post_logout_redirect_uri", "")
    state = params.get("state", "")
    issuer = _issuer(request, organization)
    claims = None
    if hint:
        claims = tobira_validator.Validator().verified_id_token_claims(
            hint, request, allow_expired=True
        )
        if claims is None:
            return _error_page(request, organization, _("The sign-out request is not valid."))
        audience = claims.get("aud")
        audience = [audience] if isinstance(audience, str) else list(audience or [])
        if client_id and client_id not in audience:
            return _error_page(request, organization, _("The sign-out request is not valid."))
        client_id = client_id or (audience[0] if audience else "")
    client = None
    if client_id:
        client = OIDCClient.objects.filter(client_id=client_id, organization=organization).first()
        if client is None:
            return _error_page(request, organization, _("This application is not known here."))
    if target and (client is None or not client.post_logout_redirect_uri_allowed(target)):
        return _error_page(
            request,
            organization,
            _("The application asked to return to an address it has not registered."),
        )
    user = access.portal_user(request, organization)
    hinted = user is not None and claims is not None and claims.get("sub") == user.unique_id
    if user is not None and not hinted and request.POST.get("decision") != "signout":
        return render(
            request,
            "sso/oidc/logout.html",
            {
                "organization": organization,
                "application": client.application if client else None,
                "params": {
                    "id_token_hint": hint,
                    "client_id": client_id,
                    "post_logout_redirect_uri": target,
                    "state": state,
                },
            },
        )
    if user is not None:
        with transaction.atomic():
            if client is not None:
                for token in AccessToken.objects.filter(user=user, application=client):
                    token.revoke()
                RefreshToken.objects.filter(
                    user=user, application=client, revoked__isnull=True
                ).update(revoked=timezone.now())
            signin_flows.signout(request)
    if target:
        query = [("state", state)] if state else []
        return HttpResponseRedirect(add_params_to_uri(target, query))
    return render(
        request,
        "sso/oidc/signed_out.html",
        {"organization": organization, "issuer": issuer},
    )
