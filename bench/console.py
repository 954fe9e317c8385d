"""The console's pages at 10,000 IAM users and a million events: p50 and p95 per page, against
the goal of issue 17, "p95 < 150 ms for each".

    .venv/bin/python bench/console.py [--users 10000] [--events 1000000] [--requests 60]
                                      [--seconds 30] [--keep] [--only SUBSTRING]

The server is gunicorn as production runs it (``-c config/gunicorn.conf.py``: gthread, one
worker per core, 4 threads; bench/api.py's ``tobira_server``, not pinned) on PostgreSQL and
Redis, with bench/signin.py's settings (DEBUG off, cache sessions). The database is its own,
``<DATABASE_URL's name>_bench_console``:

- an organization whose management account holds ``--users`` IAM users (bulk inserts): 60 %
  with a console password (one argon2id hash, computed once), most of those with a last
  sign-in in the past year, 30 % with an authenticator app, a quarter with one or two access
  keys (some of them years old, some never used), 50 groups and about 1.5 memberships per user,
  20 customer managed policies;
- a member account with 200 IAM users, so that the dashboard's organization roll-up has rows;
- ``--events`` events in the management account's trail and a tenth of that in the member's,
  loaded with COPY by bench/events.py's loader (a year of events, 200 user names, 500
  addresses, 2,000 resources, 10 % reads, 5 % errors).

Loading a million events takes minutes: ``--keep`` leaves the database for the next run, which
reuses it when it holds the same numbers of users and events (migrating it first, so a new
index is measured too); without ``--keep`` the database is dropped at the end.

The client is the management account's root user, signed in once through the sign-in form,
then one ``requests.Session`` (keep-alive), sequential requests: per URL a few untimed
requests, then ``--requests`` timed ones or as many as ``--seconds`` allow. Every response must
be a 200 holding the rows it should (the number of rows, the total, the first user of a sorted
list): an error page makes the run fail, a benchmark of error pages being worthless.

Printed: per URL p50 and p95 in ms, and the CPU time per request of gunicorn's processes and
of their PostgreSQL backends (from /proc, 10 ms ticks summed over the URL's requests: the
figures that other load on a shared machine disturbs least), then the slowest p95 last, with
the verdict.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import use_bench_services  # noqa: E402

# bench.signin reads these when imported (bench.events and bench.api import it): our database.
use_bench_services(
    "_bench_console",
    "postgres://postgres@127.0.0.1:5432/tobira_bench_console",
    own_database=True,
)

from bench.api import (  # noqa: E402
    db_cpu_between,
    each_cpu,
    postgres_backends,
    process_cpu,
    tobira_server,
)
from bench.events import load as load_events  # noqa: E402
from bench.signin import (  # noqa: E402
    DATABASE_NAME,
    PASSWORD,
    add_app,
    fresh_database,
    password_step,
    server_env,
)

GOAL_MS = 150
ROOT_EMAIL = "root@bench.test"
MEMBER_USERS = 200
GROUPS = 50
POLICIES = 20
DEPARTMENTS = ("eng", "ops", "sales", "finance", "support", "data", "legal", "hr")
SEARCH_HIT = "-004"  # the users ...-00400 to ...-00499: 1 % of 10,000
SEARCH_MISS = "nobody-here"
SORTABLE = ("user_name", "path", "groups", "last_sign_in", "created")


# --- The database -------------------------------------------------------------------------


def _setup_django() -> None:
    """Django in this process on the bench database, migrated (a kept database gets new
    migrations, a new index among them, before it is measured)."""
    env = server_env()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(
        {
            k: env[k]
            for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "TOBIRA_VAR_DIR")
        }
    )
    import django

    django.setup()


def _database_exists() -> bool:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return DATABASE_NAME in out.split()


def _kept_matches(users: int, events: int) -> bool:
    """The kept database holds what this run asks for."""
    from identity.models import AuditEvent, User

    root = User.objects.filter(account__root_email=ROOT_EMAIL, kind=User.Kind.ROOT).first()
    if root is None:
        return False
    iam = User.objects.filter(account=root.account, kind=User.Kind.IAM).count()
    loaded = AuditEvent.objects.filter(recipient_account_id=root.account_id).count()
    return iam == users and events <= loaded < events + 10_000


def _users(account, count: int, rng, password_hash: str, unusable: str, now: datetime):
    from identity import arns
    from identity.models import User

    for i in range(count):
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        name = f"{department}-{i:05d}"
        path = f"/{department}/" if rng.random() < 0.8 else "/"
        created = now - timedelta(days=rng.uniform(1, 3 * 365))
        console = rng.random() < 0.6
        last_used = None
        if console and rng.random() < 0.75:
            last_used = now - timedelta(days=rng.uniform(0, 365))
            last_used = max(last_used, created)
        yield User(
            kind=User.Kind.IAM,
            account=account,
            name=name,
            path=path,
            arn=arns.user(account.id, path, name),
            password=password_hash if console else unusable,
            password_changed=created if console else None,
            password_last_used=last_used,
            created=created,
        )


def prepare(users: int, events: int) -> None:
    """A fresh database with the organization, its users, groups, keys, devices and events."""
    import random

    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache
    from django.db import connection, transaction
    from django.utils import timezone

    from identity import arns, crypto, ids, services
    from identity.credentials.models import AccessKey, Status
    from identity.models import Group, GroupMembership, User
    from identity.policies import services as policy_services

    started = time.perf_counter()
    cache.clear()
    rng = random.Random(17)
    now = timezone.now()
    organization = services.organization_create(
        name="Bench",
        account_name="Bench management",
        root_email=ROOT_EMAIL,
        root_password=PASSWORD,
        alias="bench-console",
    )
    management = organization.management_account
    root = User.objects.get(account=management, kind=User.Kind.ROOT)
    member = services.account_create(
        actor=root, organization=organization, name="Member", root_email="member@bench.test"
    )
    password_hash = make_password(PASSWORD)  # one hash, shared: preparing must not take an hour
    unusable = make_password(None)
    with transaction.atomic():
        for account, count in ((management, users), (member, MEMBER_USERS)):
            User.objects.bulk_create(
                _users(account, count, rng, password_hash, unusable, now), batch_size=2000
            )
        iam = list(User.objects.filter(account=management, kind=User.Kind.IAM).order_by("pk"))
        groups = Group.objects.bulk_create(
            Group(
                account=management,
                name=f"team-{g:02d}",
                path=f"/{DEPARTMENTS[g % len(DEPARTMENTS)]}/",
                arn=arns.group(
                    management.id, f"/{DEPARTMENTS[g % len(DEPARTMENTS)]}/", f"team-{g:02d}"
                ),
            )
            for g in range(GROUPS)
        )
        GroupMembership.objects.bulk_create(
            (
                GroupMembership(group=group, user=user)
                for user in iam
                for group in rng.sample(groups, rng.choice((0, 1, 1, 2, 2, 3)))
            ),
            batch_size=5000,
        )
        secret = crypto.encrypt(ids.new_secret_access_key().encode("ascii"))
        keys = []
        for user in iam:
            for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 1, 2))):
                created = now - timedelta(days=rng.uniform(1, 4 * 365))
                used = rng.random() < 0.6
                keys.append(
                    AccessKey(
                        access_key_id=ids.new_access_key_id(),
                        user=user,
                        account=management,
                        secret_encrypted=secret,
                        status=Status.ACTIVE if rng.random() < 0.85 else Status.INACTIVE,
                        created=created,
                        last_used_at=now - timedelta(days=rng.uniform(0, 200)) if used else None,
                    )
                )
        AccessKey.objects.bulk_create(keys, batch_size=5000)
        seed = crypto.encrypt(b"\x00" * 20)
        for user in rng.sample(iam, len(iam) * 3 // 10):  # 30 % with an authenticator app
            add_app(user, management, seed, now)
    for p in range(POLICIES):
        policy_services.customer_policy_create(
            actor=root,
            account=management,
            name=f"policy-{p:02d}",
            document='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
            f'"Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-{p}/*"}}]}}',
        )
    print(f"# users, groups, keys, devices, policies: {time.perf_counter() - started:.0f} s")
    seconds = load_events(management.id, events, 1) + load_events(member.id, events // 10, 2)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"# {events} + {events // 10} events loaded (COPY) and analyzed: {seconds:.0f} s")


def database(users: int, events: int, keep: bool) -> None:
    if keep and _database_exists():
        _setup_django()
        if _kept_matches(users, events):
            print(f"# reusing the kept database {DATABASE_NAME}")
            return
        print(f"# {DATABASE_NAME} holds other numbers: loading it again")
        from django.db import connections

        connections.close_all()
    fresh_database()
    prepare(users, events)


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", DATABASE_NAME], check=True
    )


# --- The pages ----------------------------------------------------------------------------

USER_ROW = re.compile(r'name="user" value="')
TOTAL = re.compile(r'<h1>[^<]*<span class="muted">\((\d+)\)</span>')
FIRST_USER = re.compile(r'<td><a href="/console/accounts/\d{12}/users/([^/"]+)/">')
EVENT_ROW = re.compile(r'<a href="/console/accounts/\d{12}/events/[0-9a-f-]{36}">')
OLDER = re.compile(r'<a class="btn btn-small" rel="next" href="\?([^"]+)">')
AFFECTED_ROW = re.compile(r'data-testid="affected-user"')
GROUP_ROW = re.compile(r'<tr><td><a href="/console/accounts/\d{12}/groups/')


@dataclass
class Case:
    label: str
    path: str
    checks: list = field(default_factory=list)  # (what, predicate on the body)
    times: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # gunicorn's CPU seconds over the timed requests
    db_cpu: float = 0.0  # its PostgreSQL backends' CPU seconds over the timed requests

    def cpu_ms(self, seconds: float) -> float:
        return seconds * 1000 / len(self.times)

    def check(self, body: str) -> None:
        for what, ok in self.checks:
            if not ok(body):
                raise SystemExit(f"{self.label}: {self.path}: not the expected page ({what})")


def _count(pattern, expected: int):
    return (f"{expected} rows", lambda body: len(pattern.findall(body)) == expected)


def _total(expected: int):
    def ok(body):
        found = TOTAL.search(body)
        return found is not None and int(found.group(1)) == expected

    return (f"a total of {expected}", ok)


def _some(pattern, expected: int):
    """``expected`` rows, or at least one when a small bench database has fewer to show."""
    return (
        f"{expected} rows (some when fewer are loaded)",
        lambda body: 0 < len(pattern.findall(body)) <= expected,
    )


def _contains(text: str):
    return (repr(text), lambda body: text in body)


def _first_user(name: str):
    def ok(body):
        found = FIRST_USER.search(body)
        return found is not None and found.group(1) == name

    return (f"{name} first", ok)


def cases(http, base: str, full: bool) -> list[Case]:
    """Every URL measured, each with what its page must hold (expected values from the
    database, through the same selectors the pages use). ``full``: a million events, so every
    event filter fills its page of 50."""
    from django.db.models import Q

    from console.views.users import USER_COLUMNS
    from identity import selectors
    from identity.models import Account, CustomerPolicy, User
    from mfa.credentials import dashboard

    event_page = (lambda: _count(EVENT_ROW, 50)) if full else (lambda: _some(EVENT_ROW, 50))

    root = User.objects.get(account__root_email=ROOT_EMAIL, kind=User.Kind.ROOT)
    management = root.account
    member = Account.objects.get(
        organization=management.organization, root_email="member@bench.test"
    )
    account = f"/console/accounts/{management.id}"
    columns = {column.key: column for column in USER_COLUMNS}
    all_users = selectors.account_users(account=management)
    total = all_users.count()
    out = []
    for key in SORTABLE:
        for descending in (False, True):
            ordered = all_users.order_by(
                *columns[key].ordering(descending), "-pk" if descending else "pk"
            )
            first = ordered.values_list("name", flat=True)[0]
            sort = f"-{key}" if descending else key
            for per_page in (25, 100):
                out.append(
                    Case(
                        f"users sort={sort} per_page={per_page}",
                        f"{account}/users/?" + urlencode({"sort": sort, "per_page": per_page}),
                        [_count(USER_ROW, per_page), _total(total), _first_user(first)],
                    )
                )
    hits = User.objects.filter(account=management, kind=User.Kind.IAM).filter(
        Q(name__icontains=SEARCH_HIT) | Q(path__icontains=SEARCH_HIT)
    )
    found = hits.count()
    out.append(
        Case(
            f"users q={SEARCH_HIT} ({found} match)",
            f"{account}/users/?" + urlencode({"q": SEARCH_HIT}),
            [_count(USER_ROW, min(found, 25)), _total(found)],
        )
    )
    out.append(
        Case(
            "users q=(no match)",
            f"{account}/users/?" + urlencode({"q": SEARCH_MISS}),
            [_count(USER_ROW, 0), _contains("No users match your search.")],
        )
    )

    facts = dashboard.account_facts(management)
    out.append(
        Case(
            "dashboard (with the organization roll-up)",
            f"{account}/dashboard",
            [
                _contains(f'data-testid="count-users"><span class="dashboard-count">{total}<'),
                _contains(f'data-testid="rollup-{member.id}"'),
            ],
        )
    )
    key = "console-without-mfa"
    affected = facts.affected[key]
    out.append(
        Case(
            f"dashboard affected users: {key} ({affected})",
            f"{account}/dashboard/{key}",
            [_count(AFFECTED_ROW, min(affected, 25)), _total(affected)],
        )
    )

    events = f"{account}/events/"
    now = datetime.now(UTC)
    custom = {
        "range": "custom",
        "start": (now - timedelta(days=120)).strftime("%Y-%m-%dT%H:%M"),
        "end": (now - timedelta(days=110)).strftime("%Y-%m-%dT%H:%M"),
    }
    filters = {
        "events, no filter": {},
        "events event_name=ConsoleLogin": {"event_name": "ConsoleLogin"},
        "events user_name=user7": {"user_name": "user7"},
        "events source_ip=198.51.0.7": {"source_ip": "198.51.0.7"},
        "events resource=res42": {"resource": "res42"},
        "events resource=<ARN>": {"resource": f"arn:aws:iam::{management.id}:user/res42"},
        "events read_only=true": {"read_only": "true"},
        "events read_only=false": {"read_only": "false"},
        "events error_code=AccessDenied": {"error_code": "AccessDenied"},
        "events errors_only": {"errors_only": "on"},
        "events range=1h": {"range": "1h"},
        "events range=24h": {"range": "24h"},
        "events range=7d": {"range": "7d"},
        "events range=30d": {"range": "30d"},
        "events range=custom (10 days, 4 months ago)": custom,
        "events user_name=user7 range=7d": {"user_name": "user7", "range": "7d"},
        "events organization-wide": {"scope": "organization"},
        "events organization-wide, member account": {
            "scope": "organization",
            "account": member.id,
        },
        "events organization-wide user_name=user7": {
            "scope": "organization",
            "user_name": "user7",
        },
    }
    for label, query in filters.items():
        path = events + (f"?{urlencode(query)}" if query else "")
        out.append(Case(label, path, [event_page()]))
    path = events
    for _ in range(5):  # the "Older" link, followed as a person would
        page = http.get(base + path)
        assert page.status_code == 200, page.status_code
        older = OLDER.search(page.text)
        assert older is not None, "no Older link"
        path = events + "?" + older.group(1).replace("&amp;", "&")
    out.append(Case("events, 5 pages deep (Older x5)", path, [event_page()]))

    out.append(
        Case(
            "groups",
            f"{account}/groups/",
            [_count(GROUP_ROW, 25), _total(GROUPS)],
        )
    )
    policy = CustomerPolicy.objects.filter(account=management).order_by("name")[0]
    out.append(Case("policies", f"{account}/policies/", [_contains(policy.name)]))
    out.append(Case("console home", "/console/", [_contains(member.id), _contains("Console home")]))
    return out


def sign_in(base: str):
    import requests

    http = requests.Session()
    done = password_step(http, base, "/signin", {"mode": "root", "email": ROOT_EMAIL})
    assert done.status_code == 302, (done.status_code, done.text[:2000])
    home = http.get(f"{base}/console/", allow_redirects=False)
    assert home.status_code == 200, (home.status_code, home.headers.get("Location"))
    return http


def measure(
    http, base: str, case: Case, requests_: int, seconds: float, warmup: int, pids: list[int]
) -> None:
    def one() -> float:
        started = time.perf_counter()
        response = http.get(base + case.path, allow_redirects=False)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{case.label}: {case.path}: status {response.status_code}")
        case.check(response.text)
        return elapsed

    for _ in range(warmup):
        one()
    backends = postgres_backends("console")
    server_before, db_before = process_cpu(pids), each_cpu(backends)
    deadline = time.monotonic() + seconds
    while len(case.times) < requests_ and time.monotonic() < deadline:
        case.times.append(one())
    case.server_cpu = process_cpu(pids) - server_before
    case.db_cpu = db_cpu_between(db_before, each_cpu(backends))


def percentile(times: list[float], p: int) -> float:
    if len(times) == 1:
        return times[0] * 1000
    return statistics.quantiles(times, n=100, method="inclusive")[p - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60, help="timed requests per URL")
    parser.add_argument("--seconds", type=float, default=30, help="at most this long per URL")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per URL")
    parser.add_argument("--keep", action="store_true", help="keep the database, reuse a kept one")
    parser.add_argument("--only", default="", help="only the URLs whose label contains this")
    args = parser.parse_args()

    database(args.users, args.events, args.keep)
    load = os.getloadavg()
    try:
        with tobira_server(None, os.cpu_count() or 1, threads=4, name="console") as (port, pids):
            base = f"http://127.0.0.1:{port}"
            http = sign_in(base)
            measured = [
                c for c in cases(http, base, args.events >= 100_000) if args.only in c.label
            ]
            for case in measured:
                measure(http, base, case, args.requests, args.seconds, args.warmup, pids)
                print(
                    f"{case.label:<58} {percentile(case.times, 50):7.1f} "
                    f"{percentile(case.times, 95):7.1f}  (n={len(case.times)}, CPU ms/request: "
                    f"server {case.cpu_ms(case.server_cpu):.0f}, db {case.cpu_ms(case.db_cpu):.0f})",
                    flush=True,
                )
    finally:
        if not args.keep:
            drop_database()
    after = os.getloadavg()
    print(
        f"\n{args.users} IAM users, {args.events} + {args.events // 10} events; "
        f"load average before {load[0]:.2f}, after {after[0]:.2f} ({os.cpu_count()} cores)\n"
    )
    width = max(len(c.label) for c in measured)
    print(f"| {'URL':<{width}} | p50 ms | p95 ms | server CPU ms | db CPU ms |")
    print(f"|{'-' * (width + 2)}|-------:|-------:|--------------:|----------:|")
    for case in measured:
        print(
            f"| {case.label:<{width}} | {percentile(case.times, 50):6.1f} "
            f"| {percentile(case.times, 95):6.1f} | {case.cpu_ms(case.server_cpu):13.1f} "
            f"| {case.cpu_ms(case.db_cpu):9.1f} |"
        )
    slowest = max(measured, key=lambda c: percentile(c.times, 95))
    over = [c for c in measured if percentile(c.times, 95) >= GOAL_MS]
    verdict = "met" if not over else f"missed by {len(over)} of {len(measured)} URLs"
    print(
        f"\nslowest p95: {slowest.label}: {percentile(slowest.times, 95):.1f} ms; "
        f"goal p95 < {GOAL_MS} ms for each: {verdict}"
    )


if __name__ == "__main__":
    main()
