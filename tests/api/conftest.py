import pytest

from tests.support import aws


@pytest.fixture
def admin_keys(management_root):
    """Long-term keys of the management account's root user."""
    return aws.access_key(management_root)


@pytest.fixture
def admin(live_server, admin_keys):
    """``(iam, sts)`` boto3 clients of the management account's root user."""
    return aws.clients(live_server.url, *admin_keys)


@pytest.fixture
def iam_url(live_server):
    return f"{live_server.url}/iam/"


@pytest.fixture
def sts_url(live_server):
    return f"{live_server.url}/sts/"
