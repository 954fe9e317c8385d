"""Real services for integration tests: an SMTP server in-process, a Celery worker in another."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.support.twilio import twilio_standin  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Inbox:
    def __init__(self):
        self.messages: queue.Queue = queue.Queue()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.put((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; ``.messages`` is a queue of (recipients, message)."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.fail("integration tests need PostgreSQL: run them through bin/test (DATABASE_URL)")
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    auth = user + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"  # NAME is the test database now


def server_env(settings, var_dir) -> dict:
    """The environment of a web process of ours on the test database and Redis (gunicorn)."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/14"),
        "TOBIRA_VAR_DIR": str(var_dir),
        # The same keys as this process, which wrote the encrypted seeds.
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def wait_until_serving(base: str, path: str = "/signin") -> None:
    for _ in range(150):
        try:
            requests.get(base + path, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    pytest.fail(f"{base} did not start")


@pytest.fixture
def real_queue():
    """Tasks go through the broker to a worker, not inline (the tests' default)."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def worker_env() -> dict:
    """More of the worker's environment: a module that needs other settings overrides this."""
    return {}


class WorkerLines(list):
    """A worker's output lines, as they come; ``.process`` is the worker."""

    process: subprocess.Popen


def start_worker(env_extra: dict, name: str = "test") -> WorkerLines:
    """A real ``celery worker`` process on the configured broker (Redis in CI), on the test
    database, started and ready: its output lines (``.process``, the process)."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.fail(
            "integration tests need Redis as the broker: run them through bin/test (CELERY_BROKER_URL)"
        )
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
        **env_extra,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = WorkerLines()
    lines.process = process
    ready = threading.Event()

    def read():
        for line in process.stdout:
            lines.append(line.rstrip())
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(60):
        process.kill()
        pytest.fail("celery worker did not start:\n" + "\n".join(lines[-40:]))
    return lines


def stop_worker(lines: WorkerLines) -> None:
    lines.process.terminate()
    try:
        lines.process.wait(20)
    except subprocess.TimeoutExpired:
        lines.process.kill()


@pytest.fixture
def celery_worker(transactional_db, smtp_server, worker_env):
    """A real worker that sends mail to ``smtp_server`` (``worker_env`` may say otherwise).
    Yields its output lines so a test can show them when it fails."""
    lines = start_worker({"EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}", **worker_env})
    try:
        yield lines
    finally:
        stop_worker(lines)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None
