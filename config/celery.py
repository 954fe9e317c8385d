"""The Celery application. Tasks are thin: they load state by id and call a service."""

import os

from celery import Celery

from config.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tobira")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # each installed app's tasks.py
# Tasks of a package inside an app: autodiscovery looks only at the apps' own tasks.py (the system
# checks' loading of the URLs imported them too, but not under ``celery worker --skip-checks``).
app.autodiscover_tasks(["mfa.credentials", "mfa.recovery_codes"])
# Every worker writes a heartbeat into the cache, which /readyz reads (config.health).
app.steps["worker"].add(WorkerHeartbeat)


@app.task(name="tobira.ping")
def ping(value: str) -> str:
    """A no-op round trip used by health checks and the broker integration test."""
    return value
