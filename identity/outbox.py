"""Nothing lost: a transactional outbox between Tobira's changes and Celery.

A change that promises work (a notification, a recovery email, a report) writes an
:class:`~identity.models.OutboxMessage` **in its own transaction**. Either both are committed,
or neither is. Then:

1. **Once the transaction commits**, the message is handed to the broker at once (``publish``).
   That is the usual path, and it costs one broker round trip as before.
2. **When the broker is down** at that moment, the message stays in the table, and the relay
   (``relay``) hands it over when the broker is back. Every Celery worker runs the relay every
   few seconds (``config.celery``), and ``manage.py outbox_relay`` runs it by hand. Rows are
   taken with ``FOR UPDATE SKIP LOCKED``, so several relays share the work.
3. **A message handed over but not finished** after ``OUTBOX_REDELIVER_AFTER`` is handed over
   again. A broker that restarted without its data loses what it held.
4. **Each task runs once**, however often it is delivered (``OutboxTask``). It takes its message's
   row lock, returns at once if the message is finished, and marks it finished in the same
   transaction as its own writes. A second delivery waits for the first, then sees it finished.
   A worker killed mid-task rolls back, and the broker hands the task to another worker
   (``acks_late``).

**What "once" means for mail and calls.** These leave the machine: an SMTP server that
accepted a message cannot take it back. If a worker dies after the server accepted and before
the commit (a few milliseconds), the message goes out twice. Every other failure sends it once:
a refused or stalled server, a worker killed before the server accepted, a delivery repeated by
the relay or the broker. A recovery phone call is stricter, since a second ring could carry a
second code: the task marks the call as being placed and commits before it asks Twilio, so a
delivery repeated after a dead worker finds the mark and places nothing (recovery.flow.place_call).

**Long tasks** (exports, credential reports) set ``outbox_atomic = False``. They are not run
inside one transaction, so that their progress shows while they run. Their own job rows make
them idempotent; the message is marked finished when they return.
"""

from __future__ import annotations

import datetime
import logging

import celery
import kombu.exceptions
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

HEADER = "tobira_outbox_id"
# What a broker that is down (or cannot be reached) raises: the relay tries again later.
BROKER_DOWN = (kombu.exceptions.OperationalError, ConnectionError, TimeoutError, OSError)
# Tries of the broker when handing over: a short pause, then the relay's turn.
RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.2}


def task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args) -> OutboxMessage:
    """Record ``task(*args)`` in the current transaction; hand it over once that commits."""
    message = OutboxMessage.objects.create(task=task_name(task), args=list(args))
    transaction.on_commit(lambda: publish(message))
    return message


def publish(message: OutboxMessage) -> bool:
    """Hand ``message`` to the broker now; False (and the relay's turn later) when it is down.

    A message the broker can never take (its task is gone after a release, its arguments do
    not serialize) is finished as failed, so that it does not hold the relay up. The arguments
    are never logged: they may name a person."""
    try:
        task = current_app.tasks[message.task]
        task.apply_async(  # eager too, where tasks run inline
            args=message.args,
            headers={HEADER: message.pk},
            retry=True,
            retry_policy=RETRY_POLICY,
        )
    except BROKER_DOWN as error:
        logger.warning(
            "outbox: %s #%s not handed over (%s); the relay will",
            message.task,
            message.pk,
            type(error).__name__,
        )
        backoff = min(300, 2 ** min(message.attempts + 1, 8))
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1,
            next_attempt=timezone.now() + datetime.timedelta(seconds=backoff),
        )
        return False
    except Exception as error:  # noqa: BLE001 - anything else will not get better by waiting
        logger.error(
            "outbox: %s #%s can never be handed over (%s); finished as failed",
            message.task,
            message.pk,
            type(error).__name__,
        )
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, finished=timezone.now(), failed=True
        )
        return True
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent=timezone.now(),
        attempts=F("attempts") + 1,
        next_attempt=timezone.now() + datetime.timedelta(seconds=settings.OUTBOX_REDELIVER_AFTER),
    )
    return True


def due(now=None):
    """Messages the relay should hand over: never handed over, or handed over and not finished
    for ``OUTBOX_REDELIVER_AFTER``, whose next attempt has come."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(
        Q(finished__isnull=True) & Q(next_attempt__lte=now)
    ).order_by("next_attempt", "pk")


def relay(limit: int = 100) -> int:
    """Hand over what is due (at most ``limit``); the number handed over. Stops at the first
    refusal: the broker is down, and the rest waits for the next turn."""
    handed = 0
    with transaction.atomic():
        for message in due().select_for_update(skip_locked=True)[:limit]:
            if not publish(message):
                break
            handed += 1
    return handed


def purge(*, keep_days: int = 7) -> int:
    """Remove messages finished more than ``keep_days`` ago; the number removed."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    removed, _by_model = OutboxMessage.objects.filter(finished__lt=cutoff).delete()
    return removed


def _outbox_id(request) -> int | None:
    value = getattr(request, HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(HEADER)
    return int(value) if value is not None else None


class OutboxTask(celery.Task):
    """Every task's base (``config.celery``): a task delivered from the outbox runs once."""

    outbox_atomic = True  # run inside the transaction that holds the message's lock

    def __call__(self, *args, **kwargs):
        outbox_id = _outbox_id(self.request)
        if outbox_id is None:  # not from the outbox (beat, a test, the shell)
            return super().__call__(*args, **kwargs)
        if not self.outbox_atomic:
            if OutboxMessage.objects.filter(pk=outbox_id, finished__isnull=False).exists():
                return None
            result = super().__call__(*args, **kwargs)
            OutboxMessage.objects.filter(pk=outbox_id).update(finished=timezone.now())
            return result
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().filter(pk=outbox_id).first()
            if message is None or message.finished is not None:
                logger.info("outbox: #%s already finished, not run again", outbox_id)
                return None
            result = super().__call__(*args, **kwargs)
            message.finished = timezone.now()
            message.save(update_fields=["finished"])
            return result

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Out of retries: the message is finished, as failed (the relay leaves it be)."""
        outbox_id = _outbox_id(self.request)
        if outbox_id is not None:
            OutboxMessage.objects.filter(pk=outbox_id, finished__isnull=True).update(
                finished=timezone.now(), failed=True
            )
        super().on_failure(exc, task_id, args, kwargs, einfo)
