import re

import kombu.exceptions
import redis.exceptions
from django.db import InterfaceError, OperationalError
from django.views.debug import SafeExceptionReporterFilter

# A service Tobira needs is not answering (Redis, PostgreSQL, the broker): the request failed
# before it changed anything halfway (services write in one transaction), and trying again in a
# moment is the right advice: a 503 (console.views.errors), logged as one (identity.logs).
SERVICE_DOWN = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
)


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding every ``*_URL`` setting: broker and cache URLs carry passwords."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL", flags=re.IGNORECASE
    )
