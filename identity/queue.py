"""Queueing Celery work after the transaction that asked for it commits."""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def _task(task):
    """A task, or its registered name: a module whose tasks call back into it names them, so
    that it need not import its tasks module (no cycle)."""
    return current_app.tasks[task] if isinstance(task, str) else task


def enqueue_on_commit(task, *args) -> None:
    """Send ``task`` with ``args`` once the current transaction commits.

    The change that asked for the work has already committed by then; when the
    broker cannot be reached the failure is logged (task name and ids only,
    never arguments that might be personal data) instead of turning a saved
    change into an error page.
    """

    task = _task(task)

    def send():
        try:
            task.apply_async(
                args=args, retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2}
            )
        except Exception:  # noqa: BLE001 - kombu raises several unrelated types
            logger.exception("could not queue task %s", task.name)

    transaction.on_commit(send)


def enqueue_now(task, *args) -> bool:
    """Send ``task`` now (call it after the transaction committed); False when the broker is down.

    For work the person is waiting for: the page can then say "try again
    shortly" instead of promising an email that will never come.
    """
    task = _task(task)
    try:
        task.apply_async(
            args=args, retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2}
        )
    except Exception:  # noqa: BLE001 - kombu raises several unrelated types
        logger.exception("could not queue task %s", task.name)
        return False
    return True
