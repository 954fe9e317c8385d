"""*Sign in using alternative factors* through the pages: email link, phone call, sign-in."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from identity.models import AuditEvent, OutboxMessage
from recovery.models import RecoveryAttempt
from tests.conftest import signin_iam, signin_root
from tests.support.recovery import CALLS, signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("voice")]


def test_from_the_lost_device_to_the_console(
    client, lost_device, mailoutbox, django_capture_on_commit_callbacks
):
    signin_root(client, "member-root@example.test")
    page = client.get(reverse("mfa:troubleshoot")).content.decode()
    assert "Sign in using alternative factors" in page
    page = client.get(reverse("recovery:start")).content.decode()
    assert "m••••••••••@example.test" in page and "+81•••••5678" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recovery:start"))
    assert response["Location"] == reverse("recovery:email_sent")
    assert "Check your email" in client.get(response["Location"]).content.decode()

    link = re.search(r"(/recovery/verify/[0-9a-f-]{36})\?t=([A-Za-z0-9_-]+)", mailoutbox[-1].body)
    client.get(link.group(1), {"t": link.group(2)})
    response = client.post(link.group(1))
    assert response["Location"] == reverse("recovery:phone")
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("recovery:phone"), follow=True).content.decode()
    code = re.search(r'data-testid="phone-code">(\d{6})<', page).group(1)
    assert CALLS and CALLS[0]["to"] == "+81312345678"
    assert client.get(reverse("recovery:phone_status")).json()["state"] == "call_in_progress"
    attempt = RecoveryAttempt.objects.get(state="call_in_progress")
    assert (
        "Continue in your browser"
        in signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code}).content.decode()
    )
    assert client.get(reverse("recovery:phone_status")).json()["state"] == "phone_verified"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recovery:phone"), {"op": "complete"})
    assert response["Location"] == reverse("mfa:security_credentials")
    assert int(client.session["_auth_user_id"]) == lost_device.pk
    assert "tobira_mfa" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="recovered-banner"' in page
    assert mailoutbox[-1].subject == "The root user signed in with alternative factors"
    names = list(AuditEvent.objects.values_list("event_name", flat=True))
    for name in (
        "RecoveryStarted",
        "RecoveryEmailSent",
        "RecoveryEmailVerified",
        "RecoveryCallRequested",
        "RecoveryCallPlaced",
        "RecoveryPhoneVerified",
        "RecoveryCompleted",
    ):
        assert name in names
    attempt.refresh_from_db()
    assert attempt.state == "completed"


def test_the_phone_step_refuses_to_sign_in_before_the_digits(
    client, lost_device, mailoutbox, django_capture_on_commit_callbacks
):
    signin_root(client, "member-root@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recovery:start"))
    link = re.search(r"(/recovery/verify/[0-9a-f-]{36})\?t=([A-Za-z0-9_-]+)", mailoutbox[-1].body)
    client.get(link.group(1), {"t": link.group(2)})
    client.post(link.group(1))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recovery:phone"))
    response = client.post(reverse("recovery:phone"), {"op": "complete"}, follow=True)
    assert "The phone number is not verified yet." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_iam_users_and_accounts_without_a_phone(client, alice, member_root, member_account):
    from mfa.models import VirtualMFADevice
    from mfa.totp import services as totp_services

    device, _key = totp_services.virtual_mfa_device_create(user=alice, name="alice-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    signin_iam(client, "example-corp", "alice")
    assert client.get(reverse("recovery:start"))["Location"] == reverse("accounts:signin")

    device, _key = totp_services.virtual_mfa_device_create(user=member_root, name="root-app")
    VirtualMFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    signin_root(client, "member-root@example.test")
    page = client.get(reverse("recovery:start")).content.decode()
    assert "This account has no phone number" in page
    client.post(reverse("recovery:start"))
    assert not RecoveryAttempt.objects.exists()


def test_with_the_broker_down_the_start_page_says_the_email_will_come_later(
    client, lost_device, monkeypatch
):
    """The outbox's relay sends it once the broker is back: the page must not ask the person to
    start again (a second attempt would cancel the first, whose email is still coming)."""
    from recovery import tasks

    def broker_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.send_recovery_email, "apply_async", broker_down)
    signin_root(client, "member-root@example.test")
    response = client.post(reverse("recovery:start"), follow=True)
    page = response.content.decode()
    assert "Check your email" in page
    assert "may take a few minutes" in page and "Try again" not in page
    attempt = RecoveryAttempt.objects.get()
    assert attempt.state == "started"
    message = OutboxMessage.objects.get(task="recovery.send_recovery_email")
    assert message.args == [str(attempt.pk), 1] and message.finished is None
    assert message.next_attempt <= timezone.now()  # the relay's next pass sends it


def test_only_the_verifying_browser_can_finish(
    client, client_factory, lost_device, mailoutbox, django_capture_on_commit_callbacks
):
    """Someone with the password alone (another browser) cannot see, call or finish."""
    signin_root(client, "member-root@example.test")
    client.post(reverse("recovery:start"))
    link = re.search(r"(/recovery/verify/[0-9a-f-]{36})\?t=([A-Za-z0-9_-]+)", mailoutbox[-1].body)
    client.get(link.group(1), {"t": link.group(2)})
    client.post(link.group(1))
    page = client.post(reverse("recovery:phone"), follow=True).content.decode()
    code = re.search(r'data-testid="phone-code">(\d{6})<', page).group(1)
    attempt = RecoveryAttempt.objects.get(state="call_in_progress")
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})

    attacker = client_factory()
    signin_root(attacker, "member-root@example.test")  # the password, in another browser
    session = attacker.session
    session["tobira_recovery"] = str(attempt.pk)  # even knowing the attempt's id
    session.save()
    assert attacker.get(reverse("recovery:phone_status")).status_code == 404
    assert attacker.get(reverse("recovery:phone"))["Location"] == reverse("accounts:signin")
    attacker.post(reverse("recovery:phone"), {"op": "complete"})
    assert "_auth_user_id" not in attacker.session
    attempt.refresh_from_db()
    assert attempt.state == "phone_verified"
    # The owner finishes, once.
    assert client.post(reverse("recovery:phone"), {"op": "complete"}).status_code == 302
    other = client_factory()
    assert other.post(reverse("recovery:phone"), {"op": "complete"}).status_code == 302
    assert "_auth_user_id" not in other.session
