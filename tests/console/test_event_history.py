"""The Event history as CloudTrail's: each filter, keyset pages that stay put while events
arrive, the record of one event, downloads of exactly the filtered rows, the organization-wide
view of the management account's root user, and nobody else's events by any way in."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from identity import audit_export
from identity.audit_events import Event
from identity.models import AuditEvent
from tests.support.events import refusal, write_event

pytestmark = pytest.mark.django_db

EVENT_LINK = re.compile(r"/events/([0-9a-f-]{36})\"")
CURSOR_LINK = re.compile(r'rel="(prev|next)" href="\?([^"]+)"')


def listed(response) -> list[str]:
    """The event ids of a page of the history, in the table's order."""
    assert response.status_code == 200, response.content.decode()[:2000]
    return EVENT_LINK.findall(response.content.decode())


def links(response) -> dict[str, str]:
    """The page's *Newer* (prev) and *Older* (next) query strings."""
    return {
        rel: query.replace("&amp;", "&")
        for rel, query in CURSOR_LINK.findall(response.content.decode())
    }


def history(client, account_id, **params):
    return client.get(reverse("console:audit_list", args=[account_id]), params)


@pytest.fixture
def trail(management_root, alice):
    """Six events of the management account's trail, each the only one of its kind."""
    account = management_root.account_id
    now = timezone.now()
    return {
        "login": write_event(
            Event.CONSOLE_LOGIN, actor=alice, when=now - timedelta(minutes=30), ip="198.51.100.1"
        ),
        "session": write_event(
            Event.GET_SESSION_TOKEN, actor=alice, when=now - timedelta(hours=3), ip="198.51.100.2"
        ),
        "create_bob": write_event(
            Event.CREATE_USER,
            actor=management_root,
            when=now - timedelta(days=3),
            ip="198.51.100.3",
            params={"userName": "bob"},
        ),
        "refused": refusal(
            actor=alice,
            action="iam:ListUsers",
            resource=f"arn:aws:iam::{account}:user/*",
            when=now - timedelta(days=20),
        ),
        "mfa": write_event(
            Event.ENABLE_MFA_DEVICE,
            actor=management_root,
            when=now - timedelta(days=60),
            ip="2001:db8::5",
            params={"userName": "carol", "serialNumber": f"arn:aws:iam::{account}:mfa/carol-phone"},
        ),
        "failed_login": write_event(
            Event.CONSOLE_LOGIN,
            actor=None,
            when=now - timedelta(days=10),
            ip="192.0.2.50",
            account_id=account,
            params={"loginTo": "iam", "userName": "alice"},
            error_code="Failed authentication",
        ),
    }


def _mine(trail, names):
    return {str(trail[name].event_id) for name in names}


FILTERS = [
    # (query, which of the trail's events match, what every listed row must satisfy)
    (
        {"event_name": "ConsoleLogin"},
        {"login", "failed_login"},
        lambda e: e.event_name == "ConsoleLogin",
    ),
    ({"user_name": "alice"}, {"login", "session", "refused", "failed_login"}, None),
    ({"user_name": "root"}, {"create_bob", "mfa"}, lambda e: e.user_identity.get("type") == "Root"),
    ({"source_ip": "198.51.100.2"}, {"session"}, None),
    ({"source_ip": "2001:db8::5"}, {"mfa"}, None),
    ({"resource": "bob"}, {"create_bob"}, lambda e: e.request_parameters.get("userName") == "bob"),
    ({"resource": "carol"}, {"mfa"}, None),
    ({"resource": "ARN:mfa"}, {"mfa"}, None),  # replaced by the device's ARN in the test
    ({"read_only": "true"}, {"session", "refused"}, lambda e: e.read_only),
    (
        {"read_only": "false"},
        {"login", "create_bob", "mfa", "failed_login"},
        lambda e: not e.read_only,
    ),
    ({"error_code": "AccessDenied"}, {"refused"}, lambda e: e.error_code == "AccessDenied"),
    ({"errors_only": "on"}, {"refused", "failed_login"}, lambda e: e.error_code != ""),
    ({"user_name": "alice", "range": "1h"}, {"login"}, None),
    ({"user_name": "alice", "range": "24h"}, {"login", "session"}, None),
    ({"user_name": "alice", "range": "7d"}, {"login", "session"}, None),
    ({"user_name": "alice", "range": "30d"}, {"login", "session", "refused", "failed_login"}, None),
    ({"user_name": "root", "range": "CUSTOM"}, {"create_bob"}, None),  # from/to set in the test
]


@pytest.mark.parametrize(("query", "expected", "holds"), FILTERS)
def test_each_filter_lists_exactly_its_events(
    client, management_root, trail, query, expected, holds
):
    account = management_root.account_id
    query = dict(query)
    if query.get("resource") == "ARN:mfa":
        query["resource"] = f"arn:aws:iam::{account}:mfa/carol-phone"
    if query.get("range") == "CUSTOM":
        when = trail["create_bob"].event_time
        query.update(
            range="custom",
            start=(when - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
            end=(when + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        )
    client.force_login(management_root)
    shown = listed(history(client, account, size=100, **query))
    assert shown, "the filter listed nothing"
    mine = {str(e.event_id) for e in trail.values()}
    assert set(shown) & mine == _mine(trail, expected)
    events = AuditEvent.objects.in_bulk([e for e in shown], field_name="event_id")
    if holds is not None:
        assert all(holds(event) for event in events.values())
    assert all(e.recipient_account_id == account for e in events.values())


def test_the_table_shows_user_resource_and_error(client, management_root, trail):
    client.force_login(management_root)
    body = history(client, management_root.account_id, errors_only="on").content.decode()
    assert "Failed authentication" in body and "AccessDenied" in body
    assert "<code>ListUsers</code>" in body and "read-only" in body


def test_no_match_says_so_with_a_way_back(client, management_root, trail):
    client.force_login(management_root)
    response = history(client, management_root.account_id, event_name="DeleteUser")
    body = response.content.decode()
    assert response.status_code == 200
    assert "No events match these filters." in body
    assert f'href="{reverse("console:audit_list", args=[management_root.account_id])}"' in body


def _many(actor, count, start):
    """``count`` events one second apart, the newest at ``start``."""
    return [
        write_event(
            Event.UPDATE_USER,
            actor=actor,
            when=start - timedelta(seconds=index),
            params={"userName": f"u{index}"},
        )
        for index in range(count)
    ]


def test_pages_stay_put_while_new_events_arrive(client, management_root):
    account = management_root.account_id
    client.force_login(management_root)
    start = timezone.now() - timedelta(hours=1)
    _many(management_root, 60, start)
    everything = [str(e.event_id) for e in AuditEvent.objects.filter(recipient_account_id=account)]

    first = history(client, account, size=25)
    assert listed(first) == everything[:25]
    assert "prev" not in links(first)
    for index in range(7):  # new events, newer than every listed one
        write_event(Event.UPDATE_USER, actor=management_root, params={"userName": f"new{index}"})
    second = client.get(f"{reverse('console:audit_list', args=[account])}?{links(first)['next']}")
    assert listed(second) == everything[25:50]  # exactly the next older rows
    third = client.get(f"{reverse('console:audit_list', args=[account])}?{links(second)['next']}")
    assert listed(third) == everything[50:75]
    back = client.get(f"{reverse('console:audit_list', args=[account])}?{links(third)['prev']}")
    assert listed(back) == everything[25:50]


def test_same_second_events_are_ordered_by_id_and_none_is_lost(client, management_root):
    account = management_root.account_id
    client.force_login(management_root)
    when = timezone.now() - timedelta(hours=2)
    same = [
        write_event(Event.UPDATE_USER, actor=management_root, when=when, params={"userName": "x"})
        for _ in range(30)
    ]
    seen = []
    response = history(client, account, size=25, resource="x")
    while True:
        seen += listed(response)
        nxt = links(response).get("next")
        if not nxt:
            break
        response = client.get(f"{reverse('console:audit_list', args=[account])}?{nxt}")
    assert seen == [str(e.event_id) for e in sorted(same, key=lambda e: e.event_id, reverse=True)]


def _download(client, account, kind, **params):
    response = client.get(reverse(f"console:event_download_{kind}", args=[account]), params)
    assert response.status_code == 200
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content).decode()


def _all_pages(client, account, **params):
    seen, response = [], history(client, account, size=25, **params)
    while True:
        seen += listed(response)
        nxt = links(response).get("next")
        if not nxt:
            return seen
        response = client.get(f"{reverse('console:audit_list', args=[account])}?{nxt}")


def test_the_csv_of_a_filtered_set_is_exactly_its_rows(client, management_root, trail):
    account = management_root.account_id
    client.force_login(management_root)
    _many(management_root, 40, timezone.now() - timedelta(hours=5))
    shown = _all_pages(client, account, read_only="false", range="7d")
    assert len(shown) > 25
    rows = list(
        csv.reader(io.StringIO(_download(client, account, "csv", read_only="false", range="7d")))
    )
    assert rows[0] == list(audit_export.CSV_HEADER)
    assert [row[0] for row in rows[1:]] == shown
    assert {row[8] for row in rows[1:]} == {"false"}


def test_the_json_download_parses_and_holds_the_same_records(client, management_root, trail):
    account = management_root.account_id
    client.force_login(management_root)
    document = json.loads(_download(client, account, "json", user_name="alice"))
    shown = _all_pages(client, account, user_name="alice")
    assert [r["eventID"] for r in document["Records"]] == shown
    assert "Truncated" not in document
    login = next(r for r in document["Records"] if r["eventID"] == str(trail["login"].event_id))
    assert login["eventName"] == "ConsoleLogin" and login["eventType"] == "AwsConsoleSignIn"
    assert login["userIdentity"]["userName"] == "alice"
    assert login["sourceIPAddress"] == "198.51.100.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", login["eventTime"])


def test_a_download_past_its_limit_says_it_was_cut(client, management_root, trail, monkeypatch):
    account = management_root.account_id
    client.force_login(management_root)
    monkeypatch.setattr(audit_export, "DOWNLOAD_LIMIT", 3)
    lines = _download(client, account, "csv").splitlines()
    assert len(lines) == 1 + 3 + 1 and lines[-1].startswith("Truncated:")
    document = json.loads(_download(client, account, "json"))
    assert len(document["Records"]) == 3 and document["Truncated"] is True
    body = history(client, account).content.decode()
    assert "at most 3 of them" in body


def test_csv_cells_never_start_a_formula(client, management_root):
    account = management_root.account_id
    client.force_login(management_root)
    write_event(
        Event.CREATE_USER,
        actor=management_root,
        params={"userName": '=HYPERLINK("http://evil.test","x")'},
    )
    rows = list(csv.reader(io.StringIO(_download(client, account, "csv", event_name="CreateUser"))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.test","x")' in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_the_event_record_as_cloudtrail_writes_it(client, management_root, trail):
    account = management_root.account_id
    client.force_login(management_root)
    event = write_event(
        Event.CREATE_USER,
        actor=management_root,
        params={"userName": "<script>alert(1)</script>"},
    )
    response = client.get(reverse("console:event_detail", args=[account, event.event_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    for key in (
        "eventVersion",
        "userIdentity",
        "eventTime",
        "eventSource",
        "eventName",
        "awsRegion",
        "sourceIPAddress",
        "userAgent",
        "requestParameters",
        "responseElements",
        "additionalEventData",
        "eventID",
        "readOnly",
        "eventType",
        "recipientAccountId",
        "resources",
    ):
        assert f"&quot;{key}&quot;:" in body, key
    failed = client.get(
        reverse("console:event_detail", args=[account, trail["failed_login"].event_id])
    ).content.decode()
    assert "&quot;errorCode&quot;: &quot;Failed authentication&quot;" in failed


@pytest.mark.parametrize("event_id", ["nope", "1234", "0" * 36, "%00", "' OR 1=1 --"])
def test_a_malformed_or_unknown_event_id_is_a_404(client, management_root, event_id):
    client.force_login(management_root)
    url = reverse("console:audit_list", args=[management_root.account_id]) + event_id
    assert client.get(url).status_code == 404


# --- The organization, and the other side of every boundary -------------------------------


@pytest.fixture
def member_trail(member_root, management_root):
    return write_event(
        Event.CREATE_USER, actor=member_root, params={"userName": "member-user"}, ip="192.0.2.77"
    )


def test_the_management_root_sees_the_whole_organization(
    client, management_root, member_account, member_trail, trail
):
    account = management_root.account_id
    client.force_login(management_root)
    alone = listed(history(client, account, size=100))
    assert str(member_trail.event_id) not in alone
    everyone = history(client, account, size=100, scope="organization")
    body = everyone.content.decode()
    assert "Events of all accounts in the organization" in body
    ids = listed(everyone)
    assert str(member_trail.event_id) in ids and str(trail["login"].event_id) in ids
    narrowed = listed(history(client, account, scope="organization", account=member_account.id))
    assert str(member_trail.event_id) in narrowed
    assert set(narrowed) == {
        str(e)
        for e in AuditEvent.objects.filter(recipient_account_id=member_account.id).values_list(
            "event_id", flat=True
        )
    }
    # The member's event opens under its own account, and downloads carry the scope.
    assert (
        client.get(
            reverse("console:event_detail", args=[member_account.id, member_trail.event_id])
        ).status_code
        == 200
    )
    records = json.loads(_download(client, account, "json", scope="organization"))["Records"]
    assert {r["recipientAccountId"] for r in records} == {account, member_account.id}


def test_a_member_admin_reaches_no_other_accounts_events(
    client, management_root, member_account, member_root, member_trail, trail
):
    """From the member's side: its root user (administrator of the member account) tries every
    filter, every id and every download to reach the management account's events."""
    client.force_login(member_root)
    own = member_account.id
    foreign_ids = {str(e.event_id) for e in trail.values()}
    attempts = [
        {},
        {"scope": "organization"},
        {"account": management_root.account_id},
        {"scope": "organization", "account": management_root.account_id},
        {"user_name": "alice"},
        {"source_ip": "198.51.100.1"},
        {"resource": "bob"},
        {"errors_only": "on"},
        {"event_name": "ConsoleLogin"},
    ]
    for params in attempts:
        response = history(client, own, size=100, **params)
        assert response.status_code in (200, 400)
        assert not set(EVENT_LINK.findall(response.content.decode())) & foreign_ids, params
        for kind in ("csv", "json"):
            download = client.get(reverse(f"console:event_download_{kind}", args=[own]), params)
            text = (
                b"".join(download.streaming_content) if download.streaming else download.content
            ).decode()
            assert not any(event_id in text for event_id in foreign_ids), (params, kind)
    for event in trail.values():
        assert (
            client.get(reverse("console:event_detail", args=[own, event.event_id])).status_code
            == 404
        )
        other = reverse("console:event_detail", args=[management_root.account_id, event.event_id])
        assert client.get(other).status_code == 404
    for name in ("console:audit_list", "console:event_download_csv", "console:event_download_json"):
        assert client.get(reverse(name, args=[management_root.account_id])).status_code == 404
    assert "All accounts in the organization" not in history(client, own).content.decode()


def test_another_organization_reaches_nothing(client, other_root, management_root, trail):
    client.force_login(other_root)
    account = management_root.account_id
    for name in ("console:audit_list", "console:event_download_csv", "console:event_download_json"):
        assert client.get(reverse(name, args=[account])).status_code == 404
    event = trail["login"].event_id
    assert client.get(reverse("console:event_detail", args=[account, event])).status_code == 404
    own = other_root.account_id
    assert client.get(reverse("console:event_detail", args=[own, event])).status_code == 404
    body = history(client, own, scope="organization", account=account, size=100).content.decode()
    assert str(event) not in body


def test_an_iam_user_without_lookup_events_is_refused(client, alice, trail):
    client.force_login(alice)
    account = alice.account_id
    assert history(client, account).status_code == 403
    assert client.get(reverse("console:event_download_csv", args=[account])).status_code == 403
    detail = reverse("console:event_detail", args=[account, trail["login"].event_id])
    assert client.get(detail).status_code == 403


# --- Hostile input: a clear error on the form, never a 500 -------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-13-45T99:99"}, "Enter a valid date/time."),
        ({"end": "yesterday"}, "Enter a valid date/time."),
        ({"start": "9" * 5000}, "Enter a valid date/time."),
        ({"start": "1850-01-01T00:00"}, "Choose a date after 2000."),
        (
            {"start": "2026-05-02T00:00", "end": "2026-05-01T00:00"},
            "To must be after From.",
        ),
        ({"range": "1h", "start": "2026-05-01T00:00"}, "not both"),
        ({"range": "forever"}, "Select a valid choice."),
        ({"size": "1000000"}, "Select a valid choice."),
        ({"size": "-1"}, "Select a valid choice."),
        ({"read_only": "maybe"}, "Select a valid choice."),
        ({"source_ip": "999.1.1.1"}, "Enter a valid IPv4 or IPv6 address."),
        ({"source_ip": "1" * 100_000}, "Enter a valid IPv4 or IPv6 address."),
        ({"event_name": "x" * 100_000}, "Ensure this value has at most 64 characters"),
        ({"event_name": "Create User"}, "only letters and digits"),
        ({"user_name": "a" * 300}, "Ensure this value has at most 256 characters"),
        ({"user_name": "ali\u0007ce"}, "printable characters only"),
        ({"resource": "r" * 2000}, "Ensure this value has at most 1100 characters"),
        ({"error_code": "e" * 65}, "Ensure this value has at most 64 characters"),
        ({"cursor": "not-a-cursor"}, "This page link is not valid any more."),
        ({"cursor": "x" * 600}, "Ensure this value has at most 512 characters"),
    ],
)
def test_hostile_parameters_give_a_form_error(client, management_root, params, message):
    client.force_login(management_root)
    account = management_root.account_id
    response = history(client, account, **params)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body.replace("&#x27;", "'").replace("&quot;", '"')
    assert "Some filters are not valid" in body
    download = client.get(reverse("console:event_download_csv", args=[account]), params)
    assert download.status_code == 400 and not download.streaming


def test_a_tampered_cursor_is_refused(client, management_root):
    account = management_root.account_id
    client.force_login(management_root)
    _many(management_root, 30, timezone.now())
    cursor = links(history(client, account, size=25))["next"].split("cursor=")[1]
    tampered = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")
    response = history(client, account, size=25, cursor=tampered)
    assert response.status_code == 400
    assert "This page link is not valid any more." in response.content.decode()


def test_the_list_costs_the_same_queries_for_10_and_200_events(
    client, management_root, member_account, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    account = management_root.account_id
    client.force_login(management_root)
    _many(management_root, 10, timezone.now())
    client.get(reverse("console:audit_list", args=[account]))
    with CaptureQueriesContext(connection) as few:
        assert len(listed(history(client, account, size=100, scope="organization"))) >= 10
    _many(management_root, 190, timezone.now() - timedelta(hours=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(history(client, account, size=100, scope="organization"))) == 100
    with django_assert_max_num_queries(len(few.captured_queries)):
        second = links(history(client, account, size=100))["next"]
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client.get(f"{reverse('console:audit_list', args=[account])}?{second}")))
