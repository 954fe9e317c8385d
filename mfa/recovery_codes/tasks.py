"""Celery tasks of recovery codes: the owner is told by email. The task names stay as they were
when the codes lived in ``recovery`` (a queued message names its task)."""

from __future__ import annotations

from celery import shared_task

from identity import notifications
from identity.tasks import MAIL_RETRIES


@shared_task(name="recovery.send_recovery_code_used_notification", **MAIL_RETRIES)
def send_recovery_code_used_notification(
    user_id: int, used_at: str, remaining: int, language: str
) -> bool:
    return notifications.send(
        "emails/recovery_code_used",
        user_id=user_id,
        changed_at=used_at,
        language=language,
        remaining=remaining,
    )


@shared_task(name="recovery.send_recovery_codes_created_notification", **MAIL_RETRIES)
def send_recovery_codes_created_notification(user_id: int, created_at: str, language: str) -> bool:
    return notifications.send(
        "emails/recovery_codes_created", user_id=user_id, changed_at=created_at, language=language
    )
