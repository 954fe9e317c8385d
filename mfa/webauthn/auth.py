"""Passkeys and security keys: the WebAuthn ceremony (py_webauthn): options, challenges, parsing.

The device rows and the audit are ``mfa.webauthn.flows``'.

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
from datetime import timedelta
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
)
from webauthn.helpers import (
    parse_attestation_object,
    parse_authenticator_data,
    parse_client_data_json,
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

from identity.models import User
from mfa.models import MFADevice, WebAuthnChallenge, WebAuthnCredential, WebAuthnUserHandle

logger = logging.getLogger(__name__)

ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
MAX_RESPONSE_BYTES = 64 * 1024  # a WebAuthn response is a few kilobytes at most
Purpose = WebAuthnChallenge.Purpose


def sha256(data: bytes | str) -> str:
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
    return sha256(request.session.session_key)


def _issue_challenge(request, user: User | None, purpose: str) -> bytes:
    """A fresh challenge; any earlier one of this session and ceremony is void. ``user`` is None
    for a sign-in with a passkey alone (``Purpose.SIGNIN``): the session alone binds it."""
    challenge = secrets.token_bytes(32)
    session_hash = _session_hash(request)
    now = timezone.now()
    WebAuthnChallenge.objects.filter(user=user, expires_at__lte=now).delete()
    WebAuthnChallenge.objects.filter(user=user, purpose=purpose, session_hash=session_hash).delete()
    WebAuthnChallenge.objects.create(
        user=user,
        purpose=purpose,
        challenge_hash=sha256(challenge),
        session_hash=session_hash,
        expires_at=now + timedelta(seconds=settings.WEBAUTHN_CHALLENGE_TTL),
    )
    return challenge


def spend_challenge(request, user: User | None, purpose: str, challenge: bytes) -> bool:
    """True once for a challenge this session was given for this ceremony, and not expired."""
    deleted, _by_model = WebAuthnChallenge.objects.filter(
        user=user,
        purpose=purpose,
        challenge_hash=sha256(challenge),
        session_hash=_session_hash(request),
        expires_at__gt=timezone.now(),
    ).delete()
    return deleted == 1


def client_challenge(client_data_json: bytes) -> bytes | None:
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
    # credProps: the browser says whether the authenticator kept a discoverable credential (a
    # passkey that signs in without a user name). py_webauthn's options have no extensions.
    return json.dumps({**json.loads(options_to_json(options)), "extensions": {"credProps": True}})


def discoverable(raw: str) -> bool | None:
    """The credProps extension's ``rk`` in a registration response: True or False, or None when
    the browser did not say (the response was parsed already: ``raw`` is bounded JSON)."""
    try:
        results = json.loads(raw).get("clientExtensionResults") or {}
        rk = (results.get("credProps") or {}).get("rk")
    except MALFORMED:
        return None
    return rk if isinstance(rk, bool) else None


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


def log_refusal(error: BaseException, message: str, *args) -> None:
    """py_webauthn's own refusals are routine (INFO); anything else it let escape could be a bug
    of ours or of a new release of it, so it is logged where someone will see it."""
    level = logging.INFO if isinstance(error, WebAuthnException) else logging.WARNING
    logger.log(level, message, *args)


def malformed() -> CeremonyError:
    return CeremonyError(_("The browser sent no usable answer. Try again."), code="malformed")


def registration_structure(credential) -> None:
    parse_attestation_object(bytes(credential.response.attestation_object))  # and its authData


def assertion_structure(credential) -> None:
    parse_authenticator_data(bytes(credential.response.authenticator_data))


def parse(raw: str, parser, structure):
    """The browser's answer, decoded down to the authenticator data; any malformed part is a
    ``CeremonyError`` (a form error), never an exception that escapes as a server error.

    Only the structure is checked here: challenge, origin, signature and counter are the
    verification's.
    """
    if not raw or len(raw) > MAX_RESPONSE_BYTES:
        raise malformed()
    try:
        credential = parser(raw)
        parse_client_data_json(bytes(credential.response.client_data_json))
        structure(credential)
    except MALFORMED:
        raise malformed() from None
    return credential


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


def signin_options(request) -> str:
    """``PublicKeyCredentialRequestOptions`` for a sign-in with a passkey alone: no
    ``allowCredentials`` (the authenticator offers its discoverable credentials for this RP) and
    user verification required (the passkey is both factors: possession, and a PIN or
    biometrics)."""
    options = generate_authentication_options(
        rp_id=settings.WEBAUTHN_RP_ID,
        challenge=_issue_challenge(request, None, Purpose.SIGNIN),
        timeout=settings.WEBAUTHN_CHALLENGE_TTL * 1000,
        allow_credentials=[],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)
