"""Celery tasks of recovery."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from identity import notifications
from identity.tasks import MAIL_RETRIES

from . import flow, voice

logger = logging.getLogger(__name__)


@shared_task(name="recovery.send_recovery_email", **MAIL_RETRIES)
def send_recovery_email(attempt_id: str, sequence: int) -> bool:
    return flow.send_email(attempt_id, sequence)


# Lost or restarting database: 1, 2, 4, 8 and 16 s apart (a PostgreSQL restart takes seconds).
DATABASE_DOWN = (OperationalError, InterfaceError)
DATABASE_RETRIES = 5


@shared_task(
    bind=True,
    name="recovery.place_recovery_call",
    max_retries=3,
    # Not inside one transaction with the outbox message: ``flow.place_call`` commits the
    # "being placed" mark before it asks Twilio, so that a redelivery never rings twice.
    outbox_atomic=False,
)
def place_recovery_call(self, attempt_id: str, sequence: int) -> bool:
    """Place the call. Retried with back-off when no call was placed and asking again may help
    (5xx, 429, no connection), then the person is told; and when the database fails, which
    asks Twilio nothing more: a try that finds the call marked as being placed ends it as
    "unconfirmed" (``flow.place_call``). A call that may have rung is never placed again."""
    try:
        return flow.place_call(attempt_id, sequence, voice.backend())
    except voice.CallNotPlaced as error:
        logger.warning(
            "recovery call %s of %s not placed (%s), try %s",
            sequence,
            attempt_id,
            error.reason,
            self.request.retries + 1,
        )
        if error.retry and self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=2**self.request.retries) from error
        flow.call_failed(attempt_id, "api", sequence=sequence)
        return False
    except DATABASE_DOWN as error:
        logger.warning(
            "recovery call %s of %s: database unavailable (%s), try %s",
            sequence,
            attempt_id,
            type(error).__name__,
            self.request.retries + 1,
        )
        if self.request.retries < DATABASE_RETRIES:
            raise self.retry(
                exc=error, countdown=2**self.request.retries, max_retries=DATABASE_RETRIES
            ) from error
        raise


@shared_task(name="recovery.send_recovery_completed_notification", **MAIL_RETRIES)
def send_recovery_completed_notification(user_id: int, signed_in_at: str, language: str) -> bool:
    return notifications.send(
        "emails/recovery_completed", user_id=user_id, changed_at=signed_in_at, language=language
    )
