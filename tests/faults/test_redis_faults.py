"""Redis fails under a running node (a Redis of the test's own, not the machine's): paused for
10 s, then shut down without saving and started again. A sign-in works or says "try again
shortly" with a 503, never a 500, never checks a password its limit did not count, and the node
recovers without a restart."""

import contextlib
import subprocess
import time

import pytest
import redis

from identity import services
from tests.conftest import PASSWORD, make_organization
from tests.integration.conftest import free_port, server_env
from tests.support.cluster import Browser, start_node

pytestmark = [pytest.mark.integration]


class RedisServer:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = self.client()
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=2)

    def shutdown(self):
        with contextlib.suppress(redis.ConnectionError):  # it closes the connection as it goes
            self.client().shutdown(nosave=True)
        self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(10)


@pytest.fixture
def node(transactional_db, settings, tmp_path, own_redis):
    running = start_node(
        server_env(settings, tmp_path / "var"),
        port=free_port(),
        CACHE_URL=f"redis://127.0.0.1:{own_redis.port}/0",
        CELERY_BROKER_URL=f"redis://127.0.0.1:{own_redis.port}/1",
        TOBIRA_THREADS="4",
        RATELIMIT_ENABLED="1",
        RATELIMIT_SIGNIN_FAILED="1000/m/ip,3/5m/user",
    )
    yield running.base
    running.stop()


def signin(base: str, password: str) -> tuple[int, float]:
    """(status, seconds) of one password step of bob's (no MFA device)."""
    started = time.monotonic()
    response = Browser().password(
        base, "example-corp", "bob", password, allow_redirects=False, timeout=20
    )
    return response.status_code, time.monotonic() - started


def test_redis_paused_then_lost_then_back(node, own_redis):
    account = make_organization(alias="example-corp").management_account
    services.iam_user_create(actor=None, account=account, name="bob", password=PASSWORD)
    assert signin(node, PASSWORD)[0] == 302  # all well

    # Paused: every command waits. The sign-in gives up after the socket timeout, with a 503.
    own_redis.client().execute_command("CLIENT", "PAUSE", "10000", "ALL")
    paused_at = time.monotonic()
    outcomes = []
    while time.monotonic() - paused_at < 8:
        status, seconds = signin(node, "Not-bobs-password-1")
        outcomes.append(status)
        assert seconds < 5
    assert outcomes and set(outcomes) == {503}
    time.sleep(max(0.0, 10.5 - (time.monotonic() - paused_at)))
    assert signin(node, PASSWORD)[0] == 302  # back without a restart

    # The guesses made while it was paused got a 503 before their password was looked at. Their
    # counts may still land when the pause ends (Redis runs what it held): stricter, never
    # looser. Of four more wrong passwords, at most the limit's three are checked.
    after = [signin(node, "Not-bobs-password-1")[0] for _ in range(4)]
    assert after.count(200) <= 3 and after[-1] == 429, after

    # Lost: Redis shut down without saving.
    own_redis.shutdown()
    statuses = {signin(node, PASSWORD)[0] for _ in range(3)}
    assert statuses == {503}
    own_redis.start()  # an empty Redis on the same port: counters and sessions are gone
    time.sleep(0.5)
    assert signin(node, PASSWORD)[0] == 302  # back without a restart
