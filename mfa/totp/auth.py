"""TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), compared in constant time.

The arithmetic is django-otp's (``django_otp.oath.hotp``); what is here is
the searching: which time step, if any, a code belongs to, never before the
last step already used.
"""

from __future__ import annotations

import hmac
import time as _time

from django_otp.oath import hotp

STEP = 30
DIGITS = 6


def current_step(now: float | None = None) -> int:
    return int(_time.time() if now is None else now) // STEP


def code_at(key: bytes, step: int) -> str:
    return str(hotp(key, step, digits=DIGITS)).zfill(DIGITS)


def normalize(code: str) -> str | None:
    """Digits only (people type spaces); None when it cannot be a code."""
    code = "".join((code or "").split())
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else None


def find_step(key: bytes, code: str, *, around: int, tolerance: int, after: int) -> int | None:
    """The step in ``around ± tolerance`` (and > ``after``) whose code is ``code``.

    Every candidate is computed and compared, so the time taken does not say
    which step matched.
    """
    found = None
    for step in range(around - tolerance, around + tolerance + 1):
        if step > after and hmac.compare_digest(code_at(key, step), code) and found is None:
            found = step
    return found


def find_consecutive(
    key: bytes, first: str, second: str, *, around: int, window: int, after: int
) -> int | None:
    """The step of ``second`` when ``first`` and ``second`` are the codes of two consecutive steps."""
    found = None
    for step in range(around - window, around + window + 1):
        if step - 1 <= after:
            continue
        if (
            hmac.compare_digest(code_at(key, step - 1), first)
            and hmac.compare_digest(code_at(key, step), second)
            and found is None
        ):
            found = step
    return found
