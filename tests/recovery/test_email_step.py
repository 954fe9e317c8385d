"""Recovery step 1: the emailed one-time link (hashed, single-use, expiring, idempotent sending)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from identity.models import AuditEvent
from recovery import flow
from recovery.models import RecoveryAttempt
from tests.conftest import signin_root
from tests.support.recovery import Browser, link_of

pytestmark = pytest.mark.django_db

State = RecoveryAttempt.State


@pytest.fixture
def browser(client, management_root):
    signin_root(client, "root@example.test")  # the password step the recovery starts from
    return Browser(client)


def test_start_mails_a_one_time_link_stored_only_as_a_hash(
    browser, management_root, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = flow.start(browser, user=management_root)
    assert [m.to for m in mailoutbox] == [["root@example.test"]]
    message = mailoutbox[0]
    assert message.subject == "Verify your email address to sign in to Tobira"
    assert message.alternatives and "text/html" in message.alternatives[0][1]
    attempt_id, token = link_of(message)
    attempt.refresh_from_db()
    assert attempt_id == str(attempt.pk) and attempt.state == State.EMAIL_SENT
    assert token not in attempt.email_token_hash and len(attempt.email_token_hash) == 64
    assert not any(token in str(e.__dict__) for e in AuditEvent.objects.all())


def test_a_retried_task_sends_no_second_mail(
    browser, management_root, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        attempt = flow.start(browser, user=management_root)
    assert flow.send_email(str(attempt.pk), 1) is False  # the same send, run again
    assert len(mailoutbox) == 1


def test_the_link_works_once_in_time_and_moves_the_attempt_to_its_browser(
    browser, client_factory, management_root, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flow.start(browser, user=management_root)
    attempt_id, token = link_of(mailoutbox[0])
    other = Browser(client_factory())  # the link opened on another device
    assert flow.verify_email(other, attempt_id, token[:-1] + "x") is None
    verified = flow.verify_email(other, attempt_id, token)
    assert verified is not None and verified.state == State.EMAIL_VERIFIED
    assert flow.current(other, attempt_id) is not None  # the phone step happens here
    assert flow.current(browser, attempt_id) is None
    assert flow.verify_email(other, attempt_id, token) is None  # single use
    failures = AuditEvent.objects.filter(
        event_name="RecoveryEmailVerified", error_code="InvalidToken"
    )
    assert failures.count() == 2


def test_an_expired_link_is_refused(
    browser, management_root, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        flow.start(browser, user=management_root)
    attempt_id, token = link_of(mailoutbox[0])
    time_machine.move_to(timezone.now() + timedelta(minutes=16), tick=False)
    assert flow.verify_email(browser, attempt_id, token) is None


def test_resend_waits_a_minute_replaces_the_link_and_stops_at_five(
    browser, management_root, mailoutbox, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = flow.start(browser, user=management_root)
    assert flow.resend(browser, attempt) == "cooldown"
    first_id, first_token = link_of(mailoutbox[0])
    for n in range(2, 6):
        time_machine.move_to(timezone.now() + timedelta(seconds=61), tick=False)
        with django_capture_on_commit_callbacks(execute=True):
            assert flow.resend(browser, attempt) == "ok"
        assert len(mailoutbox) == n
    time_machine.move_to(timezone.now() + timedelta(seconds=61), tick=False)
    assert flow.resend(browser, attempt) == "limit"
    assert flow.verify_email(browser, first_id, first_token) is None  # only the newest link works
    assert flow.verify_email(browser, *link_of(mailoutbox[-1])) is not None


def test_a_new_attempt_cancels_the_old_and_starts_are_throttled(
    browser, management_root, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = flow.start(browser, user=management_root)
        second = flow.start(browser, user=management_root)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.CANCELLED and second.state == State.EMAIL_SENT
    assert flow.verify_email(browser, *link_of(mailoutbox[0])) is None  # the old link is dead
    settings.RATELIMIT_ENABLED = True
    results = [flow.start(browser, user=management_root) for _ in range(14)]
    assert results.count(None) >= 4  # 10 an hour per account


def test_the_link_page_spends_the_token_only_on_the_persons_post(
    browser, client_factory, management_root, mailoutbox, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        flow.start(browser, user=management_root)
    attempt_id, token = link_of(mailoutbox[0])
    phone = client_factory()
    url = reverse("recovery:verify", args=[attempt_id])
    landing = phone.get(url, {"t": token})  # the token leaves the URL at once
    assert landing.status_code == 302 and landing["Location"] == url
    page = phone.get(url)  # a mail scanner would stop here
    assert page.status_code == 200 and token not in page.content.decode()
    assert RecoveryAttempt.objects.get(pk=attempt_id).state == State.EMAIL_SENT
    response = phone.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("recovery:phone")
    assert phone.session[flow.SESSION_KEY] == attempt_id
    phone.get(url, {"t": token})
    again = phone.post(url)
    assert again.status_code == 400 and "expired or was already used" in again.content.decode()


def test_with_the_broker_down_the_attempt_waits_and_resend_queues_it(
    browser, management_root, mailoutbox, monkeypatch
):
    from recovery import tasks

    def broker_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(tasks.send_recovery_email, "apply_async", broker_down)
    attempt = flow.start(browser, user=management_root)
    assert attempt.queued is False and not mailoutbox
    assert RecoveryAttempt.objects.get(pk=attempt.pk).state == State.STARTED  # not lost
    assert flow.resend(browser, attempt) == "later"  # the relay sends it when the broker is back
    monkeypatch.undo()
    assert flow.resend(browser, attempt) == "ok"
    assert len(mailoutbox) == 1
    assert flow.verify_email(browser, *link_of(mailoutbox[0])) is not None
