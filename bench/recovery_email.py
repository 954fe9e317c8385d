"""Recovery email latency: from *Send verification email* to the message at the SMTP server.

    .venv/bin/python bench/recovery_email.py [--tries 50]

Real parts only: PostgreSQL (database ``tobira_bench_recovery``, recreated),
a Celery worker process on Redis (db 12), an SMTP server (aiosmtpd) on
127.0.0.1. Each try starts a recovery attempt the way the page does
(``recovery.flow.start``: an atomic write, the task queued on commit) and
waits for the message. Prints p50 and p95; the goal is p95 < 1 s.
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import use_bench_services  # noqa: E402

use_bench_services("_bench_recovery", "postgres://postgres@127.0.0.1:5432/tobira_bench_recovery")
DATABASE_URL = os.environ["BENCH_DATABASE_URL"]
BROKER_URL = os.environ["BENCH_BROKER_URL"]
CACHE_URL = os.environ["BENCH_CACHE_URL"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    def __init__(self):
        self.arrivals: queue.Queue = queue.Queue()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.arrivals.put((time.perf_counter(), envelope.rcpt_tos))
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=50)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "RATELIMIT_ENABLED": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "TOBIRA_VAR_DIR": str(ROOT / "var" / "bench"),
    }
    from urllib.parse import urlsplit

    url = urlsplit(DATABASE_URL)
    server = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432)]
    server += ["-U", url.username or "postgres"]
    name = url.path.lstrip("/")
    subprocess.run(["dropdb", *server, "--if-exists", name], check=True)
    subprocess.run(["createdb", *server, name], check=True)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()

    def read():
        for line in worker.stdout:
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(60):
            raise SystemExit("the Celery worker did not start")
        import django

        django.setup()
        from importlib import import_module

        from django.conf import settings

        from identity import services
        from identity.models import User
        from recovery import flow

        organization = services.organization_create(
            name="Bench",
            account_name="Bench management",
            root_email="root@bench.test",
            root_password="Bench-Passphrase-2026!",
        )
        root = User.objects.get(account=organization.management_account, kind=User.Kind.ROOT)

        class Browser:
            def __init__(self):
                self.session = import_module(settings.SESSION_ENGINE).SessionStore()
                self.session.save()
                self.META = {"REMOTE_ADDR": "127.0.0.1"}
                self.user = None

        browser = Browser()
        flow.start(browser, user=root)  # the first task warms the worker's connections
        inbox.arrivals.get(timeout=30)
        latencies = []
        for _ in range(args.tries):
            started = time.perf_counter()
            flow.start(browser, user=root)
            arrived, _recipients = inbox.arrivals.get(timeout=30)
            latencies.append(arrived - started)
        latencies.sort()
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        print(f"tries: {len(latencies)} (worker on Redis, PostgreSQL, SMTP on 127.0.0.1)")
        print(f"p50: {statistics.median(latencies) * 1000:.0f} ms")
        print(f"max: {latencies[-1] * 1000:.0f} ms")
        print(f"p95: {p95 * 1000:.0f} ms (goal < 1000 ms)")
    finally:
        worker.terminate()
        worker.wait(20)
        smtp.stop()


if __name__ == "__main__":
    main()
