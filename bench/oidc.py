"""Token endpoint grants per second per core against gunicorn: authorization codes and client credentials.

    .venv/bin/python bench/oidc.py [--users 100] [--code-seconds 20] [--batch 2000]
                                   [--clients 4] [--cc-seconds 30] [--profile var/oidc-profile.svg]

The model is bench/signin.py, whose helpers this imports: the same server (gunicorn, one
worker per core, PostgreSQL and Redis, cache sessions, rate limits off), the same warm-up,
the same units. The data: one organization whose directory has ``--users`` SSO users (no MFA
device; the organization lets them sign in without one) in a group assigned to a confidential
OpenID Connect application (authorization code grant, PKCE, no consent page), and
``--clients`` confidential machine clients with only the client_credentials grant.

First measurement: authorization code exchanges. Every user signs in through the portal
(``/start/<organization>``: two requests) and keeps the browser session. Codes live 60 s, so
they are made in batches right before use: the signed-in sessions GET ``/authorize`` (S256
code challenge, nonce, state) and collect the codes from the redirects, untimed; then the
batch is exchanged, timed, at ``/token`` (``grant_type=authorization_code``, the code
verifier, client_secret_basic). The first batch is small and finds the rate; each next one is
sized to last about ten seconds at the last rate (at most ``--batch`` codes). Batches follow
each other until ``--code-seconds`` of exchanges are timed; the oldest code's age at its
exchange is printed. Each 200 carries an ID token (RS256) and a JWT access token, both signed
with the organization's key.

Second measurement: ``grant_type=client_credentials`` from the machine clients in turn, each
response one JWT access token (``at+jwt``), for ``--cc-seconds``.

For each: grants/s, per core (divided by the number of workers, one per core), p50/p95
latency, the server processes' own CPU time per grant (and the whole machine's: PostgreSQL,
Redis and the load generator too, which is meaningful on a quiet machine only), and the errors (any response but a 200
with the tokens, printed). Afterwards a sample of the responses is verified with joserfc
against the JWKS (signature, issuer, audience, nonce, ``at+jwt``), so no error passes for a
grant. The load generator runs on the same machine and takes part of its cores: the per-core
figures are a floor. Last line: client_credentials grants/s/core next to Keycloak's published
sizing of 120 client-credential grants per second per vCPU (the goal is twice that).

``--profile PATH`` records the workers with py-spy during the client_credentials part
(flame graph for ``.svg``, collapsed stacks otherwise); take figures without it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import itertools
import json
import os
import queue
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# bench.signin reads this when imported: a database of our own, so the benches can coexist.
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tobira_bench_oidc")

from bench.portal import portal_password  # noqa: E402
from bench.signin import PASSWORD, drive, fresh_database, gunicorn  # noqa: E402

REDIRECT_URI = "http://127.0.0.1:1/callback"  # never requested: the code is read off the redirect
SCOPE = "openid profile email"
KEYCLOAK_PER_VCPU = 120  # client-credential grants/s per vCPU, Keycloak's published sizing
MAX_GRANTS = 200_000  # a bound on the client_credentials requests, whatever --cc-seconds says
SAMPLE = 200  # responses of each kind verified with joserfc afterwards
BATCH_SECONDS = 10  # a batch of codes is sized to be exchanged in this long at the last rate


class Setup:
    organization_id: str
    users: list[str]
    client_id: str  # the web application (authorization code)
    secret: str
    machines: list[tuple[str, str]]  # (client id, secret) of the client_credentials clients


def prepare(users: int, clients: int) -> Setup:
    """A fresh database: the organization, ``users`` directory users, the applications."""
    fresh_database()
    import uuid

    from django.contrib.auth.hashers import make_password
    from django.core.cache import cache

    from identity import services
    from identity.models import User
    from sso import services as sso_services
    from sso.applications import services as app_services
    from sso.models import SSOGroup, SSOSettings

    cache.clear()
    organization = services.organization_create(
        name="Bench",
        account_name="Bench",
        root_email="root@bench.test",
        root_password=PASSWORD,
        alias="bench",
    )
    management = organization.management_account
    # No device, and the organization lets such users sign in: the portal sign-in is two requests.
    SSOSettings(organization=organization, mfa_no_device=SSOSettings.NoDevice.ALLOW).save()
    password_hash = make_password(PASSWORD)  # one hash, shared: preparing must not take an hour

    def sso_user(name: str) -> User:
        unique_id = uuid.uuid4().hex
        return User(
            kind=User.Kind.SSO,
            account=management,
            name=name,
            contact_email=f"{name}@bench.test",
            unique_id=unique_id,
            arn=sso_services.sso_user_arn(organization, unique_id),
            password=password_hash,
            password_reset_required=False,
        )

    User.objects.bulk_create(sso_user(f"s{i:05d}") for i in range(users))
    directory = User.objects.filter(kind=User.Kind.SSO, account=management).order_by("name")
    group = sso_services.sso_group_create(actor=None, organization=organization, name="Everyone")
    SSOGroup.members.through.objects.bulk_create(
        SSOGroup.members.through(ssogroup=group, user=user) for user in directory
    )
    application, client, secret = app_services.oidc_application_create(
        actor=None,
        organization=organization,
        name="Wiki",
        client_type="confidential",
        redirect_uris=[REDIRECT_URI],
        grant_types=["authorization_code"],
        skip_authorization=True,
    )
    app_services.assignment_add(actor=None, application=application, group=group)
    machines = []
    for i in range(clients):
        _application, machine, machine_secret = app_services.oidc_application_create(
            actor=None,
            organization=organization,
            name=f"Machine {i}",
            client_type="confidential",
            grant_types=["client_credentials"],
        )
        machines.append((machine.client_id, machine_secret))

    setup = Setup()
    setup.organization_id = organization.pk
    setup.users = [user.name for user in directory]
    setup.client_id, setup.secret = client.client_id, secret
    setup.machines = machines
    return setup


def machine_cpu_seconds() -> float:
    """CPU time of the whole machine so far (every process: server, PostgreSQL, Redis, this)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    busy = sum(int(value) for i, value in enumerate(fields[:8]) if i not in (3, 4))  # no idle
    return busy / os.sysconf("SC_CLK_TCK")


def timed(items, one, *, concurrency: int, seconds: float, pids: list[int]):
    """bench.signin.drive, and the whole machine's CPU seconds over the same span."""
    before = machine_cpu_seconds()
    latencies, elapsed, cpu = drive(items, one, concurrency=concurrency, seconds=seconds, pids=pids)
    return latencies, elapsed, cpu, machine_cpu_seconds() - before


def basic(client_id: str, secret: str) -> str:
    """client_secret_basic (RFC 6749 2.3.1): both parts form-encoded, then base64."""
    from urllib.parse import quote_plus

    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenEndpoint:
    """POSTs to one organization's ``/token`` on a fresh connection each (gunicorn's sync
    workers close it anyway); http.client, lighter than requests on a machine it shares."""

    def __init__(self, base: str, organization_id: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.path = f"/o/{organization_id}/token"
        self.errors: list[tuple[int, str]] = []
        self.bodies: list[tuple[bytes, object]] = []  # (200 body, what to check it against)

    def post(self, form: dict, authorization: str, expect, check) -> float | None:
        """The latency of one grant, or None (and an error noted) for anything but a 200 with
        the ``expect`` members."""
        body = urlencode(form)
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(
                "POST",
                self.path,
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Authorization": authorization,
                },
            )
            response = connection.getresponse()
            status, content = response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            status, content = 0, repr(error).encode()
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        if status != 200 or not all(b'"%s"' % member in content for member in expect):
            self.errors.append((status, content[:200].decode(errors="replace")))
            return None
        self.bodies.append((content, check))
        return elapsed


def sign_in_all(base: str, org: str, users: list[str], concurrency: int) -> queue.Queue:
    """One portal sign-in per user (untimed): a queue of signed-in browser sessions."""
    import requests

    def one(name: str):
        http = requests.Session()
        portal_password(http, base, org, name, f"/start/{org}")  # no device: signed in
        return http

    sessions: queue.Queue = queue.Queue()
    with ThreadPoolExecutor(concurrency) as pool:
        for http in pool.map(one, users):
            sessions.put(http)
    return sessions


def issue_codes(base: str, setup: Setup, sessions: queue.Queue, count: int, concurrency: int):
    """``count`` codes from the signed-in sessions (untimed): (code, verifier, nonce, issued)."""
    authorize = f"{base}/o/{setup.organization_id}/authorize"

    def one(_):
        http = sessions.get()
        try:
            verifier = b64url(secrets.token_bytes(32))
            nonce, state = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
            params = {
                "response_type": "code",
                "client_id": setup.client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": SCOPE,
                "state": state,
                "nonce": nonce,
                "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()),
                "code_challenge_method": "S256",
            }
            response = http.get(f"{authorize}?{urlencode(params)}", allow_redirects=False)
        finally:
            sessions.put(http)
        location = response.headers.get("Location", "")
        assert response.status_code == 302 and location.startswith(REDIRECT_URI + "?"), (
            response.status_code,
            location or response.text[:300],
        )
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        assert query["state"] == state and "code" in query, query
        return query["code"], verifier, nonce, time.monotonic()

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(count)))


def code_exchanges(base, setup, sessions, args, concurrency, pids) -> dict:
    """Batches of codes issued, then exchanged (timed) until ``--code-seconds`` are timed."""
    endpoint = TokenEndpoint(base, setup.organization_id)
    authorization = basic(setup.client_id, setup.secret)
    ages: list[float] = []

    def exchange(code: str, verifier: str, nonce: str, issued: float) -> float | None:
        ages.append(time.monotonic() - issued)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        }
        expect = (b"id_token", b"access_token")
        return endpoint.post(form, authorization, expect, nonce)

    latencies: list[float | None] = []
    elapsed = cpu = machine = 0.0
    sizes = []
    size = 8 * concurrency  # the first batch finds the rate; the next ones last BATCH_SECONDS
    while elapsed < args.code_seconds:
        batch = issue_codes(base, setup, sessions, size, concurrency)
        sizes.append(size)
        done, took, used, all_used = timed(
            batch,
            exchange,
            concurrency=concurrency,
            seconds=args.code_seconds - elapsed,
            pids=pids,
        )
        latencies += done
        elapsed += took
        cpu += used
        machine += all_used
        rate = sum(t is not None for t in done) / took
        size = max(4 * concurrency, min(args.batch, int(rate * BATCH_SECONDS)))
    return {
        "latencies": latencies,
        "elapsed": elapsed,
        "cpu": cpu,
        "machine": machine,
        "endpoint": endpoint,
        "batches": sizes,
        "oldest": max(ages),
    }


def client_credentials(base, setup, args, concurrency, pids) -> dict:
    endpoint = TokenEndpoint(base, setup.organization_id)
    authorizations = [(basic(cid, secret), cid) for cid, secret in setup.machines]

    def grant(authorization: str, client_id: str) -> float | None:
        form = {"grant_type": "client_credentials"}
        return endpoint.post(form, authorization, (b"access_token",), client_id)

    profiler = None
    if args.profile:
        # All workers (the master's subprocesses), for the timed part (after the warm-up).
        path = Path(args.profile)
        path.parent.mkdir(parents=True, exist_ok=True)
        profiler = subprocess.Popen(
            [
                args.py_spy,
                "record",
                "--pid",
                str(pids[-1]),
                "--subprocesses",
                "--duration",
                str(max(1, int(args.cc_seconds) - 2)),
                "--format",
                "flamegraph" if path.suffix == ".svg" else "raw",
                "--output",
                str(path),
            ],
            stdout=subprocess.DEVNULL,
        )
    items = itertools.islice(itertools.cycle(authorizations), MAX_GRANTS)
    latencies, elapsed, cpu, machine = timed(
        items, grant, concurrency=concurrency, seconds=args.cc_seconds, pids=pids
    )
    if profiler is not None:
        profiler.wait(60)
    return {
        "latencies": latencies,
        "elapsed": elapsed,
        "cpu": cpu,
        "machine": machine,
        "endpoint": endpoint,
    }


def verify_samples(base: str, setup: Setup, codes: dict, machines: dict) -> tuple[int, int]:
    """Check a sample of each kind's responses with joserfc against the JWKS (untimed)."""
    import requests
    from joserfc import jwt
    from joserfc.jwk import KeySet

    issuer = f"{base}/o/{setup.organization_id}"
    keyset = KeySet.import_key_set(requests.get(f"{issuer}/jwks", timeout=10).json())
    now = time.time()

    def token(value: str, typ: str):
        decoded = jwt.decode(value, keyset, algorithms=["RS256", "ES256"])
        assert decoded.header["alg"] == "RS256" and decoded.header["kid"], decoded.header
        assert decoded.header.get("typ") == typ, decoded.header
        claims = decoded.claims
        assert claims["iss"] == issuer and claims["exp"] > now, claims
        return claims

    def check(result: dict, verify_one) -> int:
        bodies = result["endpoint"].bodies
        sample = random.sample(bodies, min(SAMPLE, len(bodies)))
        for content, expected in sample:
            verify_one(json.loads(content), expected)
        return len(sample)

    def code_response(body: dict, nonce: str) -> None:
        assert body["token_type"] == "Bearer", body
        id_claims = token(body["id_token"], "JWT")
        assert id_claims["aud"] == setup.client_id and id_claims["nonce"] == nonce, id_claims
        assert id_claims["sub"] and id_claims["auth_time"] <= now, id_claims
        access = token(body["access_token"], "at+jwt")
        assert access["client_id"] == setup.client_id and access["sub"] == id_claims["sub"]

    def machine_response(body: dict, client_id: str) -> None:
        assert body["token_type"] == "Bearer" and "id_token" not in body, body
        access = token(body["access_token"], "at+jwt")
        assert access["client_id"] == client_id and access["sub"] == client_id, access

    return check(codes, code_response), check(machines, machine_response)


def report(name: str, unit: str, result: dict, workers: int) -> float:
    """Print one measurement; return its grants/s/core."""
    latencies = [t for t in result["latencies"] if t is not None]
    errors = result["endpoint"].errors
    count, elapsed = len(latencies), result["elapsed"]
    rate = count / elapsed
    print(f"{name}: {count} {unit} in {elapsed:.1f} s, errors: {len(errors)}")
    if count >= 2:
        quantiles = statistics.quantiles(latencies, n=100)
        p50, p95 = quantiles[49] * 1000, quantiles[94] * 1000
        print(
            f"  {unit}/s: {rate:.1f}, per core: {rate / workers:.1f}; "
            f"latency p50: {p50:.0f} ms, p95: {p95:.0f} ms; "
            f"server CPU per grant: {result['cpu'] / count * 1000:.1f} ms "
            f"(whole machine: {result['machine'] / count * 1000:.1f} ms)"
        )
    for (status, text), times in sorted(
        {(s, t): errors.count((s, t)) for s, t in errors}.items(), key=lambda e: -e[1]
    )[:5]:
        print(f"  error x{times}: {status} {text}")
    return rate / workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100, help="signed-in sessions making codes")
    parser.add_argument(
        "--code-seconds", type=float, default=20, help="timed authorization code exchanges"
    )
    parser.add_argument(
        "--batch", type=int, default=2000, help="at most this many codes issued per timed batch"
    )
    parser.add_argument("--clients", type=int, default=4, help="client_credentials clients")
    parser.add_argument(
        "--cc-seconds", type=float, default=30, help="timed client_credentials grants"
    )
    parser.add_argument("--profile", help="py-spy the workers during client_credentials here")
    args = parser.parse_args()
    if args.profile:  # found before the preparation, not two minutes into the run
        venv = ROOT / ".venv/bin/py-spy"
        args.py_spy = str(venv) if venv.exists() else shutil.which("py-spy")
        if args.py_spy is None:
            parser.error("--profile needs py-spy (a dev dependency: uv sync)")

    workers = os.cpu_count() or 1
    concurrency = 2 * workers
    print(
        f"preparing {args.users} directory users, a web application "
        f"and {args.clients} machine clients ...",
        flush=True,
    )
    setup = prepare(args.users, args.clients)

    with gunicorn(workers) as (base, pids):
        sessions = sign_in_all(base, setup.organization_id, setup.users, concurrency)
        codes = code_exchanges(base, setup, sessions, args, concurrency, pids)
        machines = client_credentials(base, setup, args, concurrency, pids)
        verified = verify_samples(base, setup, codes, machines)

    print(f"gunicorn workers: {workers} (one per core), concurrency: {concurrency}")
    report("authorization_code + PKCE", "exchanges", codes, workers)
    print(
        f"  codes from {args.users} signed-in sessions, in {len(codes['batches'])} batches "
        f"({min(codes['batches'])}-{max(codes['batches'])} codes) issued right before use; "
        f"oldest at its exchange: {codes['oldest']:.1f} s (codes live 60 s)"
    )
    cc_per_core = report(
        f"client_credentials ({args.clients} clients)", "grants", machines, workers
    )
    print(
        f"verified with joserfc against the JWKS: {verified[0]} code responses "
        f"(ID token and access token), {verified[1]} client_credentials access tokens"
    )
    if args.profile:
        print(f"py-spy profile of the workers during client_credentials: {args.profile}")
    print(
        f"client_credentials: {cc_per_core:.1f} grants/s/core = "
        f"{cc_per_core / KEYCLOAK_PER_VCPU:.2f} x Keycloak's {KEYCLOAK_PER_VCPU}"
    )


if __name__ == "__main__":
    main()
