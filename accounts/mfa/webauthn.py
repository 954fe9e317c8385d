"""Passkeys and security keys: the WebAuthn ceremonies (py_webauthn), their challenges, the devices.

A challenge is random, handed to the browser once, stored only as a hash,
bound to the user, the session and the ceremony, good for five minutes and
spent by the first response that names it (a ``DELETE`` that removes one row
or none, so two requests cannot both spend it).

A sign-count regression is checked only after the signature is: a response
that is not signed by the key cannot flag anybody's key. A key flagged as
possibly cloned is refused until an administrator looks at it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    parse_attestation_object,
    parse_authentication_credential_json,
    parse_authenticator_data,
    parse_client_data_json,
    parse_registration_credential_json,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from identity import audit
from identity.models import User

from . import services
from .models import MFADevice, WebAuthnChallenge, WebAuthnCredential, WebAuthnUserHandle

logger = logging.getLogger(__name__)

ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
MAX_RESPONSE_BYTES = 64 * 1024  # a WebAuthn response is a few kilobytes at most
Purpose = WebAuthnChallenge.Purpose


def _sha256(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


# --- Known authenticators ------------------------------------------------------------


@cache
def known_authenticators() -> dict[str, str]:
    path = Path(__file__).with_name("data") / "authenticators.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k.lower(): v for k, v in data.items() if not k.startswith("_")}


def authenticator_name(aaguid: str) -> str | None:
    return known_authenticators().get((aaguid or "").lower())


def suggested_name(user: User, *, aaguid: str, synced: bool) -> str:
    """``alice-YubiKey-5-NFC``, ``root-iCloud-Keychain``; else ``alice-passkey`` / ``alice-security-key``."""
    who = "root" if user.is_root else user.name
    known = authenticator_name(aaguid)
    what = re.sub(r"[^A-Za-z0-9_+=,.@-]+", "-", known).strip("-") if known else None
    base = f"{who}-{what or ('passkey' if synced else 'security-key')}"[:120]
    taken = {
        name.lower()
        for name in MFADevice.objects.filter(
            account_id=user.account_id, name__istartswith=base
        ).values_list("name", flat=True)
    }
    if base.lower() not in taken:
        return base
    n = 2
    while f"{base}-{n}".lower() in taken:
        n += 1
    return f"{base}-{n}"


# --- Challenges ----------------------------------------------------------------------


def _session_hash(request) -> str:
    if not request.session.session_key:
        request.session.save()
    return _sha256(request.session.session_key)


def _issue_challenge(request, user: User, purpose: str) -> bytes:
    """A fresh challenge; any earlier one of this session and ceremony is void."""
    challenge = secrets.token_bytes(32)
    session_hash = _session_hash(request)
    now = timezone.now()
    WebAuthnChallenge.objects.filter(user=user, expires_at__lte=now).delete()
    WebAuthnChallenge.objects.filter(user=user, purpose=purpose, session_hash=session_hash).delete()
    WebAuthnChallenge.objects.create(
        user=user,
        purpose=purpose,
        challenge_hash=_sha256(challenge),
        session_hash=session_hash,
        expires_at=now + timedelta(seconds=settings.WEBAUTHN_CHALLENGE_TTL),
    )
    return challenge


def _spend_challenge(request, user: User, purpose: str, challenge: bytes) -> bool:
    """True once for a challenge this session was given for this ceremony, and not expired."""
    deleted, _by_model = WebAuthnChallenge.objects.filter(
        user=user,
        purpose=purpose,
        challenge_hash=_sha256(challenge),
        session_hash=_session_hash(request),
        expires_at__gt=timezone.now(),
    ).delete()
    return deleted == 1


def _client_challenge(client_data_json: bytes) -> bytes | None:
    try:
        return parse_client_data_json(client_data_json).challenge
    except Exception:  # malformed: the verification below reports it
        return None


def _descriptor(credential: WebAuthnCredential) -> PublicKeyCredentialDescriptor:
    transports = []
    for value in credential.transports or []:
        try:
            transports.append(AuthenticatorTransport(value))
        except ValueError:
            continue
    return PublicKeyCredentialDescriptor(id=bytes(credential.credential_id), transports=transports)


def user_credentials(user: User):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True)


def _user_handle(user: User) -> bytes:
    handle = WebAuthnUserHandle.objects.filter(user=user).values_list("handle", flat=True).first()
    if handle is None:
        handle = secrets.token_bytes(32)
        WebAuthnUserHandle.objects.get_or_create(user=user, defaults={"handle": handle})
        handle = WebAuthnUserHandle.objects.get(user=user).handle
    return bytes(handle)


def _display_name(user: User) -> str:
    if user.is_root:
        return user.email
    return f"{user.name} @ {user.account.signin_identifier}"


# --- Registration --------------------------------------------------------------------


def registration_options(request, user: User) -> str:
    """``PublicKeyCredentialCreationOptions`` as JSON for ``navigator.credentials.create``."""
    options = generate_registration_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        rp_name=settings.WEBAUTHN_RP_NAME,
        user_id=_user_handle(user),
        user_name=_display_name(user),
        user_display_name=_display_name(user),
        challenge=_issue_challenge(request, user, Purpose.REGISTER),
        timeout=settings.WEBAUTHN_CHALLENGE_TTL * 1000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[_descriptor(c) for c in user_credentials(user)],
        supported_pub_key_algs=ALGORITHMS,
    )
    return options_to_json(options)


class CeremonyError(ValidationError):
    """A failed ceremony, with a message fit for the person and a code for the audit trail."""


# What hostile input makes py_webauthn's parsers (and ``json``, ``cbor2``, ``base64``) raise:
# its own exceptions, the standard ones for wrong types and values, and RecursionError
# for deeply nested JSON.
MALFORMED = (
    WebAuthnException,
    ValueError,  # json.JSONDecodeError, binascii.Error, UnicodeDecodeError, bad enum values
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    OverflowError,
    RecursionError,
)


def _log_refusal(error: BaseException, message: str, *args) -> None:
    """py_webauthn's own refusals are routine (INFO); anything else it let escape could be a bug
    of ours or of a new release of it, so it is logged where someone will see it."""
    level = logging.INFO if isinstance(error, WebAuthnException) else logging.WARNING
    logger.log(level, message, *args)


def _malformed() -> CeremonyError:
    return CeremonyError(_("The browser sent no usable answer. Try again."), code="malformed")


def _registration_structure(credential) -> None:
    parse_attestation_object(bytes(credential.response.attestation_object))  # and its authData


def _assertion_structure(credential) -> None:
    parse_authenticator_data(bytes(credential.response.authenticator_data))


def _parse(raw: str, parser, structure):
    """The browser's answer, decoded down to the authenticator data; any malformed part is a
    ``CeremonyError`` (a form error), never an exception that escapes as a server error.

    Only the structure is checked here: challenge, origin, signature and counter are the
    verification's.
    """
    if not raw or len(raw) > MAX_RESPONSE_BYTES:
        raise _malformed()
    try:
        credential = parser(raw)
        parse_client_data_json(bytes(credential.response.client_data_json))
        structure(credential)
    except MALFORMED:
        raise _malformed() from None
    return credential


def register(request, *, user: User, credential_json: str, name: str = "") -> WebAuthnCredential:
    """Verify a registration response and enable the new passkey or security key."""
    credential = _parse(
        credential_json, parse_registration_credential_json, _registration_structure
    )
    challenge = _client_challenge(bytes(credential.response.client_data_json))
    if challenge is None or not _spend_challenge(request, user, Purpose.REGISTER, challenge):
        _failed_registration(request, user, "ChallengeMismatch")
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
        _log_refusal(error, "WebAuthn registration refused: %s: %s", type(error).__name__, error)
        _failed_registration(request, user, "InvalidRegistrationResponse")
        raise CeremonyError(
            _("The passkey or security key could not be verified. Try again."), code="invalid"
        ) from None
    id_hash = _sha256(verified.credential_id)
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
        )
        services.save_new(device, exclude=("credential_id", "public_key"))
        services.audit_device_event(
            "EnableMFADevice",
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


def _failed_registration(request, user: User, error_code: str) -> None:
    services.audit_device_event(
        "EnableMFADevice",
        actor=user,
        account_id=user.account_id,
        request=request,
        request_parameters={"userName": user.name},
        error_code=error_code,
        error_message="The WebAuthn registration response was refused.",
    )


# --- Authentication ------------------------------------------------------------------


def authentication_options(request, user: User) -> str:
    """``PublicKeyCredentialRequestOptions`` limited to ``user``'s keys."""
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        challenge=_issue_challenge(request, user, Purpose.AUTHENTICATE),
        timeout=settings.WEBAUTHN_CHALLENGE_TTL * 1000,
        allow_credentials=[_descriptor(c) for c in user_credentials(user)],
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options)


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
        credential = _parse(
            credential_json, parse_authentication_credential_json, _assertion_structure
        )
    except CeremonyError:
        return Assertion(None, "Malformed")
    challenge = _client_challenge(bytes(credential.response.client_data_json))
    if challenge is None or not _spend_challenge(request, user, Purpose.AUTHENTICATE, challenge):
        return Assertion(None, "ChallengeMismatch")
    with transaction.atomic():
        device = (
            user_credentials(user)
            .select_for_update()
            .filter(credential_id_hash=_sha256(bytes(credential.raw_id)))
            .first()
        )
        if device is None:
            return Assertion(None, "UnknownCredential")  # another user's key, or a removed one
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            return Assertion(device, "Throttled")
        if device.possibly_cloned_at is not None:
            return Assertion(device, "PossiblyCloned")
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=challenge,
                expected_rp_id=settings.WEBAUTHN_RP_ID,
                expected_origin=settings.WEBAUTHN_ORIGINS,
                credential_public_key=bytes(device.public_key),
                credential_current_sign_count=0,  # the counter is checked below, once signed
                require_user_verification=False,
            )
        except MALFORMED as error:  # InvalidAuthenticationResponse, or what escapes its parsers
            _log_refusal(
                error,
                "WebAuthn assertion refused for device %s: %s: %s",
                device.pk,
                type(error).__name__,
                error,
            )
            _throttle(device)
            return Assertion(device, "InvalidAssertion")
        if (verified.new_sign_count or device.sign_count) and (
            verified.new_sign_count <= device.sign_count
        ):
            device.possibly_cloned_at = timezone.now()
            device.save(update_fields=["possibly_cloned_at"])
            return Assertion(device, "SignCountRegression")
        device.sign_count = verified.new_sign_count
        device.backup_state = verified.credential_backed_up
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


def _throttle(device: WebAuthnCredential) -> None:
    device.throttle_increment(commit=False)
    device.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])


def record_possible_clone(request, assertion: Assertion) -> None:
    """The audit event administrators see when a key's counter went backwards."""
    device = assertion.device
    audit.record(
        event_name="MFADevicePossiblyCloned",
        event_source=audit.SOURCE_SIGNIN,
        request=request,
        actor=None,
        account_id=device.account_id,
        request_parameters={"serialNumber": device.arn},
        error_code="SignCountRegression",
        error_message="The key's signature counter did not increase: it may have been cloned.",
    )
