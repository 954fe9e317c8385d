"""The event history's filters and its keyset pagination (no OFFSET, at any depth).

A page is read newest first by ``(event_time, event_id)``; the next page starts strictly after
the last row seen (``older``), the previous one strictly before the first (``newer``). Events
only ever arrive at the top (the trail is append-only), so a page read after new events arrived
is exactly the rows after the last one seen: no duplicates, no gaps.

Positions travel in links as opaque cursors signed with ``SECRET_KEY`` (``django.core.signing``):
a cursor that was changed or made up is refused (``BadCursor``), never queried.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from .models import AuditEvent

NEWEST_FIRST = ("-event_time", "-event_id")
_CURSOR_SALT = "tobira.event-history.cursor"


@dataclasses.dataclass(frozen=True)
class EventFilters:
    """What the history is narrowed to; empty values filter nothing (all validated before)."""

    event_name: str = ""
    user_name: str = ""
    source_ip: str = ""
    resource: str = ""  # a name, or an ARN when it starts with "arn:"
    read_only: bool | None = None
    error_code: str = ""
    errors_only: bool = False
    start: datetime | None = None
    end: datetime | None = None
    account_id: str = ""  # organization-wide: one account of the organization

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        if self.event_name:
            events = events.filter(event_name=self.event_name)
        if self.user_name:
            events = events.filter(user_name=self.user_name)
        if self.source_ip:
            events = events.filter(source_ip_address=self.source_ip)
        if self.resource.startswith("arn:"):
            events = events.filter(resource_arn=self.resource)
        elif self.resource:
            events = events.filter(resource_name=self.resource)
        if self.read_only is not None:
            events = events.filter(read_only=self.read_only)
        if self.error_code:
            events = events.filter(error_code=self.error_code)
        elif self.errors_only:
            events = events.exclude(error_code="")
        if self.start is not None:
            events = events.filter(event_time__gte=self.start)
        if self.end is not None:
            events = events.filter(event_time__lte=self.end)
        if self.account_id:
            events = events.filter(recipient_account_id=self.account_id)
        return events


@dataclasses.dataclass(frozen=True)
class Position:
    """A row's place in the order: its time, then its id."""

    event_time: datetime
    event_id: uuid.UUID

    @classmethod
    def of(cls, event: AuditEvent) -> Position:
        return cls(event.event_time, event.event_id)


class BadCursor(ValueError):
    """A cursor that this installation did not sign, or that says nothing sensible."""


def cursor_for(position: Position, direction: str) -> str:
    """An opaque, signed cursor: ``direction`` is ``older`` (rows after) or ``newer``."""
    return signing.dumps(
        [position.event_time.isoformat(), position.event_id.hex, direction], salt=_CURSOR_SALT
    )


def read_cursor(cursor: str) -> tuple[Position, str]:
    try:
        when, event_id, direction = signing.loads(cursor, salt=_CURSOR_SALT)
        event_time = parse_datetime(when)
        position = Position(event_time, uuid.UUID(hex=event_id))
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor(str(error)) from None
    if event_time is None or event_time.tzinfo is None or direction not in ("older", "newer"):
        raise BadCursor("not a position")
    return position, direction


def older_than(events: QuerySet[AuditEvent], position: Position) -> QuerySet[AuditEvent]:
    """Rows after ``position`` in the newest-first order. The plain ``event_time <=`` bound is
    redundant for the result, and is what lets the database start the index range there."""
    t, i = position.event_time, position.event_id
    return events.filter(event_time__lte=t).filter(
        Q(event_time__lt=t) | Q(event_time=t, event_id__lt=i)
    )


def newer_than(events: QuerySet[AuditEvent], position: Position) -> QuerySet[AuditEvent]:
    t, i = position.event_time, position.event_id
    return events.filter(event_time__gte=t).filter(
        Q(event_time__gt=t) | Q(event_time=t, event_id__gt=i)
    )


@dataclasses.dataclass
class KeysetPage:
    rows: list[AuditEvent]
    newer: str | None  # the cursor of the page before (newer rows), if any
    older: str | None  # the cursor of the page after (older rows), if any


def keyset_page(
    events: QuerySet[AuditEvent], *, size: int, cursor: tuple[Position, str] | None = None
) -> KeysetPage:
    """One page of ``events``, newest first: one query (two when a *Newer* link reaches the
    top, which is then shown as the first page)."""
    if cursor is not None and cursor[1] == "newer":
        rows = list(newer_than(events, cursor[0]).order_by("event_time", "event_id")[: size + 1])
        if len(rows) > size:
            rows = rows[:size][::-1]
            return KeysetPage(
                rows,
                newer=cursor_for(Position.of(rows[0]), "newer"),
                older=cursor_for(Position.of(rows[-1]), "older"),
            )
        cursor = None  # the top: the first page, full
    if cursor is None:
        rows = list(events.order_by(*NEWEST_FIRST)[: size + 1])
        newer = None
    else:
        rows = list(older_than(events, cursor[0]).order_by(*NEWEST_FIRST)[: size + 1])
        newer = cursor_for(Position.of(rows[0]), "newer") if rows else None
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows, newer=newer, older=cursor_for(Position.of(rows[-1]), "older") if more else None
    )


def in_order(events: QuerySet[AuditEvent], *, chunk: int = 1000, limit: int | None = None):
    """Every row of ``events`` newest first, read ``chunk`` rows at a time by keyset (each
    chunk one short query; rows newer than the first never join), at most ``limit`` rows."""
    position = None
    given = 0
    while limit is None or given < limit:
        take = chunk if limit is None else min(chunk, limit - given)
        page = events if position is None else older_than(events, position)
        rows = list(page.order_by(*NEWEST_FIRST)[:take])
        yield from rows
        given += len(rows)
        if len(rows) < take:
            return
        position = Position.of(rows[-1])


def has_older(events: QuerySet[AuditEvent], event: AuditEvent) -> bool:
    """Whether any row of ``events`` comes after ``event`` (one short query)."""
    return older_than(events, Position.of(event)).order_by(*NEWEST_FIRST)[:1].exists()
