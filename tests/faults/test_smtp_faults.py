"""A mail server that refuses (421, 451) or stalls, then recovers: the notification a change
promised arrives exactly once, through the outbox, Redis, a real worker and real SMTP."""

import asyncio
import queue
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone

from identity import tasks
from identity.queue import enqueue_on_commit
from tests.integration.conftest import free_port

pytestmark = [pytest.mark.integration]

FAULTY_PORT = free_port()


class FaultyInbox:
    """Answers its first ``failures`` deliveries with ``fault``; then accepts."""

    def __init__(self):
        self.fault = "451"
        self.failures = 2
        self.tries = 0
        self.messages: queue.Queue = queue.Queue()

    async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
        self.tries += 1
        if self.tries <= self.failures:
            if self.fault == "stall":  # longer than the client's timeout: it gives up
                await asyncio.sleep(5)
            elif self.fault == "421":
                return "421 4.3.2 Service not available, closing transmission channel"
            else:
                return "451 4.3.0 Temporary failure, try again later"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.put(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def faulty_smtp():
    inbox = FaultyInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=FAULTY_PORT)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def worker_env(faulty_smtp) -> dict:
    # A 2-second timeout: a stalled server is given up on and tried again.
    return {"EMAIL_URL": f"smtp://127.0.0.1:{FAULTY_PORT}?timeout=2"}


@pytest.mark.parametrize("fault", ["421", "451", "stall"])
def test_the_promised_mail_arrives_once_after_the_server_recovers(
    fault, faulty_smtp, celery_worker, real_queue, make_iam_user
):
    faulty_smtp.fault, faulty_smtp.tries = fault, 0
    bob = make_iam_user(name="bob", contact_email="bob@example.test")
    with transaction.atomic():
        enqueue_on_commit(
            tasks.send_password_changed_notification, bob.pk, timezone.now().isoformat(), "en"
        )
    try:
        recipients, _message = faulty_smtp.messages.get(timeout=60)
    except queue.Empty:
        pytest.fail(
            f"never arrived ({faulty_smtp.tries} tries):\n" + "\n".join(celery_worker[-30:])
        )
    assert recipients == ["bob@example.test"]
    assert faulty_smtp.tries == faulty_smtp.failures + 1  # refused twice, then delivered
    with pytest.raises(queue.Empty):
        faulty_smtp.messages.get(timeout=5)  # and only once
