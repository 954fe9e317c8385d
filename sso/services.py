"""State changes of the SSO directory. Each is atomic and writes its audit event in
the management account's trail (where AWS records Identity Center's events)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import arns, audit, browser_sessions
from identity import services as iam_services
from identity.audit_events import Event
from identity.models import (
    PATH_VALIDATOR,
    POLICY_NAME_VALIDATOR,
    USER_NAME_VALIDATOR,
    Account,
    Organization,
    PolicyVersion,
    User,
)
from identity.policies import catalog, loading
from identity.policies import services as policy_services
from identity.policy import NamedPolicy

from .models import (
    AccountAssignment,
    ExternalIdentity,
    ExternalIdentityProvider,
    PermissionSet,
    SSOGroup,
    SSOSettings,
)

MAX_PERMISSION_SET_INLINE_SIZE = 32768  # AWS's limit for a permission set's inline policy
MAX_PERMISSION_SET_MANAGED = 20  # AWS managed plus customer managed references


def settings_for(organization: Organization) -> SSOSettings:
    """The organization's SSO settings (the defaults until an administrator saves them).

    Read through the relation, so an organization loaded with ``select_related("sso_settings")``
    costs no query, and a second call on the same instance none either.
    """
    try:
        return organization.sso_settings
    except SSOSettings.DoesNotExist:
        return SSOSettings(organization=organization)


# --- Settings -------------------------------------------------------------------------


SETTINGS_FIELDS = (
    "identity_source",
    "mfa_prompt",
    "mfa_no_device",
    "allow_authenticator_apps",
    "allow_security_keys",
    "users_manage_devices",
    "passkey_signin",
)


@transaction.atomic
def settings_update(*, actor, organization: Organization, values: dict, request=None) -> None:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not SSO settings: {sorted(unknown)}")
    current = settings_for(organization)
    for field, value in values.items():
        setattr(current, field, value)
    if not (current.allow_authenticator_apps or current.allow_security_keys):
        raise ValidationError(_("Allow at least one kind of MFA device."), code="no_mfa_type")
    if current.passkey_signin and not current.allow_security_keys:
        raise ValidationError(
            {
                "passkey_signin": _(
                    "Signing in with a passkey needs security keys and built-in authenticators "
                    "among the allowed MFA types."
                )
            },
            code="passkey_needs_keys",
        )
    if current.identity_source == SSOSettings.IdentitySource.EXTERNAL and not (
        ExternalIdentityProvider.objects.filter(organization=organization).exists()
    ):
        raise ValidationError(
            {"identity_source": _("Set up the external identity provider first.")},
            code="no_provider",
        )
    current.updated = timezone.now()
    current.save()
    audit.record(
        Event.UPDATE_SSO_CONFIGURATION,
        account_id=organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={k: v for k, v in values.items()},
    )


@transaction.atomic
def external_idp_put(
    *,
    actor,
    organization: Organization,
    name: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    match_by_email: bool,
    jit_provisioning: bool,
    request=None,
) -> ExternalIdentityProvider:
    """Create or change the organization's OpenID Connect provider; an empty secret keeps the old one.

    Links of directory users to the provider's subjects are per issuer: pointing the provider at
    another issuer never lets that issuer's subjects sign in as users linked to the old one.
    """
    validate_issuer(issuer)
    idp = ExternalIdentityProvider.objects.filter(organization=organization).first()
    created = idp is None
    if created:
        idp = ExternalIdentityProvider(
            organization=organization, provider_id=organization.pk.replace("o-", "org-")
        )
        if not client_secret:
            raise ValidationError({"client_secret": _("Enter the client secret.")})
    idp.name, idp.issuer, idp.client_id = name, issuer.rstrip("/"), client_id
    idp.match_by_email, idp.jit_provisioning = match_by_email, jit_provisioning
    if client_secret:
        idp.set_client_secret(client_secret)
    idp.updated = timezone.now()
    idp.save()
    audit.record(
        Event.CREATE_TRUSTED_TOKEN_ISSUER if created else Event.UPDATE_TRUSTED_TOKEN_ISSUER,
        account_id=organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={
            "name": name,
            "issuer": idp.issuer,
            "clientId": client_id,
            "secretChanged": bool(client_secret),
            "matchByEmail": match_by_email,
            "justInTimeProvisioning": jit_provisioning,
        },
    )
    return idp


def validate_issuer(issuer: str) -> None:
    """An https URL without query or fragment (http only where ``SSO_OIDC_ALLOW_HTTP`` is on)."""
    parts = urlsplit(issuer.strip())
    schemes = {"https", "http"} if django_settings.SSO_OIDC_ALLOW_HTTP else {"https"}
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise ValidationError(
            {
                "issuer": ValidationError(
                    _(
                        "Enter the provider's https issuer URL, for example https://login.example.com."
                    ),
                    code="invalid",
                )
            }
        )


# --- Users and groups -----------------------------------------------------------------


def sso_user_arn(organization: Organization, unique_id: str) -> str:
    return arns.identity_store_user(organization.management_account_id, unique_id)


def _duplicate(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="duplicate")})


def sso_user_create(
    *,
    actor,
    organization: Organization,
    name: str,
    email: str,
    password: str | None = None,
    request=None,
) -> User:
    """A directory user. With ``password`` it must be changed at first sign-in; without, the
    person signs in through the external identity provider only."""
    name, email = name.strip(), email.strip()
    USER_NAME_VALIDATOR(name)
    validate_email(email)
    unique_id = uuid.uuid4().hex
    user = User(
        kind=User.Kind.SSO,
        account_id=organization.management_account_id,
        name=name,
        contact_email=email,
        unique_id=unique_id,
        arn=sso_user_arn(organization, unique_id),
        password_reset_required=bool(password),
    )
    mine = User.objects.filter(kind=User.Kind.SSO, account_id=organization.management_account_id)
    if mine.filter(name__iexact=name).exists():
        raise _duplicate("name", _("A user with this name already exists in the directory."))
    if mine.filter(contact_email__iexact=email).exists():
        raise _duplicate("email", _("A user with this email address already exists."))
    iam_services.set_initial_password(user, password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            audit.record(
                Event.DIRECTORY_CREATE_USER,
                account_id=organization.management_account_id,
                actor=actor,
                request=request,
                request_parameters={"userName": name},
                response_elements={"userId": unique_id},
            )
    except IntegrityError:
        raise _duplicate(
            "name", _("A user with this name already exists in the directory.")
        ) from None
    return user


def _check_directory_user(user: User) -> None:
    if user.kind != User.Kind.SSO:
        raise ValueError("not a directory (SSO) user")


@transaction.atomic
@transaction.atomic
def sso_user_delete(*, actor, user: User, request=None) -> None:
    _check_directory_user(user)
    organization = user.account.organization
    name, unique_id = user.name, user.unique_id
    browser_sessions.browser_sessions_end_all(
        actor=actor, user=user, request=request, reason=browser_sessions.REASON_USER_DELETED
    )
    user.delete()
    audit.record(
        Event.DIRECTORY_DELETE_USER,
        account_id=organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={"userName": name, "userId": unique_id},
    )


@transaction.atomic
def sso_user_set_active(*, actor, user: User, active: bool, request=None) -> None:
    _check_directory_user(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:  # a disabled user's browser sessions and open console sessions end now
        user.role_sessions.filter(ended__isnull=True).update(ended=timezone.now())
        browser_sessions.browser_sessions_end_all(
            actor=actor, user=user, request=request, reason=browser_sessions.REASON_USER_DISABLED
        )
    audit.record(
        Event.DIRECTORY_ENABLE_USER if active else Event.DIRECTORY_DISABLE_USER,
        account_id=user.account.organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={"userName": user.name, "userId": user.unique_id},
    )


def sso_group_create(
    *, actor, organization: Organization, name: str, description: str = "", request=None
) -> SSOGroup:
    name = name.strip()
    group = SSOGroup(organization=organization, name=name, description=description)
    group.full_clean(exclude=["organization", "members"], validate_constraints=False)
    if SSOGroup.objects.filter(organization=organization, name__iexact=name).exists():
        raise _duplicate("name", _("A group with this name already exists in the directory."))
    try:
        with transaction.atomic():
            group.save(force_insert=True)
            audit.record(
                Event.DIRECTORY_CREATE_GROUP,
                account_id=organization.management_account_id,
                actor=actor,
                request=request,
                request_parameters={"displayName": name},
                response_elements={"groupId": group.group_id},
            )
    except IntegrityError:
        raise _duplicate(
            "name", _("A group with this name already exists in the directory.")
        ) from None
    return group


@transaction.atomic
def sso_group_delete(*, actor, group: SSOGroup, request=None) -> None:
    organization, name, group_id = group.organization, group.name, group.group_id
    group.delete()
    audit.record(
        Event.DIRECTORY_DELETE_GROUP,
        account_id=organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={"displayName": name, "groupId": group_id},
    )


@transaction.atomic
def sso_group_membership_set(
    *, actor, group: SSOGroup, user: User, member: bool, request=None
) -> None:
    if user.kind != User.Kind.SSO or user.account_id != group.organization.management_account_id:
        raise ValidationError(_("That user is not in this directory."))
    if member:
        group.members.add(user)
    else:
        group.members.remove(user)
    audit.record(
        Event.DIRECTORY_CREATE_GROUP_MEMBERSHIP
        if member
        else Event.DIRECTORY_DELETE_GROUP_MEMBERSHIP,
        account_id=group.organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={"groupId": group.group_id, "userName": user.name},
    )


@transaction.atomic
def external_identity_unlink(*, actor, identity: ExternalIdentity, request=None) -> None:
    """Forget a user's link to a subject at the external provider; the next sign-in with
    that subject matches again (by verified email, if enabled) or is refused."""
    user, provider = identity.user, identity.provider
    params = {
        "userName": user.name,
        "userId": user.unique_id,
        "issuer": identity.issuer,
        "subject": identity.subject,
    }
    identity.delete()
    audit.record(
        Event.UNLINK_EXTERNAL_IDENTITY,
        account_id=provider.organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters=params,
    )


# --- Permission sets ------------------------------------------------------------------


def _clean_permission_set(ps: PermissionSet) -> None:
    ps.full_clean(exclude=["organization"], validate_constraints=False)
    managed = list(dict.fromkeys(ps.managed_policy_arns))
    unknown = [arn for arn in managed if catalog.aws_managed(arn) is None]
    if unknown:
        raise ValidationError(
            {"managed_policy_arns": _("Unknown AWS managed policy: %(arn)s") % {"arn": unknown[0]}}
        )
    refs = []
    for ref in ps.customer_policy_refs:
        name, path = str(ref.get("name", "")).strip(), str(ref.get("path", "/")).strip() or "/"
        try:
            POLICY_NAME_VALIDATOR(name)
            PATH_VALIDATOR(path)
        except ValidationError as error:
            raise ValidationError(
                {"customer_policy_refs": f"{path}{name}: {' '.join(error.messages)}"}
            ) from None
        if {"name": name, "path": path} not in refs:
            refs.append({"name": name, "path": path})
    if len(managed) + len(refs) > MAX_PERMISSION_SET_MANAGED:
        raise ValidationError(
            {
                "managed_policy_arns": _(
                    "A permission set has at most %(n)d managed policies and references together."
                )
                % {"n": MAX_PERMISSION_SET_MANAGED}
            }
        )
    ps.managed_policy_arns, ps.customer_policy_refs = managed, refs
    if ps.inline_policy.strip():
        try:
            policy_services.validate_document(
                ps.inline_policy, limit=MAX_PERMISSION_SET_INLINE_SIZE
            )
        except ValidationError as error:
            raise ValidationError({"inline_policy": error.message_dict["document"]}) from None
    else:
        ps.inline_policy = ""


def _permission_set_params(ps: PermissionSet) -> dict:
    return {
        "name": ps.name,
        "permissionSetArn": ps.arn,
        "sessionDuration": f"PT{ps.session_duration_hours}H",
        "managedPolicyArns": ps.managed_policy_arns,
        "customerManagedPolicyReferences": ps.customer_policy_refs,
        "inlinePolicy": bool(ps.inline_policy),
    }


def permission_set_save(*, actor, permission_set: PermissionSet, request=None) -> PermissionSet:
    """Create (no pk yet) or update a permission set; sessions opened later use the new policies."""
    ps = permission_set
    created = ps.pk is None
    _clean_permission_set(ps)
    others = PermissionSet.objects.filter(organization=ps.organization, name__iexact=ps.name)
    if ps.pk:
        others = others.exclude(pk=ps.pk)
    if others.exists():
        raise _duplicate("name", _("A permission set with this name already exists."))
    ps.updated = timezone.now()
    try:
        with transaction.atomic():
            ps.save()
            audit.record(
                Event.CREATE_PERMISSION_SET if created else Event.UPDATE_PERMISSION_SET,
                account_id=ps.organization.management_account_id,
                actor=actor,
                request=request,
                request_parameters=_permission_set_params(ps),
            )
    except IntegrityError:
        raise _duplicate("name", _("A permission set with this name already exists.")) from None
    return ps


@transaction.atomic
def permission_set_delete(*, actor, permission_set: PermissionSet, request=None) -> None:
    if permission_set.assignments.exists():
        raise ValidationError(
            _("Remove this permission set from every account before you delete it."),
            code="assigned",
        )
    organization, arn, name = permission_set.organization, permission_set.arn, permission_set.name
    permission_set.delete()
    audit.record(
        Event.DELETE_PERMISSION_SET,
        account_id=organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters={"name": name, "permissionSetArn": arn},
    )


def permission_set_policies(permission_set: PermissionSet, account: Account) -> tuple:
    """The identity policies of a session as ``permission_set`` in ``account`` (1 query at most).

    Customer managed references name a policy by path and name; it is looked up in the
    account where the session opens, as AWS does. A reference without such a policy grants
    nothing there.
    """
    found: list[NamedPolicy] = []
    label = permission_set.name
    for arn in permission_set.managed_policy_arns:
        managed = catalog.aws_managed(arn)
        if managed is not None:
            named = loading.named_policy(
                f"{managed.name} (permission set {label})", managed.document
            )
            if named:
                found.append(named)
    if permission_set.customer_policy_refs:
        customer_arns = [
            arns.policy(account.pk, ref["path"], ref["name"])
            for ref in permission_set.customer_policy_refs
        ]
        for version in PolicyVersion.objects.filter(
            policy__arn__in=customer_arns,
            policy__account=account,
            version_id=F("policy__default_version"),
        ).select_related("policy"):
            named = loading.named_policy(
                f"{version.policy.name} (permission set {label})", version.document
            )
            if named:
                found.append(named)
    if permission_set.inline_policy:
        named = loading.named_policy(
            f"inline policy of permission set {label}", permission_set.inline_policy
        )
        if named:
            found.append(named)
    return tuple(found)


# --- Account assignments --------------------------------------------------------------


def assignment_create(
    *,
    actor,
    account: Account,
    permission_set: PermissionSet,
    user: User | None = None,
    group: SSOGroup | None = None,
    request=None,
) -> AccountAssignment:
    organization = permission_set.organization
    if account.organization_id != organization.pk:
        raise ValidationError(_("That account is not in this organization."))
    if (user is None) == (group is None):
        raise ValidationError(_("Choose a user or a group."))
    if user is not None and (
        user.kind != User.Kind.SSO or user.account_id != organization.management_account_id
    ):
        raise ValidationError(_("That user is not in this directory."))
    if group is not None and group.organization_id != organization.pk:
        raise ValidationError(_("That group is not in this directory."))
    try:
        with transaction.atomic():
            assignment = AccountAssignment.objects.create(
                organization=organization,
                account=account,
                permission_set=permission_set,
                user=user,
                group=group,
            )
            audit.record(
                Event.CREATE_ACCOUNT_ASSIGNMENT,
                account_id=organization.management_account_id,
                actor=actor,
                request=request,
                request_parameters=_assignment_params(assignment),
            )
    except IntegrityError:
        raise ValidationError(_("This assignment already exists."), code="duplicate") from None
    return assignment


def _assignment_params(a: AccountAssignment) -> dict:
    return {
        "targetId": a.account_id,
        "targetType": "AWS_ACCOUNT",
        "permissionSetArn": a.permission_set.arn,
        "principalType": "USER" if a.user_id else "GROUP",
        "principalId": a.user.unique_id if a.user_id else a.group.group_id,
    }


@transaction.atomic
def assignment_delete(*, actor, assignment: AccountAssignment, request=None) -> None:
    params = _assignment_params(assignment)
    organization = assignment.organization
    assignment.delete()
    audit.record(
        Event.DELETE_ACCOUNT_ASSIGNMENT,
        account_id=organization.management_account_id,
        actor=actor,
        request=request,
        request_parameters=params,
    )


def assignments_of(user: User):
    """Every (account, permission set) ``user`` may open: assigned directly or through a group."""
    return (
        AccountAssignment.objects.filter(Q(user=user) | Q(group__members=user))
        .select_related("account", "permission_set")
        .order_by("account__name", "account_id", "permission_set__name")
    )
