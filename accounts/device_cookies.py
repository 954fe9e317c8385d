"""Device cookies: the owner's browser is not locked out by a stranger's guesses.

OWASP's answer to lockout as a denial of service ("Slow Down Online Guessing Attacks with Device
Cookies"). After a successful sign-in the browser gets a cookie, signed with ``SECRET_KEY``, that
names the user (by the random ``unique_id``, never the name) with a random nonce. At the password
step a browser whose cookie names the user being signed in is *trusted*: its failures count in a
bucket of its own (keyed by the nonce) instead of the user's, so the per-user lockout that others
cause does not reach it. Per-address limits apply to everybody. A browser without a valid cookie
is limited exactly as before.

One cookie holds the last few users signed in from that browser (a shared computer).

Each entry is bound to the user's current password (a keyed digest of its hash): a cookie earned
while a password was known gives no guesses against the next one. And all of a user's trusted
browsers together have one more budget (``signin_failed_trusted``), so cookies stockpiled by
signing in many times do not multiply the guesses.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

COOKIE = "tobira_device"
SALT = "tobira.device-cookie"
MAX_USERS = 5  # users remembered per browser; the oldest goes first


def _password_tag(user) -> str:
    """Changes whenever the password does (a new hash, a new salt); reveals nothing of it."""
    return salted_hmac(
        "tobira.device-cookie.password", user.password or "", algorithm="sha256"
    ).hexdigest()[:32]


def _entries(request) -> list[tuple[str, str, str]]:
    value = request.COOKIES.get(COOKIE)
    if not value:
        return []
    try:
        entries = signing.loads(value, salt=SALT, max_age=settings.DEVICE_COOKIE_AGE)
    except signing.BadSignature:  # tampered, expired or from another key: a stranger
        return []
    if not isinstance(entries, list):
        return []
    return [
        (uid, nonce, tag)
        for uid, nonce, tag in (e for e in entries if isinstance(e, list) and len(e) == 3)
        if isinstance(uid, str) and isinstance(nonce, str) and isinstance(tag, str)
    ]


def trusted_key(request, user) -> str | None:
    """The rate-limit key of this browser for ``user``, when its cookie names them."""
    if user is None:
        return None
    for uid, nonce, tag in _entries(request):
        if secrets.compare_digest(uid, user.unique_id):
            # Earned with the password the user has now, or not at all.
            return f"device:{nonce}" if secrets.compare_digest(tag, _password_tag(user)) else None
    return None


def remember(request, user) -> None:
    """After a successful sign-in: the response carries a fresh cookie naming ``user`` too."""
    entries = [entry for entry in _entries(request) if entry[0] != user.unique_id]
    entries.append((user.unique_id, secrets.token_urlsafe(16), _password_tag(user)))
    request._tobira_device_cookie = signing.dumps(
        [list(e) for e in entries[-MAX_USERS:]], salt=SALT, compress=True
    )


class DeviceCookieMiddleware:
    """Writes the cookie a sign-in asked for (flows have no response to write on)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = getattr(request, "_tobira_device_cookie", None)
        if value is not None:
            response.set_cookie(
                COOKIE,
                value,
                max_age=settings.DEVICE_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
