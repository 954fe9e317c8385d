"""Celery tasks of the mail about a person's own credentials: thin, they load by id and call one
function. The task names keep their first prefix (a queued message names its task)."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import browser_sessions, notifications, outbox

MAIL_RETRIES = {
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 6,
}


@shared_task(name="accounts.send_password_changed_notification", **MAIL_RETRIES)
def send_password_changed_notification(user_id: int, changed_at: str, language: str) -> bool:
    return notifications.password_changed(user_id=user_id, changed_at=changed_at, language=language)


@shared_task(name="accounts.send_mfa_device_notification", **MAIL_RETRIES)
def send_mfa_device_notification(
    user_id: int, device_arn: str, added: bool, changed_at: str, language: str
) -> bool:
    return notifications.mfa_device_changed(
        user_id=user_id,
        device_arn=device_arn,
        added=added,
        changed_at=changed_at,
        language=language,
    )


@shared_task(name="identity.purge_browser_sessions")
def purge_browser_sessions() -> int:
    """Hourly (``CELERY_BEAT_SCHEDULE``): the rows of expired sessions go, and the outbox's
    messages finished a week ago."""
    outbox.purge(keep_days=7)
    return browser_sessions.browser_sessions_purge_expired()
