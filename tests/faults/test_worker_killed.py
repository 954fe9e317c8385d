"""A Celery worker SIGKILLed in the middle of a task: the task runs again on another worker and
its effect (the promised email) happens once."""

import asyncio
import os
import queue
import signal
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from identity import tasks
from identity.models import OutboxMessage
from identity.queue import enqueue_on_commit
from tests.integration.conftest import free_port, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.integration]


class SlowFirstInbox:
    """Holds the first delivery at MAIL FROM until released (the task is then mid-way)."""

    def __init__(self):
        self.tries = 0
        self.first_arrived = asyncio.Event()
        self.messages: queue.Queue = queue.Queue()

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        self.tries += 1
        if self.tries == 1:
            self.first_arrived.set()
            await asyncio.sleep(30)  # the worker is killed meanwhile
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.put(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def slow_smtp():
    inbox = SlowFirstInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def test_a_worker_killed_mid_task_the_email_still_goes_once(
    transactional_db, slow_smtp, make_iam_user, settings, real_queue
):
    # Handed over and not finished after 3 s: the relay hands it over again. (A broker that
    # lost its worker gives the task back only after its visibility timeout, an hour.)
    settings.OUTBOX_REDELIVER_AFTER = 3
    env = {
        "EMAIL_URL": f"smtp://127.0.0.1:{slow_smtp.port}?timeout=60",
        "OUTBOX_RELAY_INTERVAL": "1",
    }
    first = start_worker(env, name="doomed")
    second = None
    try:
        bob = make_iam_user(name="bob", contact_email="bob@example.test")
        with transaction.atomic():
            enqueue_on_commit(
                tasks.send_password_changed_notification, bob.pk, timezone.now().isoformat(), "en"
            )
        assert wait_for(lambda: slow_smtp.tries >= 1, timeout=30), "\n".join(first[-30:])
        os.kill(first.process.pid, signal.SIGKILL)  # mid-task: it holds the message's lock
        first.process.wait(10)
        message = OutboxMessage.objects.get()
        assert message.finished is None  # its transaction died with it

        second = start_worker(env, name="survivor")
        try:
            delivered = slow_smtp.messages.get(timeout=60)
        except queue.Empty:
            pytest.fail("never delivered:\n" + "\n".join(second[-40:]))
        assert delivered["To"] == "bob@example.test"
        assert wait_for(
            lambda: OutboxMessage.objects.filter(pk=message.pk, finished__isnull=False).exists()
        )
        with pytest.raises(queue.Empty):
            slow_smtp.messages.get(timeout=5)  # once
    finally:
        for worker in (first, second):
            if worker is not None and worker.process.poll() is None:
                stop_worker(worker)
