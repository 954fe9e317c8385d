"""``GET /metrics``: Prometheus's text format, for the scraper only.

What is exported:
- django-prometheus's request metrics (latency by view and method, responses by status);
- Tobira's outcome counters (``identity.metrics``);
- the depth of the Celery queues, read from the broker at scrape time.

**Under gunicorn** every worker writes its counters into ``PROMETHEUS_MULTIPROC_DIR``
(prometheus_client's multiprocess mode, ``config/gunicorn.conf.py``), and any worker's answer
sums them all. Without that variable (``runserver``, tests), the process's own registry answers.

**Who may read it.** Metrics name no person, but they are no one else's business either:
- with ``METRICS_TOKEN`` set, only a request with ``Authorization: Bearer <token>`` (compared in
  constant time);
- without it, only a request made straight to the node from its own loopback address, not
  relayed by a proxy (no ``X-Forwarded-For``).

Anyone else gets the same 404 as an unknown page. deploy/nginx does not pass ``/metrics`` on
at all: Prometheus scrapes each node directly.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os

import prometheus_client
from amqp.exceptions import ChannelError
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT = 1.0  # seconds: a scrape must not hang on a broker that does not answer


class QueueDepthCollector:
    """``tobira_celery_queue_depth{queue}``: tasks waiting in the broker, and
    ``tobira_celery_broker_up``: whether the broker answered this scrape."""

    def __init__(self, queues: tuple[str, ...]):
        self.queues = queues

    def collect(self):
        depth = GaugeMetricFamily(
            "tobira_celery_queue_depth", "Tasks waiting in the broker, by queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("tobira_celery_broker_up", "Whether the broker answered.")
        try:
            with celery_app.connection_for_read(
                transport_options={
                    "socket_timeout": BROKER_TIMEOUT,
                    "socket_connect_timeout": BROKER_TIMEOUT,
                }
            ) as connection:
                connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
                channel = connection.default_channel
                for queue in self.queues:
                    try:
                        _name, count, _consumers = channel.queue_declare(queue, passive=True)
                    except ChannelError:  # never declared: nothing was ever sent to it
                        channel = connection.channel()  # the refusal closed the channel
                        count = 0
                    depth.add_metric([queue], count)
        except Exception as error:  # noqa: BLE001 - kombu and redis raise many types
            logger.warning("metrics: the broker did not answer (%s)", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield depth


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessRegistry())
    registry.register(QueueDepthCollector((celery_app.conf.task_default_queue,)))
    return registry


class _ProcessRegistry:
    """This process's own metrics (no multiprocess directory): the default registry's."""

    def collect(self):
        yield from prometheus_client.REGISTRY.collect()


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_safe
def metrics(request):
    if not _allowed(request):
        raise Http404
    return HttpResponse(
        prometheus_client.generate_latest(_registry()),
        content_type=prometheus_client.CONTENT_TYPE_LATEST,
    )
