"""What one full sign-in costs, step by step: the work that bench/signin.py measures in time.

A sign-in hashes the password exactly once, and each of its five requests sends a bounded number
of queries to PostgreSQL and commands to Redis. The bounds are the figures after issue 18's work;
a change that adds a query or a round trip to the hot path fails here first.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.support.mfa import enabled_app

pytestmark = pytest.mark.django_db


# Queries sent per step (a test wraps each request in a transaction: an atomic block shows as
# SAVEPOINT and RELEASE, which are not counted here), and cache commands at most.
QUERIES = {"get_signin": 1, "post_password": 2, "get_mfa": 2, "post_mfa": 9, "console_home": 2}
CACHE_COMMANDS = {
    "get_signin": 0,
    "post_password": 4,
    "get_mfa": 1,
    "post_mfa": 7,
    "console_home": 2,
}


class Counter:
    """argon2id verifies and hashes, and cache commands, while it is active."""

    def __init__(self, monkeypatch):
        from django.contrib.auth.hashers import Argon2PasswordHasher
        from django.core.cache import cache

        self.hashes = 0
        self.cache_calls: list[str] = []
        for name in ("verify", "encode"):
            original = getattr(Argon2PasswordHasher, name)

            def counted(*args, _original=original, **kwargs):
                self.hashes += 1
                return _original(*args, **kwargs)

            monkeypatch.setattr(Argon2PasswordHasher, name, counted)
        client = cache._cache.get_client(write=True) if hasattr(cache, "_cache") else None
        if client is not None and hasattr(client, "execute_command"):
            original_execute = type(client).execute_command

            def execute(inner, *args, **kwargs):
                self.cache_calls.append(str(args[0]))
                return original_execute(inner, *args, **kwargs)

            monkeypatch.setattr(type(client), "execute_command", execute)


@pytest.fixture
def alice_with_app(alice):
    return alice, *enabled_app(alice)


def test_one_signin_step_by_step(client, alice_with_app, monkeypatch):
    alice, device, app = alice_with_app
    counter = Counter(monkeypatch)
    steps = {}

    def step(name, call):
        hashes, calls = counter.hashes, len(counter.cache_calls)
        with CaptureQueriesContext(connection) as queries:
            response = call()
        steps[name] = (
            sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE")) for q in queries),
            counter.hashes - hashes,
            counter.cache_calls[calls:],
            [q["sql"][:120] for q in queries],
        )
        return response

    step(
        "get_signin", lambda: client.get(reverse("accounts:signin_account", args=["example-corp"]))
    )
    response = step(
        "post_password",
        lambda: client.post(
            reverse("accounts:signin"),
            {"mode": "iam", "account": "example-corp", "user_name": "alice", "password": PASSWORD},
        ),
    )
    assert response["Location"] == reverse("mfa:signin")
    step("get_mfa", lambda: client.get(reverse("mfa:signin")))
    response = step(
        "post_mfa",
        lambda: client.post(
            reverse("mfa:signin"), {"device": device.pk, "code": app.at(time.time())}
        ),
    )
    assert response["Location"] == reverse("console:home")
    response = step("console_home", lambda: client.get(reverse("console:home")))
    assert response.status_code == 200
    queries = {name: step[0] for name, step in steps.items()}
    hashes = {name: step[1] for name, step in steps.items()}
    commands = {name: len(step[2]) for name, step in steps.items()}
    assert hashes == {**dict.fromkeys(steps, 0), "post_password": 1}, hashes
    assert queries == QUERIES, {name: step[3] for name, step in steps.items()}
    assert all(commands[name] <= bound for name, bound in CACHE_COMMANDS.items()), commands
