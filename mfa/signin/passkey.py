"""Signing in with a passkey alone: no user name, no password (usernameless, WebAuthn's
discoverable credentials), beyond AWS, which keeps passkeys as a second factor only.

The passkey is both factors when its authenticator verified the person (a PIN or biometrics:
the UV flag): possession of the key and what unlocks it. So the sign-in completes as a password
+ MFA sign-in does (``accounts.flows.after_passkey``): the MFA record names the key, so
``aws:MultiFactorAuthPresent`` is true, and applications are told ``hwk``/``swk``, ``user`` and
``mfa`` (no ``pwd``).

Off by default: an account turns it on for its IAM users (``Account.passkey_signin``), an
organization for the people of its Identity Center directory (``SSOSettings.passkey_signin``).
Each sign-in page is a ``Door`` that says whom it may sign in; anybody else's key (or a key of a
person whose account or organization has not turned it on) is refused exactly as an unknown key
is, so the answer tells nobody who has a key, and the refusal is audited in that person's trail.

Who may come in through the console's door: an active IAM user of an account that turned it on,
who has console access (a console password: turning console access off closes this door too).
Root users keep the password and MFA. Checks, in order: the rate limits of the MFA step ("mfa_failed",
by address and by the key's owner), the challenge (this session's, once, within five minutes), the key,
the door, the user handle, the key's own throttle and clone flag, the signature, the counter,
then user verification.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.flows import SignInResult, after_passkey
from identity import audit, metrics, passwords, ratelimit
from identity.audit_events import Event
from identity.models import User
from mfa.webauthn import flows as webauthn


@dataclass(frozen=True)
class Door:
    """A sign-in page that takes passkeys: whom it may sign in and where its failures go."""

    accepts: Callable[[User], bool]
    params: dict = field(default_factory=dict)  # the events' requestParameters
    failure_event: Event = Event.CONSOLE_LOGIN
    # The trail that receives a refusal: the key owner's account's (when the key is known).
    failure_account: Callable[[User | None], str] = lambda user: user.account_id if user else ""


def console_accepts(user: User) -> bool:
    """The console's door: an active IAM user with console access, in an account that lets its
    IAM users sign in with a passkey. A password past the policy's HardExpiry shuts this door
    too: the administrator who must reset it meant the person not to sign in until then."""
    return (
        user.kind == User.Kind.IAM
        and user.is_active
        and user.account is not None
        and user.account.passkey_signin
        and user.has_console_password
        and not passwords.hard_expired(user)
    )


CONSOLE = Door(accepts=console_accepts, params={"loginTo": "iam"})


def _failed(request, door: Door, user: User | None, error_code: str) -> None:
    account_id = door.failure_account(user)
    # The key's owner is named only in their own account's trail: one relying party serves
    # every tenant, so a browser may offer another organization's passkey at this door.
    named = user is not None and user.account_id == account_id
    params = {**door.params, **({"userName": user.name} if named else {})}
    audit.record(
        door.failure_event,
        request=request,
        actor=None,
        account_id=account_id,
        request_parameters=params,
        response_elements={door.failure_event.event_name: "Failure"},
        additional_event_data={"MFAUsed": "Yes", "method": "passkey"},
        error_code=error_code,
        error_message="The passkey sign-in was refused.",
    )


# Refusals of an answer the key itself signed (with the owner's user handle): they count
# against the person's budget. Any other refusal can be made up by whoever knows the key's id.
SIGNED_BY_THE_KEY = frozenset({"UserNotVerified", "SignCountRegression"})


@metrics.counts_signin("passkey")
def signin_passkey(request, *, credential_json: str, door: Door = CONSOLE) -> SignInResult:
    """A sign-in with a passkey alone through ``door``. ``SignInResult.reason``: "malformed"
    (not an answer a browser gives), "not_verified" (the key did not verify the person),
    else a generic refusal."""
    answer = webauthn.read_passkey_answer(credential_json)
    user = answer.device.user if answer.device is not None else None
    user_key = f"user:{user.pk}" if user is not None else None  # the MFA step's key
    # A credential id is no secret: the person's own budget (shared with the MFA step) is only
    # read here, and charged once the answer proved the key's (the user handle and signature
    # matched); the address's is charged for every attempt.
    attempt = ratelimit.attempt("mfa_failed", request=request)
    if not attempt.allowed or (
        user_key is not None
        and ratelimit.exceeded("mfa_failed", request=request, user_key=user_key)
    ):
        if attempt.just_tripped:  # one event when the limit trips, not one per request
            _failed(request, door, user, "Throttled")
        return SignInResult(throttled=True)
    if answer.credential is None:
        _failed(request, door, None, "Malformed")
        return SignInResult(reason="malformed")
    if not webauthn.spend_signin_challenge(request, answer):
        _failed(request, door, user, "ChallengeMismatch")
        return SignInResult()
    if user is None:
        _failed(request, door, None, "UnknownCredential")
        return SignInResult()
    if not door.accepts(user):
        _failed(request, door, user, "PasskeySignInNotAllowed")
        return SignInResult()
    assertion = webauthn.authenticate_passkey(request, answer)
    if not assertion.ok:
        if assertion.reason == "SignCountRegression":
            webauthn.record_possible_clone(request, assertion)
        # The key's own back-off after failures (django-otp's throttling), not the rate limit.
        reason = "KeyThrottled" if assertion.reason == "Throttled" else assertion.reason
        if assertion.reason in SIGNED_BY_THE_KEY:
            ratelimit.attempt("mfa_failed", request=request, user_key=user_key)
        _failed(request, door, user, reason)
        return SignInResult(reason="not_verified" if assertion.reason == "UserNotVerified" else "")
    ratelimit.take_back("mfa_failed", request=request)
    return after_passkey(request, user, {**door.params, "userName": user.name}, assertion.device)
