"""The Celery application. Tasks are thin: they load state by id and call a service."""

import os

import prometheus_client
from celery import Celery
from celery.signals import task_failure, task_retry, worker_init
from django_structlog.celery.steps import DjangoStructLogInitStep
from prometheus_client import multiprocess

from config.heartbeat import WorkerHeartbeat
from config.relay import OutboxRelay
from identity import metrics  # counters only (prometheus_client): no model, no settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task's base: a task delivered from the outbox runs once (identity.outbox).
app = Celery("tobira", task_cls="identity.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# A task's log lines carry the context of the request that queued it (its request id, principal
# and account; identity.logs), taken from the task's headers.
app.steps["worker"].add(DjangoStructLogInitStep)
app.autodiscover_tasks()  # each installed app's tasks.py
# Tasks of a package inside an app: autodiscovery looks only at the apps' own tasks.py (the system
# checks' loading of the URLs imported them too, but not under ``celery worker --skip-checks``).
app.autodiscover_tasks(["mfa.credentials", "mfa.recovery_codes"])
# Every worker writes a heartbeat into the cache, which /readyz reads (config.health).
app.steps["worker"].add(WorkerHeartbeat)
# Every worker relays what the outbox holds for the broker (config.relay).
app.steps["worker"].add(OutboxRelay)


@app.task(name="tobira.ping")
def ping(value: str) -> str:
    """A no-op round trip used by health checks and the broker integration test."""
    return value


@task_failure.connect
def _count_failure(sender=None, **kwargs):
    metrics.TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


@task_retry.connect
def _count_retry(sender=None, **kwargs):
    metrics.TASK_RETRIES.labels(task=getattr(sender, "name", "unknown")).inc()


@worker_init.connect
def _export_metrics(**kwargs):
    """A worker on a machine of its own serves its counters on WORKER_METRICS_PORT (its pool's
    processes summed through PROMETHEUS_MULTIPROC_DIR when that is set)."""
    port = os.environ.get("WORKER_METRICS_PORT")
    if not port:
        return
    registry = prometheus_client.REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    prometheus_client.start_http_server(
        int(port), addr=os.environ.get("WORKER_METRICS_ADDRESS", "127.0.0.1"), registry=registry
    )
