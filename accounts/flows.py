"""Request-bound steps of signing in and out and changing a password.

Each flow checks, acts, audits and queues its side effects; views only parse
input and render what a flow returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.db import transaction
from django.utils import timezone, translation

from identity import audit, ratelimit
from identity.models import User
from identity.queue import enqueue_on_commit

from . import tasks
from .backends import find_account, find_iam_user, find_root_user


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    throttled: bool = False


def _failed(request, *, account_id: str, throttled: bool, params: dict) -> SignInResult:
    audit.record(
        event_name="ConsoleLogin",
        event_source=audit.SOURCE_SIGNIN,
        request=request,
        actor=None,
        account_id=account_id,
        request_parameters=params,
        response_elements={"ConsoleLogin": "Failure"},
        error_code="Throttled" if throttled else "Failed authentication",
    )
    return SignInResult(throttled=throttled)


def signin(request, form) -> SignInResult:
    """Password step of signing in. The same outcome for every kind of failure."""
    data = form.cleaned_data
    if form.mode == "root":
        candidate = find_root_user(data["email"])
        account = candidate.account if candidate else None
        params = {"loginTo": "root"}
    else:
        account = find_account(data["account"])
        candidate = find_iam_user(account, data["user_name"])
        params = {"loginTo": "iam", "userName": data["user_name"][:64]}
    account_id = account.id if account else ""
    user_key = form.rate_limit_key(account_id or None)

    if ratelimit.is_limited("signin_failed", request=request, user_key=user_key):
        return _failed(request, account_id=account_id, throttled=True, params=params)

    user = authenticate(request, password=data["password"], user=candidate)
    if user is None:
        ratelimit.hit("signin_failed", request=request, user_key=user_key)
        return _failed(request, account_id=account_id, throttled=False, params=params)

    with transaction.atomic():
        login(request, user)  # cycles the session key
        user.password_last_used = timezone.now()
        user.save(update_fields=["password_last_used", "last_login"])
        audit.record(
            event_name="ConsoleLogin",
            event_source=audit.SOURCE_SIGNIN,
            request=request,
            actor=user,
            request_parameters=params,
            response_elements={"ConsoleLogin": "Success"},
            additional_event_data={
                "MFAUsed": "No",
                "PasswordResetRequired": user.password_reset_required,
            },
        )
    return SignInResult(user=user)


def signout(request) -> None:
    user = request.user
    if user.is_authenticated:
        audit.record(
            event_name="ConsoleSignOut",
            event_source=audit.SOURCE_SIGNIN,
            request=request,
            actor=user,
        )
    logout(request)


def password_change_check_throttle(request) -> bool:
    return ratelimit.is_limited("change_password", request=request, user_key=request.user.arn)


def password_change_wrong_old(request) -> None:
    ratelimit.hit("change_password", request=request, user_key=request.user.arn)
    audit.record(
        event_name="ChangePassword",
        event_source=audit.SOURCE_IAM,
        request=request,
        error_code="InvalidCurrentPassword",
        error_message="The current password was wrong.",
    )


@transaction.atomic
def password_change(request, *, new_password: str) -> None:
    """Set a new password for the signed-in user; other sessions of the user end."""
    user = request.user
    was_required = user.password_reset_required
    user.set_password(new_password)
    user.password_reset_required = False
    user.save(update_fields=["password", "password_reset_required"])
    update_session_auth_hash(request, user)  # this session stays; the others are signed out
    audit.record(
        event_name="ChangePassword",
        event_source=audit.SOURCE_IAM,
        request=request,
        actor=user,
        additional_event_data={"passwordResetRequired": was_required},
    )
    language = translation.get_language() or "en"
    changed_at = timezone.now().isoformat()
    enqueue_on_commit(tasks.send_password_changed_notification, user.pk, changed_at, language)
