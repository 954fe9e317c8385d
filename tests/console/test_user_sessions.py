"""An IAM user's *Sessions* panel and *End all sessions* in the console."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from identity.models import AuditEvent, BrowserSession
from identity.policies import services as policies
from tests.conftest import signin_iam, signin_root

pytestmark = pytest.mark.django_db

PAGE = reverse("mfa:security_credentials")


def alice_browsers(n: int) -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client()
        signin_iam(client, "example-corp", "alice")
        clients.append(client)
    return clients


@pytest.fixture
def admin(management_root):
    client = Client()
    signin_root(client, "root@example.test")
    return client


def urls(account, user):
    return (
        reverse("console:user_detail", args=[account.id, user.name]),
        reverse("console:user_sessions_end", args=[account.id, user.name]),
    )


def test_the_user_page_counts_the_sessions(admin, alice, management_account):
    detail, end = urls(management_account, alice)
    page = admin.get(detail).content.decode()
    assert "Sessions (0)" in page and "This user is not signed in anywhere." in page
    alice_browsers(2)
    page = admin.get(detail).content.decode()
    assert "Sessions (2)" in page and "Signed in to 2 browsers" in page
    assert end in page


def test_end_all_sessions_asks_first_then_ends_them(admin, alice, management_account):
    browsers = alice_browsers(2)
    detail, end = urls(management_account, alice)
    confirm = admin.get(end)
    assert confirm.status_code == 200
    assert "End all sessions of alice?" in confirm.content.decode()
    assert BrowserSession.objects.filter(user=alice).count() == 2
    response = admin.post(end)
    assert response.status_code == 302 and response["Location"] == detail
    assert not BrowserSession.objects.filter(user=alice).exists()
    for browser in browsers:
        assert browser.get(PAGE).status_code == 302
    assert admin.get(detail).status_code == 200  # the administrator's own session stays
    event = AuditEvent.objects.get(event_name="EndUserSessions")
    assert event.request_parameters == {"userName": "alice"}
    assert event.response_elements["sessionsEnded"] == 2
    assert event.additional_event_data == {"reason": "EndedByAdministrator"}
    assert event.recipient_account_id == management_account.id


def test_ending_none_is_recorded_too(admin, alice, management_account):
    _detail, end = urls(management_account, alice)
    assert admin.post(end).status_code == 302
    assert AuditEvent.objects.get(event_name="EndUserSessions").response_elements == {
        "sessionsEnded": 0,
        "sessionIds": [],
    }


def test_an_administrator_without_the_permission_is_refused(
    alice, make_iam_user, management_account
):
    reader = make_iam_user(name="reader")
    policies.policy_attach(
        actor=None,
        account=management_account,
        policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        user=reader,
    )
    (browser,) = alice_browsers(1)
    client = Client()
    signin_iam(client, "example-corp", "reader")
    detail, end = urls(management_account, alice)
    page = client.get(detail).content.decode()
    assert "Sessions (1)" in page and end not in page
    assert client.get(end).status_code == 403
    assert client.post(end).status_code == 403
    assert browser.get(PAGE).status_code == 200


def test_another_tenant_gets_404(alice, other_root, management_account):
    (browser,) = alice_browsers(1)
    intruder = Client()
    signin_root(intruder, "root@other.test")
    _detail, end = urls(management_account, alice)
    assert intruder.get(end).status_code == 404
    assert intruder.post(end).status_code == 404
    assert browser.get(PAGE).status_code == 200


def test_a_member_accounts_users_sessions_from_the_management_account(
    admin, make_iam_user, member_account
):
    """From the other side: the management account's root acts on its member accounts (as on
    every user page), and a member account's user is no user of the management account."""
    carol = make_iam_user(account=member_account, name="carol")
    browser = Client()
    signin_iam(browser, member_account.id, "carol")
    _detail, end = urls(member_account, carol)
    assert admin.post(end).status_code == 302
    assert browser.get(PAGE).status_code == 302
