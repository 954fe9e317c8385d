"""Signed IAM Query API calls per second on one server core: Tobira next to moto_server.

    .venv/bin/python bench/api.py [--users 150] [--seconds 5] [--rounds 3] [--warmup 2]
                                  [--clients 4] [--server-core 0] [--workers 1] [--threads 4]
                                  [--no-moto-auth] [--also TREE]
                                  [--profile var/bench/api-profile]

Both servers run in this run, pinned with ``taskset`` to the same core (``--server-core``):

- Tobira: gunicorn as production runs it (``-c config/gunicorn.conf.py config.wsgi``: gthread,
  4 threads per worker), ``--workers`` workers (one by default; ``--threads 1`` makes them
  sync workers) on PostgreSQL (a database of its own, ``<DATABASE_URL's
  name>_bench``, dropped, created and migrated) and Redis (``CACHE_URL``), with
  bench/signin.py's settings (DEBUG off, cache sessions) but rate limits ON: a signed API
  call reads its failed-signature limit from Redis, as in production.
  PostgreSQL and Redis are not ours and not pinned: their CPU time is not the server core's;
  the PostgreSQL backend's CPU time per call is printed next to the worker's.
- moto: ``moto_server`` (Werkzeug, threaded, one process) as shipped, with no signature or
  policy check (``MOTO_IAM_LOAD_MANAGED_POLICIES=true``, so that AWS's managed policies exist).
  Then the same server with its checks on (``POST /moto-api/reset-auth`` with ``0`` after
  seeding, which is what ``INITIAL_NO_AUTH_ACTION_COUNT=0`` does from the start: signature
  recomputed with botocore, the user's policies evaluated), reported apart.

Both hold the same data: 150 IAM users in one account (so ``ListUsers`` with ``MaxItems=100``
returns a full, truncated page), among them ``bench`` with an enabled virtual MFA device and
``admin`` with AWS's ``AdministratorAccess`` attached and one access key. Every call is signed
with admin's long-term key, so Tobira's policy engine loads and evaluates admin's policies
(and, the account being a member account of the organization, its SCP chain: FullAWSAccess)
every time. moto's ListUsers ignores ``MaxItems`` and answers every user; for the same page,
moto's ListUsers runs in a second moto account holding exactly 100 users (its answer in the
150-user account is printed too, not counted).

The calls: ``GetUser(UserName=bench)``, ``ListUsers(MaxItems=100)`` and
``ListMFADevices(UserName=bench)`` (skipped on both servers, and said so, when Tobira's
``api.registry.OPERATIONS`` has no ``(iam, ListMFADevices)``). ``--clients`` load-generator
processes, pinned to the other cores, each keep one HTTP connection (reopened whenever the
server closes it: gunicorn's sync worker and moto_server do after every response) and sign
every request with botocore's ``SigV4Auth`` just before sending it (Tobira refuses requests
signed more than 5 minutes ago). Op by op, each server gets ``--rounds`` slices of
``--seconds`` (each after ``--warmup`` seconds untimed), interleaved (A B C, C B A, ...) so
that whatever else the machine runs weighs on both alike. Every response must be a 200 whose
XML parses and holds what was asked (GetUser: bench; ListUsers: 100 members and IsTruncated;
ListMFADevices: one device); any error makes the run no result (exit status 1).

``--also TREE`` measures a second Tobira alongside, from another tree on the same database,
Redis and core (``git archive <branch> | tar -x -C TREE``, then link ``.venv``): a prototype
next to this tree, interleaved with it in the same run. Its ratios to moto are printed apart.

Before the load, a Django test client sends one signed call of each op through the whole
middleware stack and prints the SQL it ran (CaptureQueriesContext). ``--profile PREFIX``
runs py-spy on Tobira's worker afterwards, op by op: on-CPU and wall-clock (``--idle``)
collapsed stacks and an on-CPU flame graph, with each one's shares by stage of the call and by
kind of work; take figures without it. On a busy machine py-spy counts a thread waiting for
the CPU after its socket read returned as running: the on-CPU shares need a quiet machine.

Printed: calls/s per op and server; calls per CPU-second of the server's own processes (the
figure that other load on the machine disturbs least); and, last, the geometric mean over the
ops of Tobira's calls/s over moto's (as shipped).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench._common import use_bench_services  # noqa: E402

# bench.signin reads these when imported: a database of our own, the worktree's Redis.
use_bench_services("_bench", "postgres://postgres@127.0.0.1:5432/tobira_bench_api")
# This process's own broker: the MFA device's "added" notification is not sent anywhere.
os.environ["CELERY_BROKER_URL"] = "memory://"

from bench.signin import (  # noqa: E402
    PASSWORD,
    children,
    cpu_seconds,
    free_port,
    fresh_database,
    server_env,
)

REGION = "us-east-1"  # where botocore signs IAM (the aws partition's global endpoint)
VERSION = "2010-05-08"
OPS = {
    "GetUser": {"UserName": "bench"},
    "ListUsers": {"MaxItems": "100"},
    "ListMFADevices": {"UserName": "bench"},
}
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"
PAGE_ACCOUNT = "111111111111"  # moto's second account: exactly one page of users
MAX_ERRORS_KEPT = 20


@dataclass
class Target:
    """One server as the load generators see it."""

    name: str
    port: int
    path: str  # Tobira: /iam/; moto's one endpoint: /
    access_key_id: str
    secret: str
    pids: list[int] = field(default_factory=list)  # the server's own processes (CPU time)
    db_pids: list[int] = field(default_factory=list)  # its PostgreSQL backends, if any
    db_name: str | None = None  # how tobira_server named its connections
    page: tuple[int, bool] = (100, True)  # ListUsers: members and IsTruncated expected
    keys: dict[str, tuple[str, str]] = field(default_factory=dict)  # op: another key for it

    def key(self, op: str) -> tuple[str, str]:
        return self.keys.get(op, (self.access_key_id, self.secret))


# --- Seeding ------------------------------------------------------------------------------


def user_names(users: int) -> list[str]:
    """``users`` names: admin, bench, and u000… for the rest."""
    return ["admin", "bench"] + [f"u{i:03d}" for i in range(users - 2)]


def prepare_tobira(users: int) -> tuple[str, str, str]:
    """A fresh database: an organization, a member account with ``users`` IAM users, bench's
    enabled virtual MFA device, admin's AdministratorAccess and key: (account id, key id, secret)."""
    fresh_database()
    from django.core.cache import cache

    from identity import arns, services
    from identity.credentials import services as credential_services
    from identity.models import User
    from identity.policies import services as policy_services
    from mfa.totp import auth as totp
    from mfa.totp import services as totp_services

    cache.clear()
    organization = services.organization_create(
        name="Bench",
        account_name="Management",
        root_email="root@bench.test",
        root_password=PASSWORD,
        alias="bench-management",
    )
    management_root = User.objects.get(account=organization.management_account, kind=User.Kind.ROOT)
    account = services.account_create(
        actor=management_root,
        organization=organization,
        name="Workload",
        root_email="workload@bench.test",
        alias="bench",
    )
    root = User.objects.get(account=account, kind=User.Kind.ROOT)
    admin = services.iam_user_create(actor=root, account=account, name="admin")
    bench = services.iam_user_create(actor=root, account=account, name="bench")
    User.objects.bulk_create(
        User(kind=User.Kind.IAM, account=account, name=name, arn=arns.user(account.id, "/", name))
        for name in user_names(users)[2:]
    )
    assert User.objects.filter(account=account, kind=User.Kind.IAM).count() == users
    policy_services.policy_attach(actor=root, account=account, policy_arn=ADMINISTRATOR, user=admin)
    device, key = totp_services.virtual_mfa_device_create(user=bench, name="bench")
    step = totp.current_step()
    totp_services.mfa_device_enable(
        actor=root,
        device=device,
        first_code=totp.code_at(key, step),
        second_code=totp.code_at(key, step + 1),
    )
    access_key, secret = credential_services.access_key_create(actor=root, user=admin)
    return account.id, access_key.access_key_id, secret


def seed_moto(base: str, users: int, account_id: str | None = None) -> tuple[str, str]:
    """The same users, device, policy and key in moto (its checks off), in its default account
    or ``account_id``: (admin's key id, secret)."""
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=base,
        region_name=REGION,
        aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
        aws_secret_access_key="seeding",
    )
    if account_id is not None:  # moto's own header: the account a request is in

        def in_account(request, **_kwargs):
            request.headers["x-moto-account-id"] = account_id

        iam.meta.events.register("before-sign.iam", in_account)
    for name in user_names(users):
        iam.create_user(UserName=name)
    iam.attach_user_policy(UserName="admin", PolicyArn=ADMINISTRATOR)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="bench")["VirtualMFADevice"][
        "SerialNumber"
    ]
    iam.enable_mfa_device(
        UserName="bench",
        SerialNumber=serial,
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def moto_auth(base: str, on: bool) -> None:
    """Turn moto's signature and policy checks on (``0`` calls without them) or off again."""
    import requests

    response = requests.post(f"{base}/moto-api/reset-auth", data=b"0" if on else b"inf", timeout=10)
    response.raise_for_status()


# --- Requests -----------------------------------------------------------------------------


def signed(target: Target, op: str, *, secret: str | None = None) -> tuple[bytes, dict]:
    """The body and headers of one ``op`` call, signed now (SigV4, botocore's signer)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = urlencode({"Action": op, "Version": VERSION, **OPS[op]}).encode()
    request = AWSRequest(
        method="POST",
        url=f"http://127.0.0.1:{target.port}{target.path}",
        data=body,
        headers={"Content-Type": CONTENT_TYPE},
    )
    access_key_id, key_secret = target.key(op)
    credentials = Credentials(access_key_id, secret or key_secret)
    SigV4Auth(credentials, "iam", REGION).add_auth(request)
    return body, dict(request.headers.items())


def check(op: str, content: bytes, page: tuple[int, bool] = (100, True)) -> str | None:
    """Why a 200's body is not the answer to ``op``, or None when it is; ``page``: the
    ListUsers members and IsTruncated expected."""
    try:
        root = ET.fromstring(content)
    except ET.ParseError as error:
        return f"XML: {error}"
    if op == "GetUser":
        name = root.find("./{*}GetUserResult/{*}User/{*}UserName")
        return None if name is not None and name.text == "bench" else "not bench"
    if op == "ListUsers":
        members = root.findall("./{*}ListUsersResult/{*}Users/{*}member")
        truncated = root.find("./{*}ListUsersResult/{*}IsTruncated")
        expected = "true" if page[1] else "false"
        if len(members) != page[0] or truncated is None or truncated.text != expected:
            return f"{len(members)} users, IsTruncated {getattr(truncated, 'text', None)}"
        return None
    if op == "ListMFADevices":
        devices = root.findall("./{*}ListMFADevicesResult/{*}MFADevices/{*}member/{*}SerialNumber")
        return None if len(devices) == 1 else f"{len(devices)} devices"
    return f"unknown op {op}"


class Connection:
    """One keep-alive HTTP/1.1 connection, opened again whenever the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.http: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
        try:
            if self.http is None:
                self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.http.request("POST", path, body, headers)
            response = self.http.getresponse()
            status, content = response.status, response.read()
            if response.will_close:
                self.close()
            return status, content
        except (OSError, http.client.HTTPException) as error:
            self.close()
            return 0, repr(error).encode()

    def close(self) -> None:
        if self.http is not None:
            self.http.close()
            self.http = None


def one(target: Target, connection: Connection, op: str) -> tuple[int, bytes, str | None]:
    """Sign and send one call: (status, body, what is wrong with it or None)."""
    body, headers = signed(target, op)
    status, content = connection.post(target.path, body, headers)
    if status != 200:
        return status, content, f"HTTP {status}"
    return status, content, check(op, content, target.page)


def load_generator(target, ops, start_at, stop_at, cores, results) -> None:
    """One client process: ``ops`` in turn until ``stop_at``; calls completed within
    [start_at, stop_at] are counted, the ones before are the warm-up."""
    os.sched_setaffinity(0, cores)
    connection = Connection(target.port)
    latencies: list[float] = []
    errors: list[tuple[str, str]] = []
    error_count = 0
    turn = 0
    while True:
        sent = time.monotonic()
        if sent >= stop_at:
            break
        op = ops[turn % len(ops)]
        turn += 1
        status, content, wrong = one(target, connection, op)
        done = time.monotonic()
        if wrong is not None:  # in the warm-up too: a run with errors is no result
            error_count += 1
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append((wrong, content[:300].decode(errors="replace")))
        elif sent >= start_at and done <= stop_at:
            latencies.append(done - sent)
    connection.close()
    results.put({"latencies": latencies, "errors": errors, "error_count": error_count})


# --- Measuring ----------------------------------------------------------------------------


def core_busy() -> dict[int, tuple[float, float]]:
    """Per core: (busy, total) clock ticks so far."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu") and line[3:4].isdigit():
            name, *fields = line.split()
            values = [int(v) for v in fields[:8]]
            idle = values[3] + values[4]
            out[int(name[3:])] = (sum(values) - idle, sum(values))
    return out


def process_cpu(pids: list[int]) -> float:
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    return cpu_seconds(alive)


def each_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds so far of each process still there."""
    out = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # gone
            out[pid] = cpu_seconds([pid])
    return out


def db_cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """The backends' CPU time between two samples: a backend that appeared in between counts
    whole; one that ended in between (connections live 60 s) is lost, an undercount."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


@dataclass
class Result:
    target: str
    op: str
    calls: int
    seconds: float
    latencies: list[float]
    errors: list[tuple[str, str]]
    error_count: int
    server_cpu: float  # CPU seconds of the server's processes over the timed span
    db_cpu: float  # of its PostgreSQL backends
    busy: dict[int, float]  # per core: busy fraction over the timed span

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


def measure(target: Target, ops: list[str], args, client_cores: set[int]) -> Result:
    """``args.clients`` load generators on ``client_cores`` at ``target``: warm-up, then timed."""
    context = mp.get_context("fork")
    results = context.Queue()
    start_at = time.monotonic() + args.warmup
    stop_at = start_at + args.seconds
    processes = [
        context.Process(
            target=load_generator,
            args=(target, ops, start_at, stop_at, client_cores, results),
        )
        for _ in range(args.clients)
    ]
    for process in processes:
        process.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    if target.db_name is not None:  # the load generators are forked: this process may query
        target.db_pids = postgres_backends(target.db_name)  # (connections live 60 s)
    cpu_before = process_cpu(target.pids), each_cpu(target.db_pids), core_busy()
    time.sleep(max(0.0, stop_at - time.monotonic()))
    if target.db_name is not None:
        target.db_pids = postgres_backends(target.db_name)
    cpu_after = process_cpu(target.pids), each_cpu(target.db_pids), core_busy()
    collected = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
    if target.db_name is not None:
        from django.db import connections

        connections.close_all()  # none open in the next load generators forked
    busy = {
        core: (cpu_after[2][core][0] - cpu_before[2][core][0])
        / max(1, cpu_after[2][core][1] - cpu_before[2][core][1])
        for core in cpu_after[2]
    }
    latencies = [t for c in collected for t in c["latencies"]]
    return Result(
        target=target.name,
        op="+".join(ops),
        calls=len(latencies),
        seconds=args.seconds,
        latencies=latencies,
        errors=[e for c in collected for e in c["errors"]],
        error_count=sum(c["error_count"] for c in collected),
        server_cpu=cpu_after[0] - cpu_before[0],
        db_cpu=db_cpu_between(cpu_before[1], cpu_after[1]),
        busy=busy,
    )


def postgres_backends(name: str) -> list[int]:
    """The PostgreSQL backends of the server ``tobira_server`` started as ``name``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s",
            [f"tobira-bench-{name}"],
        )
        return [row[0] for row in cursor.fetchall()]


# --- Servers ------------------------------------------------------------------------------


def wait_for_port(port: int, process: subprocess.Popen, what: str) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with status {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def tobira_server(
    core: int | None, workers: int, threads: int = 1, root: Path = ROOT, name: str = "main"
):
    """gunicorn from the tree ``root``, ``workers`` workers (sync, or gthread with ``threads``
    threads each), pinned to ``core`` (None: not pinned): yields (port, pids: the workers, then
    the master). Its PostgreSQL connections carry the ``application_name`` ``tobira-bench-<name>``."""
    port = free_port()
    env = {**server_env(), "RATELIMIT_ENABLED": "1"}
    env["DATABASE_URL"] += f"?application_name=tobira-bench-{name}"
    process = subprocess.Popen(
        [
            *(["taskset", "-c", str(core)] if core is not None else []),
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "config/gunicorn.conf.py",
            "config.wsgi",
            "-k",
            "sync" if threads == 1 else "gthread",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
    )
    try:
        wait_for_port(port, process, "gunicorn")
        pids = []
        for _ in range(100):
            pids = children(process.pid)
            if len(pids) >= workers:
                break
            time.sleep(0.1)
        yield port, [*pids, process.pid]
    finally:
        stop(process)


@contextlib.contextmanager
def moto_server(core: int):
    """``moto_server`` pinned to ``core``, as shipped: yields (port, pid)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "INITIAL_NO_AUTH_ACTION_COUNT"}
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"  # AdministratorAccess, as AWS has it
    process = subprocess.Popen(
        ["taskset", "-c", str(core), str(ROOT / ".venv/bin/moto_server"), "-H", "127.0.0.1"]
        + ["-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # Werkzeug logs every request there
    )
    try:
        wait_for_port(port, process, "moto_server")
        yield port, process.pid
    finally:
        stop(process)


# --- Probes -------------------------------------------------------------------------------


def sql_per_call(account_id: str, access_key_id: str, secret: str, ops: list[str]) -> dict:
    """One signed call of each op through Django's test client and the whole middleware stack
    (after one untimed call: the key's "last used" stamp is not counted): the SQL it ran."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    target = Target("test client", 80, "/iam/", access_key_id, secret)
    client = Client()
    out = {}
    for op in ops:
        for counted in (False, True):
            body, headers = signed(target, op)
            meta = {
                "HTTP_" + name.upper().replace("-", "_"): value
                for name, value in headers.items()
                if name.lower() != "content-type"
            }
            meta["HTTP_HOST"] = "127.0.0.1"
            with CaptureQueriesContext(connection) as queries:
                response = client.generic("POST", "/iam/", body, content_type=CONTENT_TYPE, **meta)
            assert response.status_code == 200, (op, response.status_code, response.content[:300])
            wrong = check(op, response.content)
            assert wrong is None, (op, wrong)
            if counted:
                out[op] = [q["sql"] for q in queries.captured_queries]
    return out


def refuses_bad_signature(target: Target) -> str:
    """What the server answers to a call signed with the wrong secret."""
    connection = Connection(target.port)
    body, headers = signed(target, "GetUser", secret="wrong" + target.secret[5:])
    status, content = connection.post(target.path, body, headers)
    connection.close()
    code = ET.fromstring(content).find(".//{*}Code") if status != 200 else None
    return f"{status} {code.text if code is not None else ''}".strip()


def profile(target: Target, ops: list[str], args, client_cores: set[int]) -> None:
    """py-spy on Tobira's worker, op by op: on-CPU samples (collapsed stacks and a flame
    graph) and wall-clock samples (``--idle``: the waits on PostgreSQL and Redis too)."""
    py_spy = str(ROOT / ".venv/bin/py-spy")
    worker = target.pids[0]
    seconds = int(args.seconds * args.rounds)
    for op in ops:
        for kind, extra, fmt, suffix in (
            ("on-CPU", [], "raw", "cpu.txt"),
            ("wall-clock", ["--idle"], "raw", "wall.txt"),
            ("on-CPU", [], "flamegraph", "cpu.svg"),
        ):
            path = Path(f"{args.profile}-{op}-{suffix}")
            path.parent.mkdir(parents=True, exist_ok=True)
            recorder = subprocess.Popen(
                [py_spy, "record", "--pid", str(worker), "--nonblocking", "--rate", "250"]
                + extra
                + ["--duration", str(seconds), "--format", fmt, "--output", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)  # py-spy attached before the timed part begins
            args_profiled = argparse.Namespace(**{**vars(args), "seconds": seconds - 1})
            result = measure(target, [op], args_profiled, client_cores)
            recorder.wait(120)
            print(f"py-spy {op}, {kind} ({result.rate:.0f} calls/s while sampled): {path}")
            if fmt == "raw":
                stages, kinds = profile_parts(path)
                print("  by stage:  " + ", ".join(f"{n} {p * 100:.0f}%" for n, p in stages))
                print("  by kind:   " + ", ".join(f"{n} {p * 100:.0f}%" for n, p in kinds))


# Stages of a call: the first marker found in a stack (root to leaf order does not matter)
# names the stage; more specific markers come first.
STAGES = (
    ("connection health check", "close_if_health_check_failed"),
    ("XML serialization", "serialize_result"),
    ("input parsing", "parse_input"),
    ("policy evaluation", "identity/policy/"),
    ("policy loading", "principal_policies"),
    ("SigV4 verify", "api/sigv4.py"),
    ("key lookup", "signing_key_lookup"),
    ("rate-limit check", "ratelimit.py"),
    ("authenticate, rest", "api/auth.py"),
    ("operation's own work", "api/iam/"),
    ("dispatch, rest", "api/views.py"),
    ("middleware and Django", "django/"),
)
# What the time is spent on: the marker nearest the leaf wins.
KINDS = (
    ("PostgreSQL (psycopg)", "psycopg/"),
    ("Redis", "redis/"),
    ("SQL compiling", "django/db/models/sql/"),
    ("ORM rows to objects", "django/db/models/"),
    ("Django database layer", "django/db/"),
    ("botocore", "botocore/"),
    ("policy engine", "identity/policy/"),
    ("gunicorn", "gunicorn/"),
)


def profile_parts(path: Path) -> tuple[list, list]:
    """Shares of a collapsed-stack profile's samples: by stage of the call, and by kind of work."""
    stages: Counter = Counter()
    kinds: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _space, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        n = int(samples)
        total += n
        frames = stack.split(";")
        stage = next(
            (name for name, marker in STAGES if any(marker in frame for frame in frames)),
            "gunicorn (accept, read, write, close)",
        )
        stages[stage] += n
        kind = "other Python"
        for frame in reversed(frames):
            found = next((name for name, marker in KINDS if marker in frame), None)
            if found:
                kind = found
                break
        kinds[kind] += n
    return (
        [(name, n / max(1, total)) for name, n in stages.most_common()],
        [(name, n / max(1, total)) for name, n in kinds.most_common()],
    )


# --- Report -------------------------------------------------------------------------------


def combine(results: list[Result]) -> Result:
    """The slices of one (target, op) as one measurement."""
    return Result(
        target=results[0].target,
        op=results[0].op,
        calls=sum(r.calls for r in results),
        seconds=sum(r.seconds for r in results),
        latencies=[t for r in results for t in r.latencies],
        errors=[e for r in results for e in r.errors],
        error_count=sum(r.error_count for r in results),
        server_cpu=sum(r.server_cpu for r in results),
        db_cpu=sum(r.db_cpu for r in results),
        busy={
            core: statistics.fmean(r.busy.get(core, 0.0) for r in results)
            for core in results[0].busy
        },
    )


def describe(result: Result) -> str:
    p50 = statistics.median(result.latencies) * 1000 if result.latencies else float("nan")
    per_call = result.server_cpu / max(1, result.calls) * 1000
    db = result.db_cpu / max(1, result.calls) * 1000
    busy = ", ".join(f"{c}: {b * 100:.0f}%" for c, b in sorted(result.busy.items()))
    text = f"p50 {p50:5.1f} ms; server CPU {per_call:5.2f} ms/call"
    if result.db_cpu:
        text += f" + its PostgreSQL backend {db:.2f}"
    return f"{text}; cores busy {busy}"


def cpu_rate(result: Result, with_db: bool = False) -> float:
    """Calls per CPU-second of the server's processes (and of its PostgreSQL backend)."""
    return result.calls / (result.server_cpu + (result.db_cpu if with_db else 0.0))


def interleaved(targets, ops, args, client_cores, moto_base, by_target) -> None:
    """Op by op, ``--rounds`` slices of ``--seconds`` for each target, alternating (ABC CBA …)
    so that whatever else the machine runs weighs on every target alike."""
    for op in ops:
        for round_ in range(args.rounds):
            order = [(t, t_ops) for t, t_ops in targets if t_ops is None or op in t_ops]
            for target, _target_ops in order if round_ % 2 == 0 else reversed(order):
                checked = target.name.endswith("(checks on)")
                if checked:
                    moto_auth(moto_base, True)
                try:
                    result = measure(target, [op], args, client_cores)
                finally:
                    if checked:
                        moto_auth(moto_base, False)
                by_target[(target.name, op)].append(result)
                print(
                    f"  {op:15} {round_ + 1} {target.name:18} {result.rate:7.1f} calls/s, "
                    f"errors {result.error_count}; {describe(result)}",
                    flush=True,
                )


def geometric_mean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=150, help="IAM users in the account")
    parser.add_argument("--seconds", type=float, default=5, help="timed, per slice")
    parser.add_argument("--rounds", type=int, default=3, help="slices per op and server")
    parser.add_argument("--warmup", type=float, default=2, help="untimed, before each slice")
    parser.add_argument("--clients", type=int, default=4, help="load-generator processes")
    parser.add_argument("--server-core", type=int, default=0, help="the servers' one core")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn's, on that core")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help="per gunicorn worker, as config/gunicorn.conf.py ships (1: a sync worker)",
    )
    parser.add_argument("--no-moto-auth", action="store_true", help="skip moto with its checks")
    parser.add_argument(
        "--also",
        type=Path,
        help="another Tobira tree (e.g. a branch exported with git archive) measured alongside, "
        "on the same database and core",
    )
    parser.add_argument("--profile", help="py-spy Tobira's worker afterwards: PREFIX-<op>-…")
    args = parser.parse_args()
    if args.users < 102:
        parser.error("--users must be at least 102 (a full page of 100, admin and bench)")
    if args.also is not None and not (args.also / "config" / "wsgi.py").exists():
        parser.error(f"--also {args.also}: no config/wsgi.py there")
    cores = os.sched_getaffinity(0)
    client_cores = cores - {args.server_core}
    if args.server_core not in cores or not client_cores:
        parser.error(f"--server-core must be one of {sorted(cores)}, leaving others for clients")
    os.sched_setaffinity(0, client_cores)

    print(f"preparing Tobira: {args.users} IAM users, an MFA device, admin's key ...", flush=True)
    account_id, key_id, secret = prepare_tobira(args.users)
    from api.registry import OPERATIONS
    from api.views import dispatch  # noqa: F401 - importing it registers every operation

    ops = [op for op in OPS if ("iam", op) in OPERATIONS]
    skipped = [op for op in OPS if op not in ops]
    for op in skipped:
        print(f"(iam, {op}) is not in api.registry.OPERATIONS: skipped on both servers")

    print("SQL per call (Django test client, whole middleware stack, key already stamped):")
    for op, queries in sql_per_call(account_id, key_id, secret, ops).items():
        print(f"  {op}: {len(queries)} queries")
        for sql in queries:
            print(f"    {sql[:150]}")

    from django.db import connections

    by_target: dict[tuple[str, str], list[Result]] = defaultdict(list)
    with contextlib.ExitStack() as servers:
        port, pids = servers.enter_context(
            tobira_server(args.server_core, args.workers, args.threads)
        )
        tobira = Target("Tobira", port, "/iam/", key_id, secret, pids)
        tobiras = [(tobira, "main")]
        if args.also is not None:
            port, pids = servers.enter_context(
                tobira_server(
                    args.server_core, args.workers, args.threads, args.also.resolve(), "also"
                )
            )
            name = f"Tobira@{args.also.resolve().name}"
            tobiras.append((Target(name, port, "/iam/", key_id, secret, pids), "also"))
        moto_port, moto_pid = servers.enter_context(moto_server(args.server_core))
        moto_base = f"http://127.0.0.1:{moto_port}"
        print("seeding moto the same way ...", flush=True)
        moto_key = seed_moto(moto_base, args.users)
        # moto ignores MaxItems (ListUsers answers every user, IsTruncated false): for the
        # same page, its ListUsers runs in a second account holding exactly 100 users.
        page_key = seed_moto(moto_base, 100, PAGE_ACCOUNT)
        moto = Target("moto", moto_port, "/", *moto_key, [moto_pid], page=(100, False))
        moto.keys["ListUsers"] = page_key
        moto_checked = Target(
            "moto (checks on)", moto_port, "/", *moto_key, [moto_pid], page=(100, False)
        )
        moto_checked.keys["ListUsers"] = page_key
        moto_all = Target(
            "moto, all users", moto_port, "/", *moto_key, [moto_pid], page=(args.users, False)
        )
        checked_once = [t for t, _name in tobiras] + [moto, moto_all]
        for target in checked_once:  # one call of each, checked, before any load
            connection = Connection(target.port)
            for op in ops if target is not moto_all else ["ListUsers"]:
                status, content, wrong = one(target, connection, op)
                assert wrong is None, (target.name, op, status, wrong, content[:300])
            connection.close()
        for target, name in tobiras:
            target.db_name = name
        connections.close_all()  # the load generators are forked from this process
        refusals = [f"{t.name} {refuses_bad_signature(t)}" for t, _name in tobiras]
        refusals.append(f"moto {refuses_bad_signature(moto)}")
        if not args.no_moto_auth:
            moto_auth(moto_base, True)
            refusals.append(f"moto with its checks on {refuses_bad_signature(moto_checked)}")
            moto_auth(moto_base, False)
        print(f"signed with a wrong secret: {', '.join(refusals)}", flush=True)
        targets = [(t, None) for t, _name in tobiras] + [(moto, None)]
        if not args.no_moto_auth:
            targets.append((moto_checked, None))
        targets.append((moto_all, ["ListUsers"]))
        interleaved(targets, ops, args, client_cores, moto_base, by_target)
        if args.profile:
            profile(tobira, ops, args, client_cores)

    totals = {key: combine(results) for key, results in by_target.items()}
    errors = sum(r.error_count for r in totals.values())
    names = [t.name for t, target_ops in targets if target_ops is None]
    tobira_names = [t.name for t, _name in tobiras]
    print()
    print(
        f"Server: one core (taskset -c {args.server_core}): gunicorn with {args.workers} "
        f"{'sync' if args.threads == 1 else f'gthread ({args.threads} threads)'} worker(s) "
        f"(PostgreSQL and Redis not pinned), moto_server (threaded). Load: "
        f"{args.clients} processes on cores {sorted(client_cores)}, per op and server "
        f"{args.rounds} slices of {args.seconds:g} s (after {args.warmup:g} s of warm-up "
        f"each), interleaved. Tobira signs as an IAM user with AdministratorAccess attached, "
        f"in a member account (SCPs: FullAWSAccess)."
    )
    ratios: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    width = max(18, *(len(name) + 2 for name in names))
    calls, cpu = "calls/s on one server core", "calls per CPU-second of the server's own processes"
    for title, rate in ((calls, lambda r: r.rate), (cpu, cpu_rate)):
        print(f"{title}:")
        print(f"  {'op':15}" + "".join(f"{name:>{width}}" for name in names))
        for op in ops:
            rates = {name: rate(totals[(name, op)]) for name in names}
            print(f"  {op:15}" + "".join(f"{rates[name]:{width}.1f}" for name in names))
            for t in tobira_names:
                for m in names[len(tobiras) :]:
                    ratios[(title, t, m)].append(rates[t] / rates[m])
        for t in tobira_names:
            for m in names[len(tobiras) :]:
                pairs = zip(ops, ratios[(title, t, m)], strict=True)
                each = ", ".join(f"{op} {r:.2f}×" for op, r in pairs)
                mean = geometric_mean(ratios[(title, t, m)])
                print(f"  {t}/{m}: {each}; geometric mean {mean:.2f}×")
    print("per op and server:")
    for op in ops:
        for name in names:
            print(f"  {op:15} {name:{width}} {describe(totals[(name, op)])}")
    for t in tobira_names:
        for op in ops:
            print(
                f"  {op:15} {t:{width}} calls per CPU-second with its PostgreSQL backend: "
                f"{cpu_rate(totals[(t, op)], with_db=True):.1f}"
            )
    if ("moto, all users", "ListUsers") in totals:
        everyone = totals[("moto, all users", "ListUsers")].rate
        print(
            f"moto's ListUsers ignores MaxItems: in the account of {args.users} users it answers "
            f"all {args.users}, {everyone:.1f} calls/s (Tobira/that "
            f"{totals[('Tobira', 'ListUsers')].rate / everyone:.2f}×). The table's moto ListUsers "
            f"runs in its account of 100 users: the same page as Tobira's."
        )
    if errors:
        print(f"ERRORS: {errors} responses were not a correct 200: this run is no result")
        seen = Counter(e for r in totals.values() for e in r.errors)
        for (wrong, text), times in seen.most_common(5):
            print(f"  x{times}: {wrong}: {text}")
    over = ", ".join(ops) + (f"; {', '.join(skipped)} skipped" if skipped else "")
    print(
        f"API per server CPU-second: Tobira/moto = "
        f"{geometric_mean(ratios[(cpu, 'Tobira', 'moto')]):.2f}× (geometric mean over {over})"
    )
    print(
        f"API: Tobira/moto = {geometric_mean(ratios[(calls, 'Tobira', 'moto')]):.2f}× "
        f"(geometric mean over {over}; goal ≥ 2×)"
    )
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
