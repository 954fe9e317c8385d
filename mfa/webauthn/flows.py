"""Passkeys and security keys: registering one and signing in with one, on top of the ceremony
(``mfa.webauthn.auth``): the device rows, the eight-device limit, the audit and the owner's mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    parse_authentication_credential_json,
    parse_registration_credential_json,
)

from identity import audit
from identity.audit_events import Event
from identity.models import User
from mfa.base import services
from mfa.models import MFADevice, WebAuthnCredential, WebAuthnUserHandle

from .auth import (
    ALGORITHMS,
    MALFORMED,
    CeremonyError,
    Purpose,
    assertion_structure,
    authenticator_name,
    client_challenge,
    discoverable,
    log_refusal,
    parse,
    registration_structure,
    sha256,
    spend_challenge,
    suggested_name,
    user_credentials,
)

logger = logging.getLogger(__name__)


def register(request, *, user: User, credential_json: str, name: str = "") -> WebAuthnCredential:
    """Verify a registration response and enable the new passkey or security key."""
    credential = parse(credential_json, parse_registration_credential_json, registration_structure)
    challenge = client_challenge(bytes(credential.response.client_data_json))
    if challenge is None or not spend_challenge(request, user, Purpose.REGISTER, challenge):
        _registration_refused(request, user, "ChallengeMismatch")
        raise CeremonyError(
            _("This registration has expired or was already used. Start again."), code="challenge"
        )
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=settings.WEBAUTHN_ORIGINS,
            supported_pub_key_algs=ALGORITHMS,
        )
    except MALFORMED as error:  # InvalidRegistrationResponse, or what its parsers let escape
        log_refusal(error, "WebAuthn registration refused: %s: %s", type(error).__name__, error)
        _registration_refused(request, user, "InvalidRegistrationResponse")
        raise CeremonyError(
            _("The passkey or security key could not be verified. Try again."), code="invalid"
        ) from None
    id_hash = sha256(verified.credential_id)
    if WebAuthnCredential.objects.filter(credential_id_hash=id_hash).exists():
        raise CeremonyError(
            _("This passkey or security key is already registered."), code="duplicate"
        )
    synced = verified.credential_device_type == "multi_device"
    with transaction.atomic():
        name = name or suggested_name(user, aaguid=verified.aaguid, synced=synced)
        services.check_room_and_name(user, name)
        device = WebAuthnCredential(
            user=user,
            account_id=user.account_id,
            name=name,
            kind=MFADevice.Kind.WEBAUTHN,
            confirmed=True,
            enabled_at=timezone.now(),
            credential_id=verified.credential_id,
            credential_id_hash=id_hash,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
            aaguid=verified.aaguid,
            attestation_format=str(
                verified.fmt.value if hasattr(verified.fmt, "value") else verified.fmt
            ),
            transports=[
                str(getattr(t, "value", t)) for t in (credential.response.transports or [])
            ],
            backup_eligible=synced,
            backup_state=verified.credential_backed_up,
            user_verified=verified.user_verified,
            discoverable=discoverable(credential_json),
        )
        services.save_new(device, exclude=("credential_id", "public_key"))
        audit.record(
            Event.ENABLE_MFA_DEVICE,
            actor=user,
            account_id=user.account_id,
            request=request,
            request_parameters={"userName": user.name, "serialNumber": device.arn},
            additional_event_data={
                "authenticator": authenticator_name(verified.aaguid) or "unknown",
                "aaguid": verified.aaguid,
                "synced": synced,
            },
        )
        services.notify_owner(device, added=True)
    return device


@dataclass(frozen=True)
class Assertion:
    device: WebAuthnCredential | None
    reason: str = ""  # why it failed: for the audit trail, never for the person

    @property
    def ok(self) -> bool:
        return self.device is not None and not self.reason


def authenticate(request, *, user: User, credential_json: str) -> Assertion:
    """Check an assertion from one of ``user``'s keys; spend the challenge; update the counter."""
    try:
        credential = parse(
            credential_json, parse_authentication_credential_json, assertion_structure
        )
    except CeremonyError:
        return Assertion(None, "Malformed")
    challenge = client_challenge(bytes(credential.response.client_data_json))
    if challenge is None or not spend_challenge(request, user, Purpose.AUTHENTICATE, challenge):
        return Assertion(None, "ChallengeMismatch")
    with transaction.atomic():
        device = (
            user_credentials(user)
            .select_for_update()
            .filter(credential_id_hash=sha256(bytes(credential.raw_id)))
            .first()
        )
        if device is None:
            return Assertion(None, "UnknownCredential")  # another user's key, or a removed one
        verified, refused = _signed(device, credential, challenge, "assertion")
        if refused is not None:
            return refused
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save(
            update_fields=[
                "sign_count",
                "backup_state",
                "throttling_failure_timestamp",
                "throttling_failure_count",
                "last_used_at",
            ]
        )
    return Assertion(device)


# --- A sign-in with a passkey alone ----------------------------------------------------


@dataclass(frozen=True)
class PasskeyAnswer:
    """A browser's answer to a passkey sign-in, parsed, with the key it names (if any)."""

    credential: object | None  # py_webauthn's AuthenticationCredential; None: malformed
    device: WebAuthnCredential | None  # the registered key the answer names; None: unknown


def read_passkey_answer(credential_json: str) -> PasskeyAnswer:
    """Parse the answer and find the key by its credential id (one query, nothing spent): the
    caller counts the attempt against the key's owner before anything else is done."""
    try:
        credential = parse(
            credential_json, parse_authentication_credential_json, assertion_structure
        )
    except CeremonyError:
        return PasskeyAnswer(None, None)
    device = (
        WebAuthnCredential.objects.select_related("user__account")
        .filter(confirmed=True, credential_id_hash=sha256(bytes(credential.raw_id)))
        .first()
    )
    return PasskeyAnswer(credential, device)


def spend_signin_challenge(request, answer: PasskeyAnswer) -> bool:
    """Spend the challenge the answer signed: once, by this session, before it expires."""
    challenge = client_challenge(bytes(answer.credential.response.client_data_json))
    return challenge is not None and spend_challenge(request, None, Purpose.SIGNIN, challenge)


def authenticate_passkey(request, answer: PasskeyAnswer) -> Assertion:
    """Check a sign-in assertion (its challenge already spent) from ``answer.device``: the user
    handle names the key's owner, the signature, the counter (the clone check of the MFA step),
    then user verification: without it the key is refused as the only factor
    ("UserNotVerified", said to the person only once the key's signature was good)."""
    credential = answer.credential
    challenge = client_challenge(bytes(credential.response.client_data_json))
    with transaction.atomic():
        device = (
            WebAuthnCredential.objects.select_for_update()
            .filter(pk=answer.device.pk, confirmed=True)
            .first()
        )
        if device is None:
            return Assertion(None, "UnknownCredential")
        handle = credential.response.user_handle
        expected = (
            WebAuthnUserHandle.objects.filter(user_id=device.user_id)
            .values_list("handle", flat=True)
            .first()
        )
        # A discoverable credential's answer names its user; it must be the key's owner.
        if not handle or expected is None or bytes(handle) != bytes(expected):
            return Assertion(None, "UserHandleMismatch")
        # No password came first: anyone may post an answer naming this key's id, so a bad
        # signature must not slow the owner's key down (the address's rate limit holds).
        verified, refused = _signed(
            device, credential, challenge, "passkey sign-in", throttle=False
        )
        if refused is not None:
            return refused
        fields = ["sign_count", "backup_state"]
        if not verified.user_verified:
            device.save(update_fields=fields)  # the key did sign: its counter moved on
            return Assertion(device, "UserNotVerified")
        device.discoverable = True  # it answered without being named
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=False)
        device.save(
            update_fields=[
                *fields,
                "discoverable",
                "throttling_failure_timestamp",
                "throttling_failure_count",
                "last_used_at",
            ]
        )
    return Assertion(device)


def _signed(
    device: WebAuthnCredential, credential, challenge: bytes, what: str, *, throttle: bool = True
):
    """The checks both ceremonies make of a known key's answer, in order: its throttle, its
    clone flag, the signature (user verification is each caller's), then the counter, which it
    moves on. ``(verified, None)``, or ``(None, the refusal)``. ``throttle=False``: a signature
    that does not verify does not slow the key down (whoever knows its id could send one)."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return None, Assertion(device, "Throttled")
    if device.possibly_cloned_at is not None:
        return None, Assertion(device, "PossiblyCloned")
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=settings.WEBAUTHN_RP_ID,
            expected_origin=settings.WEBAUTHN_ORIGINS,
            credential_public_key=bytes(device.public_key),
            credential_current_sign_count=0,  # the counter is checked below, once signed
            require_user_verification=False,  # the passkey sign-in checks it, to say so
        )
    except MALFORMED as error:  # InvalidAuthenticationResponse, or what escapes its parsers
        log_refusal(
            error,
            "WebAuthn %s refused for device %s: %s: %s",
            what,
            device.pk,
            type(error).__name__,
            error,
        )
        if throttle:
            _throttle(device)
        return None, Assertion(device, "InvalidAssertion")
    if (verified.new_sign_count or device.sign_count) and (
        verified.new_sign_count <= device.sign_count
    ):
        device.possibly_cloned_at = timezone.now()
        device.save(update_fields=["possibly_cloned_at"])
        return None, Assertion(device, "SignCountRegression")
    device.sign_count = verified.new_sign_count
    device.backup_state = verified.credential_backed_up
    return verified, None


def _throttle(device: WebAuthnCredential) -> None:
    device.throttle_increment(commit=False)
    device.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])


def record_possible_clone(request, assertion: Assertion) -> None:
    """The audit event administrators see when a key's counter went backwards."""
    device = assertion.device
    audit.record(
        Event.MFA_DEVICE_POSSIBLY_CLONED,
        request=request,
        actor=None,
        account_id=device.account_id,
        request_parameters={"serialNumber": device.arn},
        error_code="SignCountRegression",
        error_message="The key's signature counter did not increase: it may have been cloned.",
    )


def _registration_refused(request, user: User, error_code: str) -> None:
    """The failed ``EnableMFADevice`` of a refused registration response."""
    audit.record(
        Event.ENABLE_MFA_DEVICE,
        request=request,
        actor=user,
        account_id=user.account_id,
        request_parameters={"userName": user.name},
        error_code=error_code,
        error_message="The WebAuthn registration response was refused.",
    )
