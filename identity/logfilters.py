"""Logging filters.

Django logs every 403 with the exception's traceback (``django.request``, "Forbidden (Permission
denied)"). A refusal by the policy engine is expected, not a fault: it is audited, and the log keeps
one line for it, without a traceback that would bury real errors.
"""

from __future__ import annotations

import logging


class ExpectedForbiddenWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
