"""The directory: organizations own accounts; accounts own users and groups.

Every row below an account carries its account; reads go through
``identity.selectors`` which always filter by the acting principal's reach.
State changes go through ``identity.services``. Models hold data and
invariants the database can enforce, not business rules.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import arns, ids

ACCOUNT_ALIAS_VALIDATOR = RegexValidator(
    r"^(?!\d+$)[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$",
    _(
        "An alias has 3 to 63 characters: lowercase letters, digits and hyphens, "
        "not starting or ending with a hyphen, and not only digits."
    ),
)
E164_VALIDATOR = RegexValidator(
    r"^\+[1-9]\d{6,14}$",
    _("Enter the number in international E.164 form, for example +81312345678."),
)
USER_NAME_VALIDATOR = RegexValidator(
    # ASCII only, as AWS: look-alike letters from other scripts would make two
    # names that read the same. A name of dots only could not appear in a URL.
    r"^(?!\.+$)[A-Za-z0-9_+=,.@-]{1,64}$",
    _("Use 1 to 64 characters: ASCII letters, digits and + = , . @ _ - (not only dots)."),
)
GROUP_NAME_VALIDATOR = RegexValidator(
    r"^(?!\.+$)[A-Za-z0-9_+=,.@-]{1,128}$",
    _("Use 1 to 128 characters: ASCII letters, digits and + = , . @ _ - (not only dots)."),
)
PATH_VALIDATOR = RegexValidator(
    r"^(/|/[\x21-\x7e]+/)$",
    _("A path starts and ends with a slash, for example /engineering/."),
)


class Organization(models.Model):
    id = models.CharField(
        primary_key=True, max_length=12, default=ids.new_organization_id, editable=False
    )
    name = models.CharField(_("name"), max_length=128)
    management_account = models.OneToOneField(
        "Account",
        on_delete=models.PROTECT,
        related_name="managed_organization",
        null=True,
        verbose_name=_("management account"),
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    # AWS lets a root user hold access keys (and warns against it); an organization may forbid it.
    root_access_keys_allowed = models.BooleanField(
        _("root users may create access keys"), default=True
    )

    class Meta:
        verbose_name = _("organization")

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def arn(self) -> str:
        return arns.organization(self.management_account_id, self.id)


class Account(models.Model):
    id = models.CharField(
        primary_key=True, max_length=12, default=ids.new_account_id, editable=False
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("account name"), max_length=50)
    alias = models.CharField(
        _("account alias"),
        max_length=63,
        unique=True,
        null=True,
        blank=True,
        validators=[ACCOUNT_ALIAS_VALIDATOR],
    )
    root_email = models.EmailField(_("root user email address"), max_length=254)
    contact_phone = models.CharField(
        _("contact phone"), max_length=16, blank=True, validators=[E164_VALIDATOR]
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    # Its IAM users may sign in with a passkey alone (user verification required): off by default.
    passkey_signin = models.BooleanField(_("IAM users may sign in with a passkey"), default=False)
    # Where it sits in the organization: an OU, or directly under the root (None). Moved only by
    # ``identity.organization_units.account_move``; an OU with accounts cannot be deleted.
    organizational_unit = models.ForeignKey(
        "OrganizationalUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("organizational unit"),
    )

    class Meta:
        verbose_name = _("account")
        constraints = [
            models.UniqueConstraint(Lower("root_email"), name="account_root_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def is_management_account(self) -> bool:
        return self.organization.management_account_id == self.id

    @property
    def signin_identifier(self) -> str:
        return self.alias or self.id


# AWS's OU names: 1 to 128 characters, any but control characters (a NUL cannot be stored, and a
# line break would break the one-line places a name is shown in).
OU_NAME_VALIDATOR = RegexValidator(
    r"^[^\x00-\x1f\x7f]{1,128}$",
    _("An OU name has 1 to 128 characters, without control characters."),
)


class OrganizationalUnit(models.Model):
    """An organizational unit (OU): a container of accounts and of other OUs, under the
    organization root or under another OU, at most ``MAX_DEPTH`` OUs deep (AWS's quota).

    SCPs attached to an OU apply to every account below it. Names are unique among the OU's
    siblings, ignoring case. Written only by ``identity.organization_units``; an OU cannot move
    (nor can it in AWS), and only an empty one can be deleted.
    """

    MAX_DEPTH = 5

    # ou-<the root id's four characters>-<eight>, as AWS's ou-ab12-cd34ef56: made by the service
    # (``ids.new_organizational_unit_id``), which knows the organization.
    id = models.CharField(primary_key=True, max_length=72, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="organizational_units",
        verbose_name=_("organization"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent OU"),
    )
    name = models.CharField(_("OU name"), max_length=128, validators=[OU_NAME_VALIDATOR])
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organizational unit")
        constraints = [
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                condition=models.Q(parent__isnull=False),
                name="ou_name_ci_unique_per_parent",
            ),
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                condition=models.Q(parent__isnull=True),
                name="ou_name_ci_unique_under_root",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def arn(self) -> str:
        return arns.organizational_unit(
            self.organization.management_account_id, self.organization_id, self.id
        )


class UserManager(BaseUserManager):
    def get_by_natural_key(self, arn):
        return self.get(arn=arn)


class User(AbstractBaseUser):
    class Kind(models.TextChoices):
        ROOT = "root", _("Root user")
        IAM = "iam", _("IAM user")
        SSO = "sso", _("SSO user")

    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="users",
        null=True,
        verbose_name=_("account"),
    )
    name = models.CharField(_("user name"), max_length=64, validators=[USER_NAME_VALIDATOR])
    path = models.CharField(_("path"), max_length=512, default="/", validators=[PATH_VALIDATOR])
    arn = models.CharField("ARN", max_length=1100, unique=True)
    unique_id = models.CharField(
        _("user ID"), max_length=32, unique=True, default=ids.new_user_unique_id
    )
    contact_email = models.EmailField(_("contact email"), max_length=254, blank=True)
    password_reset_required = models.BooleanField(
        _("must change password at next sign-in"), default=False
    )
    password_last_used = models.DateTimeField(
        _("console password last used"), null=True, blank=True
    )
    # When the current password was set (the password policy's expiry); None: before this was kept.
    password_changed = models.DateTimeField(_("password last changed"), null=True, blank=True)
    # The managed policy (an AWS managed one, or a customer managed one of the same account) that
    # caps what the identity policies grant: its ARN, blank for none (an IAM user's only).
    permissions_boundary = models.CharField(_("permissions boundary"), max_length=1100, blank=True)
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "arn"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.UniqueConstraint(
                "account",
                Lower("name"),
                condition=models.Q(kind="iam"),
                name="user_name_ci_unique_per_account",
            ),
            models.UniqueConstraint(
                "account", condition=models.Q(kind="root"), name="one_root_user_per_account"
            ),
            models.UniqueConstraint(
                "account",
                Lower("name"),
                condition=models.Q(kind="sso"),
                name="sso_user_name_ci_unique",
            ),
            models.UniqueConstraint(
                "account",
                Lower("contact_email"),
                condition=models.Q(kind="sso"),
                name="sso_user_email_ci_unique",
            ),
        ]
        indexes = [
            models.Index("account", "kind", Lower("name"), name="user_account_kind_name_idx"),
            # Who uses a policy as their boundary: a policy's page and its deletion ask.
            models.Index(
                fields=["account", "permissions_boundary"],
                condition=~models.Q(permissions_boundary=""),
                name="user_boundary_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.arn

    @property
    def is_root(self) -> bool:
        return self.kind == self.Kind.ROOT

    @property
    def email(self) -> str:
        """Where notifications go: the account's email for root, the optional contact email otherwise."""
        if self.is_root and self.account_id:
            return self.account.root_email
        return self.contact_email

    @property
    def display_name(self) -> str:
        return self.email if self.is_root else self.name

    @property
    def is_sso(self) -> bool:
        return self.kind == self.Kind.SSO

    @property
    def has_console_password(self) -> bool:
        return self.has_usable_password()


TAG_KEY_VALIDATOR = RegexValidator(
    r"^[\w\s+=.:/@-]{1,128}$",
    _("A tag key has 1 to 128 letters, digits, spaces and + - = . _ : / @."),
)
TAG_VALUE_VALIDATOR = RegexValidator(
    r"^[\w\s+=.:/@-]{0,256}$",
    _("A tag value has up to 256 letters, digits, spaces and + - = . _ : / @."),
)
MAX_TAGS = 50


class UserTag(models.Model):
    """A tag on an IAM user (``aws:ResourceTag``); keys are unique per user, ignoring case."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=128, validators=[TAG_KEY_VALIDATOR])
    value = models.CharField(max_length=256, blank=True, validators=[TAG_VALUE_VALIDATOR])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint("user", Lower("key"), name="user_tag_key_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class Group(models.Model):
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="groups", verbose_name=_("account")
    )
    name = models.CharField(_("group name"), max_length=128, validators=[GROUP_NAME_VALIDATOR])
    path = models.CharField(_("path"), max_length=512, default="/", validators=[PATH_VALIDATOR])
    arn = models.CharField("ARN", max_length=1100, unique=True)
    unique_id = models.CharField(max_length=32, unique=True, default=ids.new_group_unique_id)
    created = models.DateTimeField(default=timezone.now, editable=False)
    members = models.ManyToManyField(User, through="GroupMembership", related_name="iam_groups")

    class Meta:
        verbose_name = _("group")
        constraints = [
            models.UniqueConstraint(
                "account", Lower("name"), name="group_name_ci_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.arn


class GroupMembership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    added = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("group", "user", name="group_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit events are append-only")

    def delete(self):
        raise TypeError("audit events are append-only")


class AuditEvent(models.Model):
    """One CloudTrail-like record. Append-only; holds no secret (see ``identity.audit``).

    Account and user are stored as values, not foreign keys: the trail must
    outlive the users it talks about.
    """

    event_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_time = models.DateTimeField(default=timezone.now, db_index=True)
    event_source = models.CharField(max_length=64)
    event_name = models.CharField(max_length=64)
    recipient_account_id = models.CharField(max_length=12, blank=True, db_index=True)
    user_identity = models.JSONField(default=dict)
    source_ip_address = models.GenericIPAddressField(null=True)
    user_agent = models.CharField(max_length=512, blank=True)
    request_parameters = models.JSONField(default=dict)
    response_elements = models.JSONField(default=dict)
    additional_event_data = models.JSONField(default=dict)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=256, blank=True)
    # What the event history filters on, out of the JSON above (``identity.audit_fields``),
    # written with the event: a filter at a million events must not read JSON.
    user_name = models.CharField(max_length=256, blank=True)
    read_only = models.BooleanField(default=False)
    resource_type = models.CharField(max_length=64, blank=True)
    resource_name = models.CharField(max_length=256, blank=True)
    resource_arn = models.CharField(max_length=1100, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-event_time", "-event_id"]
        # Each filter of the event history is one range of one index: the account, the filtered
        # value, then the page's order (newest first, the event id breaking ties), so a page is
        # read in order and stops at its last row, at any depth (keyset pagination).
        indexes = [
            models.Index(
                fields=["recipient_account_id", "-event_time", "-event_id"],
                name="audit_account_time_idx",
            ),
            *(
                models.Index(
                    fields=["recipient_account_id", column, "-event_time", "-event_id"],
                    name=f"audit_{short}_idx",
                )
                for column, short in (
                    ("event_name", "name"),
                    ("user_name", "user"),
                    ("source_ip_address", "ip"),
                    ("resource_name", "resource"),
                    ("resource_arn", "resource_arn"),
                    ("read_only", "read_only"),
                    ("error_code", "error"),
                )
            ),
            models.Index(
                fields=["recipient_account_id", "-event_time", "-event_id"],
                condition=~models.Q(error_code=""),
                name="audit_errors_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_time:%Y-%m-%dT%H:%M:%SZ} {self.event_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("audit events are append-only")


POLICY_NAME_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_+=,.@-]{1,128}$",
    _("Use 1 to 128 characters: ASCII letters, digits and + = , . @ _ -."),
)


class CustomerPolicy(models.Model):
    """A customer managed policy of an account; its document lives in up to five versions."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="policies")
    name = models.CharField(_("policy name"), max_length=128, validators=[POLICY_NAME_VALIDATOR])
    path = models.CharField(_("path"), max_length=512, default="/", validators=[PATH_VALIDATOR])
    description = models.CharField(_("description"), max_length=1000, blank=True)
    arn = models.CharField("ARN", max_length=1100, unique=True)
    policy_id = models.CharField(max_length=32, unique=True, default=ids.new_policy_id)
    default_version = models.CharField(max_length=8, default="v1")
    next_version = models.PositiveIntegerField(default=2)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("customer managed policy")
        constraints = [
            models.UniqueConstraint(
                "account", Lower("name"), name="policy_name_ci_unique_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.arn


class PolicyVersion(models.Model):
    policy = models.ForeignKey(CustomerPolicy, on_delete=models.CASCADE, related_name="versions")
    version_id = models.CharField(max_length=8)
    document = models.TextField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint("policy", "version_id", name="policy_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.version_id}"


class PolicyTag(models.Model):
    """A tag on a customer managed policy; keys are unique per policy, ignoring case."""

    policy = models.ForeignKey(CustomerPolicy, on_delete=models.CASCADE, related_name="tags")
    key = models.CharField(max_length=128, validators=[TAG_KEY_VALIDATOR])
    value = models.CharField(max_length=256, blank=True, validators=[TAG_VALUE_VALIDATOR])

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint("policy", Lower("key"), name="policy_tag_key_ci_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class PolicyAttachment(models.Model):
    """A managed policy (AWS's or the account's own, by ARN) attached to a user or a group."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="attachments")
    policy_arn = models.CharField(max_length=1100)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "policy_arn", name="attachment_user_unique"),
            models.UniqueConstraint("group", "policy_arn", name="attachment_group_unique"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="attachment_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy_arn} -> {self.user_id or self.group_id}"


class InlinePolicy(models.Model):
    """A policy embedded in one user or one group."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="inline_policies")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="inline_policies"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="inline_policies"
    )
    name = models.CharField(_("policy name"), max_length=128, validators=[POLICY_NAME_VALIDATOR])
    document = models.TextField()
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="inline_user_name_unique"),
            models.UniqueConstraint("group", Lower("name"), name="inline_group_name_unique"),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="inline_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceControlPolicy(models.Model):
    """An organization's own SCP (AWS's FullAWSAccess is data, not a row)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scps")
    name = models.CharField(_("policy name"), max_length=128, validators=[POLICY_NAME_VALIDATOR])
    description = models.CharField(_("description"), max_length=512, blank=True)
    policy_id = models.CharField(max_length=16, unique=True, default=ids.new_scp_id)
    document = models.TextField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service control policy")
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="scp_name_ci_unique_per_organization"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return arns.scp(
            self.organization.management_account_id, self.organization_id, self.policy_id
        )


class SCPAttachment(models.Model):
    """An SCP attached to one target: the organization root (``account`` and
    ``organizational_unit`` both empty), one OU, or one account.

    A target without any attachment has AWS's FullAWSAccess, as a new one does.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scp_attachments"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="scp_attachments"
    )
    organizational_unit = models.ForeignKey(
        OrganizationalUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="scp_attachments",
    )
    policy_arn = models.CharField(max_length=1100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "organization", "account", "policy_arn", name="scp_attachment_unique"
            ),
            models.UniqueConstraint(
                "organization",
                "policy_arn",
                condition=models.Q(account__isnull=True, organizational_unit__isnull=True),
                name="scp_attachment_root_unique",
            ),
            models.UniqueConstraint(
                "organizational_unit",
                "policy_arn",
                condition=models.Q(organizational_unit__isnull=False),
                name="scp_attachment_ou_unique",
            ),
            # One target: the root (neither), an OU or an account, never both.
            models.CheckConstraint(
                condition=models.Q(account__isnull=True)
                | models.Q(organizational_unit__isnull=True),
                name="scp_attachment_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = self.account_id or self.organizational_unit_id or self.organization_id
        return f"{self.policy_arn} -> {target}"


class AccountPasswordPolicy(models.Model):
    """AWS's account password policy: what an IAM user's password must be (not the root user's).

    Without a row the account has no policy: Tobira's own validators alone apply.
    """

    account = models.OneToOneField(
        Account,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_policy",
        verbose_name=_("account"),
    )
    minimum_password_length = models.PositiveSmallIntegerField(
        _("minimum password length"), default=8
    )
    require_symbols = models.BooleanField(_("require at least one symbol"), default=False)
    require_numbers = models.BooleanField(_("require at least one number"), default=False)
    require_uppercase_characters = models.BooleanField(
        _("require at least one uppercase letter"), default=False
    )
    require_lowercase_characters = models.BooleanField(
        _("require at least one lowercase letter"), default=False
    )
    allow_users_to_change_password = models.BooleanField(
        _("allow users to change their own password"), default=False
    )
    max_password_age = models.PositiveSmallIntegerField(
        _("password expires after (days)"), null=True, blank=True
    )
    password_reuse_prevention = models.PositiveSmallIntegerField(
        _("prevent reuse of the last passwords"), null=True, blank=True
    )
    hard_expiry = models.BooleanField(
        _("an expired password must be reset by an administrator"), default=False
    )

    class Meta:
        verbose_name = _("account password policy")

    def __str__(self) -> str:
        return f"password policy of {self.account_id}"


class PasswordHistory(models.Model):
    """A previous password of a user, as its hash (never the text), for reuse prevention."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created"], name="password_history_user_idx")]

    def __str__(self) -> str:
        return f"previous password of {self.user_id}"


class BrowserSession(models.Model):
    """A signed-in browser session (a Django session with a user in it), as its owner and the
    administrators see it: *Signed-in sessions* on Security credentials, *Sessions* on the user.

    Written by ``identity.browser_sessions`` only. The session key itself is never stored in
    clear: ``key_hash`` (its SHA-256) finds the row from a request, and ``key_encrypted`` (with
    the field keys) lets *Sign out* delete that very session through the session store (its
    cache too). Both follow the key when it changes (``cycle_key``). ``public_id`` names the
    row in URLs and the audit trail.
    """

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        PASSKEY = "passkey", _("Passkey (no password)")
        FEDERATION = "federation", _("Single sign-on (identity provider)")
        RECOVERY_CODE = "recovery_code", _("Password and recovery code")
        ALTERNATIVE_FACTORS = "alternative_factors", _("Alternative factors (email and phone)")

    class MFAMethod(models.TextChoices):
        NONE = "", _("None")
        SECURITY_KEY = "security_key", _("Passkey or security key")
        CODE = "code", _("Authenticator code")
        IDENTITY_PROVIDER = "identity_provider", _("At the identity provider")

    public_id = models.CharField(max_length=32, unique=True, default=ids.new_browser_session_id)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions")
    key_hash = models.CharField(max_length=64, unique=True)
    key_encrypted = models.TextField()
    user_agent = models.CharField(max_length=512, blank=True)
    browser = models.CharField(max_length=64, blank=True)
    operating_system = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=24, choices=Method.choices, default=Method.PASSWORD)
    mfa_method = models.CharField(
        max_length=24, choices=MFAMethod.choices, default=MFAMethod.NONE, blank=True
    )
    # The MFA device's ARN, or "external" (the identity provider's MFA), as the session records it.
    mfa_device = models.CharField(max_length=2048, blank=True)
    signed_in_at = models.DateTimeField()
    last_active = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)  # the Django session's own expiry

    class Meta:
        indexes = [
            models.Index(fields=["user", "-last_active"], name="browser_session_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} of {self.user_id}"

    @property
    def mfa_used(self) -> bool:
        return bool(self.mfa_method)

    @property
    def browser_label(self) -> str:
        return self.browser or _("Unknown browser")

    @property
    def operating_system_label(self) -> str:
        return self.operating_system or _("an unknown system")


class OutboxMessage(models.Model):
    """A task decided in the same transaction as the change that promised it (``identity.outbox``).

    Written with the change; handed to the broker once the transaction commits, or by the relay
    when the broker was down; run once however often it is delivered (the task holds this row's
    lock while it runs and marks it finished in the same transaction).
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created = models.DateTimeField(default=timezone.now)
    # Handed to the broker (last time); the relay hands over again what was not finished a while
    # after (a broker that restarted without its queue loses what it held).
    sent = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # hand-overs tried
    next_attempt = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)  # ran to its end, or gave up
    failed = models.BooleanField(default=False)  # gave up after its retries

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt"],
                condition=models.Q(finished__isnull=True),
                name="outbox_unfinished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
