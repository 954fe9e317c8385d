"""The outbox through Redis to a real worker: a notification whose transaction committed while
the broker refused is sent by the worker's relay once the broker takes it, by real SMTP."""

import queue

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from identity import tasks
from identity.models import OutboxMessage
from identity.queue import enqueue_on_commit
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration]


@pytest.fixture
def worker_env() -> dict:
    return {"OUTBOX_RELAY_INTERVAL": "1"}


def test_what_the_broker_refused_at_commit_the_workers_relay_delivers(
    celery_worker, smtp_server, real_queue, make_iam_user, monkeypatch
):
    bob = make_iam_user(name="bob", contact_email="bob@example.test")
    task = tasks.send_password_changed_notification._get_current_object()

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(task, "apply_async", refuse)  # this process's broker is down
    with transaction.atomic():
        enqueue_on_commit(task, bob.pk, timezone.now().isoformat(), "en")
    message = OutboxMessage.objects.get()
    assert message.sent is None  # committed, not handed over
    with pytest.raises(queue.Empty):
        smtp_server.messages.get(timeout=1)

    # The worker's relay (every second here) hands it over once its back-off has passed.
    try:
        recipients, _mail = smtp_server.messages.get(timeout=30)
    except queue.Empty:
        pytest.fail("the relay did not deliver it:\n" + "\n".join(celery_worker[-40:]))
    assert recipients == ["bob@example.test"]
    assert wait_for(
        lambda: OutboxMessage.objects.filter(pk=message.pk, finished__isnull=False).exists()
    )
    with pytest.raises(queue.Empty):
        smtp_server.messages.get(timeout=3)  # once
