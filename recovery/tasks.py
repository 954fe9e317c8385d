"""Celery tasks of recovery."""

from __future__ import annotations

from celery import shared_task

from identity import notifications
from identity.tasks import MAIL_RETRIES

from . import flow, voice


@shared_task(name="recovery.send_recovery_email", **MAIL_RETRIES)
def send_recovery_email(attempt_id: str, sequence: int) -> bool:
    return flow.send_email(attempt_id, sequence)


@shared_task(bind=True, name="recovery.place_recovery_call", max_retries=3)
def place_recovery_call(self, attempt_id: str, sequence: int) -> bool:
    """Place the call. Retried with back-off only when no call was placed and asking again may
    help (5xx, 429, no connection), then the person is told. A call that may have rung is
    never placed again (``flow.place_call``)."""
    try:
        return flow.place_call(attempt_id, sequence, voice.backend())
    except voice.CallNotPlaced as error:
        if error.retry and self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=2**self.request.retries) from error
        flow.call_failed(attempt_id, "api", sequence=sequence)
        return False


@shared_task(name="recovery.send_recovery_completed_notification", **MAIL_RETRIES)
def send_recovery_completed_notification(user_id: int, signed_in_at: str, language: str) -> bool:
    return notifications.send(
        "emails/recovery_completed", user_id=user_id, changed_at=signed_in_at, language=language
    )
