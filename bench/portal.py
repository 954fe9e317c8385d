"""Access portal sign-ins per second against gunicorn, and what they cost next to one argon2id verify.

    .venv/bin/python bench/portal.py [--users 1000] [--seconds 30] [--requests 300]

The model is bench/signin.py, whose helpers this imports: the same server (gunicorn, one
worker per core, PostgreSQL and Redis, cache sessions, rate limits off), the same warm-up,
the same units. The data: one organization with a member account, a permission set
(IAMReadOnlyAccess), a directory group assigned it in both accounts, and ``--users`` SSO
users in that group, each with one enabled authenticator app.

One portal sign-in is what a person does every morning, seven requests: GET the portal's
sign-in form, POST the password, GET the MFA page, POST a TOTP code, GET the portal (which
lists the accounts), POST *Management console* for the member account, GET that account's
console page. Every user signs in once, so no code repeats.

Second measurement, same run, same server: ``--requests`` sequential GETs of the member
account's user list, as a role session opened from the portal and as an IAM user of that
account with the same policy attached (interleaved, one request each in turn). The ratio is
what acting through a role session costs per console click. The member account holds a full
page of users (25 rows), and the IAM user's server CPU per request gives the console page's
requests/s/core (issue 18's goal: 400).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._common import use_bench_services  # noqa: E402

# bench.signin reads these when imported: a database of our own (so both benches can exist,
# in each worktree), the worktree's Redis.
use_bench_services("_bench_portal", "postgres://postgres@127.0.0.1:5432/tobira_bench_portal")

from bench.signin import (  # noqa: E402
    DEVICE,
    PASSWORD,
    TOKEN,
    add_app,
    argon2_verify_cpu_seconds,
    cpu_seconds,
    drive,
    fresh_database,
    gunicorn,
    password_step,
)

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
MEMBER_ALIAS = "bench-member"
NO_DEVICE_USER = "reader"  # the SSO user of the second measurement (no MFA device)
IAM_USER = "iam-reader"  # the IAM user of the member account, same policy
LIST_ROWS = 25  # the member's user list holds a full page (the console page goal of issue 18)
NEXT = re.compile(r'name="next" value="([^"]+)"')
PORTAL_ACCOUNT = re.compile(r'data-testid="portal-account-(\d{12})"')
PERMISSION_SET = re.compile(r'name="permission_set" value="(\d+)"')


class Setup:
    organization_id: str
    management_id: str
    member_id: str
    seeds: list[tuple[str, str]]  # (SSO user name, TOTP seed)


def prepare(users: int) -> Setup:
    """A fresh database: the organization, its directory and ``users`` SSO users with an app each."""
    fresh_database()
    from django.core.cache import cache

    cache.clear()
    return add_organization(users)


def add_organization(users: int, *, name: str = "bench") -> Setup:
    """The bench's organization on the database Django is set up on: ``name`` is its alias and
    the domain of its root users' addresses (``bench/load.py`` adds one named ``portal`` next
    to its own)."""
    import base64
    import secrets
    import uuid

    from django.contrib.auth.hashers import make_password

    from identity import arns, crypto, services
    from identity.models import User
    from identity.policies import services as policy_services
    from sso import services as sso_services
    from sso.models import PermissionSet, SSOGroup, SSOSettings

    organization = services.organization_create(
        name=name.capitalize(),
        account_name=name.capitalize(),
        root_email=f"root@{name}.test",
        root_password=PASSWORD,
        alias=name,
    )
    management = organization.management_account
    root = User.objects.get(account=management, kind=User.Kind.ROOT)
    member = services.account_create(
        actor=root,
        organization=organization,
        name="Member",
        root_email=f"member@{name}.test",
        alias=f"{name}-member",  # MEMBER_ALIAS for the bench's own
    )
    # Users with a device go through MFA whatever this says; the one without may sign in.
    SSOSettings(organization=organization, mfa_no_device="allow").save()
    permission_set = sso_services.permission_set_save(
        actor=None,
        permission_set=PermissionSet(
            organization=organization, name="ReadOnly", managed_policy_arns=[READ_ONLY]
        ),
    )
    group = sso_services.sso_group_create(actor=None, organization=organization, name="Engineers")
    for account in (management, member):
        sso_services.assignment_create(
            actor=None, account=account, permission_set=permission_set, group=group
        )

    password_hash = make_password(PASSWORD)  # one hash, shared: preparing must not take an hour

    def sso_user(user_name: str) -> User:
        unique_id = uuid.uuid4().hex
        return User(
            kind=User.Kind.SSO,
            account=management,
            name=user_name,
            contact_email=f"{user_name}@{name}.test",
            unique_id=unique_id,
            arn=sso_services.sso_user_arn(organization, unique_id),
            password=password_hash,
            password_reset_required=False,
        )

    User.objects.bulk_create(
        [sso_user(f"s{i:05d}") for i in range(users)] + [sso_user(NO_DEVICE_USER)]
    )
    directory = User.objects.filter(kind=User.Kind.SSO, account=management).order_by("name")
    SSOGroup.members.through.objects.bulk_create(
        SSOGroup.members.through(ssogroup=group, user=user) for user in directory
    )
    seeds = []
    for user in directory.exclude(name=NO_DEVICE_USER):
        key = secrets.token_bytes(20)
        add_app(user, management, crypto.encrypt(key))
        seeds.append((user.name, base64.b32encode(key).decode()))

    member_root = User.objects.get(account=member, kind=User.Kind.ROOT)
    iam_user = services.iam_user_create(
        actor=member_root, account=member, name=IAM_USER, password=PASSWORD
    )
    policy_services.policy_attach(
        actor=member_root, account=member, policy_arn=READ_ONLY, user=iam_user
    )
    # A full first page for the user list (25 rows): names after IAM_USER's, no password.
    User.objects.bulk_create(
        User(
            kind=User.Kind.IAM,
            account=member,
            name=user_name,
            arn=arns.user(member.pk, "/", user_name),
            password="!",  # unusable
        )
        for user_name in (f"list-user-{i:02d}" for i in range(LIST_ROWS + 5))
    )

    setup = Setup()
    setup.organization_id = organization.pk
    setup.management_id = management.pk
    setup.member_id = member.pk
    setup.seeds = seeds
    return setup


def _location(response, expected: str) -> None:
    assert response.status_code == 302, (response.status_code, response.url)
    assert response.headers["Location"] == expected, response.headers.get("Location")


def portal_password(http, base: str, org: str, name: str, expected: str) -> str:
    """GET the portal's sign-in form and POST the directory password (two requests)."""
    form = http.get(f"{base}/start/{org}")
    assert form.status_code == 200, form.status_code
    token = TOKEN.search(form.text).group(1)
    step = http.post(
        f"{base}/start/{org}",
        data={"csrfmiddlewaretoken": token, "user_name": name, "password": PASSWORD},
        headers={"Referer": f"{base}/start/{org}"},
        allow_redirects=False,
    )
    _location(step, expected)
    return step.headers["Location"]


def open_console(http, base: str, org: str, member_id: str) -> None:
    """GET the portal, POST *Management console* for the member account, GET its page (three)."""
    portal = http.get(f"{base}/start/{org}")
    assert portal.status_code == 200, portal.status_code
    listed = PORTAL_ACCOUNT.findall(portal.text)
    assert len(listed) == 2 and member_id in listed, listed  # both accounts, the member among them
    # The member's block of the page: its own form, with its token and permission set.
    block = portal.text[portal.text.index(f'data-testid="portal-account-{member_id}"') :]
    token = TOKEN.search(block).group(1)
    permission_set = PERMISSION_SET.search(block).group(1)
    opened = http.post(
        f"{base}/start/{org}/console",
        data={"csrfmiddlewaretoken": token, "account": member_id, "permission_set": permission_set},
        headers={"Referer": f"{base}/start/{org}"},
        allow_redirects=False,
    )
    _location(opened, f"/console/accounts/{member_id}/")
    page = http.get(f"{base}/console/accounts/{member_id}/", allow_redirects=False)
    assert page.status_code == 200, page.status_code


def one_signin(base: str, org: str, member_id: str, name: str, seed: str) -> float:
    import pyotp
    import requests

    started = time.perf_counter()
    with requests.Session() as http:
        portal_path = f"/start/{org}"
        mfa = portal_password(http, base, org, name, "/mfa?" + urlencode({"next": portal_path}))
        page = http.get(base + mfa)
        assert page.status_code == 200, page.status_code
        code_form = page.text[page.text.index('data-testid="code-method"') :]
        token = TOKEN.search(code_form).group(1)
        device = DEVICE.search(code_form).group(1)
        next_ = NEXT.search(code_form).group(1)  # the page's language form has its own next
        assert next_ == portal_path, next_
        done = http.post(
            f"{base}/mfa",
            data={
                "csrfmiddlewaretoken": token,
                "device": device,
                "code": pyotp.TOTP(seed).now(),
                "next": next_,
            },
            headers={"Referer": f"{base}/mfa"},
            allow_redirects=False,
        )
        _location(done, portal_path)
        open_console(http, base, org, member_id)  # seven requests in all
    return time.perf_counter() - started


def console_click_cost(base: str, setup: Setup, requests_: int, pids: list[int]) -> dict:
    """Per-request time (and server CPU) of the member's user list: role session vs IAM user."""
    import requests

    org, member_id = setup.organization_id, setup.member_id
    role = requests.Session()
    portal_password(role, base, org, NO_DEVICE_USER, f"/start/{org}")  # no device: no MFA step
    open_console(role, base, org, member_id)
    iam = requests.Session()
    step = password_step(
        iam,
        base,
        f"/signin/{MEMBER_ALIAS}?mode=iam",
        {"mode": "iam", "account": MEMBER_ALIAS, "user_name": IAM_USER},
    )
    _location(step, "/console/")
    url = f"{base}/console/accounts/{member_id}/users/"

    def get(http) -> float:
        started = time.perf_counter()
        response = http.get(url, allow_redirects=False)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        assert IAM_USER in response.text  # the list, not some other page
        assert response.text.count('name="user" value=') == LIST_ROWS  # a full page of rows
        return elapsed

    for _ in range(20):  # warm-up, both workers
        get(role)
        get(iam)
    times = {"role": [], "iam": []}
    cpu = {"role": 0.0, "iam": 0.0}
    for _ in range(requests_):  # interleaved: drift hits both alike
        for kind, http in (("role", role), ("iam", iam)):
            before = cpu_seconds(pids)
            times[kind].append(get(http))
            cpu[kind] += cpu_seconds(pids) - before
    role.close()
    iam.close()
    return {kind: (statistics.fmean(t), cpu[kind] / len(t)) for kind, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument(
        "--seconds", type=float, default=30, help="stop sending new sign-ins after this long"
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="console requests timed for each principal"
    )
    args = parser.parse_args()

    workers = os.cpu_count() or 1
    concurrency = 2 * workers
    print(f"preparing {args.users} SSO users with an authenticator app each ...", flush=True)
    setup = prepare(args.users)
    org, member_id = setup.organization_id, setup.member_id
    verify = argon2_verify_cpu_seconds()

    with gunicorn(workers) as (base, pids):
        latencies, elapsed, cpu = drive(
            setup.seeds,
            lambda name, seed: one_signin(base, org, member_id, name, seed),
            concurrency=concurrency,
            seconds=args.seconds,
            pids=pids,
        )
        clicks = console_click_cost(base, setup, args.requests, pids)

    count = len(latencies)
    per_signin = cpu / count
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"gunicorn workers: {workers}, concurrency: {concurrency}, "
        f"portal sign-ins: {count} in {elapsed:.1f} s"
    )
    print(f"portal sign-ins/s: {count / elapsed:.1f}")
    print(f"latency p50: {quantiles[49] * 1000:.0f} ms, p95: {quantiles[94] * 1000:.0f} ms")
    print(
        f"argon2id verify: {verify * 1000:.1f} ms CPU; "
        f"server CPU per portal sign-in: {per_signin * 1000:.1f} ms"
    )
    print(
        f"server CPU per portal sign-in: {per_signin / verify:.2f} verifies "
        "(goal <= 1.5; 7 requests)"
    )
    (role_time, role_cpu), (iam_time, iam_cpu) = clicks["role"], clicks["iam"]
    print(
        f"console user list, {args.requests} sequential GETs each: "
        f"role session {1 / role_time:.1f} requests/s ({role_cpu * 1000:.1f} ms server CPU), "
        f"IAM user {1 / iam_time:.1f} requests/s ({iam_cpu * 1000:.1f} ms server CPU)"
    )
    print(f"role session / IAM user time per request: {role_time / iam_time:.2f} (goal <= 1.3)")
    print(
        f"console user list ({LIST_ROWS} rows) as the IAM user: "
        f"{1 / iam_cpu:.0f} requests/s/core of server CPU (goal >= 400)"
    )


if __name__ == "__main__":
    main()
