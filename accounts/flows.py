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


HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"  # CloudTrail's word for what was typed but matched nobody


def _record_failure(request, *, account_id: str, throttled: bool, params: dict) -> None:
    audit.record(
        event_name="ConsoleLogin",
        event_source=audit.SOURCE_SIGNIN,
        request=request,
        actor=None,  # anonymous, whatever session the browser carries
        account_id=account_id,  # empty when no account matched: no tenant's trail gets it
        request_parameters=params,
        response_elements={"ConsoleLogin": "Failure"},
        error_code="Throttled" if throttled else "Failed authentication",
    )


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
        # A user name that matched nobody may be a password typed in the wrong box.
        params = {"loginTo": "iam", "userName": candidate.name if candidate else HIDDEN}
    account_id = account.id if account else ""
    user_key = form.rate_limit_key(account_id or None)

    attempt = ratelimit.attempt("signin_failed", request=request, user_key=user_key)
    if not attempt.allowed:
        if attempt.just_tripped:  # one event when a limit trips, not one per refused request
            _record_failure(request, account_id=account_id, throttled=True, params=params)
        return SignInResult(throttled=True)

    user = authenticate(request, password=data["password"], user=candidate)
    if user is None:
        _record_failure(request, account_id=account_id, throttled=False, params=params)
        return SignInResult()
    ratelimit.take_back("signin_failed", request=request, user_key=user_key)

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


def password_change_attempt(request) -> bool:
    """Count a change-password attempt; False when the user has made too many."""
    attempt = ratelimit.attempt("change_password", request=request, user_key=request.user.arn)
    if attempt.just_tripped:
        audit.record(
            event_name="ChangePassword",
            event_source=audit.SOURCE_IAM,
            request=request,
            error_code="Throttled",
            error_message="Too many attempts with a wrong current password.",
        )
    return attempt.allowed


def password_change_wrong_old(request) -> None:
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
    ratelimit.take_back("change_password", request=request, user_key=user.arn)
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
