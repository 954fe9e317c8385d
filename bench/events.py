"""The event history at a million events in one account: PostgreSQL's plans and timings.

    .venv/bin/python bench/events.py [--events 1000000] [--member-events 100000] [--runs 5]

A database of its own (``<DATABASE_URL's name>_bench_events``, dropped, created and migrated), an
organization with its management account and one member account, then ``--events`` events in the
management account and ``--member-events`` in the member, loaded with COPY (a year of events:
200 users, 500 addresses, 2,000 resources, 10% reads, 5% errors). Then, for the first page
(50 rows) of each filter, a page 900,000 rows deep (keyset), the organization-wide page and a
100,000-row download: ``EXPLAIN (ANALYZE, BUFFERS)`` of the query the console sends (built by
``identity.selectors.events_filtered`` and ``identity.event_history``) and the median of
``--runs`` timings. Results: docs/research/issue17-event-history.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench._common import use_bench_services  # noqa: E402

use_bench_services("_bench_events", "postgres://postgres@127.0.0.1:5432/tobira_bench_events")
os.environ["CELERY_BROKER_URL"] = "memory://"

from bench.signin import fresh_database, server_env  # noqa: E402

NAMES = [
    ("ConsoleLogin", "signin.tobira", False),
    ("CreateUser", "iam.tobira", False),
    ("UpdateUser", "iam.tobira", False),
    ("EnableMFADevice", "iam.tobira", False),
    ("ChangePassword", "iam.tobira", False),
    ("AttachUserPolicy", "iam.tobira", False),
    ("CreateAccessKey", "iam.tobira", False),
    ("GetSessionToken", "sts.tobira", True),
    ("ListUsers", "iam.tobira", True),
    ("Federate", "sso.tobira", False),
]
COLUMNS = (
    "event_id",
    "event_time",
    "event_source",
    "event_name",
    "recipient_account_id",
    "user_identity",
    "source_ip_address",
    "user_agent",
    "request_parameters",
    "response_elements",
    "additional_event_data",
    "error_code",
    "error_message",
    "user_name",
    "read_only",
    "resource_type",
    "resource_name",
    "resource_arn",
)


def rows(account_id: str, count: int, seed: int):
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for _ in range(count):
        name, source, read = NAMES[rng.randrange(len(NAMES))]
        if rng.random() < 0.1:
            name, source, read = NAMES[8]
        user = f"user{rng.randrange(200)}"
        target = f"res{rng.randrange(2000)}"
        error = "AccessDenied" if rng.random() < 0.05 else ""
        params = {"userName": target}
        yield (
            uuid.uuid4(),
            now - timedelta(seconds=rng.randrange(365 * 86400), microseconds=rng.randrange(10**6)),
            source,
            name,
            account_id,
            json.dumps(
                {
                    "type": "IAMUser",
                    "userName": user,
                    "accountId": account_id,
                    "arn": f"arn:aws:iam::{account_id}:user/{user}",
                }
            ),
            f"198.51.{rng.randrange(2)}.{rng.randrange(250)}",
            "Mozilla/5.0 (bench)",
            json.dumps(params),
            "{}",
            "{}",
            error,
            "denied" if error else "",
            user,
            read,
            "AWS::IAM::User",
            target,
            f"arn:aws:iam::{account_id}:user/{target}",
        )


def load(account_id: str, count: int, seed: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY identity_auditevent ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(account_id, count, seed):
                copy.write_row(row)
    return time.perf_counter() - started


def timed(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--member-events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a previous run loaded"
    )
    args = parser.parse_args()

    if args.reuse:
        env = server_env()
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
        import django

        django.setup()
    else:
        fresh_database()
    from django.db import connection

    from identity import audit_export, selectors, services
    from identity.event_history import EventFilters, Position, keyset_page, older_than
    from identity.models import AuditEvent, User

    if args.reuse:
        root = User.objects.get(account__root_email="root@bench.test", kind=User.Kind.ROOT)
        management, organization = root.account, root.account.organization
    else:
        organization = services.organization_create(
            name="Bench",
            account_name="Bench management",
            root_email="root@bench.test",
            root_password="Bench-password-2026!",
        )
        management = organization.management_account
        root = User.objects.get(account=management, kind=User.Kind.ROOT)
        member = services.account_create(
            actor=root, organization=organization, name="Member", root_email="m@bench.test"
        )
        seconds = load(management.id, args.events, 1)
        seconds += load(member.id, args.member_events, 2)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE identity_auditevent")
        print(
            f"# loaded {args.events} + {args.member_events} events in {seconds:.0f} s "
            "(COPY, with every index)"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('identity_auditevent'))")
        print(f"# table and indexes: {cursor.fetchone()[0]}\n")

    def base(filters=None, target=management):
        return selectors.events_filtered(root, target, filters or EventFilters())

    deep = base().order_by("-event_time", "-event_id")[900_000 - 1 : 900_000].get()
    one_user = AuditEvent.objects.filter(
        recipient_account_id=management.id, source_ip_address__isnull=False
    ).exclude(resource_arn="")[0]  # a loaded row, not the organization's own first events
    cases = {
        "no filter, first page": base(),
        "event name (ConsoleLogin)": base(EventFilters(event_name="ConsoleLogin")),
        "user name (user7)": base(EventFilters(user_name="user7")),
        "source IP": base(EventFilters(source_ip=one_user.source_ip_address)),
        "resource name (res42)": base(EventFilters(resource="res42")),
        "resource ARN": base(EventFilters(resource=one_user.resource_arn)),
        "read-only": base(EventFilters(read_only=True)),
        "error code (AccessDenied)": base(EventFilters(error_code="AccessDenied")),
        "only errors": base(EventFilters(errors_only=True)),
        "last 24 hours": base(EventFilters(start=datetime.now(UTC) - timedelta(hours=24))),
        "user name + last 7 days": base(
            EventFilters(user_name="user7", start=datetime.now(UTC) - timedelta(days=7))
        ),
        "900,000 rows deep (keyset, Older)": older_than(base(), Position.of(deep)),
        "organization-wide, first page": base(target=organization),
        "organization-wide, user name": base(EventFilters(user_name="user7"), organization),
        "organization-wide, one resource ARN (rare)": base(
            EventFilters(resource=one_user.resource_arn), organization
        ),
    }
    for title, events in cases.items():
        page = events.order_by("-event_time", "-event_id")[:51]
        plan = page.explain(analyze=True, buffers=True)
        median = timed(lambda events=events: keyset_page(events, size=50), args.runs)
        print(f"## {title}: median {median:.1f} ms for a page of 50 (selector + page)\n")
        print("```\n" + plan + "\n```\n")

    started = time.perf_counter()
    lines = sum(1 for _ in audit_export.csv_rows(base(), limit=100_000))
    print(
        f"## CSV download, 100,000 rows (keyset chunks of {audit_export.CHUNK}): "
        f"{lines} lines in {time.perf_counter() - started:.1f} s\n"
    )
    started = time.perf_counter()
    chars = sum(len(chunk) for chunk in audit_export.json_chunks(base(), limit=100_000))
    print(
        f"## JSON download, 100,000 records: {chars / 1e6:.0f} MB "
        f"in {time.perf_counter() - started:.1f} s\n"
    )


if __name__ == "__main__":
    main()
