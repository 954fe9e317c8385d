"""Celery tasks of accounts: thin, they load by id and call one function."""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import notifications


@shared_task(
    name="accounts.send_password_changed_notification",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
)
def send_password_changed_notification(user_id: int, changed_at: str, language: str) -> bool:
    return notifications.password_changed(user_id=user_id, changed_at=changed_at, language=language)
