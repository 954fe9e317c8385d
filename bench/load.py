"""Load on a small cluster (issue 19): people signing in with TOTP, clicking about the console and
calling the IAM API, through nginx over two gunicorn nodes and two Celery workers, for minutes.

    .venv/bin/python bench/load.py [--users 200] [--seconds 300] [--spawn-rate 20]

- **The cluster** is tests/support/cluster.py's, as tests/cluster runs it:
  - deploy/nginx/tobira.conf with TLS in front of two nodes (gunicorn with
    config/gunicorn.conf.py, one worker of 4 threads each);
  - two Celery workers;
  - PostgreSQL (its own database, ``<DATABASE_URL's name>_bench_load``) and Redis;
  - the rate limits of a deployment, with the per-address ones lifted (every person here comes
    from 127.0.0.1).
- **The people** are locust users (bench/locustfile.py), headless, loopback only and bounded by
  ``--seconds``. Each is an IAM user with IAMReadOnlyAccess, an authenticator app and an access
  key.
- **Printed:**
  - locust's count, p50 and p95 per request type;
  - the 5xx count;
  - the **lost audit events**: every sign-in the people saw succeed must be a ``ConsoleLogin``
    success in the trail. The difference is printed; 0 is the goal.

The last line: ``requests N; 5xx N; lost audit events N; p95 N ms``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tobira_bench_load")

from bench.signin import PASSWORD, prepare, server_env  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def people(alias: str, seeds: list[tuple[str, str]]) -> list[dict]:
    """Each bench user with its device, an access key and IAMReadOnlyAccess (the API and the
    users list answer 200, not 403)."""
    from identity.credentials import services as credential_services
    from identity.models import Account, User
    from identity.policies import services as policy_services
    from mfa.models import VirtualMFADevice

    account = Account.objects.get(alias=alias)
    devices = dict(VirtualMFADevice.objects.values_list("user__name", "pk"))
    out = []
    for name, seed in seeds:
        user = User.objects.get(account=account, name=name)
        policy_services.policy_attach(
            actor=None,
            account=account,
            policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
            user=user,
        )
        key, secret = credential_services.access_key_create(actor=None, user=user)
        out.append(
            {
                "name": name,
                "password": PASSWORD,
                "seed": seed,
                "device": devices[name],
                "account_id": account.pk,
                "key_id": key.access_key_id,
                "secret": secret,
            }
        )
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=20)
    args = parser.parse_args()

    work = ROOT / "var" / "bench" / "load"
    work.mkdir(parents=True, exist_ok=True)
    print(f"preparing {args.users} people ...", flush=True)
    alias, seeds = prepare(args.users)
    users_file = work / "users.json"
    users = people(alias, seeds)
    users_file.write_text(json.dumps(users))  # secrets: removed at the end
    users_file.chmod(0o600)

    from django.conf import settings

    from identity.models import AuditEvent
    from tests.support.cluster import start_cluster

    env = {
        **server_env(),
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_SIGNIN_FAILED": "100000/m/ip,5/5m/user",
        "RATELIMIT_MFA_FAILED": "100000/m/ip,10/5m/user",
        "RATELIMIT_PASSKEY_OPTIONS": "100000/m/ip",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SESSION_ENGINE", None)  # Redis sessions, as deployed
    cluster = start_cluster(work / "cluster", env, free_port=free_port, nodes=2, workers=2)
    successes = AuditEvent.objects.filter(
        event_name="ConsoleLogin", error_code="", recipient_account_id=users[0]["account_id"]
    )
    trail_before = successes.count()
    results_file = work / "results.json"
    try:
        print(
            f"locust: {args.users} people for {args.seconds} s through {cluster.nginx.https}",
            flush=True,
        )
        subprocess.run(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f", str(ROOT / "bench/locustfile.py"),
                "--headless", "--only-summary",
                "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
                "--host", cluster.nginx.https,
                "--stop-timeout", "10",
            ],
            env={
                **os.environ,
                "LOAD_USERS_FILE": str(users_file),
                "LOAD_RESULTS_FILE": str(results_file),
                "LOAD_ACCOUNT_ALIAS": alias,
            },
            check=False,
            timeout=args.seconds + 120,
        )  # fmt: skip
        time.sleep(2)  # the last requests' audit events are committed with their requests
    finally:
        cluster.stop()
        users_file.unlink(missing_ok=True)

    results = json.loads(results_file.read_text())
    trail = successes.count() - trail_before
    times = results["times"]
    everything = [t for name in times for t in times[name]]
    print(f"{'request':22} {'count':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for name in sorted(times):
        print(
            f"{name:22} {len(times[name]):>7} {percentile(times[name], 50):>7.0f} "
            f"{percentile(times[name], 95):>7.0f}"
        )
    print(f"status codes: {results['by_status']}")
    print(f"sign-ins the people saw succeed: {results['signins']}; ConsoleLogin successes: {trail}")
    lost = max(0, results["signins"] - trail)
    print(
        f"requests {len(everything)}; 5xx {results['server_errors']}; "
        f"lost audit events {lost}; p95 {percentile(everything, 95):.0f} ms"
    )


if __name__ == "__main__":
    main()
