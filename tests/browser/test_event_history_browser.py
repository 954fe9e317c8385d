"""The Event history in Chromium: filter by user name, open an event's record (screenshots of
both, English, with ``SCREENSHOT_DIR``)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from identity.audit_events import Event
from tests.support.browser import carry_session
from tests.support.events import refusal, write_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_the_history_and_open_an_event(page, shoot, live_server, management_root, alice):
    account = management_root.account_id
    now = timezone.now()
    write_event(Event.CONSOLE_LOGIN, actor=alice, when=now - timedelta(minutes=5))
    write_event(Event.GET_SESSION_TOKEN, actor=alice, when=now - timedelta(minutes=4))
    refusal(
        actor=alice,
        action="iam:ListUsers",
        resource=f"arn:aws:iam::{account}:user/*",
        when=now - timedelta(minutes=3),
    )
    write_event(
        Event.CREATE_USER,
        actor=management_root,
        when=now - timedelta(minutes=2),
        params={"userName": "bob"},
    )
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{account}/")
    page.get_by_role("main").get_by_role("link", name="Event history").click()
    table = page.get_by_test_id("event-history")
    expect(table.get_by_role("link", name="CreateUser").first).to_be_visible()

    page.get_by_label("User name", exact=True).fill("alice")
    page.get_by_label("Time range").select_option("24h")
    page.get_by_role("button", name="Apply filters").click()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(table).not_to_contain_text("CreateUser")
    expect(table).to_contain_text("AccessDenied")
    expect(page.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href",
        re.compile(
            rf"^/console/accounts/{account}/events/download\.csv\?.*user_name=alice&range=24h"
        ),
    )
    shoot(page, "event-history-filtered-en")

    table.get_by_role("link", name="ListUsers").click()
    record = page.get_by_test_id("event-record")
    expect(record).to_contain_text('"eventName": "ListUsers"')
    expect(record).to_contain_text('"errorCode": "AccessDenied"')
    expect(record).to_contain_text('"readOnly": true')
    expect(page.get_by_test_id("event-summary")).to_contain_text("alice")
    shoot(page, "event-detail-en")

    page.go_back()
    page.get_by_label("Event name").fill("DeleteUser")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("no-events")).to_contain_text("No events match these filters.")
    page.get_by_test_id("no-events").get_by_role("link", name="Clear filters").click()
    expect(page.get_by_label("User name", exact=True)).to_have_value("")
    expect(table.get_by_role("link", name="CreateUser").first).to_be_visible()
    shoot(page, "event-history-en")
