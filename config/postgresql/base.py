"""Django's PostgreSQL backend, whose health check skips a connection that just worked.

With ``CONN_HEALTH_CHECKS`` Django sends ``SELECT 1`` before the first query of every request
on a persistent connection, so that a connection PostgreSQL dropped (a restart, an idle
timeout) is replaced instead of failing the request. That is one more round trip on every
request; on the IAM API's calls it was a sixth of their CPU time
(docs/research/issue16-api-bench.md). This backend skips the check when the same connection
served a request without a database error less than ``FRESH_FOR`` seconds ago: under load,
every request; after a pause, the check runs as before.

What it gives up: a connection dropped within that second is noticed by the next request's
first query instead of by the check. That request fails (the API answers ``ServiceFailure``),
Django closes the connection when it ends (``errors_occurred``), and the next one reconnects.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

FRESH_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.used_since_check = False  # a cursor was opened since the last request ended
        self.worked_at = -FRESH_FOR  # when a request that used the connection ended cleanly

    def _cursor(self, name=None):
        self.used_since_check = True
        return super()._cursor(name)

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.health_check_done
            and time.monotonic() - self.worked_at < FRESH_FOR
        ):
            self.health_check_done = True
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called when a request starts and when it ends: only an end after the connection was
        # used (and no error was seen) says that it works.
        super().close_if_unusable_or_obsolete()
        if self.used_since_check and self.connection is not None and not self.errors_occurred:
            self.worked_at = time.monotonic()
        self.used_since_check = False

    def connect(self):
        super().connect()
        self.worked_at = -FRESH_FOR
