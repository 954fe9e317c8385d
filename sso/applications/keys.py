"""An organization's signing keys: made on first use, published as a JWKS, rotated with overlap.

Per algorithm (RS256 and ES256) an organization has a *current* key, which signs, and a *next*
key, already published. A rotation makes next current, current *previous* (still published, so
that what it signed verifies until the following rotation) and the old previous *retired*, then
makes a new next key. Relying parties that refresh their JWKS at least once per rotation period
therefore never meet an unknown ``kid`` in either direction.

Keys are made and exported with jwcrypto (the JOSE library django-oauth-toolkit signs with); the
private half is stored as PKCS#8 PEM encrypted with the field keys (``identity.crypto``).
Nothing here logs or audits key material: events name the ``kid`` and the algorithm only.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from jwcrypto import jwk, jwt

from identity import audit, crypto
from identity.audit_events import Event
from identity.models import Organization

from .models import SigningKey

Algorithm = SigningKey.Algorithm
State = SigningKey.State
PUBLISHED = (State.NEXT, State.CURRENT, State.PREVIOUS)
# A next key signs only once it has been published this long: longer than the JWKS may be cached
# (``views.jwks``: five minutes), so relying parties know its kid before they meet it.
NEXT_KEY_MIN_AGE = timedelta(minutes=10)
_ORDER = {State.CURRENT: 0, State.NEXT: 1, State.PREVIOUS: 2}


def _generate(algorithm: str, kid: str) -> jwk.JWK:
    if algorithm == Algorithm.RS256:
        return jwk.JWK.generate(kty="RSA", size=2048, kid=kid, alg=algorithm, use="sig")
    return jwk.JWK.generate(kty="EC", crv="P-256", kid=kid, alg=algorithm, use="sig")


def _make(organization: Organization, algorithm: str, state: str) -> SigningKey:
    kid = secrets.token_urlsafe(18)
    key = _generate(algorithm, kid)
    row = SigningKey.objects.create(
        organization=organization,
        kid=kid,
        algorithm=algorithm,
        state=state,
        public_jwk=key.export_public(as_dict=True),
        private_key_encrypted=crypto.encrypt(key.export_to_pem(private_key=True, password=None)),
        activated_at=timezone.now() if state == State.CURRENT else None,
    )
    audit.record(
        Event.CREATE_SIGNING_KEY,  # made by Tobira itself, whoever's request needed it first
        actor=None,
        account_id=organization.management_account_id,
        request_parameters={"organization": organization.pk, "algorithm": algorithm},
        response_elements={"kid": kid, "state": state},
    )
    return row


def _lock(organization: Organization) -> None:
    """Hold the organization's row until the transaction ends: one maker or rotator of its keys at
    a time. ``no_key``: rows that refer to the organization can still be made meanwhile. (SQLite
    has no row locks: its IMMEDIATE transactions serialize the writers.)"""
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()


def _complete(keys: list[SigningKey]) -> bool:
    have = {(key.algorithm, key.state) for key in keys}
    return all((alg, state) in have for alg in Algorithm for state in (State.CURRENT, State.NEXT))


def published(organization: Organization) -> list[SigningKey]:
    """The organization's published keys (current, next, previous), made on first use.

    The read is lock-free once the keys exist; the first request locks the organization's row so
    that two processes never both make its keys.
    """
    keys = list(SigningKey.objects.filter(organization=organization, state__in=PUBLISHED))
    if not _complete(keys):
        with transaction.atomic():
            _lock(organization)
            keys = list(SigningKey.objects.filter(organization=organization, state__in=PUBLISHED))
            have = {(key.algorithm, key.state) for key in keys}
            for algorithm in Algorithm:
                for state in (State.CURRENT, State.NEXT):
                    if (algorithm, state) not in have:
                        keys.append(_make(organization, algorithm, state))
    return sorted(keys, key=lambda key: (key.algorithm, _ORDER[key.state]))


def jwks(organization: Organization) -> dict:
    """The JSON Web Key Set relying parties verify the organization's tokens with."""
    return {"keys": [key.public_jwk for key in published(organization)]}


@functools.lru_cache(maxsize=256)
def _loaded(kid: str, private_key_encrypted: str) -> jwk.JWK:
    """The private key, decrypted and parsed once per process: loading an RSA key checks it
    (about 57 ms of CPU), and doing so for every token was 86% of a token request (bench/oidc.py,
    py-spy). Keyed by the encrypted text too, so a changed row is never served stale."""
    return jwk.JWK.from_pem(crypto.decrypt(private_key_encrypted))


def _private(row: SigningKey) -> jwk.JWK:
    return _loaded(row.kid, row.private_key_encrypted)


# The current signing key of each (organization, algorithm), per process, for a few seconds: a
# token request then reads no key row. After a rotation a process may sign with the key that
# became *previous* for at most this long, which relying parties still accept (it is published).
CURRENT_KEY_TTL = 30.0
_current: dict[tuple[str, str], tuple[float, SigningKey]] = {}


def _current_key(organization: Organization, algorithm: str) -> SigningKey:
    cached = _current.get((organization.pk, algorithm))
    now = time.monotonic()
    if cached is not None and now - cached[0] < CURRENT_KEY_TTL:
        return cached[1]
    row = next(
        key
        for key in published(organization)
        if key.algorithm == algorithm and key.state == State.CURRENT
    )
    _current[(organization.pk, algorithm)] = (now, row)
    return row


def sign(
    organization: Organization, claims: dict, *, algorithm: str = Algorithm.RS256, typ: str = "JWT"
) -> str:
    """A compact JWS of ``claims`` signed with the organization's current key for ``algorithm``
    (``typ`` "at+jwt" for an access token, RFC 9068)."""
    algorithm = Algorithm(algorithm)  # ValueError for anything else
    row = _current_key(organization, algorithm)
    token = jwt.JWT(
        header={"alg": algorithm, "kid": row.kid, "typ": typ}, claims=json.dumps(claims)
    )
    token.make_signed_token(_private(row))
    return token.serialize()


class RotationRefused(ValidationError):
    pass


@transaction.atomic
def rotate(
    organization: Organization,
    algorithm: str,
    *,
    expected_current: str | None = None,
    actor=audit.FROM_REQUEST,
    request=None,
) -> SigningKey:
    """Next becomes current, current previous, previous retired; a new next key. The new current
    key is returned.

    Refused (``RotationRefused``) when the next key has not been published for
    ``NEXT_KEY_MIN_AGE`` (a second rotation right after the first would retire a key that signed a
    moment ago, and sign with one relying parties may not know), or when ``expected_current`` is
    given and is no longer the current key (two schedulers raced: one rotation is enough).
    """
    algorithm = Algorithm(algorithm)  # ValueError for anything else
    published(organization)
    _lock(organization)  # one rotation at a time: the second waits, then sees the first's result
    rows = {
        key.state: key
        for key in SigningKey.objects.select_for_update().filter(
            organization=organization, algorithm=algorithm, state__in=PUBLISHED
        )
    }
    now = timezone.now()
    if expected_current is not None and rows[State.CURRENT].kid != expected_current:
        raise RotationRefused(
            "The current key changed meanwhile: it was rotated already.", code="rotated"
        )
    if now - rows[State.NEXT].created_at < NEXT_KEY_MIN_AGE:
        raise RotationRefused(
            "The next key was published too recently to sign: relying parties may not know it yet.",
            code="too_soon",
        )
    retired = rows.get(State.PREVIOUS)
    if retired is not None:  # each step frees the state the next one takes (one key per state)
        retired.state, retired.retired_at = State.RETIRED, now
        retired.save(update_fields=["state", "retired_at"])
    previous = rows[State.CURRENT]
    previous.state = State.PREVIOUS
    previous.save(update_fields=["state"])
    current = rows[State.NEXT]
    current.state, current.activated_at = State.CURRENT, now
    current.save(update_fields=["state", "activated_at"])
    upcoming = _make(organization, algorithm, State.NEXT)
    audit.record(
        Event.ROTATE_SIGNING_KEY,
        request=request,
        actor=actor,
        account_id=organization.management_account_id,
        request_parameters={"organization": organization.pk, "algorithm": algorithm},
        response_elements={
            "current": current.kid,
            "previous": previous.kid,
            "next": upcoming.kid,
            "retired": retired.kid if retired is not None else None,
        },
    )
    # This process signs with the new key at once (again after the commit, in case a concurrent
    # request cached the old row meanwhile); other processes within CURRENT_KEY_TTL.
    _current.pop((organization.pk, algorithm), None)
    transaction.on_commit(lambda: _current.pop((organization.pk, algorithm), None))
    return current
