"""The one authentication backend: console passwords, root or IAM user.

Every failure costs one password hash, whatever its cause (unknown account,
unknown user, no console password, wrong password), so that neither the
answer nor its timing tells an attacker which it was.
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.hashers import make_password

from identity.models import Account, User


def find_account(identifier: str) -> Account | None:
    """An account by its 12-digit id or its alias; None when there is none."""
    identifier = (identifier or "").strip().lower()
    if not identifier or len(identifier) > 63:
        return None
    lookup = (
        {"pk": identifier}
        if identifier.isdigit() and len(identifier) == 12
        else {"alias": identifier}
    )
    return Account.objects.filter(**lookup).first()


def find_root_user(email: str) -> User | None:
    email = (email or "").strip()
    if not email or len(email) > 254:
        return None
    return (
        User.objects.select_related("account")
        .filter(kind=User.Kind.ROOT, account__root_email__iexact=email)
        .first()
    )


def find_iam_user(account: Account | None, user_name: str) -> User | None:
    user_name = (user_name or "").strip()
    if account is None or not user_name or len(user_name) > 64:
        return None
    return (
        User.objects.select_related("account")
        .filter(kind=User.Kind.IAM, account=account, name__iexact=user_name)
        .first()
    )


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
        return (
            User.objects.select_related("account__organization")
            .filter(pk=user_id, is_active=True)
            .first()
        )
