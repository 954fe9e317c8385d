"""What the applications of an organization are signed for: its signing keys.

Each organization is its own issuer (``/o/<organization id>``) with its own keys, one pair of
states per algorithm: the *current* key signs, the *next* key is already published (relying
parties that cache the JWKS learn it before it signs anything), the *previous* key is still
published so that what it signed stays verifiable until the next rotation. Private keys are
stored encrypted with the field keys (``identity.crypto``), never in the clear.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from identity.models import Organization, User
from sso.models import SSOGroup


class SigningKey(models.Model):
    class Algorithm(models.TextChoices):
        RS256 = "RS256", "RS256"
        ES256 = "ES256", "ES256"

    class State(models.TextChoices):
        NEXT = "next", "next"  # published, not signing yet
        CURRENT = "current", "current"  # signs
        PREVIOUS = "previous", "previous"  # published, no longer signing
        RETIRED = "retired", "retired"  # neither (kept for the record)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="signing_keys"
    )
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices)
    state = models.CharField(max_length=10, choices=State.choices)
    public_jwk = models.JSONField()
    private_key_encrypted = models.TextField()  # PKCS#8 PEM, encrypted with identity.crypto
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization",
                "algorithm",
                "state",
                condition=~Q(state="retired"),
                name="signing_key_one_per_state",
            )
        ]
        indexes = [models.Index(fields=["organization", "state"], name="signing_key_org_state_idx")]

    def __str__(self) -> str:
        return f"{self.algorithm} key {self.kid} ({self.state})"


# --- Applications: the software the organization's people sign in to ----------------------


def new_application_id() -> str:
    return "app-" + secrets.token_hex(8)


def new_client_id() -> str:
    """A client id that says nothing about the organization or the database row."""
    return "tbc_" + secrets.token_urlsafe(18)


APPLICATION_NAME_VALIDATOR = RegexValidator(
    r"^[^\x00-\x1f\x7f<>]{1,128}$",
    _("Use 1 to 128 characters, without control characters, < or >."),
)


class Application(models.Model):
    """An application of the organization: an OpenID Connect client (``oidc``, with its
    ``OIDCClient``) or a SAML 2.0 service provider (``saml``, with its ``SAMLServiceProvider``).

    Only people assigned to it (directly or through a directory group) may sign in to it. Its
    sign-in rules add to the organization's: ``require_mfa`` asks for an MFA step in this
    session, ``mfa_max_age_minutes`` for one at most that many minutes old (step-up)."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="applications"
    )
    application_id = models.CharField(max_length=24, unique=True, default=new_application_id)
    name = models.CharField(_("name"), max_length=128, validators=[APPLICATION_NAME_VALIDATOR])
    description = models.CharField(_("description"), max_length=512, blank=True)
    protocol = models.CharField(_("protocol"), max_length=8, choices=Protocol.choices)
    start_url = models.URLField(
        _("start URL"),
        max_length=1024,
        blank=True,
        help_text=_("Where the access portal's tile opens the application (OpenID Connect)."),
    )
    require_mfa = models.BooleanField(_("require MFA"), default=False)
    mfa_max_age_minutes = models.PositiveIntegerField(
        _("require MFA within (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="application_name_ci_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.application_id})"


class ApplicationAssignment(models.Model):
    """One directory user, or one directory group, who may sign in to ``application``."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="app_assignments"
    )
    group = models.ForeignKey(
        SSOGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="app_assignments"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True)
                | Q(user__isnull=True, group__isnull=False),
                name="app_assignment_user_xor_group",
            ),
            models.UniqueConstraint(
                "application", "user", condition=Q(user__isnull=False), name="app_assignment_user"
            ),
            models.UniqueConstraint(
                "application",
                "group",
                condition=Q(group__isnull=False),
                name="app_assignment_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} -> {self.user_id or self.group_id}"


class OIDCClient(AbstractApplication):
    """django-oauth-toolkit's ``Application``, swapped (``OAUTH2_PROVIDER_APPLICATION_MODEL``):
    the OpenID Connect side of an ``Application``.

    What changes from the library's model: the organization it belongs to (its issuer), several
    grant types instead of one, a second secret that still works until ``previous_secret_expires``
    (a rotation with an overlap), the lifetimes of its tokens, the algorithm of its ID tokens
    (RS256 or ES256, signed with the organization's keys: never HS256 or none), exact redirect
    URI matching, and custom claims."""

    class Grant(models.TextChoices):
        AUTHORIZATION_CODE = "authorization_code", _("Authorization code")
        REFRESH_TOKEN = "refresh_token", _("Refresh token")
        CLIENT_CREDENTIALS = "client_credentials", _("Client credentials (machine clients)")

    class IDTokenAlgorithm(models.TextChoices):
        RS256 = "RS256", "RS256"
        ES256 = "ES256", "ES256"

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="oidc")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="oidc_clients"
    )
    client_id = models.CharField(max_length=64, unique=True, default=new_client_id)
    algorithm = models.CharField(
        _("ID token signing algorithm"),
        max_length=5,
        choices=IDTokenAlgorithm.choices,
        default=IDTokenAlgorithm.RS256,
    )
    # The secret's SHA-256 ("sha256$<hex>"), never the secret, compared in constant time by
    # the validator: secrets are 384 random bits, so a fast hash is safe, and a password hash
    # (argon2id) would cost tens of milliseconds of CPU on every token request.
    client_secret = models.CharField(max_length=255, blank=True, default="")
    hash_client_secret = models.BooleanField(default=False)
    grant_types = models.JSONField(default=list)
    require_pkce = models.BooleanField(_("require PKCE (S256)"), default=True)
    previous_client_secret = models.CharField(max_length=255, blank=True)  # "sha256$<hex>"
    previous_secret_expires = models.DateTimeField(null=True, blank=True)
    secret_rotated = models.DateTimeField(null=True, blank=True)
    access_token_seconds = models.PositiveIntegerField(
        _("access token lifetime (seconds)"),
        default=3600,
        validators=[MinValueValidator(60), MaxValueValidator(24 * 3600)],
    )
    id_token_seconds = models.PositiveIntegerField(
        _("ID token lifetime (seconds)"),
        default=3600,
        validators=[MinValueValidator(60), MaxValueValidator(24 * 3600)],
    )
    refresh_token_seconds = models.PositiveIntegerField(
        _("refresh token lifetime (seconds)"),
        default=30 * 24 * 3600,
        validators=[MinValueValidator(300), MaxValueValidator(365 * 24 * 3600)],
    )
    claim_mappings = models.JSONField(default=dict, blank=True)  # {claim: source}

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    # The library's single grant type is not used: ``grant_types`` holds the list.
    def allows_grant_type(self, *grant_types) -> bool:
        return any(grant in self.grant_types for grant in grant_types)

    def redirect_uri_allowed(self, uri: str) -> bool:
        """Exact string match (the library lets any port through for loopback addresses)."""
        return uri in self.redirect_uris.split()

    def post_logout_redirect_uri_allowed(self, uri: str) -> bool:
        return uri in self.post_logout_redirect_uris.split()

    def clean(self) -> None:  # the library's demands a global RSA key; ours are per organization
        pass

    @property
    def jwk_key(self):
        # The library would sign with one global key; sso.applications.oidc signs with the
        # organization's (sso.applications.keys) and never asks for this.
        raise ImproperlyConfigured("ID tokens are signed with the organization's keys")

    def natural_key(self):
        return (self.client_id,)


class AuthorizationContext(models.Model):
    """How the person was signed in when an authorization code was issued: what goes into the
    ID token (``auth_time``, ``amr``, ``acr``), keyed by the code's SHA-256 (never the code)."""

    code_sha256 = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OIDCClient, on_delete=models.CASCADE, related_name="+")
    auth_time = models.BigIntegerField()
    amr = models.JSONField(default=list)
    acr = models.CharField(max_length=128, blank=True)
    session_key_sha256 = models.CharField(max_length=64, blank=True)
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"context of a code of {self.client_id}"


class SpentCode(models.Model):
    """An authorization code that was exchanged, by its SHA-256, with what it was exchanged for:
    a second use revokes those tokens (RFC 6749 section 4.1.2)."""

    code_sha256 = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(OIDCClient, on_delete=models.CASCADE, related_name="+")
    access_token_checksum = models.CharField(max_length=64, blank=True)
    refresh_token_family = models.UUIDField(null=True, blank=True)
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"spent code of {self.client_id}"


class SAMLServiceProvider(models.Model):
    """The SAML 2.0 side of an ``Application``: a service provider of the organization."""

    class NameIDFormat(models.TextChoices):
        PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", _("Persistent")
        EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", _("Email address")
        UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", _("Unspecified")

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="saml")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="saml_service_providers"
    )
    entity_id = models.CharField(_("entity ID"), max_length=1024)
    acs_urls = models.JSONField(default=list)  # HTTP-POST AssertionConsumerService URLs
    metadata_xml = models.TextField(blank=True)  # as uploaded
    signing_certificate = models.TextField(blank=True)  # PEM: verifies signed AuthnRequests
    encryption_certificate = models.TextField(blank=True)  # PEM: encrypts assertions
    name_id_format = models.CharField(
        _("NameID format"),
        max_length=128,
        choices=NameIDFormat.choices,
        default=NameIDFormat.PERSISTENT,
    )
    attribute_mappings = models.JSONField(default=dict, blank=True)  # {attribute name: source}
    sign_response = models.BooleanField(_("sign the response"), default=True)
    sign_assertion = models.BooleanField(_("sign the assertion"), default=True)
    encrypt_assertion = models.BooleanField(_("encrypt the assertion"), default=False)
    allow_unsigned_requests = models.BooleanField(_("accept unsigned AuthnRequests"), default=False)
    default_relay_state = models.CharField(_("default relay state"), max_length=1024, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", "entity_id", name="saml_sp_entity_id_unique_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.entity_id


class SAMLCertificate(models.Model):
    """The organization's SAML signing key and its self-signed X.509 certificate (what the IdP
    metadata publishes). ``current`` signs; ``next`` is published beside it ahead of a rollover."""

    class State(models.TextChoices):
        NEXT = "next", "next"
        CURRENT = "current", "current"
        RETIRED = "retired", "retired"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="saml_certificates"
    )
    state = models.CharField(max_length=10, choices=State.choices)
    certificate_pem = models.TextField()
    private_key_encrypted = models.TextField()  # PKCS#8 PEM, encrypted with identity.crypto
    not_after = models.DateTimeField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization",
                "state",
                condition=~Q(state="retired"),
                name="saml_certificate_one_per_state",
            )
        ]

    def __str__(self) -> str:
        return f"SAML certificate of {self.organization_id} ({self.state})"
