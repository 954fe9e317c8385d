"""The IAM dashboard's facts: an account's counts and its security recommendations, each with
the number of users (or the root user, or the account) it concerns, and the organization's
roll-up of them per account.

Built here, in the mfa layer, for the credential report's reason: "MFA-protected users" and
"console password without MFA" read MFA devices (``mfa.models``), which the identity layer
below must not import. Everything else comes from ``identity`` and ``identity.credentials``.

A constant number of queries whatever the number of users or accounts: every user-level
recommendation is a conditional ``Count`` (its condition an ``IN`` over the MFA devices or
access keys of the same accounts) in one aggregate over the users, grouped by account; the account-level
facts (groups, customer managed policies, a password policy) are one more query, grouped the
same way. The affected users of one recommendation are that same condition as a filter, so a
count and its list cannot disagree.

"Unused" means no use for ``UNUSED_DAYS`` since the credential was given: a console password
counts from its last sign-in, or from when it was set (``password_changed``), or from the user's
creation (passwords set before ``password_changed`` was kept), whichever is latest; an access
key from its last use, or from its creation when it was never used. Only active keys count (an
inactive key signs nothing). "Old" is an active key created more than ``ROTATE_DAYS`` ago.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Lower
from django.db.models.lookups import LessThan
from django.utils import timezone

from identity.credentials.models import AccessKey, Status
from identity.models import Account, AccountPasswordPolicy, CustomerPolicy, Group, User
from mfa.models import MFADevice

UNUSED_DAYS = 90
ROTATE_DAYS = 90

ROOT = "root"  # the recommendation is about the account's root user (0 or 1)
IAM = "iam"  # about IAM users: how many
ACCOUNT = "account"  # about the account itself (0 or 1)


# Each condition on a user is ``pk IN (the ids of the users of these accounts that have ...)``:
# an uncorrelated subquery, which PostgreSQL reads once into a hash ("hashed SubPlan") rather
# than probing once per user as a correlated EXISTS would. ``scope`` filters the subquery's
# rows to the accounts asked about (``{"account": account}`` or ``{"account__in": accounts}``).


def _has_mfa(scope: dict) -> Q:
    return Q(pk__in=MFADevice.objects.filter(confirmed=True, **scope).values("user_id"))


def _has_access_key(scope: dict) -> Q:
    return Q(pk__in=AccessKey.objects.filter(**scope).values("user_id"))


def _has_console_password() -> Q:
    return ~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)


def _has_unused_access_key(scope: dict, cutoff: datetime) -> Q:
    unused = AccessKey.objects.filter(status=Status.ACTIVE, **scope).filter(
        Q(last_used_at__lt=cutoff) | Q(last_used_at__isnull=True, created__lt=cutoff)
    )
    return Q(pk__in=unused.values("user_id"))


def _has_old_access_key(scope: dict, cutoff: datetime) -> Q:
    old = AccessKey.objects.filter(status=Status.ACTIVE, created__lt=cutoff, **scope)
    return Q(pk__in=old.values("user_id"))


def _password_unused(cutoff: datetime) -> Q:
    # PostgreSQL's GREATEST ignores NULLs: a password never used counts from when it was set.
    last_activity = Greatest("password_last_used", "password_changed", "created")
    return _has_console_password() & Q(LessThan(last_activity, cutoff))


@dataclass(frozen=True)
class Recommendation:
    """One check of the dashboard: ``key`` (in URLs), whom it is about, and the condition on a
    user row that makes the user affected (None for the account-level check)."""

    key: str
    subject: str  # ROOT, IAM or ACCOUNT
    affected: Callable[[datetime, dict], Q] | None = None  # (now, scope)

    @property
    def lists_users(self) -> bool:
        return self.subject == IAM


def _unused_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=UNUSED_DAYS)


def _rotate_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=ROTATE_DAYS)


RECOMMENDATIONS: tuple[Recommendation, ...] = (
    Recommendation("root-mfa", ROOT, lambda now, scope: Q(kind=User.Kind.ROOT) & ~_has_mfa(scope)),
    Recommendation(
        "root-access-keys",
        ROOT,
        lambda now, scope: Q(kind=User.Kind.ROOT) & _has_access_key(scope),
    ),
    Recommendation(
        "use-sso", IAM, lambda now, scope: Q(kind=User.Kind.IAM) & _has_console_password()
    ),
    Recommendation(
        "console-without-mfa",
        IAM,
        lambda now, scope: Q(kind=User.Kind.IAM) & _has_console_password() & ~_has_mfa(scope),
    ),
    Recommendation(
        "unused-passwords",
        IAM,
        lambda now, scope: Q(kind=User.Kind.IAM) & _password_unused(_unused_cutoff(now)),
    ),
    Recommendation(
        "unused-access-keys",
        IAM,
        lambda now, scope: (
            Q(kind=User.Kind.IAM) & _has_unused_access_key(scope, _unused_cutoff(now))
        ),
    ),
    Recommendation(
        "old-access-keys",
        IAM,
        lambda now, scope: Q(kind=User.Kind.IAM) & _has_old_access_key(scope, _rotate_cutoff(now)),
    ),
    Recommendation("password-policy", ACCOUNT),
)
BY_KEY = {recommendation.key: recommendation for recommendation in RECOMMENDATIONS}


@dataclass(frozen=True)
class AccountFacts:
    """One account's counts and, per recommendation key, how many it concerns (0: done)."""

    account_id: str
    users: int = 0
    mfa_users: int = 0
    groups: int = 0
    customer_policies: int = 0
    affected: dict[str, int] | None = None

    @property
    def open_recommendations(self) -> int:
        return sum(1 for count in (self.affected or {}).values() if count)


def _count_subquery(model, field: str = "account") -> Coalesce:
    counted = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def accounts_facts(
    accounts: QuerySet[Account], *, now: datetime | None = None
) -> dict[str, AccountFacts]:
    """Every account of ``accounts`` (already within the principal's reach) by id, with its
    counts and recommendations: two queries, whatever the number of users and accounts."""
    now = now or timezone.now()
    user_checks = [r for r in RECOMMENDATIONS if r.affected is not None]
    scope = {"account__in": accounts}
    per_account = {
        row["account_id"]: row
        for row in User.objects.filter(
            account__in=accounts, kind__in=[User.Kind.ROOT, User.Kind.IAM]
        )
        .order_by()
        .values("account_id")
        .annotate(
            users=Count("pk", filter=Q(kind=User.Kind.IAM)),
            mfa_users=Count("pk", filter=Q(kind=User.Kind.IAM) & _has_mfa(scope)),
            **{r.key: Count("pk", filter=r.affected(now, scope)) for r in user_checks},
        )
    }
    account_rows = (
        accounts.order_by()
        .annotate(
            group_count=_count_subquery(Group),
            policy_count=_count_subquery(CustomerPolicy),
            has_password_policy=Exists(
                AccountPasswordPolicy.objects.filter(account=OuterRef("pk"))
            ),
        )
        .values_list("pk", "group_count", "policy_count", "has_password_policy")
    )
    facts = {}
    for account_id, group_count, policy_count, has_password_policy in account_rows:
        row = per_account.get(account_id, {})
        affected = {r.key: row.get(r.key, 0) for r in user_checks}
        affected["password-policy"] = 0 if has_password_policy else 1
        facts[account_id] = AccountFacts(
            account_id=account_id,
            users=row.get("users", 0),
            mfa_users=row.get("mfa_users", 0),
            groups=group_count,
            customer_policies=policy_count,
            affected={r.key: affected[r.key] for r in RECOMMENDATIONS},
        )
    return facts


def account_facts(account: Account, *, now: datetime | None = None) -> AccountFacts:
    """One account's dashboard (``account`` reached through ``identity.selectors``): 2 queries."""
    facts = accounts_facts(Account.objects.filter(pk=account.pk), now=now)
    return facts.get(account.pk) or AccountFacts(account_id=account.pk, affected={})


def totals(facts: Iterable[AccountFacts]) -> dict[str, int]:
    """Per recommendation key, the sum over the accounts (the roll-up's last row)."""
    summed = dict.fromkeys(BY_KEY, 0)
    for one in facts:
        for key, count in (one.affected or {}).items():
            summed[key] += count
    return summed


def affected_users(account: Account, key: str, *, now: datetime | None = None) -> QuerySet[User]:
    """The IAM users of ``account`` that recommendation ``key`` concerns, by name, with what the
    list shows of each (``has_mfa``); ``KeyError`` for a key that lists no users."""
    recommendation = BY_KEY[key]
    if not recommendation.lists_users:
        raise KeyError(key)
    now = now or timezone.now()
    return (
        User.objects.filter(account=account)
        .filter(recommendation.affected(now, {"account": account}))
        .annotate(
            has_mfa=Exists(MFADevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .order_by(Lower("name"), "pk")
    )


def active_access_keys_of(users: Iterable[User]) -> dict[int, list[AccessKey]]:
    """The active access keys of a page of users, by user id, oldest first (one query)."""
    keys: dict[int, list[AccessKey]] = {}
    found = AccessKey.objects.filter(
        user__in=[user.pk for user in users], status=Status.ACTIVE
    ).order_by("user_id", "created", "pk")
    for key in found.only("user_id", "access_key_id", "created", "last_used_at", "status"):
        keys.setdefault(key.user_id, []).append(key)
    return keys
