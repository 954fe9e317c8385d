"""Load on a small cluster (issue 19): people signing in with TOTP to the console and to the
access portal, clicking about the console, opening accounts from the portal, calling the IAM API
and starting a recovery, through nginx over two gunicorn nodes and two Celery workers, for minutes.

    .venv/bin/python bench/load.py [--users 200] [--seconds 300] [--spawn-rate 20]

- **The cluster** is tests/support/cluster.py's, as tests/cluster runs it:
  - deploy/nginx/tobira.conf with TLS in front of two nodes (gunicorn with
    config/gunicorn.conf.py, one worker of 4 threads each);
  - two Celery workers, sending email to an SMTP server (aiosmtpd) on 127.0.0.1 in this process;
  - PostgreSQL (its own database, ``<DATABASE_URL's name>_bench_load``) and Redis (``CACHE_URL``
    and ``CELERY_BROKER_URL``'s databases);
  - the rate limits of a deployment, with the per-address ones lifted (every person here comes
    from 127.0.0.1).
- **The people** are locust users (bench/locustfile.py), headless, loopback only and bounded by
  ``--seconds``:
  - most are IAM users of the ``bench`` account with IAMReadOnlyAccess, an authenticator app
    and an access key: they sign in, click the console, call the IAM API, sign out and in;
  - one in ``PORTAL_SHARE`` is a person of the ``portal`` organization's directory (the bench
    of bench/portal.py): they sign in to the access portal with an authenticator app, open an
    account as the ReadOnly permission set (*Management console*), click its user list, sign
    out and in;
  - one in ``RECOVERY_SHARE`` (at least one) has lost the MFA device of root users: every
    ``RECOVERY_WAIT`` seconds they sign in as one of them with the password and start *Sign in
    using alternative factors* (the email is sent by a worker). Each has
    ``roots_per_person(seconds)`` root users of member accounts of their own, in turn, so no
    account comes near ``recovery_start``'s per-account limit: a refusal (429) is counted
    apart, as the limit's answer, not an error.
- **Printed:**
  - locust's count, p50 and p95 per request type;
  - the status codes, the 5xx count and the recovery starts refused (429);
  - the **lost audit events**: each thing the people saw happen must be its event in the trail
    (sign-ins: ``ConsoleLogin`` successes, console and portal apart; sign-outs:
    ``ConsoleSignOut``; accounts opened from the portal: ``Federate``; role sessions ended by a
    sign-out: ``Logout``; recovery starts: ``RecoveryStarted``), and each email at the SMTP
    server its ``RecoveryEmailSent``. Seen less recorded, per kind, summed; 0 is the goal;
  - the recovery emails the SMTP server got, against the starts.

The last line: ``requests N; 5xx N; lost audit events N; p95 N ms``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import use_bench_services  # noqa: E402

# bench.signin reads these when imported: a database of our own, the worktree's Redis.
use_bench_services("_bench_load", "postgres://postgres@127.0.0.1:5432/tobira_bench_load")

from bench import portal  # noqa: E402
from bench.signin import PASSWORD, add_app, prepare, server_env  # noqa: E402

PORTAL_SHARE = 4  # one person in 4 signs in to the access portal
RECOVERY_SHARE = 20  # one in 20 starts recoveries (at least one)
RECOVERY_WAIT = (6.0, 12.0)  # seconds between one person's recovery starts (locust's wait_time)
RECOVERY_STARTS_PER_ACCOUNT = 5  # at most, in one run: half of recovery_start's 10/h per account
RECOVERY_DOMAIN = "recovery.test"  # the root users' addresses: the emails counted
EMAIL_WAIT = 60  # seconds the emails of the last recovery starts may take after the run


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
    devices = dict(VirtualMFADevice.objects.filter(account=account).values_list("user__name", "pk"))
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


def portal_people(count: int) -> tuple[portal.Setup, list[dict]]:
    """The ``portal`` organization (bench/portal.py's) with ``count`` directory people, each with
    an authenticator app; both its accounts are assigned to them as ReadOnly."""
    from mfa.models import VirtualMFADevice

    setup = portal.add_organization(count, name="portal")
    devices = dict(
        VirtualMFADevice.objects.filter(account_id=setup.management_id).values_list(
            "user__name", "pk"
        )
    )
    return setup, [
        {
            "name": name,
            "password": PASSWORD,
            "seed": seed,
            "device": devices[name],
            "organization_id": setup.organization_id,
        }
        for name, seed in setup.seeds
    ]


def roots_per_person(seconds: int) -> int:
    """Root users each recovery person takes in turn: enough that none is started more than
    ``RECOVERY_STARTS_PER_ACCOUNT`` times in ``seconds`` (and at least two, so that a start
    never cancels the attempt before it, whose email may not have gone yet)."""
    starts = seconds / RECOVERY_WAIT[0] + 1
    return max(2, math.ceil(starts / RECOVERY_STARTS_PER_ACCOUNT))


def recovery_roots(alias: str, persons: int, each: int) -> list[dict]:
    """``persons`` sets of ``each`` root users' addresses: member accounts of the bench's
    organization with a contact phone (the recovery's second step), each root with the bench
    password and an authenticator app, the device they lost."""
    import secrets

    from django.contrib.auth.hashers import make_password

    from identity import crypto, services
    from identity.models import Account, User

    organization = Account.objects.get(alias=alias).organization
    management_root = User.objects.get(account=organization.management_account, kind=User.Kind.ROOT)
    password_hash = make_password(PASSWORD)
    out = []
    for person in range(persons):
        emails = []
        for turn in range(each):
            email = f"root-{person:03d}-{turn:02d}@{RECOVERY_DOMAIN}"
            account = services.account_create(
                actor=management_root,
                organization=organization,
                name=f"Recovery {person:03d}-{turn:02d}",
                root_email=email,
                contact_phone="+81312345678",
            )
            root = User.objects.get(account=account, kind=User.Kind.ROOT)
            User.objects.filter(pk=root.pk).update(password=password_hash)  # one hash, shared
            add_app(root, account, crypto.encrypt(secrets.token_bytes(20)))
            emails.append(email)
        out.append({"emails": emails, "password": PASSWORD})
    return out


class Inbox:
    """The SMTP server's handler: counts the messages to the recovery roots."""

    def __init__(self):
        self.lock = threading.Lock()
        self.recovery = 0
        self.other = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            if all(rcpt.endswith("@" + RECOVERY_DOMAIN) for rcpt in envelope.rcpt_tos):
                self.recovery += 1
            else:
                self.other += 1
        return "250 Message accepted for delivery"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


def trail(portal_setup: portal.Setup, bench_account_id: str) -> dict:
    """What each kind of thing the people see (bench/locustfile.py's names) leaves in the trail:
    a count of successful events (the database is fresh: only the people write these)."""
    from identity.models import AuditEvent

    events = AuditEvent.objects.filter(error_code="")
    return {
        "signin": events.filter(event_name="ConsoleLogin", recipient_account_id=bench_account_id),
        "portal_signin": events.filter(
            event_name="ConsoleLogin", recipient_account_id=portal_setup.management_id
        ),
        "signout": events.filter(event_name="ConsoleSignOut"),
        "role_open": events.filter(event_name="Federate"),
        "role_end": events.filter(event_name="Logout"),
        "recovery_start": events.filter(event_name="RecoveryStarted"),
        "recovery_email": events.filter(event_name="RecoveryEmailSent"),
    }


TRAIL_LABELS = {
    "signin": "ConsoleLogin (console sign-ins)",
    "portal_signin": "ConsoleLogin (portal sign-ins)",
    "signout": "ConsoleSignOut (sign-outs)",
    "role_open": "Federate (accounts opened)",
    "role_end": "Logout (role sessions ended)",
    "recovery_start": "RecoveryStarted (starts)",
    "recovery_email": "RecoveryEmailSent (emails at SMTP)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=20)
    args = parser.parse_args()

    portal_count = args.users // PORTAL_SHARE
    recovery_count = max(1, args.users // RECOVERY_SHARE)
    iam_count = args.users - portal_count - recovery_count
    if iam_count < 1 or portal_count < 1:
        parser.error(f"--users: at least {PORTAL_SHARE} (console, portal and recovery people)")
    work = ROOT / "var" / "bench" / "load"
    work.mkdir(parents=True, exist_ok=True)
    each = roots_per_person(args.seconds)
    print(
        f"preparing {iam_count} console people, {portal_count} portal people and "
        f"{recovery_count} starting recoveries ({each} root users each) ...",
        flush=True,
    )
    alias, seeds = prepare(iam_count)
    portal_setup, portal_users = portal_people(portal_count)
    pools = {
        "users": people(alias, seeds),
        "portal": portal_users,
        "recovery": recovery_roots(alias, recovery_count, each),
    }
    users_file = work / "users.json"
    # Secrets (passwords, TOTP seeds, access keys): readable by this user only from the first
    # byte, removed at the end.
    users_file.unlink(missing_ok=True)
    with os.fdopen(os.open(users_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(json.dumps(pools))
    bench_account_id = pools["users"][0]["account_id"]

    from aiosmtpd.controller import Controller
    from django.conf import settings

    from tests.support.cluster import start_cluster

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        **server_env(),
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_SIGNIN_FAILED": "100000/m/ip,5/5m/user",
        "RATELIMIT_MFA_FAILED": "100000/m/ip,10/5m/user",
        "RATELIMIT_PASSKEY_OPTIONS": "100000/m/ip",
        "RATELIMIT_RECOVERY_START": "100000/h/ip,10/h/user",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("SESSION_ENGINE", None)  # Redis sessions, as deployed
    cluster = start_cluster(work / "cluster", env, free_port=free_port, nodes=2, workers=2)
    events = trail(portal_setup, bench_account_id)
    before = {kind: query.count() for kind, query in events.items()}
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
                "LOAD_RECOVERY_WAIT": ",".join(str(s) for s in RECOVERY_WAIT),
            },
            check=False,
            timeout=args.seconds + 120,
        )  # fmt: skip
        time.sleep(2)  # the last requests' audit events are committed with their requests
        results = json.loads(results_file.read_text())
        # The emails of the last starts: a worker sends each after its start's response.
        deadline = time.monotonic() + EMAIL_WAIT
        starts = results["seen"].get("recovery_start", 0)
        while time.monotonic() < deadline and (
            inbox.recovery < starts or events["recovery_email"].count() < inbox.recovery
        ):
            time.sleep(0.2)
    finally:
        cluster.stop()
        smtp.stop()
        users_file.unlink(missing_ok=True)

    seen = {**results["seen"], "recovery_email": inbox.recovery}
    recorded = {kind: query.count() - before[kind] for kind, query in events.items()}
    times = results["times"]
    everything = [t for name in times for t in times[name]]
    width = max(len(name) for name in times)
    print(f"{'request':{width}} {'count':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for name in sorted(times):
        print(
            f"{name:{width}} {len(times[name]):>7} {percentile(times[name], 50):>7.0f} "
            f"{percentile(times[name], 95):>7.0f}"
        )
    print(f"status codes: {dict(sorted(results['by_status'].items()))}")
    print(
        f"recovery starts the people saw: {starts}; refused by the per-account limit (429): "
        f"{results['recovery_throttled']}; their emails at the SMTP server: {inbox.recovery} of "
        f"{starts} (other emails: {inbox.other})"
    )
    print(f"{'audit events':36} {'seen':>7} {'recorded':>9} {'lost':>5}")
    lost = 0
    for kind, label in TRAIL_LABELS.items():
        missing = max(0, seen.get(kind, 0) - recorded[kind])
        lost += missing
        print(f"{label:36} {seen.get(kind, 0):>7} {recorded[kind]:>9} {missing:>5}")
    print(
        f"requests {len(everything)}; 5xx {results['server_errors']}; "
        f"lost audit events {lost}; p95 {percentile(everything, 95):.0f} ms"
    )


if __name__ == "__main__":
    main()
