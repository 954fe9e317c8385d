"""A pytest plugin loaded into the pytest process that runs moto's suite (``run_moto.py``).

For each test it writes one JSON line to ``$MOTO_CALLS_FILE``: the node id, the outcome, the
failure's one-line reason, and every AWS operation the test called through botocore (service,
operation, and the error code when the call failed), from the test's fixtures too. The runner
tells from these which tests touch operations Tobira does not implement.

It is imported by name (``-p moto_calls_plugin``) with this directory on ``PYTHONPATH``: moto's
suite has a ``tests`` package of its own, so Tobira's ``tests`` is not importable there.
"""

from __future__ import annotations

import json
import os

import botocore.client
import pytest
from botocore.exceptions import ClientError

_current: dict | None = None
_real_make_api_call = botocore.client.BaseClient._make_api_call


def _make_api_call(self, operation_name, api_params):
    call = [self.meta.service_model.service_name, operation_name, None]
    if _current is not None:
        _current["calls"].append(call)
    try:
        return _real_make_api_call(self, operation_name, api_params)
    except ClientError as error:
        call[2] = error.response.get("Error", {}).get("Code") or "ClientError"
        raise
    except Exception as error:
        call[2] = type(error).__name__
        raise


botocore.client.BaseClient._make_api_call = _make_api_call


def _reason(report) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message
    if isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
        return str(report.longrepr[2])
    return str(report.longrepr)


def _write(record: dict) -> None:
    with open(os.environ["MOTO_CALLS_FILE"], "a", encoding="utf-8") as file:
        file.write(json.dumps(record) + "\n")


def pytest_collection_finish(session):
    _write({"collected": len(session.items)})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _current
    _current = {"nodeid": item.nodeid, "outcome": "passed", "reason": "", "calls": []}
    yield
    record, _current = _current, None
    _write(record)


def pytest_runtest_logreport(report):
    if _current is None:
        return
    if hasattr(report, "wasxfail"):
        if report.skipped and _current["outcome"] == "passed":
            _current.update(outcome="skipped", reason=f"xfail: {report.wasxfail}")
        return
    if report.failed and _current["outcome"] != "failed":
        _current.update(outcome="failed", reason=f"{report.when}: {_reason(report)}"[:2000])
    elif report.skipped and _current["outcome"] == "passed":
        _current.update(outcome="skipped", reason=_reason(report)[:500])
