"""The one authentication backend: console passwords, root or IAM user.

Every failure costs one password hash, whatever its cause (unknown account,
unknown user, no console password, wrong password), so that neither the
answer nor its timing tells an attacker which it was.
"""

from __future__ import annotations

import re

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.hashers import make_password
from django.db.models.expressions import RawSQL

from identity import rows
from identity.models import Account, User

from . import stages


def unique_or_none(queryset):
    """The one row of a lookup by a unique key, or None.

    Unlike ``.first()`` it adds no ``ORDER BY pk``: there is at most one row to
    order, and compiling the ordering is a good part of the query's CPU time on
    the hot path (the session's user is loaded on every signed-in request).
    """
    return next(iter(queryset[:1]), None)


def canonical(identifier: str) -> str:
    """How a typed identifier is compared and rate-limited: trimmed, lower-cased."""
    return (identifier or "").strip().lower()


# The database compares case-insensitively with UPPER(), which folds some
# non-ASCII letters onto ASCII ones (UPPER('ı') = 'I'). Every lookup below is
# confirmed in Python against the same canonical form the rate limits use, so
# a look-alike spelling can neither sign in nor draw on a fresh rate-limit bucket.


def find_account(identifier: str) -> Account | None:
    """An account by its 12-digit id or its alias; None when there is none."""
    identifier = canonical(identifier)
    if not identifier or len(identifier) > 63 or not identifier.isascii():
        return None
    # Hand-written (identity.rows): asked by every sign-in page and every password step.
    by_id = re.fullmatch(r"[0-9]{12}", identifier) is not None
    found = rows.select(
        Account,
        '"identity_account"."id" = %s' if by_id else '"identity_account"."alias" = %s',
        [identifier],
        limit=1,
    )
    return found[0] if found else None


def candidates():
    """Users with their account, its password policy (expiry) and what the sign-in stages ask of
    them (whether they have an MFA device): the password step's one query."""
    columns = stages.candidate_columns()
    return User.objects.select_related("account__password_policy").annotate(
        # The stages' own literal SQL, no value in it (LiteralString).
        **{name: RawSQL(sql, ()) for name, sql in columns.items()}  # noqa: S611
    )


def find_root_user(email: str) -> User | None:
    email = canonical(email)
    if not email or len(email) > 254:
        return None
    user = (
        candidates()
        .filter(kind=User.Kind.ROOT, account__root_email__iexact=email)
        .order_by("pk")
        .first()
    )
    return user if user is not None and canonical(user.account.root_email) == email else None


def find_iam_user(account: Account | None, user_name: str) -> User | None:
    user_name = canonical(user_name)
    if account is None or not user_name or len(user_name) > 64 or not user_name.isascii():
        return None
    # Unique: user_name_ci_unique_per_account, whose index (account, LOWER(name)) for IAM users
    # this uses; both sides are ASCII. Hand-written (identity.rows): candidates() as one query.
    found = rows.select_related(
        User,
        ("account", "account__password_policy"),
        '"identity_user"."account_id" = %s AND "identity_user"."kind" = %s'
        ' AND LOWER("identity_user"."name") = %s',
        [account.pk, User.Kind.IAM.value, user_name],
        annotate=stages.candidate_columns(),
        limit=1,
    )
    user = found[0] if found else None
    return user if user is not None and canonical(user.name) == user_name else None


class ConsoleSignInBackend(BaseBackend):
    def authenticate(self, request, *, password=None, user=None, **kwargs):
        """``user`` is the candidate found by the sign-in flow (or None when there is none)."""
        if password is None:
            return None
        if user is None or not user.is_active or not user.has_usable_password():
            make_password(password)  # the same cost as checking a real hash
            return None
        if user.check_password(password):
            return user
        return None

    def get_user(self, user_id):
        """The session's user, with their account and organization, on every signed-in request:
        one hand-written query (identity.rows)."""
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        found = rows.select_related(
            User,
            ("account", "account__organization"),
            '"identity_user"."id" = %s AND "identity_user"."is_active"',
            [user_id],
            limit=1,
        )
        return found[0] if found else None
