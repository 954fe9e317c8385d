"""Health endpoints for load balancers and orchestrators (docs/configuration.md, "Health checks").

``/healthz`` says the process answers: no database, cache or session is asked, so it stays cheap
and does not fail because something else did. ``/readyz`` asks what a request needs, with
django-health-check's checks: the database, the cache (Redis in production), the Celery broker
and a recent heartbeat of a Celery worker (``config.heartbeat``). With tasks run inline
(``CELERY_TASK_ALWAYS_EAGER``) there is no broker or worker to need, and those two are left out.

Both are open to anyone, so ``/readyz`` says only each check's name and ``ok`` or ``failing``:
an error's text (a host name, a URL with its password, a version) goes to the log, never into the
answer. Every check runs in a thread of its own with a one-second budget, so that a service that
hangs makes the probe fail in about two seconds instead of holding it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import celery
from asgiref.sync import async_to_sync
from celery.app import app_or_default
from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from . import heartbeat

# Each check's budget; the library gives a check one second more to report before it counts it
# as timed out. A probe's own timeout should be longer than the sum: 3 seconds will do.
CHECK_TIMEOUT = datetime.timedelta(seconds=1)


@require_safe
@never_cache
def healthz(request):
    """The process is up and answers. Nothing else is asked."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@dataclasses.dataclass
class Database(checks.Database):
    """``SELECT 1`` on a connection of its own (the library's check)."""

    name: ClassVar[str] = "database"
    timeout: ClassVar[datetime.timedelta] = CHECK_TIMEOUT


@dataclasses.dataclass
class Cache(checks.Cache):
    """The library's check (set a key, read it back) with Django's synchronous cache calls.

    The library's ``run`` is a coroutine whose cache calls run on the request's own thread
    (``sync_to_async``): a Redis that hangs would hold that thread past the check's timeout.
    A synchronous ``run`` goes to the view's thread pool like the other checks.
    """

    name: ClassVar[str] = "cache"
    key_prefix: str = dataclasses.field(default="tobira:health", repr=False)
    timeout: datetime.timedelta = dataclasses.field(default=CHECK_TIMEOUT, repr=False)

    def run(self):
        cache = caches[self.alias]
        key = f"{self.key_prefix}:{uuid.uuid4().hex}"
        value = uuid.uuid4().hex
        try:
            cache.set(key, value, timeout=max(1, int(self.timeout.total_seconds())))
            found = cache.get(key)
        except Exception as error:  # noqa: BLE001 - Redis, the database table: any failure
            raise ServiceUnavailable("the cache cannot be written and read") from error
        if found != value:
            raise ServiceUnavailable("the cache did not return what was written")


@dataclasses.dataclass
class Broker(HealthCheck):
    """A new connection to the broker: Redis answers a PING (kombu's channel sends one).

    One round trip to the broker and no message: no task goes through a worker per probe.
    """

    name: ClassVar[str] = "broker"
    timeout: ClassVar[datetime.timedelta] = CHECK_TIMEOUT
    app: celery.Celery = dataclasses.field(default_factory=app_or_default, repr=False)

    def run(self):
        seconds = self.timeout.total_seconds()
        connection = self.app.connection_for_write(
            connect_timeout=seconds,
            transport_options={"socket_connect_timeout": seconds, "socket_timeout": seconds},
        )
        try:
            connection.ensure_connection(max_retries=0, timeout=seconds)
        except Exception as error:  # noqa: BLE001 - kombu raises several unrelated types
            raise ServiceUnavailable("no connection to the broker") from error
        finally:
            connection.release()


@dataclasses.dataclass
class WorkerHeartbeat(HealthCheck):
    """A Celery worker wrote its heartbeat less than ``HEALTH_WORKER_HEARTBEAT_MAX_AGE`` ago."""

    name: ClassVar[str] = "worker"
    timeout: ClassVar[datetime.timedelta] = CHECK_TIMEOUT

    def run(self):
        try:
            age = heartbeat.age()
        except Exception as error:  # noqa: BLE001 - the cache check reports the cache itself
            raise ServiceUnavailable("the heartbeat cannot be read") from error
        if age is None:
            raise ServiceUnavailable("no worker has written a heartbeat")
        if age > settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE:
            raise ServiceUnavailable("the newest worker heartbeat is too old")


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _check_threads() -> ThreadPoolExecutor:
    """The process's threads for checks, made on first use (after gunicorn's fork).

    Never shut down per request: ``asyncio.run`` waits for its own default executor's threads
    when it ends, so a check that hangs there would hold the answer however short its timeout.
    A hung check keeps its thread until its own socket timeout; the next probes get others,
    and when all are taken a check waits its turn within its timeout, then counts as failing.
    """
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")
        return _executor


class ReadinessView(HealthCheckView):
    """The library's view (checks run together, each within its timeout), with its own answer.

    The library answers in HTML, text, JSON or a feed, each naming the check with its parameters
    and the error's text; here the answer is always JSON with names and ``ok``/``failing`` only.
    """

    http_method_names = ["get", "head", "options"]

    def get_checks(self):
        yield Database()
        yield Cache()
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            yield Broker()
            yield WorkerHeartbeat()

    def get_executor(self):
        return contextlib.nullcontext(_check_threads())

    async def get(self, request, *args, **kwargs):
        states = _recent_answer()
        if states is None:
            with self.get_executor() as executor:
                results = await asyncio.gather(
                    *(check.get_result(executor) for check in self.get_checks())
                )
            states = {result.check.name: "failing" if result.error else "ok" for result in results}
            _remember_answer(states)
        ready = all(state == "ok" for state in states.values())
        return JsonResponse(
            {"status": "ok" if ready else "failing", "checks": states},
            status=200 if ready else 503,
        )


# The last answer of this process, for HEALTH_READYZ_CACHE_SECONDS: probes in a burst (several
# load balancers, or someone who can reach the node) cost one round of checks, not one each.
_last_answer: tuple[float, dict] | None = None


def _recent_answer() -> dict | None:
    last = _last_answer
    if last is None or time.monotonic() - last[0] >= settings.HEALTH_READYZ_CACHE_SECONDS:
        return None
    return last[1]


def _remember_answer(states: dict) -> None:
    global _last_answer
    _last_answer = (time.monotonic(), states)


readyz = ReadinessView.as_view()


class ProbeMiddleware:
    """Answers ``/healthz`` and ``/readyz`` right after ``SecurityMiddleware``, before anything
    reads the Host header, the session, a sign-in stage or the URL resolver: a load balancer or
    kubelet probes a node by its address, which ``ALLOWED_HOSTS`` rightly does not list, and
    ``CommonMiddleware`` would answer such a request with a 400. The answers depend on no host.
    Probes are not logged either: one every few seconds per node would drown the access log."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {"/healthz": healthz, "/readyz": async_to_sync(readyz)}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is None:
            return self.get_response(request)
        return view(request)
