"""The account: aliases, GetAccountSummary, passwords (ChangePassword and login profiles), and
the policy simulator (SimulatePrincipalPolicy, with the principal's stored permissions boundary)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from accounts import flows as account_flows
from identity import arns, passwords, services
from identity.authorization import Permission
from identity.models import Account, AccountPasswordPolicy, CustomerPolicy, Group, User
from identity.policies import catalog, loading
from identity.policies.services import MAX_ATTACHED, MAX_MANAGED_SIZE, MAX_VERSIONS
from mfa.models import MFADevice

from ..errors import ApiError
from ..registry import Call, no_paging, operation
from .common import require_user, target_user_arn


def _everything(call: Call) -> str:
    return "*"


@operation("iam", "ListAccountAliases", Permission("iam:ListAccountAliases", _everything))
def list_account_aliases(call: Call) -> dict:
    no_paging(call)
    alias = call.account.alias
    return {"AccountAliases": [alias] if alias else [], "IsTruncated": False}


@operation("iam", "CreateAccountAlias", Permission("iam:CreateAccountAlias", _everything))
def create_account_alias(call: Call) -> None:
    alias = call.input["AccountAlias"]
    if Account.objects.filter(alias=alias).exclude(pk=call.account.pk).exists():
        raise ApiError("EntityAlreadyExists", f"The account alias {alias} already exists.")
    services.account_alias_set(
        actor=call.user, account=call.account, alias=alias, request=call.request
    )


@operation("iam", "DeleteAccountAlias", Permission("iam:DeleteAccountAlias", _everything))
def delete_account_alias(call: Call) -> None:
    if call.account.alias != call.input["AccountAlias"]:
        raise ApiError(
            "NoSuchEntity", f"The account alias {call.input['AccountAlias']} cannot be found."
        )
    services.account_alias_set(
        actor=call.user, account=call.account, alias=None, request=call.request
    )


@operation("iam", "GetAccountSummary", Permission("iam:GetAccountSummary", _everything))
def get_account_summary(call: Call) -> dict:
    account = call.account
    users = User.objects.filter(account=account, kind=User.Kind.IAM).count()
    groups = Group.objects.filter(account=account).count()
    policies = CustomerPolicy.objects.filter(account=account).aggregate(
        n=Count("pk"), versions=Count("versions")
    )
    devices = MFADevice.objects.filter(account=account).aggregate(
        all=Count("pk"), enabled=Count("pk", filter=Q(confirmed=True))
    )
    root = User.objects.filter(account=account, kind=User.Kind.ROOT).first()
    root_mfa = MFADevice.objects.filter(user=root, confirmed=True).exists() if root else False
    root_keys = root.access_keys.count() if root else 0
    return {
        "SummaryMap": {
            "Users": users,
            "UsersQuota": 5000,
            "Groups": groups,
            "GroupsQuota": 300,
            "Policies": policies["n"],
            "PoliciesQuota": 1500,
            "PolicySizeQuota": MAX_MANAGED_SIZE,
            "PolicyVersionsInUse": policies["versions"],
            "PolicyVersionsInUseQuota": 10000,
            "VersionsPerPolicyQuota": MAX_VERSIONS,
            "AttachedPoliciesPerUserQuota": MAX_ATTACHED,
            "AttachedPoliciesPerGroupQuota": MAX_ATTACHED,
            "AttachedPoliciesPerRoleQuota": MAX_ATTACHED,
            "GroupsPerUserQuota": 10,
            "GroupPolicySizeQuota": 5120,
            "UserPolicySizeQuota": 2048,
            "AccessKeysPerUserQuota": 2,
            "SigningCertificatesPerUserQuota": 2,
            "MFADevices": devices["all"],
            "MFADevicesInUse": devices["enabled"],
            "AccountMFAEnabled": 1 if root_mfa else 0,
            "AccountAccessKeysPresent": 1 if root_keys else 0,
            "AccountPasswordPresent": 1 if root and root.has_usable_password() else 0,
            "RolePolicySizeQuota": 10240,
            "AccountSigningCertificatesPresent": 0,
            "ServerCertificates": 0,
            "ServerCertificatesQuota": 20,
            "Providers": 0,
            "Roles": 0,
            "RolesQuota": 1000,
            "InstanceProfiles": 0,
            "InstanceProfilesQuota": 1000,
            "GlobalEndpointTokenVersion": 1,
            "AssumeRolePolicySizeQuota": 2048,
        }
    }


# --- Passwords -----------------------------------------------------------------------------


@operation("iam", "ChangePassword", Permission("iam:ChangePassword", lambda call: call.user.arn))
def change_password(call: Call) -> None:
    user = call.user
    if user.is_root or not user.has_usable_password():
        raise ApiError(
            "InvalidUserType", "Only IAM users with a console password can change it here."
        )
    if passwords.hard_expired(user):
        raise ApiError(
            "PasswordPolicyViolation",
            "The password has expired; the account's password policy lets only an administrator "
            "reset it.",
        )
    request = call.request
    if not account_flows.password_change_attempt(request):
        raise ApiError("LimitExceeded", "Too many attempts. Wait a few minutes, then try again.")
    if not user.check_password(call.input["OldPassword"]):
        account_flows.password_change_wrong_old(request)
        raise ApiError("InvalidUserType", "The old password is incorrect.")
    try:
        passwords.validate_password(call.input["NewPassword"], user)
    except ValidationError as error:
        raise ApiError("PasswordPolicyViolation", " ".join(error.messages)) from None
    account_flows.password_change(request, new_password=call.input["NewPassword"])


@operation("iam", "GetLoginProfile", Permission("iam:GetLoginProfile", target_user_arn))
def get_login_profile(call: Call) -> dict:
    user = require_user(call)
    if not user.has_usable_password():
        raise ApiError("NoSuchEntity", f"Login Profile for User {user.name} cannot be found.")
    return {
        "LoginProfile": {
            "UserName": user.name,
            "CreateDate": user.created,
            "PasswordResetRequired": user.password_reset_required,
        }
    }


def _set_password(call: Call, *, create: bool) -> None:
    user = require_user(call)
    if user.is_root:
        raise ApiError("InvalidInput", "The root user's password is changed on its sign-in page.")
    if create and user.has_usable_password():
        raise ApiError("EntityAlreadyExists", f"Login Profile for user {user.name} already exists.")
    if not create and not user.has_usable_password():
        raise ApiError("NoSuchEntity", f"Login Profile for User {user.name} cannot be found.")
    password = call.input.get("Password")
    if not create and password is None:  # UpdateLoginProfile may only flip the reset flag
        raise ApiError("InvalidInput", "Give the new Password.")
    if call.input.get("PasswordResetRequired", False):
        # Tobira attaches IAMUserChangePassword to a user who must change their password (as
        # AWS's console does): that attach is asked as the caller's own.
        boundary = user.permissions_boundary
        call.require(
            "iam:AttachUserPolicy",
            user.arn,
            {
                "iam:PolicyARN": services.CHANGE_PASSWORD_POLICY,
                **({"iam:PermissionsBoundary": boundary} if boundary else {}),
            },
        )
    try:
        services.iam_user_console_access_set(
            actor=call.user,
            user=user,
            password=password,
            password_reset_required=call.input.get("PasswordResetRequired", False),
            request=call.request,
        )
    except ValidationError as error:
        raise ApiError("PasswordPolicyViolation", " ".join(error.messages)) from None


@operation("iam", "CreateLoginProfile", Permission("iam:CreateLoginProfile", target_user_arn))
def create_login_profile(call: Call) -> dict:
    _set_password(call, create=True)
    user = require_user(call)
    return {
        "LoginProfile": {
            "UserName": user.name,
            "CreateDate": user.created,
            "PasswordResetRequired": user.password_reset_required,
        }
    }


@operation("iam", "UpdateLoginProfile", Permission("iam:UpdateLoginProfile", target_user_arn))
def update_login_profile(call: Call) -> None:
    _set_password(call, create=False)


@operation("iam", "DeleteLoginProfile", Permission("iam:DeleteLoginProfile", target_user_arn))
def delete_login_profile(call: Call) -> None:
    user = require_user(call)
    if not user.has_usable_password() or user.is_root:
        raise ApiError("NoSuchEntity", f"Login Profile for User {user.name} cannot be found.")
    services.iam_user_console_access_set(
        actor=call.user, user=user, password=None, request=call.request
    )


# --- The simulator -------------------------------------------------------------------------


def _source_arn(call: Call) -> str:
    return call.input["PolicySourceArn"]


MAX_SIMULATED_PAIRS = 1000  # one request's evaluations: bounded whatever the request lists
_DECISIONS = {"Allow": "allowed", "ExplicitDeny": "explicitDeny", "ImplicitDeny": "implicitDeny"}


def _source_policy_type(decision, user: User) -> str:
    """AWS's ``PolicySourceType`` of the policy that decided: ``user`` or ``group`` for an
    inline policy, ``aws-managed`` or ``user-managed`` for a managed one (the boundary too)."""
    name = decision.policy
    if decision.stage == "boundary":
        return "aws-managed" if catalog.aws_managed(user.permissions_boundary) else "user-managed"
    if name.endswith(")") and " (inline, " in name:
        return "group" if " (inline, group " in name else "user"
    if name == loading.SELF_SERVICE_BASELINE_NAME or catalog.aws_managed(
        arns.aws_managed_policy(name)
    ):
        return "aws-managed"
    return "user-managed"


@operation("iam", "SimulatePrincipalPolicy", Permission("iam:SimulatePrincipalPolicy", _source_arn))
def simulate_principal_policy(call: Call) -> dict:
    source = call.input["PolicySourceArn"]
    user = User.objects.filter(account=call.account, arn=source).exclude(kind=User.Kind.SSO).first()
    if user is None:
        raise ApiError("NoSuchEntity", f"The principal {source} cannot be found in this account.")
    if call.input.get("PolicyInputList") or call.input.get("PermissionsBoundaryPolicyInputList"):
        raise ApiError("InvalidInput", "Tobira simulates the principal's stored policies only.")
    context: dict[str, object] = {}
    for entry in call.input.get("ContextEntries") or []:
        values = entry.get("ContextKeyValues") or []
        context[entry["ContextKeyName"]] = values if len(values) != 1 else values[0]
    mfa_value = context.pop("aws:MultiFactorAuthPresent", "false")
    mfa = str(mfa_value).lower() == "true"
    resources = call.input.get("ResourceArns") or ["*"]
    pairs = len(resources) * len(call.input["ActionNames"])
    if pairs > MAX_SIMULATED_PAIRS:
        raise ApiError(
            "InvalidInput",
            f"Simulate at most {MAX_SIMULATED_PAIRS} action and resource pairs per request "
            f"({pairs} asked).",
        )
    results = []
    loaded = loading.principal_policies(user)
    for resource in resources:
        asked = {"actions": call.input["ActionNames"], "resource": resource, "mfa": mfa}
        by_boundary = loading.boundary_allows(user, loaded, context=context, **asked)
        by_organizations = loading.organizations_allow(user, loaded, context=context, **asked)
        for action, decision in loading.simulate(user, context=context, loaded=loaded, **asked):
            matched = []
            if decision.policy and decision.stage != "scp":  # SCPs: OrganizationsDecisionDetail
                matched.append(
                    {
                        "SourcePolicyId": decision.policy,
                        "SourcePolicyType": _source_policy_type(decision, user),
                    }
                )
            result = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": _DECISIONS.get(decision.decision, "implicitDeny"),
                "MatchedStatements": matched,
                "MissingContextValues": [],
                "EvalDecisionDetails": {},
                "OrganizationsDecisionDetail": {"AllowedByOrganizations": by_organizations[action]},
            }
            if by_boundary is not None:  # as AWS: only for a principal with a boundary
                result["PermissionsBoundaryDecisionDetail"] = {
                    "AllowedByPermissionsBoundary": by_boundary[action]
                }
            results.append(result)
    return {"EvaluationResults": results, "IsTruncated": False}


# --- The account password policy -----------------------------------------------------------


def _password_policy(policy: AccountPasswordPolicy) -> dict:
    out = {
        "MinimumPasswordLength": policy.minimum_password_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase_characters,
        "RequireLowercaseCharacters": policy.require_lowercase_characters,
        "AllowUsersToChangePassword": policy.allow_users_to_change_password,
        "ExpirePasswords": bool(policy.max_password_age),
        "HardExpiry": policy.hard_expiry,
    }
    if policy.max_password_age:
        out["MaxPasswordAge"] = policy.max_password_age
    if policy.password_reuse_prevention:
        out["PasswordReusePrevention"] = policy.password_reuse_prevention
    return out


@operation(
    "iam", "GetAccountPasswordPolicy", Permission("iam:GetAccountPasswordPolicy", _everything)
)
def get_account_password_policy(call: Call) -> dict:
    policy = AccountPasswordPolicy.objects.filter(account=call.account).first()
    if policy is None:
        raise ApiError(
            "NoSuchEntity",
            f"The Password Policy with domain name {call.account.id} cannot be found.",
        )
    return {"PasswordPolicy": _password_policy(policy)}


@operation(
    "iam",
    "UpdateAccountPasswordPolicy",
    Permission("iam:UpdateAccountPasswordPolicy", _everything),
)
def update_account_password_policy(call: Call) -> None:
    given = call.input
    try:
        services.password_policy_set(
            actor=call.user,
            account=call.account,
            minimum_password_length=given.get("MinimumPasswordLength"),
            require_symbols=given.get("RequireSymbols", False),
            require_numbers=given.get("RequireNumbers", False),
            require_uppercase_characters=given.get("RequireUppercaseCharacters", False),
            require_lowercase_characters=given.get("RequireLowercaseCharacters", False),
            allow_users_to_change_password=given.get("AllowUsersToChangePassword", False),
            max_password_age=given.get("MaxPasswordAge"),
            password_reuse_prevention=given.get("PasswordReusePrevention"),
            hard_expiry=given.get("HardExpiry", False),
            request=call.request,
        )
    except ValidationError as error:
        raise ApiError("ValidationError", " ".join(error.messages)) from None


@operation(
    "iam",
    "DeleteAccountPasswordPolicy",
    Permission("iam:DeleteAccountPasswordPolicy", _everything),
)
def delete_account_password_policy(call: Call) -> None:
    try:
        services.password_policy_delete(actor=call.user, account=call.account, request=call.request)
    except ValidationError as error:
        raise ApiError("NoSuchEntity", " ".join(error.messages)) from None
