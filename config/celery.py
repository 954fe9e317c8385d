"""The Celery application. Tasks are thin: they load state by id and call a service."""

import os

from celery import Celery
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tobira")
app.config_from_object("django.conf:settings", namespace="CELERY")
# A task's log lines carry the context of the request that queued it (its request id, principal
# and account; identity.logs), taken from the task's headers.
app.steps["worker"].add(DjangoStructLogInitStep)
app.autodiscover_tasks()  # each installed app's tasks.py
# Tasks of a package inside an app: autodiscovery looks only at the apps' own tasks.py (the system
# checks' loading of the URLs imported them too, but not under ``celery worker --skip-checks``).
app.autodiscover_tasks(["mfa.credentials", "mfa.recovery_codes"])


@app.task(name="tobira.ping")
def ping(value: str) -> str:
    """A no-op round trip used by health checks and the broker integration test."""
    return value
