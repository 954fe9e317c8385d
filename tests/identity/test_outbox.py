"""The outbox (identity.outbox): a task is recorded with the change that promised it, handed
over when the broker is back, and run once however often it is delivered."""

import datetime
import io

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from identity import outbox, tasks
from identity.models import OutboxMessage
from identity.queue import enqueue_now, enqueue_on_commit

pytestmark = pytest.mark.django_db(transaction=True)

TASK = tasks.send_password_changed_notification
REAL = TASK._get_current_object()  # the registered task (shared_task gives a proxy)
ARGS = ("2026-01-01T00:00:00", "en")


@pytest.fixture
def broker_down(monkeypatch):
    """apply_async refuses, as kombu does when Redis is down; ``.up()`` brings it back."""
    original = REAL.apply_async
    state = {"down": True}

    def apply_async(*args, **kwargs):
        if state["down"]:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        return original(*args, **kwargs)

    monkeypatch.setattr(REAL, "apply_async", apply_async)

    class Broker:
        def up(self):
            state["down"] = False

    return Broker()


def test_the_message_is_written_with_the_change_and_goes_with_its_rollback(alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(TASK, alice.pk, *ARGS)
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_committed_it_is_handed_over_and_run_once(alice):
    with transaction.atomic():
        enqueue_on_commit(TASK, alice.pk, *ARGS)
    (message,) = OutboxMessage.objects.all()
    assert message.sent is not None and message.finished is not None and not message.failed
    assert len(mail.outbox) == 1


def test_with_the_broker_down_at_commit_the_relay_delivers_it_later(alice, broker_down, caplog):
    with transaction.atomic():
        enqueue_on_commit(TASK, alice.pk, *ARGS)
    (message,) = OutboxMessage.objects.all()
    assert message.sent is None and message.attempts == 1
    assert "not handed over (OperationalError)" in caplog.text
    assert ARGS[0] not in caplog.text  # the arguments are never logged
    assert mail.outbox == []

    assert outbox.relay() == 0  # not yet due: it waits its back-off
    OutboxMessage.objects.update(next_attempt=timezone.now())
    assert outbox.relay() == 0  # due, but the broker is still down
    broker_down.up()
    OutboxMessage.objects.update(next_attempt=timezone.now())
    assert outbox.relay() == 1
    message.refresh_from_db()
    assert message.finished is not None and message.attempts == 3
    assert len(mail.outbox) == 1
    assert outbox.relay() == 0  # nothing left


def test_a_second_delivery_of_the_same_message_does_nothing(alice):
    with transaction.atomic():
        enqueue_on_commit(TASK, alice.pk, *ARGS)
    message = OutboxMessage.objects.get()
    assert len(mail.outbox) == 1
    assert outbox.publish(message)  # the broker hands it over again (a redelivery)
    assert len(mail.outbox) == 1


def test_a_message_handed_over_and_never_finished_is_handed_over_again(alice, monkeypatch):
    """A broker that restarted without its data lost the task: the relay sends it again."""
    original = REAL.apply_async
    lose = {"on": True}
    monkeypatch.setattr(  # a broker that takes the task and loses it
        REAL, "apply_async", lambda *a, **k: None if lose["on"] else original(*a, **k)
    )
    with transaction.atomic():
        enqueue_on_commit(TASK, alice.pk, *ARGS)
    message = OutboxMessage.objects.get()
    assert message.sent is not None and message.finished is None
    assert outbox.relay() == 0  # handed over recently: not yet
    lose["on"] = False
    OutboxMessage.objects.update(next_attempt=timezone.now() - datetime.timedelta(seconds=1))
    assert outbox.relay() == 1
    assert len(mail.outbox) == 1


def test_a_task_that_fails_for_good_is_finished_as_failed_and_left_alone(alice, monkeypatch):
    def boom(**kwargs):
        raise ValueError("not a retryable error")

    monkeypatch.setattr(tasks.notifications, "password_changed", boom)
    with transaction.atomic():
        enqueue_on_commit(TASK, alice.pk, *ARGS)
    message = OutboxMessage.objects.get()
    assert message.finished is not None and message.failed
    OutboxMessage.objects.update(next_attempt=timezone.now())
    assert outbox.relay() == 0


def test_a_task_named_by_its_name_runs_from_the_outbox():
    with transaction.atomic():
        message = outbox.enqueue("tobira.ping", "x")
    message.refresh_from_db()
    assert message.finished is not None


def test_enqueue_now_says_whether_the_broker_took_it(alice, broker_down):
    assert enqueue_now(TASK, alice.pk, *ARGS) is False
    kept = OutboxMessage.objects.get()
    assert kept.finished is None  # the relay will send it
    assert enqueue_now(TASK, alice.pk, *ARGS, later=False) is False
    dropped = OutboxMessage.objects.exclude(pk=kept.pk).get()
    assert dropped.finished is not None and dropped.failed  # never sent later, unannounced
    broker_down.up()
    assert enqueue_now(TASK, alice.pk, *ARGS) is True


def test_the_command_relays_and_removes_old_finished_messages(alice, broker_down):
    from django.core.management import call_command

    enqueue_now(TASK, alice.pk, *ARGS)  # refused: waiting
    with transaction.atomic():
        old = outbox.enqueue("tobira.ping", "x")
    broker_down.up()
    OutboxMessage.objects.filter(pk=old.pk).update(
        finished=timezone.now() - datetime.timedelta(days=8)
    )
    OutboxMessage.objects.filter(finished__isnull=True).update(next_attempt=timezone.now())
    out = io.StringIO()
    call_command("outbox_relay", stdout=out)
    assert out.getvalue().strip() == "1 handed to the broker, 0 waiting, 1 old removed."
    assert len(mail.outbox) == 1


def test_a_message_whose_task_is_gone_does_not_hold_the_relay_up(alice, broker_down):
    enqueue_now(TASK, alice.pk, *ARGS)  # the broker is down: it waits
    broker_down.up()
    gone = OutboxMessage.objects.create(task="tasks.removed_in_a_release", args=[])
    OutboxMessage.objects.update(next_attempt=timezone.now() - datetime.timedelta(seconds=5))
    OutboxMessage.objects.filter(pk=gone.pk).update(
        next_attempt=timezone.now() - datetime.timedelta(seconds=10)  # first in line
    )
    assert outbox.relay() == 2
    gone.refresh_from_db()
    assert gone.finished is not None and gone.failed
    assert len(mail.outbox) == 1  # the one behind it went out


def test_while_enqueue_now_hands_a_message_over_the_relay_leaves_it_alone(alice, monkeypatch):
    seen = []

    def apply_async(*args, **kwargs):
        seen.append(outbox.due().count())  # what a relay would take at this moment
        raise OperationalError("refused")

    monkeypatch.setattr(REAL, "apply_async", apply_async)
    assert enqueue_now(TASK, alice.pk, *ARGS, later=False) is False
    assert seen == [0]
