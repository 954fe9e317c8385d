"""PostgreSQL restarts under a node that is signing people in: ``pg_ctl restart`` (fast), then a
stop, some seconds down, and a start. The node, the same process all along, answers 503 "try
again shortly" while the database is away and never a 500, signs people in again once it is
back (CONN_HEALTH_CHECKS), and nothing is left half-written: every sign-in that got through
has its session row and its audit event, and there is no event without its session.

The cluster is the test's own (tests.support.postgresql): the machine's PostgreSQL, which the
other tests share, keeps running."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests

from console.views.errors import RETRY_AFTER
from identity import services
from tests.conftest import PASSWORD, make_organization
from tests.integration.conftest import free_port, server_env, wait_for
from tests.support.cluster import start_node
from tests.support.postgresql import PostgreSQLCluster, database_alias
from tests.support.signins import SignIn, kept_signins, sign_in

pytestmark = [pytest.mark.integration]

ACCOUNT, NAME = "example-corp", "bob"
BACK_WITHIN = 15.0  # seconds for the node to sign people in again once PostgreSQL is back
# How long PostgreSQL stays down: past config.postgresql's FRESH_FOR, so every connection the
# node kept is checked (CONN_HEALTH_CHECKS) before its next request uses it.
DOWN_FOR = 2.0


@pytest.fixture
def postgresql():
    cluster = PostgreSQLCluster(port=free_port())
    try:
        cluster.create()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def bob_on_a_node(transactional_db, settings, tmp_path, postgresql):
    """bob, made in the test database, which is then copied into the test's own cluster; and a
    node (four threads) on that copy."""
    account = make_organization(alias=ACCOUNT).management_account
    bob = services.iam_user_create(actor=None, account=account, name=NAME, password=PASSWORD)
    env = server_env(settings, tmp_path / "var")
    env["DATABASE_URL"] = postgresql.copy_database(env["DATABASE_URL"], "tobira")
    node = start_node(env, port=free_port(), TOBIRA_THREADS="4")
    yield bob, node, env["DATABASE_URL"]
    node.stop()


class Load:
    """People signing in one after another, in a thread of its own, until the block ends."""

    def __init__(self, base: str):
        self.base = base
        self.signins: list[SignIn] = []
        self.errors: list[str] = []  # no answer at all (the node is up throughout: none)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.signins.append(sign_in(self.base, ACCOUNT, NAME, PASSWORD))
            except requests.RequestException as error:
                self.errors.append(repr(error))

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(30)

    def since(self, moment: float) -> list[SignIn]:
        """The sign-ins that began at ``moment`` or later, and have ended."""
        return [signin for signin in list(self.signins) if signin.started >= moment]

    def signed_in_since(self, moment: float) -> bool:
        """Wait (BACK_WITHIN at most) for a sign-in begun after ``moment`` to get through."""
        return bool(wait_for(lambda: any(s.status == 302 for s in self.since(moment)), BACK_WITHIN))


def test_a_restarted_postgresql_costs_503s_while_it_is_away_and_leaves_nothing_half_written(
    bob_on_a_node, postgresql
):
    bob, node, database_url = bob_on_a_node
    workers = node.worker_pids()
    timings = {}
    with Load(node.base) as load:
        assert load.signed_in_since(0)

        began = time.monotonic()
        postgresql.restart()  # fast: the sessions are cut, whatever they were doing
        back = time.monotonic()
        timings["restart"] = back - began
        assert load.signed_in_since(back), "no sign-in got through after the restart"
        timings["signing in again after the restart"] = time.monotonic() - back

        postgresql.stop()
        down = time.monotonic()
        time.sleep(DOWN_FOR)  # the outage itself, not a wait for something to happen
        starting = time.monotonic()
        postgresql.start()
        up = time.monotonic()
        assert load.signed_in_since(up), "no sign-in got through after the start"
        timings["signing in again after the start"] = time.monotonic() - up
        assert wait_for(lambda: len(load.since(up)) >= 5, BACK_WITHIN)

    signins = load.signins
    statuses = Counter(signin.status for signin in signins)
    first = min(s.started for s in signins if s.started >= back and s.status == 302)
    restarting = [s.status for s in signins if s.ended >= began and s.started <= first]
    print(f"sign-ins: {dict(statuses)}, around the restart {restarting}; seconds: {timings}")
    assert load.errors == []
    assert set(statuses) <= {302, 503}, statuses  # a 500 would be a bug: 503 says try again
    away = [s for s in signins if s.started >= down and s.ended <= starting]
    assert away, "no sign-in was tried while PostgreSQL was down"
    assert {s.status for s in away} == {503}
    # Each 503 is the "try again shortly" page (console.views.errors), whenever it came.
    assert {s.retry_after for s in signins if s.status == 503} == {RETRY_AFTER}
    assert {s.status for s in load.since(up)} == {302}  # every connection was checked first

    # The same process served throughout: the master and its worker, neither started again.
    assert node.process.poll() is None
    assert node.worker_pids() == workers

    # Nothing half-written. A 503 whose password had reached the node may still have signed in
    # (PostgreSQL committed, its answer was lost): only those may have rows beyond the 302s.
    with database_alias("own_cluster", database_url) as alias:
        kept = kept_signins(bob, using=alias)
    signed_in = [s for s in signins if s.status == 302]
    assert all(kept.has_session(one) for one in signed_in)
    assert kept.events == len(kept.sessions)
    cut_short = sum(1 for s in signins if s.status == 503 and s.posted)
    assert len(signed_in) <= len(kept.sessions) <= len(signed_in) + cut_short
