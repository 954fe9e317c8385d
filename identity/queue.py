"""Queueing Celery work with the change that asked for it, through the outbox (identity.outbox)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import outbox
from .models import OutboxMessage


def enqueue_on_commit(task, *args) -> None:
    """Send ``task`` with ``args`` as part of the current transaction.

    The message is written now, in the caller's transaction, and handed to the broker once that
    commits; when the broker cannot be reached then, the relay hands it over when it is back
    (identity.outbox). A name instead of a task object keeps a module that its tasks call back
    from importing its tasks module (no cycle).
    """
    outbox.enqueue(task, *args)


def enqueue_now(task, *args, later: bool = True) -> bool:
    """Record ``task`` and hand it over now: call it after the transaction committed, for work
    the person waits on. False when the broker is down. Then, with ``later``, the relay sends it
    when the broker is back (nothing is lost, the page may say it will take a while); without
    it, the message is dropped, for work that must not happen later unannounced (a phone call
    the person was told did not start).

    The relay leaves the message alone while this hands it over (its next attempt is set far
    ahead), so the two never both send it."""
    message = OutboxMessage.objects.create(
        task=outbox.task_name(task),
        args=list(args),
        next_attempt=timezone.now() + timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER),
    )
    if outbox.publish(message):
        return True
    if later:
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt=timezone.now())
        return False
    # Dropped, unless it ran after all (the broker took it, then the client's retry failed):
    # the update waits for a running task's row lock, and finds it finished.
    dropped = OutboxMessage.objects.filter(pk=message.pk, finished__isnull=True).update(
        finished=timezone.now(), failed=True
    )
    return dropped == 0
