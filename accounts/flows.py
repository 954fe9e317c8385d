"""Request-bound steps of signing in and out and changing a password.

Each flow checks, acts, audits and queues its side effects; views only parse
input and render what a flow returns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.db import transaction
from django.utils import timezone, translation

from identity import audit, authn_state, ratelimit
from identity.models import User
from identity.queue import enqueue_on_commit
from sso import sessions as role_sessions

from . import device_cookies, tasks
from .backends import find_account, find_iam_user, find_root_user, unique_or_none
from .mfa import enforcement, webauthn
from .mfa import services as mfa_services
from .mfa.models import MFADevice

PENDING_SIGNIN = "tobira_pending_signin"
PENDING_SIGNIN_TTL = 300  # seconds to finish the MFA step after the password step
RECOVERED = "tobira_recovered"  # signed in without the MFA device: a banner says what to do
ROOT_MFA_PROMPT = "tobira_root_mfa_prompt"  # an enforced root user must first see the MFA prompt


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None
    throttled: bool = False
    mfa_required: bool = False
    root_mfa_prompt: bool = False
    recovered: bool = False
    # Why the MFA step refused, where the page says more than "not valid": "malformed" (a
    # WebAuthn answer that is not one), "replayed" (the device's last used code, again).
    reason: str = ""


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
    # A browser that signed in as this user before has a lockout of its own (device cookies).
    device = device_cookies.trusted_key(request, candidate)

    attempt = ratelimit.attempt(
        "signin_failed", request=request, user_key=user_key, device_key=device
    )
    if device and attempt.allowed:  # all of the user's trusted browsers share one more budget
        attempt = ratelimit.attempt("signin_failed_trusted", request=request, user_key=user_key)
    if not attempt.allowed:
        if attempt.just_tripped:  # one event when a limit trips, not one per refused request
            _record_failure(request, account_id=account_id, throttled=True, params=params)
        return SignInResult(throttled=True)

    user = authenticate(request, password=data["password"], user=candidate)
    if user is None:
        _record_failure(request, account_id=account_id, throttled=False, params=params)
        return SignInResult()
    ratelimit.take_back("signin_failed", request=request, user_key=user_key, device_key=device)
    if device:
        ratelimit.take_back("signin_failed_trusted", request=request, user_key=user_key)

    has_mfa = getattr(user, "has_mfa", None)  # annotated by the look-up: no second query
    if has_mfa is None:
        has_mfa = MFADevice.objects.filter(user=user, confirmed=True).exists()
    if has_mfa:
        begin_mfa_step(request, user, params)
        return SignInResult(mfa_required=True)
    complete_signin(request, user, params)
    if user.is_root and enforcement.signin_prompt(request, user) is not None:
        # Signed in, but only the prompt and the MFA registration pages open until
        # the person registers a device or (during the grace period) asks to be reminded later.
        request.session[ROOT_MFA_PROMPT] = True
        return SignInResult(user=user, root_mfa_prompt=True)
    return SignInResult(user=user)


def begin_mfa_step(request, user: User, params: dict) -> None:
    """Password verified; the MFA step finishes signing in. The pending state lives in a
    fresh session, for a few minutes, and signs nobody in."""
    request.session.cycle_key()
    request.session[PENDING_SIGNIN] = {"user": user.pk, "at": int(time.time()), "params": params}


def complete_signin(
    request,
    user: User,
    params: dict,
    *,
    device: MFADevice | None = None,
    recovery: str = "",
    external_mfa: bool = False,
) -> None:
    """Sign ``user`` in: a fresh session, the MFA record, the audit event."""
    with transaction.atomic():
        ended = role_sessions.end_session(request)  # a console role of whoever was signed in
        if ended is not None:
            role_sessions.record_end(request, ended, "SignedIn")
        login(request, user)  # cycles the session key
        # Feeds aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge. login() keeps the data of
        # a session that was already this user's: an earlier MFA must not outlive this sign-in.
        request.session.pop(RECOVERED, None)
        authn_state.record_mfa(
            request,
            device_arn=device.arn
            if device is not None
            else (authn_state.EXTERNAL if external_mfa else None),
        )
        user.password_last_used = user.last_login = timezone.now()
        user.save(update_fields=["password_last_used", "last_login"])
        audit.record(
            event_name="ConsoleLogin",
            event_source=audit.SOURCE_SIGNIN,
            request=request,
            actor=user,
            request_parameters=params,
            response_elements={"ConsoleLogin": "Success"},
            additional_event_data={
                "MFAUsed": "Yes" if device is not None or external_mfa else "No",
                "PasswordResetRequired": user.password_reset_required,
                **({"Recovery": recovery} if recovery else {}),
                **({"trustedDevice": True} if device_cookies.trusted_key(request, user) else {}),
            },
        )
        device_cookies.remember(request, user)


def pending_signin_user(request) -> User | None:
    """The user who passed the password step in this session, while that is recent."""
    pending = request.session.get(PENDING_SIGNIN)
    if not pending or time.time() - pending["at"] > PENDING_SIGNIN_TTL:
        request.session.pop(PENDING_SIGNIN, None)
        return None
    return unique_or_none(
        User.objects.select_related("account").filter(pk=pending["user"], is_active=True)
    )


def _mfa_failed(
    request, user: User, params: dict, message: str, *, reason: str = ""
) -> SignInResult:
    audit.record(
        event_name="ConsoleLogin",
        event_source=audit.SOURCE_SIGNIN,
        request=request,
        actor=None,
        account_id=user.account_id,
        request_parameters=params,
        response_elements={"ConsoleLogin": "Failure"},
        additional_event_data={"MFAUsed": "Yes"},
        error_code="Failed authentication",
        error_message=message,
    )
    return SignInResult(reason=reason)


def _mfa_attempt(request, user: User) -> tuple[str, bool]:
    """Count an MFA attempt of ``user``; the rate-limit key and whether it may go on."""
    user_key = f"user:{user.pk}"
    return user_key, ratelimit.attempt("mfa_failed", request=request, user_key=user_key).allowed


def _mfa_succeeded(request, user: User, user_key: str, device: MFADevice) -> SignInResult:
    params = request.session[PENDING_SIGNIN]["params"]
    ratelimit.take_back("mfa_failed", request=request, user_key=user_key)
    request.session.pop(PENDING_SIGNIN, None)
    complete_signin(request, user, params, device=device)
    return SignInResult(user=user)


def signin_mfa(request, *, user: User, device: MFADevice | None, code: str) -> SignInResult:
    """The MFA step with a code: one code from one of the user's devices. Generic failure, throttled."""
    user_key, allowed = _mfa_attempt(request, user)
    if not allowed:
        return SignInResult(throttled=True)
    # ``device`` is one of ``user``'s enabled devices (the form offered only those) or None.
    outcome = mfa_services.CodeOutcome.REFUSED
    if device is not None and device.user_id == user.pk:
        outcome = mfa_services.mfa_device_check(device=device, code=code)
    if outcome is not mfa_services.CodeOutcome.ACCEPTED:
        params = request.session[PENDING_SIGNIN]["params"]
        if outcome is mfa_services.CodeOutcome.REPLAYED:
            return _mfa_failed(
                request, user, params, "The MFA code was already used.", reason="replayed"
            )
        return _mfa_failed(request, user, params, "The MFA code was not valid.")
    return _mfa_succeeded(request, user, user_key, device)


def signin_webauthn(request, *, user: User, credential_json: str) -> SignInResult:
    """The MFA step with a passkey or security key: an assertion from one of the user's keys."""
    user_key, allowed = _mfa_attempt(request, user)
    if not allowed:
        return SignInResult(throttled=True)
    assertion = webauthn.authenticate(request, user=user, credential_json=credential_json)
    if not assertion.ok:
        if assertion.reason == "SignCountRegression":
            webauthn.record_possible_clone(request, assertion)
        params = request.session[PENDING_SIGNIN]["params"]
        return _mfa_failed(
            request,
            user,
            params,
            f"The WebAuthn assertion was refused: {assertion.reason}.",
            reason="malformed" if assertion.reason == "Malformed" else "",
        )
    return _mfa_succeeded(request, user, user_key, assertion.device)


def signin_recovery_code(request, *, user: User, code: str) -> SignInResult:
    """The MFA step with a recovery code: signed in without MFA present, told what to do next."""
    from recovery import codes

    user_key, allowed = _mfa_attempt(request, user)
    if not allowed:
        return SignInResult(throttled=True)
    params = request.session[PENDING_SIGNIN]["params"]
    if user.is_sso:  # the organization's MFA settings allow no recovery codes
        return _mfa_failed(request, user, params, "Recovery codes are not available to SSO users.")
    if not codes.spend(user=user, code=code):
        return _mfa_failed(request, user, params, "The recovery code was not valid.")
    ratelimit.take_back("mfa_failed", request=request, user_key=user_key)
    request.session.pop(PENDING_SIGNIN, None)
    complete_signin(request, user, params, recovery="RecoveryCode")
    request.session[RECOVERED] = "recovery_code"
    return SignInResult(user=user, recovered=True)


def signout(request) -> None:
    user = request.user
    ended = role_sessions.end_session(request)
    if ended is not None:
        role_sessions.record_end(request, ended, "SignedOut")
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
