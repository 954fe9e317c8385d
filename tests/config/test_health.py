"""/healthz and /readyz (config.health) and the worker's heartbeat (config.heartbeat).

The probes are open to anyone: /healthz asks nothing of anything, /readyz says which checks fail
and never why. Real PostgreSQL, Redis and broker here; a failing check is made by the service
being unreachable where that is quick to arrange, otherwise by the check raising.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.urls import reverse
from health_check.exceptions import ServiceUnavailable

from config import health, heartbeat
from config.celery import app as celery_app
from identity import ratelimit
from tests.conftest import signin_iam

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

# What an error's text could carry and the answer must not: a URL with its password and host.
SECRET_URL = "redis://tobira:hunter2-s3cret@cache.internal.example:6379/0"
LEAKS = ("hunter2-s3cret", "cache.internal.example", "redis://", "6379", "Unavailable")
CHECKS = {
    "database": health.Database,
    "cache": health.Cache,
    "broker": health.Broker,
    "worker": health.WorkerHeartbeat,
}
ALL_OK = {"status": "ok", "checks": dict.fromkeys(CHECKS, "ok")}


def readyz(client, **extra):
    response = client.get(reverse("readyz"), **extra)
    assert response["Content-Type"] == "application/json"
    for leak in LEAKS:
        assert leak not in response.content.decode()
    return response.status_code, json.loads(response.content)


def failing(*names):
    return {
        "status": "failing",
        "checks": {name: "failing" if name in names else "ok" for name in CHECKS},
    }


@pytest.fixture
def worker_alive():
    heartbeat.record()


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_answers_ok_without_the_database_the_cache_or_a_session(
    client, django_assert_num_queries
):
    backend = type(caches["default"])
    touched = mock.Mock(side_effect=AssertionError("/healthz used the cache"))
    names = ("get", "set", "add", "delete", "get_many", "set_many", "has_key", "incr", "touch")
    with (
        django_assert_num_queries(0),
        mock.patch.multiple(backend, **dict.fromkeys(names, touched)),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}  # no session (nor CSRF, nor device) cookie was set
    touched.assert_not_called()


def test_healthz_takes_get_and_head_only(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


# --- /readyz ----------------------------------------------------------------------------------


def test_readyz_is_200_when_every_check_passes(client, worker_alive):
    status, body = readyz(client)
    assert (status, body) == (200, ALL_OK)


def test_readyz_answers_json_whatever_is_asked_for(client, worker_alive):
    """The library's view would answer HTML (its template), text or a feed, each with details."""
    for extra in ({"HTTP_ACCEPT": "text/html"}, {"HTTP_ACCEPT": "text/plain"}, {}):
        response = client.get("/readyz?format=html", **extra)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert "no-store" in response["Cache-Control"]
    assert client.head("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize(
    "error",
    [
        ServiceUnavailable(f"cannot reach {SECRET_URL}"),  # what a check reports
        RuntimeError(f"connection to {SECRET_URL} refused"),  # what it did not expect
    ],
    ids=["reported", "unexpected"],
)
def test_a_failing_check_is_503_with_its_name_only(
    client, worker_alive, monkeypatch, caplog, name, error
):
    def run(self):
        raise error

    monkeypatch.setattr(CHECKS[name], "run", run)
    with caplog.at_level(logging.WARNING):
        status, body = readyz(client)  # asserts that no LEAKS are in the answer
    assert (status, body) == (503, failing(name))
    assert SECRET_URL in caplog.text  # the operator finds why in the log


def test_an_unreachable_broker_fails_the_broker_check(client, worker_alive, monkeypatch):
    # Celery reads the variable before its configuration (celery.app.utils.Settings.broker_url).
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://:hunter2-s3cret@127.0.0.1:1/0")
    status, body = readyz(client)
    assert (status, body) == (503, failing("broker"))


def test_an_unreachable_cache_fails_the_cache_and_the_heartbeat(client, worker_alive):
    unreachable = {
        "default": {
            "BACKEND": "identity.cache.SharedClientRedisCache",
            "LOCATION": "redis://:hunter2-s3cret@127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        status, body = readyz(client)
    assert (status, body) == (503, failing("cache", "worker"))


def test_readyz_needs_a_recent_worker_heartbeat(client, settings):
    settings.HEALTH_WORKER_HEARTBEAT_MAX_AGE = 30
    assert readyz(client) == (503, failing("worker"))  # no worker ever beat
    heartbeat.record(now=time.time() - 31)
    assert readyz(client) == (503, failing("worker"))  # the newest beat is too old
    heartbeat.record(now=time.time() - 25)
    assert readyz(client) == (200, ALL_OK)


def test_with_tasks_run_inline_there_is_no_broker_or_worker_to_check(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    # No heartbeat and no broker: neither is needed.
    assert readyz(client) == (200, {"status": "ok", "checks": {"database": "ok", "cache": "ok"}})


def test_a_check_that_hangs_fails_within_about_two_seconds(client, worker_alive, monkeypatch):
    monkeypatch.setattr(health.Database, "run", lambda self: time.sleep(5))
    client.get("/healthz")  # the URLs and the middleware loaded: only the checks are timed
    started = time.monotonic()
    status, body = readyz(client)
    assert (status, body) == (503, failing("database"))
    assert time.monotonic() - started < 4


# --- Nothing in front of the probes stops them -----------------------------------------------


def test_a_pending_sign_in_stage_does_not_redirect_the_probes(client, make_iam_user, worker_alive):
    make_iam_user(name="bob", password_reset_required=True)
    assert signin_iam(client, "example-corp", "bob")["Location"] == reverse(
        "accounts:change_password"
    )
    assert client.get(reverse("console:home")).status_code == 302  # the stage holds the console
    assert client.get("/healthz").status_code == 200
    assert readyz(client) == (200, ALL_OK)


def test_sign_in_rate_limits_do_not_apply_to_the_probes(client, settings, worker_alive):
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "1/m/ip"}
    request = RequestFactory().post("/signin", REMOTE_ADDR="127.0.0.1")
    ratelimit.attempt("signin_failed", request=request, user_key="x")
    assert ratelimit.exceeded("signin_failed", request=request, user_key="x")
    assert client.get("/healthz").status_code == 200
    assert readyz(client) == (200, ALL_OK)


def test_the_probes_answer_plain_http_when_https_is_enforced(client, settings, worker_alive):
    """A load balancer probes the process itself, in plain HTTP: no redirect to https."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("accounts:signin")).status_code == 301  # everything else is
    assert client.get("/healthz").status_code == 200
    assert readyz(client) == (200, ALL_OK)
    assert client.get("/healthz/").status_code == 301  # the exemption is for the two paths only


def test_a_probe_by_the_nodes_address_is_answered_whatever_the_host(client, worker_alive):
    """Load balancers and kubelets send the node's address as Host, which ALLOWED_HOSTS does not
    list: every other page refuses it, the probes answer (config.health.ProbeMiddleware)."""
    assert client.get(reverse("accounts:signin"), HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert readyz(client, HTTP_HOST="10.0.0.5:8000") == (200, ALL_OK)


def test_a_burst_of_probes_costs_one_round_of_checks(client, settings, worker_alive, monkeypatch):
    settings.HEALTH_READYZ_CACHE_SECONDS = 60
    rounds = []
    original = health.ReadinessView.get_checks
    monkeypatch.setattr(
        health.ReadinessView, "get_checks", lambda self: rounds.append(1) or original(self)
    )
    monkeypatch.setattr(health, "_last_answer", None)
    for _ in range(5):
        assert readyz(client) == (200, ALL_OK)
    assert len(rounds) == 1


# --- The worker's heartbeat -------------------------------------------------------------------


def test_every_worker_runs_the_heartbeat_step():
    assert heartbeat.WorkerHeartbeat in celery_app.steps["worker"]


def test_the_heartbeat_step_beats_at_start_and_then_on_the_workers_timer(settings):
    settings.HEALTH_WORKER_HEARTBEAT_INTERVAL = 10
    worker = mock.Mock()
    step = heartbeat.WorkerHeartbeat(worker)
    assert heartbeat.age() is None
    step.start(worker)
    assert 0 <= heartbeat.age() < 5
    worker.timer.call_repeatedly.assert_called_once_with(10, step.run)
    step.stop(worker)
    worker.timer.call_repeatedly.return_value.cancel.assert_called_once_with()


def test_a_heartbeat_the_cache_refuses_is_logged_and_the_worker_goes_on(caplog):
    step = heartbeat.WorkerHeartbeat(mock.Mock())
    unreachable = {
        "default": {
            "BACKEND": "identity.cache.SharedClientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable), caplog.at_level(logging.WARNING):
        step.run()
    assert "could not record the worker heartbeat" in caplog.text


def test_a_max_age_no_longer_than_the_interval_is_refused_at_start(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TOBIRA_VAR_DIR": str(tmp_path),
            "HEALTH_WORKER_HEARTBEAT_INTERVAL": "10",
            "HEALTH_WORKER_HEARTBEAT_MAX_AGE": "10",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HEALTH_WORKER_HEARTBEAT_MAX_AGE must be longer" in result.stderr
