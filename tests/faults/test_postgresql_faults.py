"""PostgreSQL drops a running node's connections (pg_terminate_backend), between requests and in
the middle of them: the node recovers by itself (CONN_HEALTH_CHECKS), a request cut short is a
503 "try again shortly" and never a 500, and nothing is left half-written."""

import threading
import time

import pytest
from django.db import connection

from identity import services
from tests.conftest import PASSWORD, make_organization
from tests.integration.conftest import free_port, server_env
from tests.support.cluster import start_node
from tests.support.signins import SignIn, kept_signins, sign_in

pytestmark = [pytest.mark.integration]


@pytest.fixture
def node(transactional_db, settings, tmp_path):
    running = start_node(
        server_env(settings, tmp_path / "var"), port=free_port(), TOBIRA_THREADS="4"
    )
    yield running.base
    running.stop()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate_the_nodes_connections(spare: int) -> int:
    """Every other connection to the test database: the node's (not this thread's, nor the
    test's own, ``spare``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [spare],
        )
        return cursor.fetchone()[0]


def signin(base: str) -> SignIn:
    return sign_in(base, "example-corp", "bob", PASSWORD)


def test_dropped_connections_cost_at_most_the_requests_they_cut(node):
    account = make_organization(alias="example-corp").management_account
    bob = services.iam_user_create(actor=None, account=account, name="bob", password=PASSWORD)
    signins = [signin(node)]
    assert signins[-1].status == 302
    test_pid = backend_pid()

    # Between requests: the next one notices (the health check) and reconnects.
    assert terminate_the_nodes_connections(test_pid) >= 1
    time.sleep(1.2)  # past config.postgresql's FRESH_FOR: the check runs
    signins.append(signin(node))
    assert signins[-1].status == 302

    # In the middle of requests: connections dropped every 50 ms while people sign in.
    stop = threading.Event()

    def storm():
        try:
            while not stop.is_set():
                terminate_the_nodes_connections(test_pid)
                time.sleep(0.05)
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=storm)
    thread.start()
    try:
        stormy = [signin(node) for _ in range(20)]
    finally:
        stop.set()
        thread.join()
    statuses = [s.status for s in stormy]
    print(f"sign-ins while PostgreSQL dropped connections: {sorted(statuses)}")
    assert set(statuses) <= {200, 302, 503}, statuses  # 200: a form page that came back
    assert 500 not in statuses
    time.sleep(1.2)
    signins += [*stormy, signin(node)]
    assert signins[-1].status == 302  # recovered, no restart

    # Nothing half-written: every sign-in that got through has its session row and its audit
    # event, and none has one without the other.
    signed_in = [s for s in signins if s.status == 302]
    kept = kept_signins(bob)
    assert all(kept.has_session(one) for one in signed_in)
    assert kept.events == len(kept.sessions) == len(signed_in)
