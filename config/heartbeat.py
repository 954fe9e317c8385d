"""The Celery worker's heartbeat: a timestamp in the shared cache that the web process reads.

Each worker writes the time into the Django cache (Redis in production, the database table in the
embedded default) when it starts and then every ``HEALTH_WORKER_HEARTBEAT_INTERVAL`` seconds,
from a timer on its own event loop (``WorkerHeartbeat``, a bootstep that ``config.celery`` adds to
the worker). ``/readyz`` (``config.health``) reads the newest one: no round trip through the broker
per probe. Every worker writes the same key, so the value is the newest beat of any of them.

The beat comes from the worker's main loop, the one that takes messages from the broker: a worker
that lost its broker, or whose loop is stuck, stops beating. With the ``solo`` pool the tasks run
on that loop too, so a task longer than the max age would make the worker look gone.
"""

from __future__ import annotations

import logging
import time

from celery import bootsteps
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY = "tobira:celery:heartbeat"


def record(*, now: float | None = None) -> None:
    """Write a heartbeat (the current time, in seconds since the epoch)."""
    max_age = settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE
    # Kept past the max age, so that an old heartbeat reads as old rather than as missing.
    cache.set(KEY, time.time() if now is None else now, timeout=2 * max_age)


def age(*, now: float | None = None) -> float | None:
    """Seconds since the newest heartbeat of any worker; None when there is none."""
    beat = cache.get(KEY)
    if beat is None:
        return None
    return (time.time() if now is None else now) - float(beat)


class RepeatingStep(bootsteps.StartStopStep):
    """A worker bootstep that calls its ``run`` method every ``settings.<interval_setting>``
    seconds on the worker's timer, from the time the worker starts until it stops."""

    requires = ("celery.worker.components:Timer",)
    interval_setting: str  # the name of the setting that holds the seconds

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        interval = getattr(settings, self.interval_setting)
        self.timer_entry = worker.timer.call_repeatedly(interval, self.run)

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None


class WorkerHeartbeat(RepeatingStep):
    """Beats once when the worker starts, then on the worker's timer until it stops. The last
    beat stays when it stops: with several workers the others still write theirs, and a worker
    that is gone for good shows as an old beat after the max age."""

    interval_setting = "HEALTH_WORKER_HEARTBEAT_INTERVAL"

    def start(self, worker):
        self.run()
        super().start(worker)

    def run(self):
        try:
            record()
        except Exception:  # noqa: BLE001 - a cache that is down must not stop the worker
            logger.warning("could not record the worker heartbeat", exc_info=True)
