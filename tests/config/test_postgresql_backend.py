"""The health check skips a connection that served a request cleanly in the last second, and
runs as Django's does otherwise (config.postgresql)."""

import pytest
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections

from config.postgresql import base

pytestmark = [
    pytest.mark.django_db(transaction=True),  # requests end outside a transaction
    # CI runs on PostgreSQL; under the embedded SQLite default there is no such backend to test.
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="config.postgresql is PostgreSQL's backend"
    ),
]


@pytest.fixture
def checks(monkeypatch):
    """Counts the health checks (``SELECT 1`` through ``is_usable``)."""
    made = []
    original = connection.is_usable

    def counting():
        made.append(1)
        return original()

    monkeypatch.setattr(connection, "is_usable", counting)
    return made


def _request(sql="SELECT 2"):
    """What a request does with the connection: close_old_connections at its start and end."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    close_old_connections()


def test_a_connection_that_just_worked_is_not_checked_again(checks):
    assert isinstance(connections[DEFAULT_DB_ALIAS], base.DatabaseWrapper)
    _request()
    del checks[:]
    for _ in range(5):
        _request()
    assert checks == []


def test_after_a_pause_it_is_checked(checks, monkeypatch):
    _request()
    clock = base.time.monotonic()
    monkeypatch.setattr(base.time, "monotonic", lambda: clock + base.FRESH_FOR + 0.1)
    del checks[:]
    _request()
    assert checks == [1]


def test_a_request_that_did_not_use_it_proves_nothing(checks):
    _request()
    close_old_connections()  # a request that never touched the database
    close_old_connections()
    connection.worked_at -= base.FRESH_FOR  # ... after which time passed
    del checks[:]
    _request()
    assert checks == [1]


def test_after_a_database_error_it_is_checked(checks):
    _request()
    with pytest.raises(Exception):  # noqa: B017 - any database error
        _request("SELECT * FROM no_such_table")
    del checks[:]
    _request()
    assert checks, "the connection that saw an error is checked before it is used again"
