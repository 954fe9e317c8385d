"""One process, no web server: the five requests of a sign-in through Django's test client, with
the CPU time of this process and the queries of each step. For finding where a sign-in's time
goes between runs of bench/signin.py (which measures the whole machine under load).

    .venv/bin/python bench/signin_steps.py [--users 300]
    .venv/bin/py-spy record -o var/steps.svg -- .venv/bin/python bench/signin_steps.py

The settings are bench/signin.py's (PostgreSQL, Redis, DEBUG off, the rate limits of a
deployment less the per-address ones); the database is its own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tobira_bench_steps")

from bench.signin import PASSWORD, prepare, signin_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--cprofile", metavar="STEP", help="print cProfile's figures of one step")
    parser.add_argument("--sort", default="cumulative", help="cProfile's order (tottime, ...)")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in signin_env().items() if k.startswith("RATELIMIT")})
    os.environ.pop("SESSION_ENGINE", None)
    alias, seeds = prepare(args.users)

    import pyotp
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from mfa.models import MFADevice

    settings.ALLOWED_HOSTS = ["testserver"]
    devices = dict(MFADevice.objects.values_list("user__name", "pk"))
    cpu: dict[str, list[float]] = {}
    queries: dict[str, list[int]] = {}

    import cProfile
    import pstats

    profiler = cProfile.Profile()

    def step(name, method, *request):
        with CaptureQueriesContext(connection) as captured:
            profiling = name == args.cprofile and len(cpu.get(name, ())) >= 10
            if profiling:
                profiler.enable()
            started = time.process_time()
            response = method(*request)
            cpu.setdefault(name, []).append(time.process_time() - started)
            if profiling:
                profiler.disable()
        queries.setdefault(name, []).append(len(captured))
        return response

    for name, seed in seeds:
        client = Client()
        step("get_signin", client.get, f"/signin/{alias}?mode=iam")
        form = {"mode": "iam", "account": alias, "user_name": name, "password": PASSWORD}
        response = step("post_password", client.post, "/signin", form)
        assert response["Location"] == "/mfa", response
        step("get_mfa", client.get, "/mfa")
        form = {"device": devices[name], "code": pyotp.TOTP(seed).now()}
        response = step("post_mfa", client.post, "/mfa", form)
        assert response["Location"] == "/console/", response
        assert step("console_home", client.get, "/console/").status_code == 200

    if args.cprofile:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(60)
    total = 0.0
    for name in cpu:
        median = statistics.median(cpu[name][10:]) * 1000  # the first ones warm caches up
        total += median
        print(f"{name:14} {median:6.2f} ms CPU  {max(queries[name])} queries")
    print(f"{'sign-in':14} {total:6.2f} ms CPU (medians; the password step holds one verify)")


if __name__ == "__main__":
    main()
