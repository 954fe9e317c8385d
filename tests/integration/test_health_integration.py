"""/readyz follows a real Celery worker: ready while it beats, not ready once it has stopped."""

from __future__ import annotations

import json
import os
import socket

import pytest

from config.celery import app as celery_app
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration]

MAX_AGE = 5  # seconds; the worker beats every second here (HEALTH_WORKER_HEARTBEAT_INTERVAL)


@pytest.fixture
def fast_heartbeat(monkeypatch):
    """Read by the worker process that ``celery_worker`` starts next, from the environment."""
    monkeypatch.setenv("HEALTH_WORKER_HEARTBEAT_INTERVAL", "1")


def readiness(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content)["checks"]


def test_readyz_follows_the_worker_heartbeat(fast_heartbeat, celery_worker, client, settings):
    settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE = MAX_AGE
    settings.CELERY_TASK_ALWAYS_EAGER = False
    log = "\n".join  # the worker's output, shown when an assertion fails

    assert wait_for(lambda: readiness(client)[0] == 200, timeout=30), (
        f"{readiness(client)}\n{log(celery_worker[-40:])}"
    )
    # While the worker runs, its beats keep /readyz at 200 past the max age.
    assert not wait_for(lambda: readiness(client)[0] != 200, timeout=MAX_AGE + 2, interval=0.5), (
        f"{readiness(client)}\n{log(celery_worker[-40:])}"
    )

    # The fixture's worker, by the name it was given (``test-<pid>@%h``), told to stop.
    celery_app.control.shutdown(destination=[f"test-{os.getpid()}@{socket.gethostname()}"])
    assert wait_for(lambda: any("shutdown" in line.lower() for line in celery_worker), 30), log(
        celery_worker[-40:]
    )

    assert wait_for(lambda: readiness(client)[0] == 503, timeout=MAX_AGE + 15), readiness(client)
    assert readiness(client) == (
        503,
        {"database": "ok", "cache": "ok", "broker": "ok", "worker": "failing"},
    )
