"""The organization's SSO directory (Identity Center): users, groups, permission sets,
account assignments, external identity providers and the role sessions of the
access portal.

SSO users are ``identity.User`` rows of kind ``sso``. They belong to the
organization; the row's ``account`` is the organization's management account,
which is where AWS keeps an organization's Identity Center instance. That is
what lets SSO users hold the same MFA devices, with the same limits and names
unique within the management account, as every other user. No IAM page lists
them (those select ``kind=iam``), no IAM policy names them, and the console's
authorization never treats them as principals of that account: in an account
an SSO user acts only as an assumed role (``RoleSession``).
"""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity import arns, crypto
from identity.models import Account, Organization, User

PERMISSION_SET_NAME_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_+=,.@-]{1,32}$",
    _("Use 1 to 32 characters: ASCII letters, digits and + = , . @ _ -."),
)


def new_permission_set_id() -> str:
    return "ps-" + secrets.token_hex(8)


def new_group_id() -> str:
    return secrets.token_hex(16)


class SSOSettings(models.Model):
    """One per organization: where people sign in and how MFA applies to them."""

    class IdentitySource(models.TextChoices):
        DIRECTORY = "directory", _("Identity Center directory")
        EXTERNAL = "external", _("External identity provider (OpenID Connect)")

    class MFAPrompt(models.TextChoices):
        EVERY_SIGNIN = "always", _("Every time they sign in (always-on)")
        CONTEXT_CHANGE = "context", _("Only when their sign-in context changes (context-aware)")

    class NoDevice(models.TextChoices):
        REGISTER = "register", _("Require them to register an MFA device at sign-in")
        BLOCK = "block", _("Block their sign-in")
        ALLOW = "allow", _("Allow them to sign in")

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="sso_settings"
    )
    identity_source = models.CharField(
        _("identity source"),
        max_length=16,
        choices=IdentitySource.choices,
        default=IdentitySource.DIRECTORY,
    )
    mfa_prompt = models.CharField(
        _("prompt users for MFA"), max_length=16, choices=MFAPrompt.choices, default="always"
    )
    mfa_no_device = models.CharField(
        _("if a user does not yet have a registered MFA device"),
        max_length=16,
        choices=NoDevice.choices,
        default=NoDevice.REGISTER,
    )
    allow_authenticator_apps = models.BooleanField(_("authenticator apps"), default=True)
    allow_security_keys = models.BooleanField(
        _("security keys and built-in authenticators"), default=True
    )
    users_manage_devices = models.BooleanField(
        _("users can add and manage their own MFA devices"), default=True
    )
    # People of the Identity Center directory may sign in to the portal with a passkey alone.
    passkey_signin = models.BooleanField(_("people may sign in with a passkey"), default=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SSO settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allow_authenticator_apps=True)
                | models.Q(allow_security_keys=True),
                name="sso_settings_some_mfa_type",
            )
        ]

    def __str__(self) -> str:
        return f"SSO settings of {self.organization_id}"

    @property
    def allowed_device_kinds(self) -> frozenset[str]:
        kinds = set()
        if self.allow_authenticator_apps:
            kinds.add("virtual")
        if self.allow_security_keys:
            kinds.add("webauthn")
        return frozenset(kinds)


class ExternalIdentityProvider(models.Model):
    """An OpenID Connect provider that signs the organization's people in (through allauth)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="external_idp"
    )
    provider_id = models.SlugField(max_length=64, unique=True)  # allauth's sub id; in URLs
    name = models.CharField(_("display name"), max_length=64)
    issuer = models.URLField(_("issuer URL"), max_length=512)
    client_id = models.CharField(_("client ID"), max_length=255)
    client_secret_encrypted = models.TextField()
    match_by_email = models.BooleanField(_("match users by verified email address"), default=False)
    jit_provisioning = models.BooleanField(
        _("create a directory user at first sign-in (just-in-time)"), default=False
    )
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"

    @property
    def client_secret(self) -> str:
        return crypto.decrypt(self.client_secret_encrypted).decode()

    def set_client_secret(self, secret: str) -> None:
        self.client_secret_encrypted = crypto.encrypt(secret.encode())


class ExternalIdentity(models.Model):
    """A directory user's subject (``sub``) at the external provider: the durable link."""

    provider = models.ForeignKey(
        ExternalIdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.CharField(max_length=512)  # a subject is unique only within its issuer
    subject = models.CharField(max_length=255)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "provider", "issuer", "subject", name="external_identity_unique"
            ),
            models.UniqueConstraint(
                "provider", "issuer", "user", name="external_identity_one_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.subject}"


class SSOGroup(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sso_groups"
    )
    group_id = models.CharField(max_length=32, unique=True, default=new_group_id)
    name = models.CharField(_("group name"), max_length=128)
    description = models.CharField(_("description"), max_length=1024, blank=True)
    members = models.ManyToManyField(User, related_name="sso_groups", blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SSO group")
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="sso_group_name_ci_unique")
        ]

    def __str__(self) -> str:
        return self.name


class PermissionSet(models.Model):
    """What someone may do in an account when they open it from the access portal."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="permission_sets"
    )
    permission_set_id = models.CharField(max_length=24, unique=True, default=new_permission_set_id)
    name = models.CharField(
        _("permission set name"), max_length=32, validators=[PERMISSION_SET_NAME_VALIDATOR]
    )
    description = models.CharField(_("description"), max_length=700, blank=True)
    session_duration_hours = models.PositiveSmallIntegerField(
        _("session duration (hours)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    managed_policy_arns = models.JSONField(default=list, blank=True)  # AWS managed
    customer_policy_refs = models.JSONField(default=list, blank=True)  # [{"name", "path"}]
    inline_policy = models.TextField(blank=True)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("permission set")
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="permission_set_name_ci_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(session_duration_hours__gte=1, session_duration_hours__lte=12),
                name="permission_set_duration_1_12",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return arns.permission_set(self.organization_id, self.permission_set_id)

    def role_name(self) -> str:
        """The role AWS provisions in each assigned account: AWSReservedSSO_<name>_<hex>."""
        return f"AWSReservedSSO_{self.name}_{self.permission_set_id[3:]}"


class AccountAssignment(models.Model):
    """A user or a group may use a permission set in one account."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="account_assignments"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sso_assignments")
    permission_set = models.ForeignKey(
        PermissionSet, on_delete=models.PROTECT, related_name="assignments"
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="sso_assignments"
    )
    group = models.ForeignKey(
        SSOGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, group__isnull=False)
                | models.Q(user__isnull=False, group__isnull=True),
                name="assignment_user_xor_group",
            ),
            models.UniqueConstraint(
                "account",
                "permission_set",
                "user",
                condition=models.Q(user__isnull=False),
                name="assignment_user_unique",
            ),
            models.UniqueConstraint(
                "account",
                "permission_set",
                "group",
                condition=models.Q(group__isnull=False),
                name="assignment_group_unique",
            ),
        ]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else f"group {self.group_id}"
        return f"{who} as {self.permission_set_id} in {self.account_id}"


class RoleSession(models.Model):
    """One console session in an account, opened from the access portal as a permission set."""

    session_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_sessions")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="role_sessions")
    permission_set = models.ForeignKey(
        PermissionSet, on_delete=models.CASCADE, related_name="role_sessions"
    )
    started = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires"], name="role_session_user_idx")]

    def __str__(self) -> str:
        return f"role session of {self.user_id} in {self.account_id}"
