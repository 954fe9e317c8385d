"""Request-bound steps of signing in and out and changing a password.

Each flow checks, acts, audits and queues its side effects; views only parse
input and render what a flow returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import SESSION_KEY, authenticate, login, logout, update_session_auth_hash
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from identity import (
    audit,
    authn_state,
    browser_sessions,
    metrics,
    passwords,
    ratelimit,
    rows,
    tasks,
)
from identity.audit_events import Event
from identity.models import User
from identity.queue import enqueue_on_commit

from . import device_cookies, signals, stages
from .backends import find_account, find_iam_user, find_root_user


@dataclass(frozen=True)
class SignInResult:
    user: User | None = None  # signed in (perhaps held at a stage: ``stage``)
    throttled: bool = False
    stage: stages.Stage | None = None  # the stage to go to next, if any
    recovered: bool = False
    # Why the MFA step refused, where the page says more than "not valid": "malformed" (a
    # WebAuthn answer that is not one), "replayed" (the device's last used code, again).
    reason: str = ""


HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"  # CloudTrail's word for what was typed but matched nobody


@dataclass(frozen=True)
class PasswordCheck:
    user: User | None = None  # the password was right
    throttled: bool = False  # refused before the password was looked at
    just_tripped: bool = False  # this attempt tripped the limit: one event says so


@metrics.counts_signin("password")
def check_password(
    request, *, candidate: User | None, password: str, user_key: str
) -> PasswordCheck:
    """The password step's checks, the same for the console and the access portal.

    Every attempt is counted before the password is looked at (per user, per address), and a
    browser that signed in as this user before has a lockout of its own (device cookies) and
    shares one more budget with the user's other trusted browsers. Then exactly one argon2id
    verify, whatever ``candidate`` is (None included). A success gives its attempts back.
    """
    device = device_cookies.trusted_key(request, candidate)
    attempt = ratelimit.attempt(
        "signin_failed", request=request, user_key=user_key, device_key=device
    )
    if device and attempt.allowed:
        attempt = ratelimit.attempt("signin_failed_trusted", request=request, user_key=user_key)
    if not attempt.allowed:
        return PasswordCheck(throttled=True, just_tripped=attempt.just_tripped)
    user = authenticate(request, password=password, user=candidate)
    if user is None:
        return PasswordCheck()
    ratelimit.take_back("signin_failed", request=request, user_key=user_key, device_key=device)
    if device:
        ratelimit.take_back("signin_failed_trusted", request=request, user_key=user_key)
    return PasswordCheck(user=user)


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
    check = check_password(
        request,
        candidate=candidate,
        password=data["password"],
        user_key=form.rate_limit_key(account_id or None),
    )
    if check.user is None:
        # One event when a limit trips, not one per refused request.
        if not check.throttled or check.just_tripped:
            audit.record(
                Event.CONSOLE_LOGIN,
                request=request,
                actor=None,  # anonymous, whatever session the browser carries
                account_id=account_id,  # empty when no account matched: no tenant's trail gets it
                request_parameters=params,
                response_elements={"ConsoleLogin": "Failure"},
                error_code="Throttled" if check.throttled else "Failed authentication",
            )
        return SignInResult(throttled=check.throttled)
    if passwords.hard_expired(check.user):
        # HardExpiry: the person may not sign in, nor change the password; an administrator must.
        audit.record(
            Event.CONSOLE_LOGIN,
            request=request,
            actor=None,
            account_id=account_id,
            request_parameters=params,
            response_elements={"ConsoleLogin": "Failure"},
            error_code="PasswordExpired",
        )
        return SignInResult(reason="password_expired")
    return after_password(request, check.user, params)


def after_password(request, user: User, params: dict) -> SignInResult:
    """The password step passed: the first stage before the session that this person needs holds
    the sign-in pending; otherwise they are signed in, perhaps held at a signed-in stage."""
    for stage in stages.before_login():
        if stage.needed(request, user):
            authn_state.begin_pending_signin(request, user_id=user.pk, params=params)
            return SignInResult(stage=stage)
    complete_signin(request, user, params)
    return SignInResult(user=user, stage=start_stages(request, user))


def after_passkey(request, user: User, params: dict, device) -> SignInResult:
    """Signed in with a passkey alone (``mfa.signin.passkey``): the key, verified with a PIN or
    biometrics, is both factors, so no stage before the session (MFA) is asked; of the stages
    after it, those about the password (its expiry) are not, since no password was used. An
    administrator's "must change password" still holds (the user row says it, for every
    session)."""
    complete_signin(request, user, params, device=device, passkey=True)
    return SignInResult(user=user, stage=start_stages(request, user, password_used=False))


def finish_pending_signin(request, user: User, params: dict, **signin) -> SignInResult:
    """A stage before the session (the MFA step) passed: sign ``user`` in (``complete_signin``'s
    keywords: the device, the recovery) and start each stage after the session they need, as
    ``after_password`` does for a sign-in that needed no stage before it."""
    complete_signin(request, user, params, **signin)
    if params.get("stepUp"):  # a fresh MFA step inside a session: its stages were started once
        return SignInResult(user=user)
    return SignInResult(user=user, stage=start_stages(request, user))


def start_stages(request, user: User, *, password_used: bool = True) -> stages.Stage | None:
    """Signed in: start each stage this person needs; the first one is where they go next."""
    first = None
    for stage in stages.after_login():
        if stage.about_password and not password_used:
            continue
        if stage.needed(request, user):
            stage.start(request, user)
            first = first or stage
    return first


def complete_signin(
    request,
    user: User,
    params: dict,
    *,
    device=None,  # the MFA device used, if any
    recovery: str = "",
    external_mfa: bool = False,
    external_amr: list[str] | None = None,  # what a federated identity provider asserted
    passkey: bool = False,  # ``device`` alone, with user verification: no password was used
) -> None:
    """Sign ``user`` in: a fresh session, the MFA record, the audit event.

    ``params["stepUp"]``: a fresh MFA step of the person already signed in (an application's
    rule): the first factor of the session's sign-in is kept, not claimed again."""
    previous = authn_state.signin_record(request) if params.get("stepUp") else None
    amr = methods_used(device, recovery, external_mfa, external_amr, passkey=passkey)
    if previous is not None:
        amr = list(dict.fromkeys([*previous["amr"], *amr[1:]]))  # not "pwd" again
    previous_key = request.session.session_key  # its row, if any, is replaced by this sign-in's
    with transaction.atomic():
        signals.signing_in.send(sender=User, request=request, user=user)
        login(request, user)  # cycles the session key
        # Feeds aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge. login() keeps the data of
        # a session that was already this user's: an earlier MFA must not outlive this sign-in.
        authn_state.signed_in(
            request,
            device_arn=device.arn
            if device is not None
            else (authn_state.EXTERNAL if external_mfa else None),
            amr=amr,
            previous=previous,
        )
        browser_sessions.browser_session_signed_in(
            request, user=user, replaces=previous_key, recovery=recovery
        )
        user.last_login = timezone.now()
        if not passkey:  # the credential report's "password last used"
            user.password_last_used = user.last_login
        user.save(update_fields=["last_login"] if passkey else ["password_last_used", "last_login"])
        audit.record(
            Event.CONSOLE_LOGIN,
            request=request,
            actor=user,
            request_parameters=params,
            response_elements={"ConsoleLogin": "Success"},
            additional_event_data={
                "MFAUsed": "Yes" if device is not None or external_mfa else "No",
                "PasswordResetRequired": user.password_reset_required,
                **({"Recovery": recovery} if recovery else {}),
                **({"method": "passkey"} if passkey else {}),
                **({"trustedDevice": True} if device_cookies.trusted_key(request, user) else {}),
            },
        )
        device_cookies.remember(request, user)


# RFC 8176 values an upstream identity provider may assert that Tobira passes on.
_KNOWN_AMR = frozenset(
    {"pwd", "mfa", "otp", "hwk", "swk", "sms", "tel", "fpt", "face", "iris", "sc", "pin", "user"}
)


def methods_used(
    device, recovery: str, external_mfa: bool, external_amr, *, passkey: bool = False
) -> list[str]:
    """The ``amr`` of a sign-in (RFC 8176): ``pwd`` for the password, the device's own values
    (``otp``; ``hwk`` or ``swk`` for a security key or passkey) and ``mfa`` for an MFA device; for
    a federated sign-in ``fed`` and what the identity provider asserted.

    A passkey alone: no ``pwd``; the key's ``hwk`` or ``swk`` (possession), ``user`` (the
    authenticator verified the person: a PIN or biometrics, it does not say which) and ``mfa``."""
    if passkey:
        return [*device.amr, "user", "mfa"]
    if external_amr is not None or external_mfa:
        asserted = [v for v in external_amr or () if isinstance(v, str) and v in _KNOWN_AMR]
        methods = ["fed", *dict.fromkeys(asserted)]
        if external_mfa and "mfa" not in methods:
            methods.append("mfa")
        return methods
    methods = ["pwd"]
    if device is not None:
        methods += [*device.amr, "mfa"]
    elif recovery == "RecoveryCode":
        methods.append("otp")
    elif recovery == "AlternativeFactors":
        methods.append("tel")
    return methods


def pending_signin_user(request) -> User | None:
    """The user who passed the password step in this session, while that is recent."""
    pending = authn_state.pending_signin(request)
    if pending is None:
        return None
    found = rows.select_related(
        User,
        ("account", "account__password_policy"),  # the password's expiry: no query either
        '"identity_user"."id" = %s AND "identity_user"."is_active"',
        [int(pending["user"])],
        limit=1,
    )
    return found[0] if found else None


def signout(request) -> None:
    user = request.user
    signals.signing_out.send(sender=User, request=request)
    if user.is_authenticated:
        audit.record(
            Event.CONSOLE_SIGN_OUT,
            request=request,
            actor=user,
        )
    browser_sessions.browser_session_signed_out(request)
    logout(request)


def password_change_attempt(request) -> bool:
    """Count a change-password attempt; False when the user has made too many."""
    attempt = ratelimit.attempt("change_password", request=request, user_key=request.user.arn)
    if attempt.just_tripped:
        audit.record(
            Event.CHANGE_PASSWORD,
            request=request,
            error_code="Throttled",
            error_message="Too many attempts with a wrong current password.",
        )
    return attempt.allowed


def password_change_wrong_old(request) -> None:
    audit.record(
        Event.CHANGE_PASSWORD,
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
    passwords.set_password(user, new_password)
    user.password_reset_required = False
    user.save(update_fields=["password", "password_reset_required", "password_changed"])
    if SESSION_KEY in request.session:  # a console session stays; the API has none
        update_session_auth_hash(request, user)  # this session stays; the others are signed out
        browser_sessions.browser_sessions_end_others(
            actor=user, user=user, request=request, reason=browser_sessions.REASON_PASSWORD_CHANGED
        )
    else:
        browser_sessions.browser_sessions_end_all(
            actor=user, user=user, request=request, reason=browser_sessions.REASON_PASSWORD_CHANGED
        )
    audit.record(
        Event.CHANGE_PASSWORD,
        request=request,
        actor=user,
        additional_event_data={"passwordResetRequired": was_required},
    )
    language = translation.get_language() or "en"
    changed_at = timezone.now().isoformat()
    enqueue_on_commit(tasks.send_password_changed_notification, user.pk, changed_at, language)


def password_confirmed(request, form) -> tuple[bool, int]:
    """Whether the signed-in user re-entered their password right in ``form``, and the status.

    Wrong passwords count against the same limit as on the change-password page;
    the error goes on the form.
    """
    if not password_change_attempt(request):
        form.add_error(None, _("Too many attempts. Wait a few minutes, then try again."))
        return False, 429
    if not request.user.check_password(form.cleaned_data["password"]):
        form.add_error("password", _("The password is incorrect."))
        return False, 200
    return True, 200
