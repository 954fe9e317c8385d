"""MFA factors: devices (one table for what every kind shares, one per kind for the rest),
recovery codes, and the root-user MFA enforcement of an organization.

``MFADevice`` is django-otp's ``Device`` with throttling and timestamps, plus
the account, so that device names are unique within an account (as AWS's are,
across every kind) and the eight-device limit counts every kind together.
The kinds are multi-table children: virtual devices (authenticator apps) and
hardware TOTP tokens now, WebAuthn credentials later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

from identity import arns, crypto, selectors
from identity.models import PATH_VALIDATOR, Account, OrganizationalUnit

MAX_DEVICES_PER_USER = 8

DEVICE_NAME_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_+=,.@-]{1,128}$",
    _("Use 1 to 128 characters: ASCII letters, digits and + = , . @ _ -."),
)


class MFADevice(ThrottlingMixin, TimestampMixin, Device):
    class Kind(models.TextChoices):
        VIRTUAL = "virtual", _("Authenticator app")
        HARDWARE = "hardware", _("Hardware TOTP token")
        WEBAUTHN = "webauthn", _("Passkey or security key")

    name = models.CharField(_("device name"), max_length=128, validators=[DEVICE_NAME_VALIDATOR])
    # In the ARN, as AWS's virtual devices have it (CreateVirtualMFADevice's Path); the console's
    # devices are at "/". Names stay unique in the account whatever the path.
    path = models.CharField(_("path"), max_length=512, default="/", validators=[PATH_VALIDATOR])
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mfa_devices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    enabled_at = models.DateTimeField(_("enabled"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "account", Lower("name"), name="mfa_device_name_ci_unique_per_account"
            ),
        ]
        indexes = [models.Index(fields=["user", "confirmed"], name="mfa_device_user_confirmed_idx")]

    @property
    def arn(self) -> str:
        return arns.mfa_device(self.account_id, self.path, self.name)

    @property
    def identifier(self) -> str:
        """What the console shows: a hardware token's serial number, else the ARN."""
        if self.kind == self.Kind.HARDWARE:
            token = self if isinstance(self, HardwareTOTPDevice) else self.hardwaretotpdevice
            return token.serial
        return self.arn

    @property
    def amr(self) -> list[str]:
        """What a sign-in with this device tells applications (RFC 8176): ``otp`` for a code;
        for a passkey or security key ``swk`` when it can be synced (backup eligible, its key
        may leave the hardware), else ``hwk``."""
        if self.kind != self.Kind.WEBAUTHN:
            return ["otp"]
        key = self if isinstance(self, WebAuthnCredential) else self.webauthncredential
        return ["swk" if key.backup_eligible else "hwk"]

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)


class TOTPSecret(models.Model):
    """The TOTP part of a device: the encrypted seed, the last step used, the drift."""

    seed_encrypted = models.TextField()
    last_step = models.BigIntegerField(default=-1)  # a step is never accepted twice
    drift = models.SmallIntegerField(default=0)  # in steps, learned when enabling or resyncing

    class Meta:
        abstract = True

    @property
    def key(self) -> bytes:
        return crypto.decrypt(self.seed_encrypted)

    def set_key(self, key: bytes) -> None:
        self.seed_encrypted = crypto.encrypt(key)


class VirtualMFADevice(TOTPSecret, MFADevice):
    """An authenticator app (Google Authenticator, Authy, 1Password, ...)."""

    class Meta:
        verbose_name = _("virtual MFA device")

    def __str__(self) -> str:
        return self.arn


class HardwareTOTPDevice(TOTPSecret, MFADevice):
    """A hardware token whose serial number and seed an administrator imported."""

    serial = models.CharField(_("serial number"), max_length=64)

    class Meta:
        verbose_name = _("hardware TOTP token")
        constraints = [models.UniqueConstraint("serial", name="hardware_totp_serial_unique")]

    def __str__(self) -> str:
        return self.serial


class WebAuthnCredential(MFADevice):
    """A passkey or security key (WebAuthn / FIDO2, or a U2F key through WebAuthn)."""

    credential_id = models.BinaryField(max_length=1023)
    credential_id_hash = models.CharField(max_length=64, unique=True)  # sha256, for look-ups
    public_key = models.BinaryField()  # COSE
    sign_count = models.BigIntegerField(default=0)
    aaguid = models.CharField(max_length=36, blank=True)
    attestation_format = models.CharField(max_length=32, blank=True)
    transports = models.JSONField(default=list, blank=True)
    backup_eligible = models.BooleanField(default=False)  # a synced passkey can be backed up
    backup_state = models.BooleanField(default=False)  # ... and is
    user_verified = models.BooleanField(default=False)  # at registration: PIN or biometrics
    # A discoverable credential (a passkey kept on the authenticator, usable without a user
    # name): the credProps extension's answer at registration; None when the browser did not say.
    discoverable = models.BooleanField(null=True, blank=True)
    possibly_cloned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("passkey or security key")

    def __str__(self) -> str:
        return self.arn

    @property
    def is_synced(self) -> bool:
        return self.backup_eligible


class UnassignedVirtualMFADevice(TOTPSecret):
    """A virtual MFA device created through the API (``CreateVirtualMFADevice``) and not yet
    enabled for a user, or one deactivated from its user (``DeactivateMFADevice``), as AWS keeps
    them. ``EnableMFADevice`` turns it into a ``VirtualMFADevice`` of a user; a device created
    and never enabled expires like a console setup does."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="unassigned_mfa_devices"
    )
    name = models.CharField(_("device name"), max_length=128, validators=[DEVICE_NAME_VALIDATOR])
    path = models.CharField(_("path"), max_length=512, default="/", validators=[PATH_VALIDATOR])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "account", Lower("name"), name="unassigned_mfa_name_ci_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.arn

    @property
    def arn(self) -> str:
        return arns.mfa_device(self.account_id, self.path, self.name)


class WebAuthnUserHandle(models.Model):
    """The random WebAuthn user handle of a user (never the database id)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="webauthn_handle",
    )
    handle = models.BinaryField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"WebAuthn user handle of {self.user_id}"


class WebAuthnChallenge(models.Model):
    """A challenge handed to the browser: hashed, bound to user, session and purpose, single-use."""

    class Purpose(models.TextChoices):
        REGISTER = "register"
        AUTHENTICATE = "authenticate"
        SIGNIN = "signin"  # a sign-in with a passkey alone: nobody is known yet (user is None)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    challenge_hash = models.CharField(max_length=64)
    session_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.purpose} challenge of {self.user_id}"


def concrete_model(kind: str) -> type[MFADevice]:
    """The kind-specific model, the one that can check a code or an assertion."""
    return {
        MFADevice.Kind.VIRTUAL: VirtualMFADevice,
        MFADevice.Kind.HARDWARE: HardwareTOTPDevice,
        MFADevice.Kind.WEBAUTHN: WebAuthnCredential,
    }[kind]


def concrete(device: MFADevice) -> MFADevice:
    """The kind-specific row of a device."""
    if type(device) is not MFADevice:
        return device
    return concrete_model(device.kind).objects.get(pk=device.pk)


class RootMFAWave(models.Model):
    """One step of an organization's root-MFA rollout: which accounts, from when, how much grace.

    The management account comes first (a wave of its own); member accounts
    follow in waves of chosen accounts, of chosen OUs (every member account
    below them, present and future, wherever it moves from) or of all of them,
    present and future. An account's enforcement is the earliest wave that
    covers it.
    """

    class Scope(models.TextChoices):
        MANAGEMENT = "management", _("The management account")
        ALL_MEMBERS = "all_members", _("All member accounts")
        SELECTED = "selected", _("Chosen member accounts")
        OUS = "ous", _("Member accounts in chosen OUs")

    organization = models.ForeignKey(
        "identity.Organization", on_delete=models.CASCADE, related_name="root_mfa_waves"
    )
    scope = models.CharField(_("accounts"), max_length=16, choices=Scope.choices)
    accounts = models.ManyToManyField(Account, blank=True, related_name="root_mfa_waves")
    # With the OUS scope: the OUs whose subtrees it covers. Deleting an OU (only an empty one
    # can be) takes it out of the waves that named it.
    organizational_units = models.ManyToManyField(
        OrganizationalUnit, blank=True, related_name="root_mfa_waves"
    )
    starts_at = models.DateTimeField(_("start"))
    grace_days = models.PositiveSmallIntegerField(_("grace period (days)"))
    created_by = models.CharField(max_length=2048)  # the ARN of who scheduled it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                condition=models.Q(scope="management"),
                name="root_mfa_one_management_wave",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} from {self.starts_at:%Y-%m-%d}"

    def covers(
        self,
        account: Account,
        selected_ids: set[str] | None = None,
        ou_ancestor_ids: set[str] | None = None,
    ) -> bool:
        """Whether this wave reaches ``account``. ``selected_ids`` are the wave's chosen
        accounts (or OUs, with the OUS scope); ``ou_ancestor_ids`` the OUs above the account
        (its own OU and every one above it): both are read when not given."""
        if self.scope == self.Scope.MANAGEMENT:
            return account.pk == account.organization.management_account_id
        if account.pk == account.organization.management_account_id:
            return False
        if self.scope == self.Scope.ALL_MEMBERS:
            return True
        if self.scope == self.Scope.OUS:
            if selected_ids is None:
                selected_ids = {ou.pk for ou in self.organizational_units.all()}
            if ou_ancestor_ids is None:
                ou_ancestor_ids = selectors.organizational_unit_ancestor_ids(account)
            return not selected_ids.isdisjoint(ou_ancestor_ids)
        if selected_ids is None:
            selected_ids = {a.pk for a in self.accounts.all()}
        return account.pk in selected_ids


class RootMFAPrompt(models.Model):
    """When an enforced root user without MFA was first asked: the grace period runs from here."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="root_mfa_prompt"
    )
    first_prompted_at = models.DateTimeField()
    last_prompted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.account_id}: first prompted {self.first_prompted_at:%Y-%m-%d}"


class RecoveryCode(models.Model):
    """One single-use recovery code, stored as a keyed hash (never the code)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "code_hash", name="recovery_code_unique_per_user")
        ]
        indexes = [models.Index(fields=["user", "used_at"], name="recovery_code_user_used_idx")]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"
