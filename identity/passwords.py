"""An IAM user's password against Tobira's validators and the account's password policy.

Every place that sets a password asks ``validate_password`` first and calls ``set_password`` to
set it: the user's previous hash goes into their history (argon2, never the text), for the
policy's reuse prevention, and the time is kept, for its expiry. The policy applies to IAM users
only; root and SSO users get Tobira's validators alone.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import hashers, password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Account, AccountPasswordPolicy, PasswordHistory, User

# AWS's set of symbols for RequireSymbols.
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
SYMBOLS_SHOWN = "! @ # $ % ^ & * ( ) _ + - = [ ] { } | '"

# The kinds of character a policy may require: its flag, the test, the refusal, the code.
_CHARACTER_RULES = (
    (
        "require_uppercase_characters",
        lambda password: any("A" <= c <= "Z" for c in password),
        gettext_lazy("The account's password policy asks for at least one uppercase letter (A–Z)."),
        "password_policy_uppercase",
    ),
    (
        "require_lowercase_characters",
        lambda password: any("a" <= c <= "z" for c in password),
        gettext_lazy("The account's password policy asks for at least one lowercase letter (a–z)."),
        "password_policy_lowercase",
    ),
    (
        "require_numbers",
        lambda password: any("0" <= c <= "9" for c in password),
        gettext_lazy("The account's password policy asks for at least one number (0–9)."),
        "password_policy_number",
    ),
    (
        "require_symbols",
        lambda password: bool(SYMBOLS.intersection(password)),
        gettext_lazy(
            "The account's password policy asks for at least one of these symbols: %(symbols)s"
        ),
        "password_policy_symbol",
    ),
)
MAX_HISTORY = 24  # PasswordReusePrevention's maximum


def policy_for(user: User) -> AccountPasswordPolicy | None:
    """The password policy that binds ``user``: their account's, for an IAM user; else None."""
    if user.kind != User.Kind.IAM or not user.account_id:
        return None
    # Loaded with the user (``select_related("account__password_policy")``, as the sign-in's
    # look-ups do): no query. A missing row is cached as missing.
    if User.account.is_cached(user) and Account.password_policy.is_cached(user.account):
        return getattr(user.account, "password_policy", None)
    return AccountPasswordPolicy.objects.filter(account_id=user.account_id).first()


def account_policy(account) -> AccountPasswordPolicy | None:
    """The account's policy, which binds its IAM users (for a form that sets one's password)."""
    return AccountPasswordPolicy.objects.filter(account=account).first()


def requirements(policy: AccountPasswordPolicy | None) -> list[str]:
    """The policy's rules, in words, to show before a password is typed."""
    if policy is None:
        return []
    rules = [
        ngettext(
            "At least %(count)d character.",
            "At least %(count)d characters.",
            policy.minimum_password_length,
        )
        % {"count": policy.minimum_password_length}
    ]
    if policy.require_uppercase_characters:
        rules.append(_("At least one uppercase letter (A–Z)."))
    if policy.require_lowercase_characters:
        rules.append(_("At least one lowercase letter (a–z)."))
    if policy.require_numbers:
        rules.append(_("At least one number (0–9)."))
    if policy.require_symbols:
        rules.append(_("At least one of these symbols: %(symbols)s") % {"symbols": SYMBOLS_SHOWN})
    if policy.password_reuse_prevention:
        rules.append(
            ngettext(
                "Not the same as your last password.",
                "Not the same as any of your last %(count)d passwords.",
                policy.password_reuse_prevention,
            )
            % {"count": policy.password_reuse_prevention}
        )
    if policy.max_password_age:
        rules.append(
            ngettext(
                "It expires after %(count)d day.",
                "It expires after %(count)d days.",
                policy.max_password_age,
            )
            % {"count": policy.max_password_age}
        )
    return rules


def _policy_errors(password: str, user: User, policy: AccountPasswordPolicy) -> list:
    errors = []
    if len(password) < policy.minimum_password_length:
        errors.append(
            ValidationError(
                ngettext(
                    "The account's password policy asks for at least %(count)d character.",
                    "The account's password policy asks for at least %(count)d characters.",
                    policy.minimum_password_length,
                )
                % {"count": policy.minimum_password_length},
                code="password_policy_length",
            )
        )
    for required, present, message, code in _CHARACTER_RULES:
        if getattr(policy, required) and not present(password):
            errors.append(ValidationError(str(message) % {"symbols": SYMBOLS_SHOWN}, code=code))
    if policy.password_reuse_prevention and user.pk and _reused(password, user, policy):
        errors.append(
            ValidationError(
                ngettext(
                    "You used this password recently: the account's password policy asks for "
                    "one different from your last password.",
                    "You used this password recently: the account's password policy asks for "
                    "one different from your last %(count)d passwords.",
                    policy.password_reuse_prevention,
                )
                % {"count": policy.password_reuse_prevention},
                code="password_policy_reuse",
            )
        )
    return errors


def _reused(password: str, user: User, policy: AccountPasswordPolicy) -> bool:
    """Whether ``password`` is one of the user's last N: the current one and N - 1 before it."""
    current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
    previous = list(
        PasswordHistory.objects.filter(user_id=user.pk)
        .order_by("-created", "-pk")
        .values_list("password", flat=True)[: policy.password_reuse_prevention - 1]
    )
    for encoded in [current, *previous]:
        if (
            encoded
            and hashers.is_password_usable(encoded)
            and hashers.check_password(password, encoded)
        ):
            return True
    return False


def validate_password(password: str, user: User) -> None:
    """Tobira's validators, then the account's policy; every failure in one ValidationError."""
    errors = []
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        errors.extend(error.error_list)
    policy = policy_for(user)
    if policy is not None:
        errors.extend(_policy_errors(password, user, policy))
    if errors:
        raise ValidationError(errors)


def set_password(user: User, password: str) -> None:
    """Set ``user``'s password (the caller saves ``password`` and ``password_changed``); the
    previous one goes into the history, trimmed to the longest reuse prevention AWS allows."""
    if user.pk and user.kind == User.Kind.IAM:
        old = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if old and hashers.is_password_usable(old):
            PasswordHistory.objects.create(user_id=user.pk, password=old)
            stale = PasswordHistory.objects.filter(user_id=user.pk).order_by("-created", "-pk")[
                MAX_HISTORY:
            ]
            PasswordHistory.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).delete()
    user.set_password(password)
    user.password_changed = timezone.now()


def expires_at(user: User, policy: AccountPasswordPolicy | None):
    if policy is None or not policy.max_password_age or not user.has_usable_password():
        return None
    return (user.password_changed or user.created) + timedelta(days=policy.max_password_age)


def expired(user: User, policy: AccountPasswordPolicy | None = None) -> bool:
    """Whether the policy's MaxPasswordAge has passed since ``user``'s password was set."""
    if user.kind != User.Kind.IAM:
        return False
    policy = policy if policy is not None else policy_for(user)
    when = expires_at(user, policy)
    return when is not None and timezone.now() >= when


def hard_expired(user: User) -> bool:
    """Expired under a policy with HardExpiry: only an administrator may set a new password."""
    policy = policy_for(user)
    return policy is not None and policy.hard_expiry and expired(user, policy)


def require_change(user: User) -> None:
    """An expired password: the user must change it before anything else (the sign-in stage)."""
    User.objects.filter(pk=user.pk).update(password_reset_required=True)
    user.password_reset_required = True


def may_change_own(user: User) -> bool:
    """The account's policy lets IAM users change their own password without an Allow
    (AllowUsersToChangePassword); otherwise the policy engine decides on iam:ChangePassword."""
    policy = policy_for(user)
    return policy is not None and policy.allow_users_to_change_password
