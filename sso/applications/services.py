"""State changes of the organization's applications. Each is atomic and writes its audit event
in the management account's trail, naming ids and settings, never a secret.

A client secret exists in the clear only in the return value of ``oidc_application_create``
and ``client_secret_rotate`` (the console shows it once); what is stored is its SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import audit
from identity.audit_events import Event
from identity.models import Organization, User
from sso.models import SSOGroup

from .models import Application, ApplicationAssignment, OIDCClient, SAMLServiceProvider

SECRET_OVERLAP = timedelta(hours=24)  # the previous secret still works this long after a rotation
MAX_REDIRECT_URIS = 20
MAX_CLAIM_MAPPINGS = 20

# Sources a custom claim (or a SAML attribute) may take its value from.
ATTRIBUTE_SOURCES = {
    "user_name": "user.name",
    "email": "user.contact_email",
    "user_id": "user.unique_id",
    "groups": "the names of the user's directory groups",
    "organization_id": "the organization's id",
}
# Claims the protocol owns: a mapping may not replace them.
RESERVED_CLAIMS = frozenset(
    [
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "nbf",
        "jti",
        "auth_time",
        "nonce",
        "acr",
        "amr",
        "azp",
        "at_hash",
        "c_hash",
        "sid",
        "email",
        "email_verified",
        "name",
        "preferred_username",
        "groups",
    ]
)
CLAIM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,63}$")
# A SAML attribute's Name: SAML reserves none (email, groups... are what SPs ask for), and many
# are URIs (https://aws.amazon.com/SAML/Attributes/RoleSessionName, urn:oid:...).
SAML_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.:/#-]{0,255}$")


# --- Client secrets -------------------------------------------------------------------------


def new_client_secret() -> str:
    return secrets.token_urlsafe(48)  # 384 bits


def secret_digest(secret: str) -> str:
    return "sha256$" + hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(client: OIDCClient, provided: str) -> bool:
    """The current secret, or the previous one until its overlap ends; constant time."""
    if not provided or client.client_type != OIDCClient.CLIENT_CONFIDENTIAL:
        return False
    digest = secret_digest(provided)
    current = hmac.compare_digest(digest, client.client_secret or "-")
    previous = hmac.compare_digest(digest, client.previous_client_secret or "-")
    in_overlap = (
        client.previous_secret_expires is not None
        and client.previous_secret_expires > timezone.now()
    )
    return current or (previous and in_overlap)


# --- Validation of what an administrator typed ----------------------------------------------


def _local_http(parts) -> bool:
    return parts.scheme == "http" and (
        parts.hostname in ("127.0.0.1", "localhost", "::1") or django_settings.SSO_OIDC_ALLOW_HTTP
    )


def clean_redirect_uris(uris: list[str], field: str) -> list[str]:
    """Absolute https URLs (http for loopback addresses, RFC 8252, and while developing), no
    fragment; matched exactly, so no wildcard either."""
    cleaned = []
    for uri in uris:
        uri = uri.strip()
        if not uri:
            continue
        parts = urlsplit(uri)
        if not (parts.scheme == "https" or _local_http(parts)) or not parts.hostname:
            raise ValidationError(
                {field: _("%(uri)s: use an absolute https:// URL.") % {"uri": uri[:200]}}
            )
        if parts.fragment or "*" in uri or not uri.isprintable() or " " in uri:
            raise ValidationError(
                {field: _("%(uri)s: no fragment (#), wildcard or space.") % {"uri": uri[:200]}}
            )
        if uri not in cleaned:
            cleaned.append(uri)
    if len(cleaned) > MAX_REDIRECT_URIS:
        raise ValidationError({field: _("At most %(n)d URIs.") % {"n": MAX_REDIRECT_URIS}})
    return cleaned


def clean_mappings(mappings: dict, field: str = "claim_mappings") -> dict:
    if len(mappings) > MAX_CLAIM_MAPPINGS:
        raise ValidationError({field: _("At most %(n)d mappings.") % {"n": MAX_CLAIM_MAPPINGS}})
    saml = field == "attribute_mappings"
    for name, source in mappings.items():
        if saml:
            refused = not SAML_ATTRIBUTE_NAME.match(str(name))
        else:
            refused = not CLAIM_NAME.match(name) or name in RESERVED_CLAIMS
        if refused:
            raise ValidationError({field: _("%(name)s cannot be mapped.") % {"name": name[:64]}})
        if source not in ATTRIBUTE_SOURCES:
            raise ValidationError(
                {field: _("%(source)s is not a known source.") % {"source": str(source)[:64]}}
            )
    return dict(mappings)


def _clean_grants(client_type: str, grants: list[str], redirect_uris: list[str]) -> list[str]:
    known = set(OIDCClient.Grant.values)
    grants = [g for g in dict.fromkeys(grants) if g in known]
    if not grants:
        raise ValidationError({"grant_types": _("Choose at least one grant type.")})
    if client_type == OIDCClient.CLIENT_PUBLIC and OIDCClient.Grant.CLIENT_CREDENTIALS in grants:
        raise ValidationError(
            {"grant_types": _("A public client has no secret: it cannot use client credentials.")}
        )
    code = OIDCClient.Grant.AUTHORIZATION_CODE in grants
    if OIDCClient.Grant.REFRESH_TOKEN in grants and not code:
        raise ValidationError(
            {"grant_types": _("Refresh tokens are issued only with the authorization code grant.")}
        )
    if code and not redirect_uris:
        raise ValidationError(
            {"redirect_uris": _("The authorization code grant needs at least one redirect URI.")}
        )
    return grants


def _clean_application(application: Application) -> None:
    application.full_clean(
        exclude=["organization"], validate_unique=False, validate_constraints=False
    )
    duplicate = (
        Application.objects.filter(
            organization_id=application.organization_id, name__iexact=application.name
        )
        .exclude(pk=application.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError({"name": _("An application with this name already exists.")})


def _audited(event: Event, application: Application, actor, request, **fields) -> None:
    audit.record(
        event,
        request=request,
        actor=actor,
        account_id=application.organization.management_account_id,
        request_parameters={
            "applicationId": application.application_id,
            "name": application.name,
            "protocol": application.protocol,
            **fields,
        },
    )


# --- Applications ---------------------------------------------------------------------------

OIDC_FIELDS = (
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "skip_authorization",
    "algorithm",
    "require_pkce",
    "access_token_seconds",
    "id_token_seconds",
    "refresh_token_seconds",
    "claim_mappings",
)
APPLICATION_FIELDS = ("name", "description", "start_url", "require_mfa", "mfa_max_age_minutes")


def oidc_application_create(
    *,
    actor,
    organization: Organization,
    name: str,
    client_type: str = OIDCClient.CLIENT_CONFIDENTIAL,
    redirect_uris: list[str] = (),
    post_logout_redirect_uris: list[str] = (),
    grant_types: list[str] = (OIDCClient.Grant.AUTHORIZATION_CODE,),
    request=None,
    **options,
) -> tuple[Application, OIDCClient, str | None]:
    """A new OpenID Connect application; returns the secret of a confidential client, once."""
    if client_type not in (OIDCClient.CLIENT_CONFIDENTIAL, OIDCClient.CLIENT_PUBLIC):
        raise ValidationError({"client_type": _("Choose confidential or public.")})
    application = Application(
        organization=organization,
        name=(name or "").strip(),
        protocol=Application.Protocol.OIDC,
        **{k: options.pop(k) for k in APPLICATION_FIELDS if k in options},
    )
    _clean_application(application)
    redirects = clean_redirect_uris(list(redirect_uris), "redirect_uris")
    client = OIDCClient(
        organization=organization,
        name=application.name,
        client_type=client_type,
        redirect_uris=" ".join(redirects),
        post_logout_redirect_uris=" ".join(
            clean_redirect_uris(list(post_logout_redirect_uris), "post_logout_redirect_uris")
        ),
        grant_types=_clean_grants(client_type, list(grant_types), redirects),
        authorization_grant_type=OIDCClient.GRANT_AUTHORIZATION_CODE,  # unused: grant_types
        claim_mappings=clean_mappings(dict(options.pop("claim_mappings", {}) or {})),
        **{k: v for k, v in options.items() if k in OIDC_FIELDS},
    )
    secret = new_client_secret() if client_type == OIDCClient.CLIENT_CONFIDENTIAL else None
    client.client_secret = secret_digest(secret) if secret else ""
    _clean_client(client)
    try:
        with transaction.atomic():
            application.save(force_insert=True)
            client.application = application
            client.save(force_insert=True)
            _audited(
                Event.CREATE_APPLICATION,
                application,
                actor,
                request,
                clientId=client.client_id,
                clientType=client_type,
                grantTypes=client.grant_types,
                redirectUris=redirects,
            )
    except IntegrityError:
        raise ValidationError(
            {"name": _("An application with this name already exists.")}
        ) from None
    return application, client, secret


def saml_application_create(
    *,
    actor,
    organization: Organization,
    name: str,
    entity_id: str,
    acs_urls: list[str],
    request=None,
    **options,
) -> tuple[Application, SAMLServiceProvider]:
    """A new SAML 2.0 application (service provider). ``options``: the ``Application`` fields
    and the ``SAMLServiceProvider`` fields (certificates, NameID format, mappings, signing)."""
    application = Application(
        organization=organization,
        name=(name or "").strip(),
        protocol=Application.Protocol.SAML,
        **{k: options.pop(k) for k in APPLICATION_FIELDS if k in options},
    )
    _clean_application(application)
    provider = SAMLServiceProvider(
        organization=organization,
        entity_id=(entity_id or "").strip(),
        acs_urls=clean_redirect_uris(list(acs_urls), "acs_urls"),
        attribute_mappings=clean_mappings(
            dict(options.pop("attribute_mappings", {}) or {}), "attribute_mappings"
        ),
        **options,
    )
    _clean_provider(provider)
    try:
        with transaction.atomic():
            application.save(force_insert=True)
            provider.application = application
            provider.save(force_insert=True)
            _audited(
                Event.CREATE_APPLICATION,
                application,
                actor,
                request,
                entityId=provider.entity_id,
                acsUrls=provider.acs_urls,
            )
    except IntegrityError:
        raise ValidationError(
            {"entity_id": _("Another application of the organization has this entity ID.")}
        ) from None
    return application, provider


def _clean_client(client: OIDCClient) -> None:
    """A client's own fields; a public client always proves its code is its own with PKCE."""
    if client.client_type == OIDCClient.CLIENT_PUBLIC:
        client.require_pkce = True
    client.full_clean(
        exclude=["application", "organization", "user", "client_secret"],
        validate_unique=False,
        validate_constraints=False,
    )


def _clean_provider(provider: SAMLServiceProvider) -> None:
    if not provider.entity_id or not provider.entity_id.isprintable():
        raise ValidationError({"entity_id": _("Enter the service provider's entity ID.")})
    if not provider.acs_urls:
        raise ValidationError({"acs_urls": _("Enter at least one assertion consumer service URL.")})
    if provider.encrypt_assertion and not provider.encryption_certificate:
        raise ValidationError(
            {
                "encryption_certificate": _(
                    "Encrypting assertions needs the service provider's certificate."
                )
            }
        )
    if not (provider.sign_response or provider.sign_assertion):
        raise ValidationError({"sign_response": _("Sign the response, the assertion or both.")})
    duplicate = (
        SAMLServiceProvider.objects.filter(
            organization_id=provider.organization_id, entity_id=provider.entity_id
        )
        .exclude(pk=provider.pk)
        .exists()
    )
    if duplicate:
        raise ValidationError(
            {"entity_id": _("Another application of the organization has this entity ID.")}
        )
    provider.full_clean(
        exclude=["application", "organization"], validate_unique=False, validate_constraints=False
    )


def application_update(*, actor, application: Application, changes: dict, request=None) -> None:
    """Change an application's settings: ``changes`` holds ``Application`` fields and the
    protocol side's (``OIDC_FIELDS`` or ``SAMLServiceProvider`` fields)."""
    changes = dict(changes)
    for name in APPLICATION_FIELDS:
        if name in changes:
            value = changes.pop(name)
            setattr(application, name, value.strip() if isinstance(value, str) else value)
    _clean_application(application)
    side = None
    if application.protocol == Application.Protocol.OIDC:
        side = application.oidc
        for name in ("redirect_uris", "post_logout_redirect_uris"):
            if name in changes:
                changes[name] = " ".join(clean_redirect_uris(list(changes[name]), name))
        if "claim_mappings" in changes:
            changes["claim_mappings"] = clean_mappings(dict(changes["claim_mappings"]))
        for name in OIDC_FIELDS:
            if name in changes:
                setattr(side, name, changes.pop(name))
        side.grant_types = _clean_grants(
            side.client_type, list(side.grant_types), side.redirect_uris.split()
        )
        side.name = application.name
        _clean_client(side)
    else:
        side = application.saml
        if "acs_urls" in changes:
            changes["acs_urls"] = clean_redirect_uris(list(changes["acs_urls"]), "acs_urls")
        if "attribute_mappings" in changes:
            changes["attribute_mappings"] = clean_mappings(
                dict(changes["attribute_mappings"]), "attribute_mappings"
            )
        for name in [f.name for f in SAMLServiceProvider._meta.concrete_fields]:
            if name in changes and name not in ("id", "application", "organization"):
                setattr(side, name, changes.pop(name))
        _clean_provider(side)
    if changes:
        raise ValidationError(_("Unknown settings: %(names)s") % {"names": ", ".join(changes)})
    application.updated = timezone.now()
    try:
        with transaction.atomic():
            application.save()
            side.save()
            _audited(Event.UPDATE_APPLICATION, application, actor, request)
    except IntegrityError:
        raise ValidationError(
            {"name": _("An application with this name already exists.")}
        ) from None


@transaction.atomic
def application_delete(*, actor, application: Application, request=None) -> None:
    """Delete the application; its client's tokens and grants go with it (cascade)."""
    _audited(Event.DELETE_APPLICATION, application, actor, request)
    application.delete()


@transaction.atomic
def client_secret_rotate(*, actor, client: OIDCClient, request=None) -> str:
    """A new secret; the current one keeps working for ``SECRET_OVERLAP`` (time to deploy the
    new one), and an earlier previous secret stops at once. Returns the new secret, once."""
    if client.client_type != OIDCClient.CLIENT_CONFIDENTIAL:
        raise ValidationError(_("A public client has no secret."))
    client = OIDCClient.objects.select_for_update().get(pk=client.pk)
    secret = new_client_secret()
    now = timezone.now()
    client.previous_client_secret = client.client_secret
    client.previous_secret_expires = now + SECRET_OVERLAP
    client.client_secret = secret_digest(secret)
    client.secret_rotated = now
    client.save(
        update_fields=[
            "client_secret",
            "previous_client_secret",
            "previous_secret_expires",
            "secret_rotated",
        ]
    )
    application = client.application
    audit.record(
        Event.ROTATE_CLIENT_SECRET,
        request=request,
        actor=actor,
        account_id=application.organization.management_account_id,
        request_parameters={
            "applicationId": application.application_id,
            "clientId": client.client_id,
        },
        response_elements={"previousSecretValidUntil": client.previous_secret_expires.isoformat()},
    )
    return secret


# --- Assignments ----------------------------------------------------------------------------


def assignment_add(
    *,
    actor,
    application: Application,
    user: User | None = None,
    group: SSOGroup | None = None,
    request=None,
) -> ApplicationAssignment:
    """Assign a directory user or group of the application's organization."""
    organization = application.organization
    if (user is None) == (group is None):
        raise ValueError("assign exactly one user or one group")
    if user is not None and not (
        user.is_sso and user.account_id == organization.management_account_id
    ):
        raise ValidationError({"principal": _("There is no such user in the directory.")})
    if group is not None and group.organization_id != organization.pk:
        raise ValidationError({"principal": _("There is no such group in the directory.")})
    exists = ApplicationAssignment.objects.filter(application=application, user=user, group=group)
    if exists.exists():
        raise ValidationError({"principal": _("This assignment already exists.")})
    try:
        with transaction.atomic():
            assignment = ApplicationAssignment.objects.create(
                application=application, user=user, group=group
            )
            _audited(
                Event.CREATE_APPLICATION_ASSIGNMENT,
                application,
                actor,
                request,
                principalType="USER" if user is not None else "GROUP",
                principalId=user.unique_id if user is not None else group.group_id,
            )
    except IntegrityError:
        raise ValidationError({"principal": _("This assignment already exists.")}) from None
    return assignment


@transaction.atomic
def assignment_remove(*, actor, assignment: ApplicationAssignment, request=None) -> None:
    application = assignment.application
    user, group = assignment.user, assignment.group
    assignment.delete()
    _audited(
        Event.DELETE_APPLICATION_ASSIGNMENT,
        application,
        actor,
        request,
        principalType="USER" if user is not None else "GROUP",
        principalId=user.unique_id if user is not None else group.group_id,
    )
