"""Full sign-ins per second against gunicorn, and what they cost the server next to one argon2id verify.

    .venv/bin/python bench/signin.py [--users 2000] [--seconds 60]

Each sign-in is what a person does: GET the form, POST the password, GET the
MFA page, POST a TOTP code, GET a signed-in page. Every user signs in once,
so no code repeats (a code is never accepted twice). The server is gunicorn
with one worker per core on PostgreSQL and Redis (the shared cache), and runs
with rate limits off: all traffic comes from 127.0.0.1 and would trip the
per-address limit, which is not what is measured here.

Last line: the server processes' own CPU time per sign-in, in units of the
CPU time of one argon2id verify measured in this run. The password hash is
the floor (1.00); everything else a sign-in does is what lies above it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench-Passphrase-2026!"
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tobira_bench"
)
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")
DATABASE_NAME = DATABASE_URL.rsplit("/", 1)[1]  # dropped and created again by prepare()


def server_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": CACHE_URL,
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12"),
        "RATELIMIT_ENABLED": "0",
        "DEBUG": "0",
        "SESSION_ENGINE": "django.contrib.sessions.backends.cache",
        "LOG_LEVEL": "WARNING",
        "TOBIRA_VAR_DIR": str(ROOT / "var" / "bench"),
    }


def fresh_database() -> None:
    """Drop and create the bench database, migrate it, and set Django up in this process on it."""
    env = server_env()
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE_NAME], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DATABASE_NAME], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(
        {
            k: env[k]
            for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "TOBIRA_VAR_DIR")
        }
    )
    import django

    django.setup()


def prepare(users: int) -> tuple[str, list[tuple[str, str]]]:
    """A fresh database with ``users`` IAM users, each with one enabled authenticator app."""
    fresh_database()
    import secrets

    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.utils import timezone

    from identity import arns, crypto, services
    from identity.models import User
    from mfa.models import MFADevice, VirtualMFADevice

    cache.clear()
    organization = services.organization_create(
        name="Bench",
        account_name="Bench",
        root_email="root@bench.test",
        root_password=PASSWORD,
        alias="bench",
    )
    account = organization.management_account
    password_hash = make_password(PASSWORD)  # one hash, shared: preparing must not take an hour
    User.objects.bulk_create(
        User(
            kind="iam",
            account=account,
            name=f"u{i:05d}",
            arn=arns.user(account.id, "/", f"u{i:05d}"),
            password=password_hash,
        )
        for i in range(users)
    )
    seeds = []
    for user in User.objects.filter(account=account, kind="iam").order_by("name"):
        key = secrets.token_bytes(20)
        VirtualMFADevice.objects.create(
            user=user,
            account=account,
            name=f"{user.name}-app",
            kind=MFADevice.Kind.VIRTUAL,
            confirmed=True,
            enabled_at=timezone.now(),
            seed_encrypted=crypto.encrypt(key),
        )
        seeds.append((user.name, base64.b32encode(key).decode()))
    return account.alias, seeds


def argon2_verify_cpu_seconds(rounds: int = 20) -> float:
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    start = time.process_time()
    for _ in range(rounds):
        assert check_password(PASSWORD, encoded)
    return (time.process_time() - start) / rounds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


@contextlib.contextmanager
def gunicorn(workers: int):
    """gunicorn with ``workers`` workers on a free port, ready: yields (base URL, its pids)."""
    import requests

    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/signin", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, children(server.pid) + [server.pid]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def drive(items, one, *, concurrency: int, seconds: float, pids: list[int]):
    """``one(*item)`` for the first ``concurrency`` items to warm every worker up, then from
    ``concurrency`` threads for ``seconds``: (latencies, elapsed seconds, server CPU seconds)."""
    items = iter(items)
    for _ in range(concurrency):
        one(*next(items))
    lock = threading.Lock()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    def worker_loop():
        while time.monotonic() < deadline:
            with lock:
                item = next(items, None)
            if item is None:
                return
            latencies.append(one(*item))

    cpu_before = cpu_seconds(pids)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(worker_loop) for _ in range(concurrency)]:
            future.result()
    return latencies, time.perf_counter() - started, cpu_seconds(pids) - cpu_before


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DEVICE = re.compile(r'name="device" value="(\d+)"')


def one_signin(base: str, alias: str, name: str, seed: str) -> float:
    import pyotp
    import requests

    started = time.perf_counter()
    with requests.Session() as http:
        form = http.get(f"{base}/signin/{alias}?mode=iam")
        token = TOKEN.search(form.text).group(1)
        step = http.post(
            f"{base}/signin",
            data={
                "csrfmiddlewaretoken": token,
                "mode": "iam",
                "account": alias,
                "user_name": name,
                "password": PASSWORD,
            },
            headers={"Referer": f"{base}/signin"},
            allow_redirects=False,
        )
        assert step.headers["Location"] == "/mfa", step.headers.get("Location")
        page = http.get(f"{base}/mfa")
        token = TOKEN.search(page.text).group(1)
        device = DEVICE.search(page.text).group(1)
        done = http.post(
            f"{base}/mfa",
            data={"csrfmiddlewaretoken": token, "device": device, "code": pyotp.TOTP(seed).now()},
            headers={"Referer": f"{base}/mfa"},
            allow_redirects=False,
        )
        assert done.headers["Location"] == "/console/", done.headers.get("Location")
        assert http.get(f"{base}/console/").status_code == 200  # five requests in all
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument(
        "--seconds", type=float, default=60, help="stop sending new sign-ins after this long"
    )
    args = parser.parse_args()

    workers = os.cpu_count() or 1
    concurrency = 2 * workers
    print(f"preparing {args.users} users with an authenticator app each ...", flush=True)
    alias, seeds = prepare(args.users)
    verify = argon2_verify_cpu_seconds()

    with gunicorn(workers) as (base, pids):
        latencies, elapsed, cpu = drive(
            seeds,
            lambda name, seed: one_signin(base, alias, name, seed),
            concurrency=concurrency,
            seconds=args.seconds,
            pids=pids,
        )

    count = len(latencies)
    per_signin = cpu / count
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"gunicorn workers: {workers}, concurrency: {concurrency}, sign-ins: {count} in {elapsed:.1f} s"
    )
    print(f"sign-ins/s: {count / elapsed:.1f}")
    print(f"latency p50: {quantiles[49] * 1000:.0f} ms, p95: {quantiles[94] * 1000:.0f} ms")
    print(
        f"argon2id verify: {verify * 1000:.1f} ms CPU; server CPU per sign-in: {per_signin * 1000:.1f} ms"
    )
    print(f"server CPU per sign-in: {per_signin / verify:.2f} verifies (goal <= 1.15)")


if __name__ == "__main__":
    main()
