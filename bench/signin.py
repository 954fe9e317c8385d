"""Full sign-ins per second side by side with stock django-allauth, and what each costs the whole machine.

    .venv/bin/python bench/signin.py --peer ../shared/peers/allauth_login
                                     [--rounds 3] [--seconds 20] [--users 4000] [--only tobira]

The peer (``setup.sh``: a stock django-allauth 65 project with TOTP, the same argon2id
parameters) is built under ``var/bench/peer_login`` unless it is already there. Both sides are
driven by the peer's own load driver (``loadgen.py``'s virtual users, one process each, a fresh
HTTP session per sign-in; Tobira's recipe is ``bench/signin_recipe.py``), with the same number
of gunicorn sync workers (one per core) and the same concurrency (two per worker), in turns:
``--rounds`` rounds each, alternating which goes first.

Each sign-in is what a person does: GET the form, POST the password, GET the MFA page, POST a
TOTP code, GET a signed-in page (Tobira: the console home, which asks the policy engine; the
peer: its ``/whoami/``). Tobira runs as deployed: PostgreSQL, Redis for the cache and the
sessions' cache, a Celery worker, every rate limit on except the per-address ones of the two
sign-in steps (all traffic comes from 127.0.0.1; the peer lifts the same one). The peer runs
with its cache in its database (``PEER_CACHE=db``), so its replay guard holds across workers.

CPU is the whole machine's (``/proc/stat``'s busy time) over each round, less the load driver's
own (``getrusage`` of this process and its joined virtual users): the web workers, PostgreSQL,
Redis and the Celery worker all count. Run it on an otherwise idle machine; each round prints
how busy the machine was just before it. The unit is one argon2id verify as the peer's driver
measures it (one process per core verifying at once), taken again before each round.

Last line: ``tobira/allauth sign-ins/s: X.XX; tobira CPU per sign-in: Y.YY verifies`` (medians
of the rounds). The goals: at least 1.5 and at most 1.15.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import multiprocessing as mp
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import use_bench_services  # noqa: E402

# Run on its own: a database of its own (in each worktree) and the worktree's Redis; imported by
# another bench: what that bench chose first.
use_bench_services("_bench_signin", "postgres://postgres@127.0.0.1:5432/tobira_bench")

PASSWORD = "Bench-Passphrase-2026!"
DATABASE_URL = os.environ["BENCH_DATABASE_URL"]
CACHE_URL = os.environ["BENCH_CACHE_URL"]
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

    from identity import arns, crypto, services
    from identity.models import User

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
        add_app(user, account, crypto.encrypt(key))
        seeds.append((user.name, base64.b32encode(key).decode()))
    return account.alias, seeds


def add_app(user, account, seed_encrypted: str, enabled_at=None):
    """An enabled authenticator app of ``user``, made directly (a bench must not take an hour)."""
    from django.utils import timezone

    from mfa.models import MFADevice, VirtualMFADevice

    return VirtualMFADevice.objects.create(
        user=user,
        account=account,
        name=f"{user.name}-app",
        kind=MFADevice.Kind.VIRTUAL,
        confirmed=True,
        enabled_at=enabled_at or timezone.now(),
        seed_encrypted=seed_encrypted,
    )


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
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended since (a database backend whose connection closed)
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


@contextlib.contextmanager
def gunicorn(workers: int, env: dict | None = None):
    """gunicorn with ``workers`` workers on a free port (``server_env()`` unless ``env``), ready:
    yields (base URL, its pids)."""
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
        env=env or server_env(),
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


def password_step(http, base: str, page: str, fields: dict):
    """GET the sign-in ``page`` (a path), then POST its CSRF token, ``fields`` and the bench
    password to ``/signin`` as the form does; the response, its redirect not followed."""
    form = http.get(f"{base}{page}")
    token = TOKEN.search(form.text).group(1)
    return http.post(
        f"{base}/signin",
        data={"csrfmiddlewaretoken": token, **fields, "password": PASSWORD},
        headers={"Referer": f"{base}/signin"},
        allow_redirects=False,
    )


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent so far, every process (idle and I/O wait left out)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(value) for i, value in enumerate(fields[:8]) if i not in (3, 4))
    return busy / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process's CPU time and that of its children that ended and were waited for (the load
    driver's virtual users, once joined): the driver's own share of the machine."""
    self_, children_ = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return self_.ru_utime + self_.ru_stime + children_.ru_utime + children_.ru_stime


# --- Side by side with the peer (django-allauth) --------------------------------------------

RECIPE = ROOT / "bench" / "signin_recipe.py"
PEER_CACHE = "db"  # the peer's cache shared by its workers, as Tobira's is (README: replays)


@dataclass
class Target:
    """One side of the comparison: how to start it and how the load driver signs in to it."""

    name: str
    recipe: str  # loadgen's --recipe
    users: list[dict]
    start: Callable[
        [int], contextlib.AbstractContextManager
    ]  # workers -> (base URL, process groups)


@dataclass
class Round:
    target: str
    signins: int
    errors: dict
    elapsed: float
    latencies: list[float]
    machine: float  # CPU seconds, the whole machine less the load driver
    driver: float
    groups: dict[str, float]  # CPU seconds per process group (server, postgres, redis, celery)
    verify: float  # seconds of one argon2id verify, measured right before the round
    idle: float  # the machine's busy fraction with nothing of ours running, right before
    starved: float  # seconds virtual users waited for a user whose TOTP window was used

    @property
    def rate(self) -> float:
        return self.signins / self.elapsed

    def per_signin(self, seconds: float) -> float:
        return seconds / self.signins


def build_peer(peer: Path, scratch: Path, users: int) -> list[dict]:
    """The peer's own setup.sh (its venv, project and users), unless it already holds ``users``."""
    users_file = scratch / "users.json"
    if users_file.exists() and len(json.loads(users_file.read_text())["users"]) >= users:
        print(f"peer: kept {scratch} (delete it to build it again)", flush=True)
    else:
        print(f"peer: {peer}/setup.sh with {users} users ...", flush=True)
        env = {**os.environ, "PEER_SCRATCH": str(scratch), "N_USERS": str(users)}
        subprocess.run(["bash", str(peer / "setup.sh")], env=env, check=True)
    return json.loads(users_file.read_text())["users"]


def pids_of(name: str) -> list[int]:
    """Every process whose command is ``name`` (postgres, redis-server): their CPU counts too."""
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


@contextlib.contextmanager
def peer_server(scratch: Path, workers: int):
    port = free_port()
    server = subprocess.Popen(
        [
            str(scratch / "venv/bin/gunicorn"),
            "peerproj.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=scratch / "peerproj",
        env={**os.environ, "PEER_CACHE": PEER_CACHE, "DJANGO_SETTINGS_MODULE": "peerproj.settings"},
    )
    try:
        yield f"http://127.0.0.1:{port}", {"server": lambda: [server.pid, *children(server.pid)]}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def signin_env() -> dict:
    """Tobira as deployed: its default session engine and every rate limit on, except the
    per-address ones of the two sign-in steps (all traffic comes from 127.0.0.1; the peer lifts
    the same one). The per-user limits, the replay guard and the throttles stay."""
    env = server_env()
    for name in ("RATELIMIT_ENABLED", "SESSION_ENGINE"):
        env.pop(name)
    env["RATELIMIT_SIGNIN_FAILED"] = "5/5m/user"
    env["RATELIMIT_MFA_FAILED"] = "10/5m/user"
    return env


@contextlib.contextmanager
def tobira_server(workers: int):
    """gunicorn and a Celery worker (what a sign-in queues runs there, and counts)."""
    env = signin_env()
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        with gunicorn(workers, env) as (base, pids):
            server = pids[-1]
            yield (
                base,
                {
                    "server": lambda: [server, *children(server)],
                    "celery": lambda: [worker.pid, *children(worker.pid)],
                },
            )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)


def tobira_users(users: int) -> list[dict]:
    """A fresh database with the bench account's users, in the load driver's users file shape."""
    alias, seeds = prepare(users)
    from mfa.models import MFADevice

    devices = dict(MFADevice.objects.filter(account__alias=alias).values_list("user__name", "pk"))
    return [
        {
            "login": name,
            "password": PASSWORD,
            "totp_secret": seed,
            "account": alias,
            "device": str(devices[name]),
        }
        for name, seed in seeds
    ]


def run_round(
    loadgen,
    target: Target,
    users: list[dict],
    *,
    concurrency: int,
    seconds: float,
    workers: int,
    warm: list[dict],
    verify: float,
    profile: Path | None = None,
) -> Round:
    """One round against ``target``: its servers started, warmed with ``warm``'s sign-ins, then
    ``concurrency`` virtual users of the peer's load driver for ``seconds`` with ``users``."""
    with target.start(workers) as (base, groups):
        loadgen.wait_ready(base, loadgen.load_recipe(target.recipe), 60)
        run_driver(loadgen, target.recipe, base, warm, concurrency=concurrency, count=len(warm))
        idle = loadgen.wait_idle()
        groups = {
            **groups,
            "postgres": lambda: pids_of("postgres"),
            "redis": lambda: pids_of("redis-server"),
        }
        spy = None
        if profile:
            # On-CPU samples of the web workers over the round, as collapsed stacks (flamegraph.pl
            # or speedscope read them). py-spy's own CPU then counts: take figures without it.
            spy = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/py-spy"),
                    "record",
                    "--pid",
                    str(groups["server"]()[0]),
                    "--subprocesses",
                    "--gil",  # holding the GIL: Python's own CPU (argon2, I/O waits release it)
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--output",
                    str(profile),
                    "--duration",
                    str(int(seconds) + 5),
                ],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1)
        records, starved, measured = run_driver(
            loadgen,
            target.recipe,
            base,
            users,
            concurrency=concurrency,
            seconds=seconds,
            groups=groups,
        )
    if spy:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)
    ok = [record for record in records if record[1] is None]
    errors: dict = {}
    for record in records:
        if record[1]:
            errors[record[1]] = errors.get(record[1], 0) + 1
    return Round(
        target=target.name,
        signins=len(ok),
        errors=errors,
        elapsed=measured["elapsed"],
        latencies=sorted(record[2] for record in ok),
        machine=measured["machine"] - measured["driver"],
        driver=measured["driver"],
        groups=measured["groups"],
        verify=verify,
        idle=idle,
        starved=starved,
    )


def run_driver(
    loadgen,
    recipe: str,
    base: str,
    users: list[dict],
    *,
    concurrency: int,
    seconds: float = 0.0,
    count: int = 0,
    groups: dict | None = None,
):
    """The peer's virtual users (``loadgen._vu_main``, one process each) against ``base``, for
    ``seconds`` (or ``count`` sign-ins); what they recorded, and the span's CPU time: the whole
    machine's, the driver's own (this process and its joined children), and each group's."""
    args = argparse.Namespace(
        recipe=recipe,
        base_url=base,
        concurrency=concurrency,
        duration=seconds,
        warmup=0.0,
        count=count,
        totp_period=30,
        totp_digits=6,
        totp_guard=0.3,
    )
    barrier, out = mp.Barrier(concurrency + 1), mp.Queue()
    vus = [
        mp.Process(target=loadgen._vu_main, args=(i, args, users[i::concurrency], barrier, out))
        for i in range(concurrency)
    ]
    for vu in vus:
        vu.start()
    groups = groups or {}
    group_pids = {name: pids() for name, pids in groups.items()}
    # The virtual users' start-up (before the barrier) is not the span's: taken off below.
    vus_before = cpu_seconds([vu.pid for vu in vus])
    group_before = {name: cpu_seconds(pids) for name, pids in group_pids.items()}
    machine_before, driver_before = machine_busy_seconds(), own_cpu_seconds()
    barrier.wait()
    started = time.time()
    results = loadgen._collect(out, vus)
    for vu in vus:
        vu.join()
    machine = machine_busy_seconds() - machine_before
    driver = own_cpu_seconds() - driver_before - vus_before
    records = [record for result in results for record in result["records"]]
    starved = sum(result["starved_s"] for result in results)
    return (
        records,
        starved,
        {
            "elapsed": max(record[0] for record in records) - started,
            "machine": machine,
            "driver": driver,
            "groups": {
                name: cpu_seconds(pids) - group_before[name] for name, pids in group_pids.items()
            },
        },
    )


def raw_verify_seconds(loadgen, procs: int) -> float:
    """One argon2id verify with Tobira's parameters (the peer's too), as the peer's driver measures
    it: ``procs`` processes verifying at once for 3 s; seconds per verify per process."""
    from identity.hashers import Argon2idOWASPHasher as hasher

    params = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    return procs / loadgen.raw_hash_rate(procs, 3.0, params)


def report(rounds: list[Round]) -> None:
    """Each round, then the medians of each side, then the ratios (last line)."""
    for r in rounds:
        if not r.signins:  # nothing to divide by: say why instead
            raise SystemExit(f"{r.target}: no sign-in succeeded in the round; errors: {r.errors}")
        verify_ms = r.verify * 1000
        groups = ", ".join(
            f"{name} {r.per_signin(cpu) * 1000:.1f}" for name, cpu in r.groups.items()
        )
        print(
            f"  {r.target:8} {r.signins:5} sign-ins in {r.elapsed:4.1f} s = {r.rate:5.1f}/s; "
            f"p50 {statistics.median(r.latencies) * 1000:.0f} ms; machine CPU "
            f"{r.per_signin(r.machine) * 1000:.1f} ms/sign-in = "
            f"{r.per_signin(r.machine) / r.verify:.2f} verifies of {verify_ms:.1f} ms "
            f"(ms: {groups}; driver {r.per_signin(r.driver) * 1000:.1f}); idle before {r.idle:.0%}"
            + (f"; ERRORS {r.errors}" if r.errors else "")
            + (
                f"; virtual users waited {r.starved:.1f} s for users (give more)"
                if r.starved
                else ""
            )
        )
    summary = {}
    for name in dict.fromkeys(r.target for r in rounds):
        mine = [r for r in rounds if r.target == name]
        rate = statistics.median(r.rate for r in mine)
        verifies = statistics.median(r.per_signin(r.machine) / r.verify for r in mine)
        summary[name] = (rate, verifies)
        print(
            f"{name}: median of {len(mine)} rounds: {rate:.1f} sign-ins/s, "
            f"machine CPU per sign-in {verifies:.2f} verifies"
        )
    if len(summary) < 2:
        return
    tobira, allauth = summary["tobira"], summary["allauth"]
    print(
        f"tobira/allauth sign-ins/s: {tobira[0] / allauth[0]:.2f}; "
        f"tobira CPU per sign-in: {tobira[1]:.2f} verifies"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", type=Path, required=True, help="../shared/peers/allauth_login")
    parser.add_argument("--peer-scratch", type=Path, default=ROOT / "var" / "bench" / "peer_login")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20, help="each round's length")
    parser.add_argument("--users", type=int, default=4000, help="per side")
    parser.add_argument("--only", choices=("tobira", "allauth"), help="one side only")
    parser.add_argument(
        "--profile", type=Path, help="py-spy's samples of Tobira's workers (collapsed stacks)"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(args.peer.resolve()))
    import loadgen

    workers = os.cpu_count() or 1
    concurrency = 2 * workers
    warm = 4 * concurrency
    print(
        f"machine: {workers} cores; PostgreSQL and Redis in use by nothing else "
        f"(run this on an otherwise idle machine)",
        flush=True,
    )
    peer_users = build_peer(args.peer.resolve(), args.peer_scratch.resolve(), args.users)
    print(
        f"tobira: a fresh database with {args.users} users with an authenticator app ...",
        flush=True,
    )
    targets = {
        "allauth": Target(
            "allauth", "allauth", peer_users, lambda n: peer_server(args.peer_scratch.resolve(), n)
        ),
        "tobira": Target(
            "tobira", f"{RECIPE}:TobiraRecipe", tobira_users(args.users), tobira_server
        ),
    }
    if args.only:
        targets = {args.only: targets[args.only]}
    print(
        f"gunicorn: {workers} sync workers each; {concurrency} virtual users (the peer's "
        f"loadgen.py); {args.rounds} rounds of {args.seconds:g} s each, alternating",
        flush=True,
    )

    rounds = []
    for number in range(args.rounds):
        order = list(targets.values())
        if number % 2:
            order.reverse()
        for target in order:
            # Two slices of users (and of warm-up users) taken in turn: a user signs in again two
            # rounds later, in another TOTP window (each code is good once).
            side = number % 2
            half = (len(target.users) - 2 * warm) // 2
            users = target.users[2 * warm + half * side : 2 * warm + half * (side + 1)]
            verify = raw_verify_seconds(loadgen, workers)
            r = run_round(
                loadgen,
                target,
                users,
                concurrency=concurrency,
                seconds=args.seconds,
                workers=workers,
                warm=target.users[warm * side : warm * (side + 1)],
                verify=verify,
                profile=args.profile if target.name == "tobira" else None,
            )
            rounds.append(r)
            report([r])
    print("all rounds:")
    report(rounds)


if __name__ == "__main__":
    main()
