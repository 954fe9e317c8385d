"""Issue 17's new pages in Japanese, each waited for and photographed (``SCREENSHOT_DIR``): the
IAM dashboard and a recommendation's users, event history and an event, the signed-in sessions
on Security credentials and the administrator's *End all sessions*, the sign-in settings, the
sign-in page offering a passkey, and a credential report being generated."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from identity import services
from identity.audit_events import Event
from identity.credentials.models import CredentialReport
from identity.models import Account, AuditEvent
from tests.conftest import PASSWORD
from tests.support.browser import carry_session
from tests.support.events import write_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(management_root):
    return services.iam_user_create(
        actor=None, account=management_root.account, name="alice", password="x" * 16 + "Aa1!"
    )


def japanese(page, live_server, user):
    carry_session(page, live_server, user=user, language="ja")


def test_the_dashboard_and_event_history_in_japanese(
    page, shoot, live_server, management_root, alice
):
    account = management_root.account
    for name in ("bob", "carol"):
        write_event(Event.CREATE_USER, actor=management_root, params={"userName": name})
    japanese(page, live_server, management_root)

    page.goto(reverse("console:account_dashboard", args=[account.id]))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_test_id("recommendations")).to_be_visible()
    shoot(page, "iam-dashboard-ja")
    page.goto(reverse("console:dashboard_affected_users", args=[account.id, "use-sso"]))
    expect(page.get_by_role("main")).to_contain_text("alice")
    shoot(page, "iam-dashboard-affected-users-ja")

    page.goto(reverse("console:audit_list", args=[account.id]) + "?event_name=CreateUser")
    expect(page.locator("table.table tbody tr")).to_have_count(3)  # alice, bob and carol
    shoot(page, "event-history-ja")
    event = AuditEvent.objects.filter(event_name="CreateUser").order_by("event_time").first()
    page.goto(reverse("console:event_detail", args=[account.id, event.event_id]))
    expect(page.get_by_role("main")).to_contain_text(str(event.event_id))
    shoot(page, "event-detail-ja")


def test_sessions_and_sign_in_settings_in_japanese(
    page, shoot, live_server, management_root, alice
):
    account = management_root.account
    # Signed in through the form, so that this browser's session is listed.
    page.context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    page.goto("/signin")
    page.fill("#id_email", account.root_email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile("/console/"))
    page.goto(reverse("mfa:security_credentials"))
    expect(page.get_by_test_id("browser-sessions")).to_contain_text("Chrome")
    shoot(page, "browser-sessions-section-ja")
    page.goto(reverse("console:user_sessions_end", args=[account.id, "alice"]))
    expect(page.get_by_role("main").locator("form")).to_be_visible()
    shoot(page, "user-sessions-end-ja")
    page.goto(reverse("console:signin_settings", args=[account.id]))
    expect(page.locator("#id_passkey_signin")).to_be_visible()
    shoot(page, "signin-settings-ja")

    CredentialReport.objects.create(  # a report being generated: 1,200 of 3,000 users written
        account=account,
        state=CredentialReport.State.STARTED,
        requested_at=timezone.now(),
        done=1200,
        total=3000,
    )
    page.goto(reverse("console:credential_report", args=[account.id]))
    expect(page.locator("progress")).to_have_attribute("value", "40")
    shoot(page, "credential-report-progress-ja")


def test_the_sign_in_page_offers_a_passkey_in_japanese(page, shoot, live_server, management_root):
    account = management_root.account
    Account.objects.filter(pk=account.pk).update(passkey_signin=True)
    page.context.add_cookies([{"name": "django_language", "value": "ja", "url": live_server.url}])
    page.goto(f"/signin/{account.alias}")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("[data-passkey-signin]")).to_be_visible()
    shoot(page, "passkey-signin-page-ja")
