"""Events as CloudTrail records, CSV lines and a streamed ``{"Records": [...]}`` document.

The console's downloads stream these (``StreamingHttpResponse``); an export job can write the same
lines to a file. Every function takes a queryset already narrowed to what the principal may see
(``identity.selectors.events_filtered``) and reads it newest first by keyset, in chunks, at most
``limit`` rows; when rows were left out the output says so at its end (a last CSV line, a
``"Truncated"`` member).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.db.models import QuerySet

from .audit_events import Source
from .audit_fields import resources_of
from .csvsafe import csv_cell
from .event_history import has_older, in_order
from .models import AuditEvent

EVENT_VERSION = "1.08"
# Tobira has no regions; IAM, STS and Organizations, being global, record us-east-1 in CloudTrail.
AWS_REGION = "us-east-1"
DOWNLOAD_LIMIT = 100_000
CHUNK = 1000

CSV_HEADER = (
    "Event ID",
    "Event time",
    "Event name",
    "Event source",
    "User name",
    "AWS access key",
    "Account ID",
    "Source IP address",
    "Read-only",
    "Resource type",
    "Resource name",
    "Resource ARN",
    "Error code",
    "Error message",
    "User agent",
)


def event_time_iso(event: AuditEvent) -> str:
    return event.event_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_record(event: AuditEvent) -> dict[str, Any]:
    """The event as CloudTrail writes it (the keys in CloudTrail's order)."""
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": event.user_identity,
        "eventTime": event_time_iso(event),
        "eventSource": event.event_source,
        "eventName": event.event_name,
        "awsRegion": AWS_REGION,
        "sourceIPAddress": event.source_ip_address,
        "userAgent": event.user_agent or None,
    }
    if event.error_code:
        record["errorCode"] = event.error_code
    if event.error_message:
        record["errorMessage"] = event.error_message
    record.update(
        {
            "requestParameters": event.request_parameters or None,
            "responseElements": event.response_elements or None,
            "additionalEventData": event.additional_event_data or None,
            "eventID": str(event.event_id),
            "readOnly": event.read_only,
            "resources": [
                {
                    "accountId": event.recipient_account_id,
                    "type": resource["resourceType"],
                    "resourceName": resource["resourceName"],
                    **({"ARN": resource["ARN"]} if "ARN" in resource else {}),
                }
                for resource in resources_of(event.request_parameters)
            ],
            "eventType": "AwsConsoleSignIn"
            if event.event_source == Source.SIGNIN.value
            else "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": event.recipient_account_id,
            "eventCategory": "Management",
        }
    )
    return record


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a ``'``."""
    return csv_cell("" if value is None else str(value))


def csv_row(event: AuditEvent) -> list[str]:
    identity = event.user_identity if isinstance(event.user_identity, dict) else {}
    return [
        safe_cell(value)
        for value in (
            event.event_id,
            event_time_iso(event),
            event.event_name,
            event.event_source,
            event.user_name,
            identity.get("accessKeyId", ""),
            event.recipient_account_id,
            event.source_ip_address or "",
            "true" if event.read_only else "false",
            event.resource_type,
            event.resource_name,
            event.resource_arn,
            event.error_code,
            event.error_message,
            event.user_agent,
        )
    ]


def _line(cells) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def truncated_note(limit: int) -> str:
    return (
        f"Truncated: this file holds the newest {limit} events that match the filters; "
        "narrow the filters (a shorter time range) to get the others."
    )


class _Bounded:
    """Rows of ``events`` up to ``limit``; ``truncated`` is known once they are all given."""

    def __init__(self, events: QuerySet[AuditEvent], limit: int):
        self.events, self.limit, self.truncated = events, limit, False

    def __iter__(self) -> Iterator[AuditEvent]:
        last = None
        count = 0
        for event in in_order(self.events, chunk=CHUNK, limit=self.limit):
            last = event
            count += 1
            yield event
        self.truncated = count == self.limit and last is not None and has_older(self.events, last)


def csv_rows(events: QuerySet[AuditEvent], *, limit: int = DOWNLOAD_LIMIT) -> Iterator[str]:
    """The header line, then one line per event, newest first (``\\r\\n`` ends each, RFC 4180);
    when more than ``limit`` events match, a last line of one cell says the file was cut."""
    yield _line(CSV_HEADER)
    rows = _Bounded(events, limit)
    for event in rows:
        yield _line(csv_row(event))
    if rows.truncated:
        yield _line([truncated_note(limit)])


def json_chunks(events: QuerySet[AuditEvent], *, limit: int = DOWNLOAD_LIMIT) -> Iterator[str]:
    """``{"Records": [...]}``, one record per chunk; cut at ``limit`` records, the document ends
    with ``"Truncated": true`` and a note."""
    yield '{"Records": ['
    rows = _Bounded(events, limit)
    separator = "\n"
    for event in rows:
        yield separator + json.dumps(event_record(event), ensure_ascii=False)
        separator = ",\n"
    yield "\n]"
    if rows.truncated:
        yield ', "Truncated": true, "TruncatedMessage": ' + json.dumps(truncated_note(limit))
    yield "}\n"
