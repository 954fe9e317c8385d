"""django-oauth-toolkit's ``OAuth2Validator``, made Tobira's.

What changes, and why (docs/applications.md has the long form):
- **Clients** belong to one organization: a client id is found only under its own issuer
  (``/o/<organization id>/...``), and it authenticates with its current secret, or its previous
  one during a rotation's overlap (``services.secret_matches``, constant time, SHA-256 digests).
- **Authorization codes are stored hashed** (the library keeps them in the clear): every method
  that takes a code looks it up by its SHA-256. A code used a second time revokes what it was
  exchanged for (RFC 6749 section 4.1.2), from the ``SpentCode`` row left by the first use.
- **ID tokens** are signed with the organization's current key (RS256 or ES256, per client;
  ``sso.applications.keys``), with ``iss`` the organization's issuer, ``sub`` the user's stable
  id, and ``auth_time``/``amr``/``acr`` from this session's sign-in (``AuthorizationContext``),
  never the user's ``last_login``. Access tokens are JWTs too (RFC 9068), so a resource server
  can verify them with the JWKS; only their SHA-256 is stored.
- **Refresh tokens** are issued only to clients with the refresh grant, live as long as the
  client says, and rotate; a replayed one revokes its family (the library's reuse protection).
- ``prompt=none`` and ``id_token_hint`` are answered from the decision the authorize view made
  (``authorize_decision``), which is the only place that sees the browser's session.
- Every issued token is audited (``TokenIssued``: client, user, grant, ``amr``; never a token).
"""

from __future__ import annotations

import base64
import binascii
import contextvars
import hashlib
import json
import time
import uuid
from datetime import timedelta
from urllib.parse import unquote_plus, urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from jwcrypto import jwk, jws, jwt
from jwcrypto.common import JWException
from oauth2_provider.models import AccessToken, Grant, RefreshToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from identity import audit
from identity.audit_events import Event

from .. import access, keys, services
from ..attributes import Attributes
from ..models import AuthorizationContext, OIDCClient, SigningKey, SpentCode

# What the authorize view decided for this request (an ``access.Decision`` and the sign-in
# record), read by the hooks oauthlib calls while it validates the same request.
authorize_decision: contextvars.ContextVar = contextvars.ContextVar(
    "tobira_authorize_decision", default=None
)

# The ID token ``finalize_id_token`` just signed, and its row, while the library makes the access
# token that links to it (``_create_access_token``; see ``_load_id_token``).
_signed_id_token: contextvars.ContextVar = contextvars.ContextVar(
    "tobira_signed_id_token", default=None
)

SPENT_CODE_MEMORY = timedelta(hours=1)  # how long a used code is remembered (reuse detection)
CLOCK_SKEW = 60


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def organization_in(uri: str) -> str | None:
    """The organization id of an issuer URL path ``/o/<organization id>/...``."""
    parts = urlsplit(uri or "").path.split("/")
    if len(parts) > 2 and parts[1] == "o" and parts[2]:
        return parts[2]
    return None


class _HeadersRequest(HttpRequest):
    """A Django request made of an oauthlib request's headers (django-oauth-toolkit passes the
    Django request's META as headers, and marks https): for ``build_absolute_uri``, which
    checks the host against ``ALLOWED_HOSTS``."""

    def __init__(self, headers):
        super().__init__()
        self.META = dict(headers)
        self._secure = bool(headers.get("X_DJANGO_OAUTH_TOOLKIT_SECURE"))

    def _get_scheme(self):
        return "https" if self._secure else "http"


def issuer_of(request, organization_id: str) -> str:
    """The organization's issuer, on the scheme and host the request came to (a Django or an
    oauthlib request; behind a proxy, ``SECURE_PROXY_SSL_HEADER`` and ``ALLOWED_HOSTS`` make
    those trustworthy)."""
    if not isinstance(request, HttpRequest):
        request = _HeadersRequest(request.headers)
    return request.build_absolute_uri(f"/o/{organization_id}")


def _now() -> int:
    return int(time.time())


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # claims are chosen by scope in attributes.standard_claims

    # --- Clients ------------------------------------------------------------------------
    def _load_application(self, client_id, request):
        """The client, with its organization and application in the same query, only under its
        own issuer (another organization's client is unknown here)."""
        organization_id = organization_in(request.uri)
        client = request.client
        if (
            isinstance(client, OIDCClient)
            and client.client_id == client_id
            and client.organization_id == organization_id
        ):
            return client
        request.client = None
        if not isinstance(client_id, str) or not client_id or "\x00" in client_id:
            return None
        # client_id is unique: no ORDER BY (``first()`` adds one, about 1 ms of ORM per grant).
        found = OIDCClient.objects.select_related("organization", "application").filter(
            client_id=client_id, organization_id=organization_id
        )[:1]
        client = next(iter(found), None)
        request.client = client
        return client

    def _credentials(self, request) -> tuple[str, str] | None:
        """``(client_id, secret)`` from HTTP Basic (RFC 6749 2.3.1, form-encoded) or the body;
        None when absent, or when a client uses both methods at once (refused)."""
        basic = self._extract_basic_auth(request)
        in_body = bool(getattr(request, "client_secret", None))
        if basic and in_body:
            return None
        if basic:
            try:
                decoded = base64.b64decode(basic, validate=True).decode()
                client_id, secret = map(unquote_plus, decoded.split(":", 1))
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
            if request.client_id and request.client_id != client_id:
                return None
            return client_id, secret
        if in_body and request.client_id:
            return request.client_id, request.client_secret
        return None

    def authenticate_client(self, request, *args, **kwargs):
        credentials = self._credentials(request)
        if credentials is None:
            return False
        client_id, secret = credentials
        if self._load_application(client_id, request) is None:
            return False
        request.client_id = client_id
        return services.secret_matches(request.client, secret)

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in client.grant_types

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        return response_type == "code" and OIDCClient.Grant.AUTHORIZATION_CODE in client.grant_types

    def is_pkce_required(self, client_id, request):
        client = request.client or self._load_application(client_id, request)
        return client is None or client.require_pkce or client.client_type == "public"

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        if request.grant_type == "client_credentials":
            # A machine client acts as itself: no person, so no OpenID Connect scopes.
            return not set(scopes) & {"openid", "profile", "email", "groups", "offline_access"}
        return super().validate_scopes(client_id, scopes, client, request, *args, **kwargs)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return [] if request.grant_type == "client_credentials" else ["openid"]

    def _check_and_set_request_resource(self, request):
        # Resource indicators (RFC 8707) are not offered: an access token is for its client.
        if getattr(request, "resource", None):
            raise errors.CustomOAuth2Error(
                error="invalid_target", description="Resource indicators are not supported."
            )
        request.resource = []

    # --- prompt=none and id_token_hint: what the authorize view decided ---------------------
    def validate_silent_login(self, request):
        decided = authorize_decision.get()
        return bool(decided and decided["signed_in"])

    def validate_silent_authorization(self, request):
        decided = authorize_decision.get()
        return bool(decided and decided["consented"])

    def validate_user_match(self, id_token_hint, scopes, claims, request):
        if not id_token_hint:
            return True
        decided = authorize_decision.get()
        hint = self.verified_id_token_claims(id_token_hint, request, allow_expired=True)
        return bool(decided and hint and hint.get("sub") == decided["sub"])

    def verified_id_token_claims(self, token: str, request, *, allow_expired: bool) -> dict | None:
        """The claims of an ID token this organization signed (any published key), else None."""
        organization_id = organization_in(getattr(request, "uri", None) or request.path)
        try:
            header = jws.JWS()
            header.deserialize(token)
            kid = header.jose_header.get("kid")
        except (JWException, ValueError, TypeError):
            return None
        row = SigningKey.objects.filter(
            organization_id=organization_id, kid=kid, state__in=("current", "previous", "next")
        ).first()
        if row is None:
            return None
        try:
            verified = jwt.JWT(
                jwt=token,
                key=jwk.JWK(**row.public_jwk),
                algs=[row.algorithm],
                check_claims={} if allow_expired else None,
                expected_type="JWS",
            )
            claims = json.loads(verified.claims)
        except (JWException, ValueError, TypeError):
            return None
        if claims.get("iss") != issuer_of(request, organization_id):
            return None
        return claims

    # --- Authorization codes, stored by their SHA-256 ----------------------------------------
    def _create_authorization_code(self, request, code, expires=None):
        code_sha256 = digest(code["code"])
        grant = super()._create_authorization_code(request, {"code": code_sha256}, expires)
        context = getattr(request, "tobira_auth", None) or {}
        AuthorizationContext.objects.create(
            code_sha256=code_sha256,
            client=request.client,
            auth_time=int(context.get("auth_time") or _now()),
            amr=list(context.get("amr") or []),
            acr=context.get("acr") or "",
            expires=grant.expires,
        )
        return grant

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        """The code's grant, locked until the token request's transaction ends: of two
        concurrent exchanges of one code, the second finds it spent (and revokes)."""
        code_sha256 = digest(code)
        grant = (
            Grant.objects.select_for_update()
            .select_related("user")
            .filter(code=code_sha256, application=client)
            .first()
        )
        if grant is None:
            self._revoke_if_spent(code_sha256, client, request)
            return False
        if grant.is_expired():
            return False
        if not grant.code_challenge and request.code_verifier:
            # A verifier for a code issued without a challenge: a code injected from another
            # flow (the PKCE downgrade of RFC 9700 section 2.1.1).
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        request.tobira_auth = AuthorizationContext.objects.filter(code_sha256=code_sha256).first()
        request.tobira_grant = grant
        return True

    @staticmethod
    def _locked_grant(code, client, request) -> Grant | None:
        """The grant ``validate_code`` locked for this code and client in this request: the row
        cannot change before the transaction ends, so the checks that follow (PKCE, redirect URI,
        nonce) read it here instead of four more times from the database."""
        grant = getattr(request, "tobira_grant", None) if request is not None else None
        if (
            grant is not None
            and client is not None
            and grant.application_id == client.pk
            and grant.code == digest(code)
        ):
            return grant
        return None

    def confirm_redirect_uri(self, client_id, code, redirect_uri, client, request=None, *a, **kw):
        grant = self._locked_grant(code, client, request)
        if grant is None:
            grant = Grant.objects.filter(code=digest(code), application=client).first()
        # Exact: the redirect_uri of the token request is the one of the authorization request.
        return grant is not None and grant.redirect_uri == redirect_uri

    def get_code_challenge(self, code, request):
        grant = self._locked_grant(code, request.client, request)
        if grant is None:
            return super().get_code_challenge(digest(code), request)
        return grant.code_challenge or None

    def get_code_challenge_method(self, code, request):
        grant = self._locked_grant(code, request.client, request)
        if grant is None:
            return super().get_code_challenge_method(digest(code), request)
        return grant.code_challenge_method or None

    def get_authorization_code_scopes(self, client_id, code, redirect_uri, request):
        return super().get_authorization_code_scopes(client_id, digest(code), redirect_uri, request)

    def get_authorization_code_nonce(self, client_id, code, redirect_uri, request):
        grant = self._locked_grant(code, request.client, request)
        if grant is None:
            return super().get_authorization_code_nonce(
                client_id, digest(code), redirect_uri, request
            )
        return grant.nonce or None

    def invalidate_authorization_code(self, client_id, code, request, *args, **kwargs):
        code_sha256 = digest(code)
        super().invalidate_authorization_code(client_id, code_sha256, request, *args, **kwargs)
        issued = getattr(request, "tobira_issued", {})
        SpentCode.objects.create(
            code_sha256=code_sha256,
            client=request.client,
            access_token_checksum=issued.get("access", ""),
            refresh_token_family=issued.get("family"),
            expires=timezone.now() + SPENT_CODE_MEMORY,
        )
        context = getattr(request, "tobira_auth", None)
        if context is not None:  # the sign-in context now follows the refresh token family
            context.code_sha256 = f"family:{issued.get('family') or uuid.uuid4()}"
            context.expires = timezone.now() + timedelta(
                seconds=request.client.refresh_token_seconds
            )
            context.save(update_fields=["code_sha256", "expires"])

    def _revoke_if_spent(self, code_sha256: str, client, request) -> None:
        spent = SpentCode.objects.filter(
            code_sha256=code_sha256, client=client, expires__gt=timezone.now()
        ).first()
        if spent is None:
            return
        with transaction.atomic():
            revoked_access = AccessToken.objects.filter(
                token_checksum=spent.access_token_checksum, application=client
            ).first()
            user = revoked_access.user if revoked_access else None
            if revoked_access is not None:
                revoked_access.revoke()
            if spent.refresh_token_family:
                RefreshToken.revoke_family(spent.refresh_token_family)
            audit.record(
                Event.AUTHORIZATION_CODE_REUSED,
                request=None,
                actor=None,
                account_id=client.organization.management_account_id,
                request_parameters={"clientId": client.client_id},
                additional_event_data={"revokedTokensOf": user.unique_id if user else None},
                error_code="AuthorizationCodeReused",
                error_message="An authorization code was used twice: its tokens were revoked.",
            )

    # --- Refresh tokens --------------------------------------------------------------------
    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        """The library's checks (rotation, reuse revokes the family), after locking the token
        (of two concurrent uses the second sees it rotated, and revokes), then Tobira's: the
        family lives at most the client's refresh lifetime from the sign-in it came from (its
        ``AuthorizationContext``, which also gives the refreshed ID token its ``auth_time`` and
        ``amr``), and only while the person is active and still assigned to the application."""
        list(
            RefreshToken.objects.select_for_update()
            .filter(token_checksum=digest(refresh_token))
            .values_list("pk", flat=True)
        )
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        instance = request.refresh_token_instance
        context = AuthorizationContext.objects.filter(
            code_sha256=f"family:{instance.token_family}", client=client
        ).first()
        if context is None or context.expires <= timezone.now():
            return False
        user = instance.user
        if not (user.is_active and access.is_assigned(client.application, user)):
            return False
        request.tobira_auth = context
        return True

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs):
        """The library's revocation (the client's own tokens only), audited when it revoked
        something: the client, the kind of token and whose it was, never the token."""
        digest_of_token = digest(token)
        owned = {
            "access_token": AccessToken.objects.filter(
                token_checksum=digest_of_token, application=request.client
            )
            .values_list("user__unique_id", flat=True)
            .first(),
            "refresh_token": RefreshToken.objects.filter(
                token_checksum=digest_of_token, application=request.client, revoked__isnull=True
            )
            .values_list("user__unique_id", flat=True)
            .first(),
        }
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
        kind = next((k for k in ("access_token", "refresh_token") if owned[k] is not None), None)
        if kind is None:
            return
        client = request.client
        audit.record(
            Event.TOKEN_REVOKED,
            request=None,
            actor=None,
            account_id=client.organization.management_account_id,
            request_parameters={"clientId": client.client_id, "tokenType": kind},
            additional_event_data={"userId": owned[kind]},
        )

    # --- Tokens -----------------------------------------------------------------------------
    def save_bearer_token(self, token, request, *args, **kwargs):
        """The library's, inside the token endpoint's transaction (``views.Token``) rather than
        in a savepoint of its own (two statements per grant): a failure while saving rolls back
        the whole request, as any exception does."""
        with transaction.atomic(savepoint=False):
            return self._save_bearer_token(token, request, *args, **kwargs)

    def _save_bearer_token(self, token, request, *args, **kwargs):
        client = request.client
        if "refresh_token" in token and OIDCClient.Grant.REFRESH_TOKEN not in client.grant_types:
            token.pop("refresh_token")  # oauthlib issues one with every code; not to this client
        super()._save_bearer_token(token, request, *args, **kwargs)
        family = None
        if token.get("refresh_token"):
            family = (
                RefreshToken.objects.filter(token_checksum=digest(token["refresh_token"]))
                .values_list("token_family", flat=True)
                .first()
            )
        request.tobira_issued = {"access": digest(token["access_token"]), "family": family}
        user = request.user
        context = getattr(request, "tobira_auth", None)
        audit.record(
            Event.TOKEN_ISSUED,
            request=None,
            actor=None,
            account_id=client.organization.management_account_id,
            request_parameters={
                "clientId": client.client_id,
                "applicationId": client.application.application_id,
                "grantType": request.grant_type,
                "scope": token.get("scope", ""),
            },
            additional_event_data={
                "userId": user.unique_id if user else None,
                "userName": user.name if user else None,
                "amr": list(context.amr) if context else [],
                "idToken": "id_token" in token,
                "refreshToken": bool(token.get("refresh_token")),
            },
        )

    # --- ID tokens and userinfo --------------------------------------------------------------
    def get_oidc_issuer_endpoint(self, request):
        return issuer_of(request, request.client.organization_id)

    def get_id_token_dictionary(self, token, token_handler, request):
        client = request.client
        attributes = Attributes(request.user)
        claims = attributes.standard_claims(request.scopes)
        claims.update(attributes.mapped(client.claim_mappings))
        context = getattr(request, "tobira_auth", None)
        now = _now()
        expires = timezone.now() + timedelta(seconds=client.id_token_seconds)
        claims.update(
            iss=self.get_oidc_issuer_endpoint(request),
            exp=now + client.id_token_seconds,
            iat=now,
            auth_time=int(context.auth_time) if context else now,
            jti=str(uuid.uuid4()),
            azp=client.client_id,
        )
        if context is not None:
            claims["amr"] = list(context.amr)
            if context.acr:
                claims["acr"] = context.acr
        return claims, expires

    def finalize_id_token(self, id_token, token, token_handler, request):
        claims, expires = self.get_id_token_dictionary(token, token_handler, request)
        id_token.update(**claims)
        if "nonce" not in id_token and request.nonce:
            id_token["nonce"] = request.nonce
        client = request.client
        signed = keys.sign(client.organization, id_token, algorithm=client.algorithm)
        row = self._save_id_token(id_token["jti"], request, expires)
        request.access_token = row
        request.id_token = row
        request.tobira_signed_id_token = (signed, row)
        return signed

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        signed = getattr(request, "tobira_signed_id_token", None)
        reset = _signed_id_token.set(signed)
        try:
            return super()._create_access_token(expires, request, token, source_refresh_token)
        finally:
            _signed_id_token.reset(reset)

    def _load_id_token(self, token):
        """The row of the ID token this request just signed and saved (the library would verify
        the signature it just made and read the row back by ``jti``: two queries), else the
        library's lookup."""
        signed = _signed_id_token.get()
        if signed is not None and signed[0] == token:
            return signed[1]
        return super()._load_id_token(token)

    def _get_key_for_token(self, token):
        """The public key of the organization's key named by the token's ``kid``."""
        try:
            header = jws.JWS()
            header.deserialize(token)
            kid = header.jose_header.get("kid")
        except (JWException, ValueError, TypeError):
            return None
        row = SigningKey.objects.filter(kid=kid).exclude(state="retired").first()
        return jwk.JWK(**row.public_jwk) if row else None

    def get_userinfo_claims(self, request):
        attributes = Attributes(request.user)
        claims = attributes.standard_claims(request.scopes)
        claims.update(attributes.mapped(request.client.claim_mappings))
        return claims

    def validate_bearer_token(self, token, scopes, request):
        if not super().validate_bearer_token(token, scopes, request):
            return False
        application = request.access_token.application
        # A token of another organization's client is not valid under this issuer.
        if application.organization_id != organization_in(request.uri):
            return False
        user = request.access_token.user
        if user is None:  # a machine client's token: no person to ask about
            return True
        return user.is_active and access.is_assigned(application.application, user)


def access_token(request) -> str:
    """An RFC 9068 JWT access token, signed with the organization's key (``ACCESS_TOKEN_GENERATOR``)."""
    client = request.client
    now = _now()
    user = request.user if request.grant_type != "client_credentials" else None
    claims = {
        "iss": issuer_of(request, client.organization_id),
        "sub": user.unique_id if user is not None else client.client_id,
        "aud": client.client_id,
        "client_id": client.client_id,
        "iat": now,
        "exp": now + client.access_token_seconds,
        "jti": str(uuid.uuid4()),
        "scope": " ".join(request.scopes or ()),
    }
    return keys.sign(client.organization, claims, algorithm=client.algorithm, typ="at+jwt")


def access_token_lifetime(request) -> int:
    return request.client.access_token_seconds
