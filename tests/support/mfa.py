"""Sessions as the MFA step leaves them."""


def mfa_login(client, user):
    """A session as after signing in with an MFA device."""
    import time

    client.force_login(user)
    session = client.session
    session["tobira_mfa"] = {"at": int(time.time()), "device": "test-device"}
    session.save()


def authenticator(key: bytes):
    """An authenticator app holding ``key``: ``.at(epoch_seconds)`` is its code then (pyotp, an
    implementation independent of ours)."""
    import base64

    import pyotp

    return pyotp.TOTP(base64.b32encode(key).decode())
