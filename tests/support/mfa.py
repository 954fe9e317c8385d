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


def enabled_app(user, name: str | None = None):
    """An enabled authenticator app of ``user``, made directly (as a bench does): (the device,
    the app showing its codes)."""
    import secrets

    from django.utils import timezone

    from identity import crypto
    from mfa.models import MFADevice, VirtualMFADevice

    key = secrets.token_bytes(20)
    device = VirtualMFADevice.objects.create(
        user=user,
        account=user.account,
        name=name or f"{user.name}-app",
        kind=MFADevice.Kind.VIRTUAL,
        confirmed=True,
        enabled_at=timezone.now(),
        seed_encrypted=crypto.encrypt(key),
    )
    return device, authenticator(key)
