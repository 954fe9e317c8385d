"""The outbox's relay in every Celery worker (identity.outbox): every ``OUTBOX_RELAY_INTERVAL``
seconds, on the worker's timer, the messages whose transaction committed while the broker was
down (or that were handed over and never finished) go to the broker. Workers share the work:
each takes its rows with ``SKIP LOCKED``. ``manage.py outbox_relay`` does the same by hand."""

from __future__ import annotations

import logging

import structlog
from django.db import close_old_connections

from config.heartbeat import RepeatingStep

logger = logging.getLogger(__name__)


class OutboxRelay(RepeatingStep):
    interval_setting = "OUTBOX_RELAY_INTERVAL"

    def run(self):
        # Imported here, not above: config.celery loads this module before Django's apps are
        # ready, and the outbox's module defines its model's queries (no cycle is hidden).
        from identity import outbox

        structlog.contextvars.clear_contextvars()  # not the last task's request or tenant
        try:
            close_old_connections()  # a database that restarted since the last turn
            handed = outbox.relay()
        except Exception:  # noqa: BLE001 - a turn that fails must not stop the worker
            logger.warning("outbox relay: this turn failed", exc_info=True)
            return
        if handed:
            logger.info("outbox relay: %d message(s) handed to the broker", handed)
