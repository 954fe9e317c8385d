"""State changes of the directory. Each is atomic and writes its audit event.

Services take keyword-only arguments and are named ``<entity>_<verb>`` so a
grep finds every writer of a thing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import arns, audit, browser_sessions, ids, passwords, tasks
from .audit_events import Event
from .models import (
    MAX_TAGS,
    Account,
    AccountPasswordPolicy,
    CustomerPolicy,
    Group,
    Organization,
    PolicyTag,
    User,
    UserTag,
)
from .passwords import validate_password
from .policies import catalog
from .queue import enqueue_on_commit


def _new_account_id() -> str:
    for _attempt in range(10):
        candidate = ids.new_account_id()
        if not Account.objects.filter(pk=candidate).exists():
            return candidate
    raise RuntimeError("could not find a free account id")  # 10 collisions in 10^12: never


def _check_root_email_free(root_email: str) -> None:
    if Account.objects.filter(root_email__iexact=root_email).exists():
        raise ValidationError(
            {"root_email": _("An account with this email address already exists.")},
            code="duplicate",
        )


def _check_alias_free(alias: str | None) -> None:
    if alias and Account.objects.filter(alias=alias).exists():
        raise ValidationError({"alias": _("This alias is already taken.")}, code="duplicate")


def _account_create(
    *, organization: Organization, name: str, root_email: str, alias: str | None, contact_phone: str
) -> Account:
    account = Account(
        id=_new_account_id(),
        organization=organization,
        name=name,
        root_email=root_email.strip(),
        alias=alias or None,
        contact_phone=contact_phone,
    )
    account.full_clean(exclude=["organization"])
    account.save(force_insert=True)
    User.objects.create(
        kind=User.Kind.ROOT,
        account=account,
        name="root",
        arn=arns.root(account.id),
        unique_id=account.id,
    )
    return account


def _set_root_password(account: Account, password: str | None) -> User:
    root = User.objects.get(account=account, kind=User.Kind.ROOT)
    if password:
        validate_password(password, root)
        root.set_password(password)
    else:
        root.set_unusable_password()
    root.save(update_fields=["password"])
    return root


@transaction.atomic
def organization_create(
    *,
    name: str,
    account_name: str,
    root_email: str,
    root_password: str | None,
    alias: str | None = None,
    contact_phone: str = "",
    request=None,
) -> Organization:
    """A new organization with its management account and that account's root user."""
    _check_root_email_free(root_email)
    _check_alias_free(alias)
    organization = Organization(name=name)
    organization.full_clean(exclude=["management_account"])
    organization.save(force_insert=True)
    account = _account_create(
        organization=organization,
        name=account_name,
        root_email=root_email,
        alias=alias,
        contact_phone=contact_phone,
    )
    organization.management_account = account
    organization.save(update_fields=["management_account"])
    root = _set_root_password(account, root_password)
    audit.record(
        Event.CREATE_ORGANIZATION,
        request=request,
        actor=root,  # the organization's creator becomes its management account's root user
        account_id=account.id,
        request_parameters={
            "organizationName": name,
            "accountName": account_name,
            "email": root_email,
        },
        response_elements={"organizationId": organization.id, "managementAccountId": account.id},
    )
    return organization


@transaction.atomic
def account_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    root_email: str,
    alias: str | None = None,
    contact_phone: str = "",
    root_password: str | None = None,
    request=None,
) -> Account:
    """A member account in ``organization``, with its root user.

    As in AWS, the root user of a new member account has no password unless
    one is given: whoever owns the address sets one later.
    """
    _check_root_email_free(root_email)
    _check_alias_free(alias)
    account = _account_create(
        organization=organization,
        name=name,
        root_email=root_email,
        alias=alias,
        contact_phone=contact_phone,
    )
    _set_root_password(account, root_password)
    audit.record(
        Event.CREATE_ACCOUNT,
        request=request,
        actor=actor,
        account_id=organization.management_account_id,
        request_parameters={"accountName": name, "email": root_email, "alias": alias or ""},
        response_elements={"accountId": account.id},
    )
    return account


@transaction.atomic
def set_initial_password(user: User, password: str | None) -> None:
    """A new user's console password, checked by the password validators; none when empty."""
    if password:
        validate_password(password, user)
        passwords.set_password(user, password)
    else:
        user.set_unusable_password()


@transaction.atomic
def iam_user_create(
    *,
    actor: User | None,
    account: Account,
    name: str,
    path: str = "/",
    password: str | None = None,
    password_reset_required: bool = False,
    contact_email: str = "",
    permissions_boundary: str = "",
    request=None,
) -> User:
    """An IAM user, with a console password when one is given, and a permissions boundary (a
    managed policy's ARN) when one is given."""
    if permissions_boundary:
        _check_boundary(account, permissions_boundary)
    user = User(
        kind=User.Kind.IAM,
        account=account,
        name=name,
        path=path or "/",
        arn=arns.user(account.id, path or "/", name),
        contact_email=contact_email,
        password_reset_required=bool(password) and password_reset_required,
        permissions_boundary=permissions_boundary,
    )
    user.full_clean(exclude=["password", "account", "arn"])
    if User.objects.filter(account=account, kind=User.Kind.IAM, name__iexact=name).exists():
        raise ValidationError(
            {"name": _("A user with this name already exists in this account.")}, code="duplicate"
        )
    set_initial_password(user, password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:  # a concurrent create of the same name
        raise ValidationError(
            {"name": _("A user with this name already exists in this account.")}, code="duplicate"
        ) from None
    common = {"request": request, "actor": actor, "account_id": account.id}
    parameters = {"userName": name, "path": user.path}
    if permissions_boundary:
        parameters["permissionsBoundary"] = permissions_boundary
    audit.record(
        Event.CREATE_USER,
        request_parameters=parameters,
        response_elements={"userId": user.unique_id, "arn": user.arn},
        **common,
    )
    if password:
        audit.record(
            Event.CREATE_LOGIN_PROFILE,
            request_parameters={
                "userName": name,
                "passwordResetRequired": user.password_reset_required,
            },
            **common,
        )
    if user.password_reset_required:
        _allow_own_password_change(actor, user, request)
    return user


CHANGE_PASSWORD_POLICY = arns.aws_managed_policy("IAMUserChangePassword")


def _allow_own_password_change(actor, user: User, request) -> None:
    """As AWS's console does: a user who must change their password gets IAMUserChangePassword."""
    from .policies import services as policy_services

    policy_services.policy_attach(
        actor=actor,
        account=user.account,
        policy_arn=CHANGE_PASSWORD_POLICY,
        user=user,
        request=request,
    )


def _check_boundary(account: Account, policy_arn: str) -> None:
    """A boundary is a managed policy: AWS's, or a customer managed one of ``account`` (its row
    locked, so that it cannot be deleted before the boundary that names it is stored)."""
    if catalog.aws_managed(policy_arn) is not None:
        return
    if CustomerPolicy.objects.select_for_update().filter(account=account, arn=policy_arn).exists():
        return
    raise ValidationError(
        {
            "permissions_boundary": ValidationError(
                _("Policy %(arn)s does not exist or is not attachable.")
                % {"arn": policy_arn[:1100]},
                code="NoSuchEntity",
            )
        }
    )


def _bounded_user(user: User) -> User:
    """``user``'s row, locked; only IAM users have a permissions boundary."""
    if user.kind != User.Kind.IAM:
        raise ValidationError(_("Only IAM users have a permissions boundary."), code="InvalidInput")
    return User.objects.select_for_update().only("pk", "permissions_boundary").get(pk=user.pk)


@transaction.atomic
def user_permissions_boundary_put(
    *, actor: User | None, user: User, policy_arn: str, request=None
) -> None:
    """Set (or replace) ``user``'s permissions boundary: the managed policy ``policy_arn``."""
    _bounded_user(user)
    _check_boundary(user.account, policy_arn)
    User.objects.filter(pk=user.pk).update(permissions_boundary=policy_arn)
    user.permissions_boundary = policy_arn
    audit.record(
        Event.PUT_USER_PERMISSIONS_BOUNDARY,
        request=request,
        actor=actor,
        account_id=user.account_id,
        request_parameters={"userName": user.name, "permissionsBoundary": policy_arn},
    )


@transaction.atomic
def user_permissions_boundary_delete(*, actor: User | None, user: User, request=None) -> bool:
    """Remove ``user``'s permissions boundary; False (nothing recorded) when there was none."""
    if not _bounded_user(user).permissions_boundary:
        user.permissions_boundary = ""
        return False
    User.objects.filter(pk=user.pk).update(permissions_boundary="")
    user.permissions_boundary = ""
    audit.record(
        Event.DELETE_USER_PERMISSIONS_BOUNDARY,
        request=request,
        actor=actor,
        account_id=user.account_id,
        request_parameters={"userName": user.name},
    )
    return True


@transaction.atomic
def iam_user_delete(*, actor: User, user: User, request=None) -> None:
    if user.kind != User.Kind.IAM:
        raise ValidationError(_("Only IAM users can be deleted."), code="not_iam_user")
    account_id, name, unique_id = user.account_id, user.name, user.unique_id
    browser_sessions.browser_sessions_end_all(
        actor=actor, user=user, request=request, reason=browser_sessions.REASON_USER_DELETED
    )
    user.delete()
    audit.record(
        Event.DELETE_USER,
        request=request,
        actor=actor,
        account_id=account_id,
        request_parameters={"userName": name},
        response_elements={"userId": unique_id},
    )


@transaction.atomic
def iam_user_console_access_set(
    *,
    actor: User,
    user: User,
    password: str | None,
    password_reset_required: bool = False,
    request=None,
) -> None:
    """Give an IAM user a new console password, or take console access away (``password=None``).

    Either way the user's existing sessions end: Django ties each session to
    the password hash, which changes here, and they are deleted as well (so that they leave
    the lists of sessions at once).
    """
    if user.kind != User.Kind.IAM:
        raise ValidationError(
            _("Only IAM users' console access is managed here."), code="not_iam_user"
        )
    had_password = user.has_usable_password()
    if password:
        validate_password(password, user)
        passwords.set_password(user, password)
        user.password_reset_required = password_reset_required
        event = Event.UPDATE_LOGIN_PROFILE if had_password else Event.CREATE_LOGIN_PROFILE
    else:
        user.set_unusable_password()
        user.password_reset_required = False
        event = Event.DELETE_LOGIN_PROFILE
    user.save(update_fields=["password", "password_reset_required", "password_changed"])
    if user.password_reset_required:
        _allow_own_password_change(actor, user, request)
    browser_sessions.browser_sessions_end_all(
        actor=actor,
        user=user,
        request=request,
        reason=browser_sessions.REASON_PASSWORD_RESET
        if password
        else browser_sessions.REASON_CONSOLE_ACCESS_REMOVED,
    )
    audit.record(
        event,
        request=request,
        actor=actor,
        account_id=user.account_id,
        request_parameters={
            "userName": user.name,
            "passwordResetRequired": user.password_reset_required,
        },
    )
    if password and had_password:
        enqueue_on_commit(
            tasks.send_password_changed_notification,
            user.pk,
            timezone.now().isoformat(),
            translation.get_language() or "en",
        )


@transaction.atomic
def group_create(*, actor: User, account: Account, name: str, path: str = "/", request=None):
    from .models import Group

    group = Group(
        account=account,
        name=name,
        path=path or "/",
        arn=arns.group(account.id, path or "/", name),
    )
    group.full_clean(exclude=["account", "arn"])
    if Group.objects.filter(account=account, name__iexact=name).exists():
        raise ValidationError(
            {"name": ValidationError(_("A group with this name already exists."), code="duplicate")}
        )
    try:
        with transaction.atomic():
            group.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            {"name": ValidationError(_("A group with this name already exists."), code="duplicate")}
        ) from None
    audit.record(
        Event.CREATE_GROUP,
        request=request,
        actor=actor,
        account_id=account.id,
        request_parameters={"groupName": name, "path": group.path},
    )
    return group


@transaction.atomic
def group_member_set(*, actor: User, group, user: User, member: bool, request=None) -> None:
    """Add ``user`` to ``group`` or take them out; both in the same account."""
    from .models import GroupMembership

    if user.account_id != group.account_id or user.kind != User.Kind.IAM:
        raise ValidationError(_("Only IAM users of the group's account can be members."))
    if member:
        _membership, changed = GroupMembership.objects.get_or_create(group=group, user=user)
    else:
        changed, _by_model = GroupMembership.objects.filter(group=group, user=user).delete()
    if changed:
        audit.record(
            Event.ADD_USER_TO_GROUP if member else Event.REMOVE_USER_FROM_GROUP,
            request=request,
            actor=actor,
            account_id=group.account_id,
            request_parameters={"groupName": group.name, "userName": user.name},
        )


@transaction.atomic
def iam_user_update(
    *,
    actor: User,
    user: User,
    new_name: str | None = None,
    new_path: str | None = None,
    request=None,
) -> User:
    """Rename an IAM user or move it to another path; its ARN follows (as AWS's does)."""
    if user.kind != User.Kind.IAM:
        raise ValidationError(_("Only IAM users can be renamed."), code="InvalidInput")
    old_name = user.name
    name = new_name if new_name is not None else user.name
    path = new_path if new_path is not None else user.path
    if (
        name.lower() != user.name.lower()
        and User.objects.filter(account_id=user.account_id, kind=User.Kind.IAM, name__iexact=name)
        .exclude(pk=user.pk)
        .exists()
    ):
        raise ValidationError(
            _("A user with this name already exists in this account."), code="EntityAlreadyExists"
        )
    user.name, user.path = name, path
    user.arn = arns.user(user.account_id, path, name)
    user.full_clean(
        exclude=["password", "account"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            user.save(update_fields=["name", "path", "arn"])
    except IntegrityError:
        raise ValidationError(
            _("A user with this name already exists in this account."), code="EntityAlreadyExists"
        ) from None
    audit.record(
        Event.UPDATE_USER,
        request=request,
        actor=actor,
        account_id=user.account_id,
        request_parameters={"userName": old_name, "newUserName": new_name, "newPath": new_path},
    )
    return user


def _tags_set(owner, tag_model, owner_field: str, tags: dict[str, str]) -> None:
    """Add or overwrite ``tags`` on ``owner`` (locked): at most 50 in all, keys ignoring case."""
    type(owner).objects.select_for_update().get(pk=owner.pk)
    existing = {tag.key.lower(): tag for tag in tag_model.objects.filter(**{owner_field: owner})}
    new_keys = {key.lower() for key in tags} - set(existing)
    if len(existing) + len(new_keys) > MAX_TAGS:
        raise ValidationError(
            _("At most %(count)d tags.") % {"count": MAX_TAGS}, code="LimitExceeded"
        )
    for key, value in tags.items():
        tag = existing.get(key.lower()) or tag_model(**{owner_field: owner, "key": key})
        tag.key, tag.value = key, value
        tag.full_clean(exclude=[owner_field], validate_constraints=False)
        tag.save()


def _tags_remove(owner, tag_model, owner_field: str, keys: list[str]) -> None:
    lowered = {key.lower() for key in keys}
    for tag in tag_model.objects.filter(**{owner_field: owner}):
        if tag.key.lower() in lowered:
            tag.delete()


@transaction.atomic
def user_tags_set(*, actor: User, user: User, tags: dict[str, str], request=None) -> None:
    """Add or overwrite ``tags`` (key → value) on ``user``."""
    _tags_set(user, UserTag, "user", tags)
    audit.record(
        Event.TAG_USER,
        request=request,
        actor=actor,
        account_id=user.account_id,
        request_parameters={"userName": user.name, "tagKeys": sorted(tags)},
    )


@transaction.atomic
def user_tags_remove(*, actor: User, user: User, keys: list[str], request=None) -> None:
    _tags_remove(user, UserTag, "user", keys)
    audit.record(
        Event.UNTAG_USER,
        request=request,
        actor=actor,
        account_id=user.account_id,
        request_parameters={"userName": user.name, "tagKeys": sorted(keys)},
    )


@transaction.atomic
def policy_tags_set(*, actor: User, policy, tags: dict[str, str], request=None) -> None:
    """Add or overwrite ``tags`` on a customer managed policy."""
    _tags_set(policy, PolicyTag, "policy", tags)
    audit.record(
        Event.TAG_POLICY,
        request=request,
        actor=actor,
        account_id=policy.account_id,
        request_parameters={"policyArn": policy.arn, "tagKeys": sorted(tags)},
    )


@transaction.atomic
def policy_tags_remove(*, actor: User, policy, keys: list[str], request=None) -> None:
    _tags_remove(policy, PolicyTag, "policy", keys)
    audit.record(
        Event.UNTAG_POLICY,
        request=request,
        actor=actor,
        account_id=policy.account_id,
        request_parameters={"policyArn": policy.arn, "tagKeys": sorted(keys)},
    )


@transaction.atomic
def group_update(
    *, actor: User, group, new_name: str | None = None, new_path: str | None = None, request=None
):
    """Rename a group or move it to another path; its ARN follows."""
    old_name = group.name
    name = new_name if new_name is not None else group.name
    path = new_path if new_path is not None else group.path
    if (
        name.lower() != group.name.lower()
        and Group.objects.filter(account_id=group.account_id, name__lower=name.lower()).exists()
    ):
        raise ValidationError(
            _("A group with this name already exists."), code="EntityAlreadyExists"
        )
    group.name, group.path = name, path
    group.arn = arns.group(group.account_id, path, name)
    group.full_clean(exclude=["account"], validate_unique=False)
    group.save(update_fields=["name", "path", "arn"])
    audit.record(
        Event.UPDATE_GROUP,
        request=request,
        actor=actor,
        account_id=group.account_id,
        request_parameters={"groupName": old_name, "newGroupName": new_name, "newPath": new_path},
    )
    return group


@transaction.atomic
def group_delete(*, actor: User, group, request=None) -> None:
    account_id, name = group.account_id, group.name
    group.delete()
    audit.record(
        Event.DELETE_GROUP,
        request=request,
        actor=actor,
        account_id=account_id,
        request_parameters={"groupName": name},
    )


@transaction.atomic
def account_alias_set(*, actor: User, account: Account, alias: str | None, request=None) -> None:
    """Give the account its (one) alias, the name in its sign-in URL, or take it away."""
    old = account.alias
    account.alias = alias or None
    account.full_clean(exclude=["organization"], validate_unique=False)
    if alias and Account.objects.filter(alias=alias).exclude(pk=account.pk).exists():
        raise ValidationError(_("This alias is already taken."), code="EntityAlreadyExists")
    try:
        with transaction.atomic():
            account.save(update_fields=["alias"])
    except IntegrityError:
        raise ValidationError(
            _("This alias is already taken."), code="EntityAlreadyExists"
        ) from None
    audit.record(
        Event.CREATE_ACCOUNT_ALIAS if alias else Event.DELETE_ACCOUNT_ALIAS,
        request=request,
        actor=actor,
        account_id=account.id,
        request_parameters={"accountAlias": alias or old},
    )


# --- The account password policy ------------------------------------------------------------

_POLICY_RANGES = {
    "minimum_password_length": (8, 128, "MinimumPasswordLength"),
    "max_password_age": (1, 1095, "MaxPasswordAge"),
    "password_reuse_prevention": (1, 24, "PasswordReusePrevention"),
}


@transaction.atomic
def password_policy_set(
    *,
    actor: User,
    account: Account,
    minimum_password_length: int | None = None,
    require_symbols: bool = False,
    require_numbers: bool = False,
    require_uppercase_characters: bool = False,
    require_lowercase_characters: bool = False,
    allow_users_to_change_password: bool = False,
    max_password_age: int | None = None,
    password_reuse_prevention: int | None = None,
    hard_expiry: bool = False,
    request=None,
) -> AccountPasswordPolicy:
    """Create or replace the account's password policy, as UpdateAccountPasswordPolicy: a
    value left out takes AWS's default (length 8, no rule, no expiry, no reuse prevention)."""
    values = {
        "minimum_password_length": 8
        if minimum_password_length is None
        else minimum_password_length,
        "max_password_age": max_password_age or None,
        "password_reuse_prevention": password_reuse_prevention or None,
    }
    errors = {}
    for field, (low, high, name) in _POLICY_RANGES.items():
        value = values[field]
        if value is not None and not low <= value <= high:
            errors[field] = ValidationError(
                _("%(name)s must be from %(low)d to %(high)d.")
                % {"name": name, "low": low, "high": high},
                code="ValidationError",
            )
    if errors:
        raise ValidationError(errors)
    flags = {
        "require_symbols": bool(require_symbols),
        "require_numbers": bool(require_numbers),
        "require_uppercase_characters": bool(require_uppercase_characters),
        "require_lowercase_characters": bool(require_lowercase_characters),
        "allow_users_to_change_password": bool(allow_users_to_change_password),
        "hard_expiry": bool(hard_expiry),
    }
    policy, _created = AccountPasswordPolicy.objects.update_or_create(
        account=account, defaults={**values, **flags}
    )
    audit.record(
        Event.UPDATE_ACCOUNT_PASSWORD_POLICY,
        request=request,
        actor=actor,
        account_id=account.id,
        request_parameters={
            "minimumPasswordLength": values["minimum_password_length"],
            "requireSymbols": flags["require_symbols"],
            "requireNumbers": flags["require_numbers"],
            "requireUppercaseCharacters": flags["require_uppercase_characters"],
            "requireLowercaseCharacters": flags["require_lowercase_characters"],
            "allowUsersToChangePassword": flags["allow_users_to_change_password"],
            "maxPasswordAge": values["max_password_age"],
            "passwordReusePrevention": values["password_reuse_prevention"],
            "hardExpiry": flags["hard_expiry"],
        },
    )
    return policy


@transaction.atomic
def account_signin_settings_set(
    *, actor: User, account: Account, passkey_signin: bool, request=None
) -> Account:
    """The account's sign-in settings (Tobira's own; AWS has none): whether its IAM users may
    sign in with a passkey alone (``mfa.signin.passkey``)."""
    account = Account.objects.select_for_update().get(pk=account.pk)
    previous = account.passkey_signin
    account.passkey_signin = bool(passkey_signin)
    account.save(update_fields=["passkey_signin"])
    audit.record(
        Event.UPDATE_ACCOUNT_SIGNIN_SETTINGS,
        request=request,
        actor=actor,
        account_id=account.id,
        request_parameters={"passkeySignIn": account.passkey_signin},
        additional_event_data={"previousPasskeySignIn": previous},
    )
    return account


@transaction.atomic
def password_policy_delete(*, actor: User, account: Account, request=None) -> None:
    """Remove the account's password policy; NoSuchEntity when it has none."""
    deleted, _rows = AccountPasswordPolicy.objects.filter(account=account).delete()
    if not deleted:
        # AWS's sentence for this call (its API reference): not GetAccountPasswordPolicy's.
        raise ValidationError(
            _("The account policy with name PasswordPolicy cannot be found."),
            code="NoSuchEntity",
        )
    audit.record(
        Event.DELETE_ACCOUNT_PASSWORD_POLICY,
        request=request,
        actor=actor,
        account_id=account.id,
    )
