"""The cluster harness's fixtures: two nodes behind nginx, on the test database and Redis."""

import pytest

from tests.integration.conftest import free_port, server_env
from tests.support.cluster import start_cluster


@pytest.fixture
def cluster_env(settings, tmp_path) -> dict:
    return {
        **server_env(settings, tmp_path / "var"),
        "RATELIMIT_ENABLED": "1",
        # A user's failed sign-ins: 3 in 5 minutes, wherever they land. The address's limits
        # stay generous: every request here comes from 127.0.0.1.
        "RATELIMIT_SIGNIN_FAILED": "1000/m/ip,3/5m/user",
        "RATELIMIT_MFA_FAILED": "1000/m/ip,10/5m/user",
    }


@pytest.fixture
def cluster(transactional_db, cluster_env, tmp_path):
    running = start_cluster(tmp_path / "cluster", cluster_env, free_port=free_port)
    yield running
    running.stop()
