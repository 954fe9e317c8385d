"""Fixtures for the recovery tests.

``voice`` is not autouse: the modules that place calls ask for it with
``pytestmark = pytest.mark.usefixtures("voice")``.
"""

import pytest

from recovery import flow
from tests.support.recovery import CALLS, TOKEN, TRIES, Browser, link_of


@pytest.fixture
def voice(settings):
    CALLS.clear()
    TRIES.clear()
    settings.RECOVERY_VOICE_BACKEND = "tests.support.recovery.RecordingVoice"
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TOBIRA_BASE_URL = "https://console.tobira.test"


@pytest.fixture
def verified(client, member_root, member_account, mailoutbox, django_capture_on_commit_callbacks):
    """A member root's attempt with the email step done, in a browser of its own."""
    member_account.contact_phone = "+81312345678"
    member_account.save(update_fields=["contact_phone"])
    from mfa.models import VirtualMFADevice
    from mfa.totp import services as totp_services
    from tests.conftest import signin_root

    device, _key = totp_services.virtual_mfa_device_create(user=member_root, name="lost-phone")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    signin_root(client, "member-root@example.test")
    browser = Browser(client)
    with django_capture_on_commit_callbacks(execute=True):
        flow.start(browser, user=member_root)
    attempt = flow.verify_email(browser, *link_of(mailoutbox[-1]))
    assert attempt is not None
    return browser, attempt
