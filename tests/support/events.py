"""Audit events for the event history's tests, written as the services write them
(``identity.audit.record``), at a chosen time and from a chosen address."""

from __future__ import annotations

from datetime import datetime

import time_machine
from django.test import RequestFactory

from identity import audit
from identity.audit_events import Event
from identity.models import AuditEvent


def write_event(
    event: Event,
    *,
    actor,
    when: datetime | None = None,
    ip: str = "198.51.100.7",
    params: dict | None = None,
    error_code: str = "",
    account_id: str = "",
) -> AuditEvent:
    request = RequestFactory().get("/", REMOTE_ADDR=ip, HTTP_USER_AGENT="pytest")
    request.user = actor

    def record():
        return audit.record(
            event,
            request=request,
            actor=actor,
            account_id=account_id,
            request_parameters=params,
            error_code=error_code,
        )

    if when is None:
        return record()
    with time_machine.travel(when, tick=False):
        return record()


def refusal(*, actor, action: str, resource: str, when: datetime) -> AuditEvent:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    request.user = actor
    with time_machine.travel(when, tick=False):
        return audit.record_refusal(
            action, request=request, request_parameters={"resource": resource}
        )
