"""Encryption of secrets at rest (TOTP seeds, later access-key secrets).

Keys come from ``settings.FIELD_ENCRYPTION_KEYS``: Fernet keys (AES-128-CBC +
HMAC-SHA256), newest first. The newest encrypts; every key decrypts, so keys
rotate by putting a new one in front, re-encrypting (``rotate``), then
dropping the old one.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS holds a malformed key: {error}"
        ) from None


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes) -> str:
    return _current().encrypt(plaintext).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return _current().decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError("no configured key decrypts this value") from None


def rotate(token: str) -> str:
    """The same secret, encrypted with the newest key."""
    try:
        return _current().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError("no configured key decrypts this value") from None
