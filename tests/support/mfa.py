"""Sessions as the MFA step leaves them."""


def mfa_login(client, user):
    """A session as after signing in with an MFA device."""
    import time

    client.force_login(user)
    session = client.session
    session["tobira_mfa"] = {"at": int(time.time()), "device": "test-device"}
    session.save()
