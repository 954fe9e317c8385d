"""The event history's pieces below the console: the columns taken out of an event's JSON (at
write time, and by the migration for older events), the signed cursors, keyset reading, and the
CSV and JSON writers an export job can reuse."""

from __future__ import annotations

import csv
import importlib
import io
import json
import types
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core import signing
from django.db import connection
from django.utils import timezone

from identity import audit_export, selectors
from identity.audit_events import Event, is_read_only
from identity.audit_fields import denormalized, resources_of, user_name_of
from identity.event_history import (
    BadCursor,
    EventFilters,
    Position,
    cursor_for,
    in_order,
    keyset_page,
    read_cursor,
)
from identity.models import AuditEvent
from tests.support.events import write_event

pytestmark = pytest.mark.django_db
MIGRATIONS = Path(__file__).resolve().parents[2] / "identity" / "migrations"


@pytest.mark.parametrize(
    ("name", "read_only"),
    [
        ("GetSessionToken", True),
        ("ListUsers", True),
        ("DescribeInstance", True),
        ("LookupEvents", True),
        ("SimulatePrincipalPolicy", True),
        ("ConsoleLogin", False),
        ("GenerateCredentialReport", False),
        ("CreateUser", False),
        ("Getaway", False),  # a verb only when a capital follows
        ("Listen", False),
    ],
)
def test_read_only_comes_from_the_verb(name, read_only):
    assert is_read_only(name) is read_only


def test_every_event_carries_its_read_only_flag():
    assert Event.GET_SESSION_TOKEN.read_only and not Event.CONSOLE_LOGIN.read_only
    assert [e for e in Event if e.read_only] == [Event.GET_SESSION_TOKEN]


def test_the_user_name_of_each_kind_of_principal():
    assert user_name_of({"type": "Root", "arn": "arn:aws:iam::1:root"}, {}) == "root"
    assert user_name_of({"type": "IAMUser", "userName": "alice"}, {}) == "alice"
    assert user_name_of({"type": "IdentityCenterUser", "userName": "sora"}, {}) == "sora"
    role = {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/AWSReservedSSO_A_b/sora"}
    assert user_name_of(role, {}) == "sora"
    assert user_name_of({"type": "Anonymous"}, {"loginTo": "root"}) == "root"
    assert user_name_of({"type": "Anonymous"}, {"loginTo": "iam", "userName": "bob"}) == "bob"
    assert user_name_of({"type": "Tobira"}, {"userName": "target"}) == ""
    assert user_name_of("not a dict", None) == ""


def test_resources_name_the_user_first_and_keep_the_devices_arn():
    params = {"userName": "carol", "serialNumber": "arn:aws:iam::111122223333:mfa/carol-phone"}
    assert resources_of(params) == [
        {"resourceType": "AWS::IAM::User", "resourceName": "carol"},
        {
            "resourceType": "AWS::IAM::MFADevice",
            "resourceName": "carol-phone",
            "ARN": "arn:aws:iam::111122223333:mfa/carol-phone",
        },
    ]
    columns = denormalized(
        event_name="EnableMFADevice", user_identity={}, request_parameters=params
    )
    assert columns == {
        "user_name": "",
        "read_only": False,
        "resource_type": "AWS::IAM::User",
        "resource_name": "carol",
        "resource_arn": "arn:aws:iam::111122223333:mfa/carol-phone",
    }
    assert resources_of({"nested": {"userName": "x"}, "tagKeys": ["a"]}) == []


def test_record_fills_the_columns(management_root, alice):
    event = write_event(
        Event.CREATE_USER, actor=management_root, params={"userName": "bob", "path": "/"}
    )
    assert (event.user_name, event.read_only, event.resource_name) == ("root", False, "bob")
    read = write_event(Event.GET_SESSION_TOKEN, actor=alice)
    assert (read.user_name, read.read_only) == ("alice", True)
    stored = AuditEvent.objects.get(pk=read.pk)
    assert (stored.user_name, stored.read_only) == ("alice", True)


def test_the_migration_fills_the_columns_of_older_events(management_root, monkeypatch):
    """Events written before the columns existed: blank columns, filled from their JSON."""
    old = [
        AuditEvent(
            event_name="GetSessionToken" if index % 2 else "CreateUser",
            event_source="iam.tobira",
            recipient_account_id=management_root.account_id,
            user_identity={"type": "IAMUser", "userName": f"user{index}"},
            request_parameters={"userName": f"target{index}"},
        )
        for index in range(5)
    ]
    AuditEvent.objects.bulk_create(old)
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in old], user_name="").count() == 5
    (name,) = [p.stem for p in MIGRATIONS.glob("*_audit_history.py")]  # whatever its number
    migration = importlib.import_module(f"identity.migrations.{name}")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    migration.fill_history_columns(apps, types.SimpleNamespace(connection=connection))
    for index, event in enumerate(old):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.user_name == f"user{index}"
        assert stored.resource_name == f"target{index}"
        assert stored.read_only is bool(index % 2)


def test_a_cursor_is_signed_and_checked():
    position = Position(timezone.now(), AuditEvent().event_id)
    assert read_cursor(cursor_for(position, "older")) == (position, "older")
    forged = signing.dumps([position.event_time.isoformat(), position.event_id.hex, "older"])
    for bad in (
        forged,  # signed, but not for cursors
        cursor_for(position, "older")[:-2] + "xx",
        "",
        "a:b:c",
        signing.dumps(["2026", "zz", "older"], salt="tobira.event-history.cursor"),
        signing.dumps(
            [position.event_time.isoformat(), position.event_id.hex, "sideways"],
            salt="tobira.event-history.cursor",
        ),
    ):
        with pytest.raises(BadCursor):
            read_cursor(bad)


def _burst(actor, count, when):
    return [
        write_event(Event.UPDATE_USER, actor=actor, when=when, params={"userName": "burst"})
        for _ in range(count)
    ]


def test_keyset_reading_across_ties_loses_and_repeats_nothing(management_root):
    when = timezone.now() - timedelta(days=1)
    made = _burst(management_root, 12, when) + _burst(management_root, 5, when - timedelta(1))
    events = selectors.events_filtered(
        management_root, management_root.account, EventFilters(resource="burst")
    )
    expected = [e.event_id for e in sorted(made, key=lambda e: (e.event_time, e.event_id))][::-1]
    assert [e.event_id for e in in_order(events, chunk=4)] == expected
    assert [e.event_id for e in in_order(events, chunk=4, limit=7)] == expected[:7]
    first = keyset_page(events, size=5)
    assert [e.event_id for e in first.rows] == expected[:5] and first.newer is None
    second = keyset_page(events, size=5, cursor=read_cursor(first.older))
    assert [e.event_id for e in second.rows] == expected[5:10]
    back = keyset_page(events, size=5, cursor=read_cursor(second.newer))
    assert [e.event_id for e in back.rows] == expected[:5] and back.newer is None


def test_csv_and_json_writers(management_root):
    for index in range(4):
        write_event(
            Event.CREATE_USER,
            actor=management_root,
            params={"userName": f"-{index}+"},
            when=timezone.now() - timedelta(minutes=index),
        )
    events = selectors.events_filtered(
        management_root, management_root.account, EventFilters(event_name="CreateUser")
    ).filter(resource_name__startswith="-")
    rows = list(csv.reader(io.StringIO("".join(audit_export.csv_rows(events)))))
    assert rows[0] == list(audit_export.CSV_HEADER)
    assert [row[10] for row in rows[1:]] == ["'-0+", "'-1+", "'-2+", "'-3+"]
    cut = list(csv.reader(io.StringIO("".join(audit_export.csv_rows(events, limit=2)))))
    assert len(cut) == 4 and cut[-1][0].startswith("Truncated: this file holds the newest 2")
    exact = list(csv.reader(io.StringIO("".join(audit_export.csv_rows(events, limit=4)))))
    assert len(exact) == 5 and not exact[-1][0].startswith("Truncated")
    document = json.loads("".join(audit_export.json_chunks(events, limit=3)))
    assert len(document["Records"]) == 3 and document["Truncated"] is True
    record = document["Records"][0]
    assert record["requestParameters"] == {"userName": "-0+"}
    assert record["userIdentity"]["type"] == "Root" and record["readOnly"] is False
    assert record["resources"] == [
        {
            "accountId": management_root.account_id,
            "type": "AWS::IAM::User",
            "resourceName": "-0+",
        }
    ]
    assert json.loads("".join(audit_export.json_chunks(events.none()))) == {"Records": []}


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_never_starts_a_formula(value):
    assert audit_export.safe_cell(value) == "'" + value
    assert audit_export.safe_cell("alice") == "alice"
