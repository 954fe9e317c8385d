"""The sign-in's MFA step: one code from a TOTP device, an assertion from a passkey or security
key, or a recovery code. Generic failures, rate-limited per user; success completes the sign-in
that the password step left pending (``identity.authn_state``)."""

from __future__ import annotations

from dataclasses import replace

from accounts.flows import SignInResult, finish_pending_signin
from identity import audit, authn_state, metrics, ratelimit
from identity.audit_events import Event
from identity.models import User
from mfa.models import MFADevice
from mfa.recovery_codes import flows as codes
from mfa.totp import services as totp_services
from mfa.webauthn import flows as webauthn


def _mfa_failed(
    request, user: User, params: dict, message: str, *, reason: str = ""
) -> SignInResult:
    audit.record(
        Event.CONSOLE_LOGIN,
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
    params = authn_state.pending_signin_params(request)
    ratelimit.take_back("mfa_failed", request=request, user_key=user_key)
    authn_state.end_pending_signin(request)
    return finish_pending_signin(request, user, params, device=device)


@metrics.counts_signin("mfa", mfa_kind="totp")
def signin_mfa(request, *, user: User, device: MFADevice | None, code: str) -> SignInResult:
    """The MFA step with a code: one code from one of the user's devices. Generic failure, throttled."""
    user_key, allowed = _mfa_attempt(request, user)
    if not allowed:
        return SignInResult(throttled=True)
    # ``device`` is one of ``user``'s enabled devices (the form offered only those) or None.
    outcome = totp_services.CodeOutcome.REFUSED
    if device is not None and device.user_id == user.pk:
        outcome = totp_services.mfa_device_check(device=device, code=code)
    if outcome is not totp_services.CodeOutcome.ACCEPTED:
        params = authn_state.pending_signin_params(request)
        if outcome is totp_services.CodeOutcome.REPLAYED:
            return _mfa_failed(
                request, user, params, "The MFA code was already used.", reason="replayed"
            )
        return _mfa_failed(request, user, params, "The MFA code was not valid.")
    return _mfa_succeeded(request, user, user_key, device)


@metrics.counts_signin("mfa", mfa_kind="webauthn")
def signin_webauthn(request, *, user: User, credential_json: str) -> SignInResult:
    """The MFA step with a passkey or security key: an assertion from one of the user's keys."""
    user_key, allowed = _mfa_attempt(request, user)
    if not allowed:
        return SignInResult(throttled=True)
    assertion = webauthn.authenticate(request, user=user, credential_json=credential_json)
    if not assertion.ok:
        if assertion.reason == "SignCountRegression":
            webauthn.record_possible_clone(request, assertion)
        params = authn_state.pending_signin_params(request)
        return _mfa_failed(
            request,
            user,
            params,
            f"The WebAuthn assertion was refused: {assertion.reason}.",
            reason="malformed" if assertion.reason == "Malformed" else "",
        )
    return _mfa_succeeded(request, user, user_key, assertion.device)


@metrics.counts_signin("mfa", mfa_kind="recovery_code")
def signin_recovery_code(request, *, user: User, code: str) -> SignInResult:
    """The MFA step with a recovery code: signed in without MFA present, told what to do next."""
    user_key, allowed = _mfa_attempt(request, user)
    if not allowed:
        return SignInResult(throttled=True)
    params = authn_state.pending_signin_params(request)
    if user.is_sso:  # the organization's MFA settings allow no recovery codes
        return _mfa_failed(request, user, params, "Recovery codes are not available to SSO users.")
    if not codes.spend(user=user, code=code):
        return _mfa_failed(request, user, params, "The recovery code was not valid.")
    ratelimit.take_back("mfa_failed", request=request, user_key=user_key)
    authn_state.end_pending_signin(request)
    result = finish_pending_signin(request, user, params, recovery="RecoveryCode")
    authn_state.mark_recovered(request, "recovery_code")
    return replace(result, recovered=True)
