"""*Signed-in sessions* on the Security credentials page: the list, Sign out, Sign out all
other sessions; another person's session is a 404; the engine is asked."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity.models import AuditEvent, BrowserSession
from identity.policies import services as policies
from sso.models import SSOSettings
from tests.conftest import signin_iam, signin_root
from tests.support.sso import make_sso_user, set_sso, signin_portal

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SESSIONS_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:UpdateLoginProfile",
                "Resource": "arn:aws:iam::*:user/${aws:username}",
            }
        ],
    }
)
PAGE = reverse("mfa:security_credentials")


@pytest.fixture
def may_end(alice):
    policies.inline_policy_put(actor=None, user=alice, name="OwnSessions", document=SESSIONS_POLICY)


def browsers(n: int, name="alice", account="example-corp") -> list[Client]:
    clients = []
    for _ in range(n):
        client = Client()
        signin_iam(client, account, name, HTTP_USER_AGENT=FIREFOX)
        clients.append(client)
    return clients


def row_of(client) -> BrowserSession:
    return BrowserSession.objects.get(public_id=client.session["tobira_browser_session"])


def test_the_page_lists_every_session_and_marks_this_one(alice, may_end):
    mine, other = browsers(2)
    page = mine.get(PAGE).content.decode()
    assert "Signed-in sessions (2)" in page
    assert page.count('data-testid="browser-session-') == 2
    assert page.count('data-testid="this-session"') == 1
    assert "Firefox 128 on Linux" in page
    this_row = page.split(f'data-testid="browser-session-{row_of(mine).public_id}"')[1]
    assert "This session" in this_row.split("</tr>")[0]
    # Sign out for the other one only; and Sign out all other sessions.
    assert reverse("mfa:session_end", args=[row_of(other).public_id]) in page
    assert reverse("mfa:session_end", args=[row_of(mine).public_id]) not in page
    assert reverse("mfa:sessions_end_others") in page


def test_without_the_permission_the_list_shows_and_the_buttons_do_not(alice):
    mine, other = browsers(2)
    page = mine.get(PAGE).content.decode()
    assert "Signed-in sessions (2)" in page
    assert reverse("mfa:sessions_end_others") not in page
    assert reverse("mfa:session_end", args=[row_of(other).public_id]) not in page
    response = mine.post(reverse("mfa:session_end", args=[row_of(other).public_id]))
    assert response.status_code == 403
    assert mine.post(reverse("mfa:sessions_end_others")).status_code == 403
    assert BrowserSession.objects.filter(user=alice).count() == 2
    assert AuditEvent.objects.filter(event_name="UpdateLoginProfile", error_code="AccessDenied")


def test_sign_out_a_session_asks_first_then_signs_it_out(alice, may_end):
    mine, other = browsers(2)
    target = row_of(other)
    url = reverse("mfa:session_end", args=[target.public_id])
    confirm = mine.get(url)
    assert confirm.status_code == 200
    assert "Sign out this session?" in confirm.content.decode()
    assert BrowserSession.objects.filter(pk=target.pk).exists()  # a GET ends nothing
    response = mine.post(url)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert not BrowserSession.objects.filter(pk=target.pk).exists()
    assert other.get(PAGE).status_code == 302  # signed out
    assert mine.get(PAGE).status_code == 200
    assert AuditEvent.objects.filter(event_name="EndSession").count() == 1


def test_this_session_is_not_ended_from_its_row(alice, may_end):
    (mine,) = browsers(1)
    response = mine.post(reverse("mfa:session_end", args=[row_of(mine).public_id]))
    assert response.status_code == 302
    assert mine.get(PAGE).status_code == 200
    assert BrowserSession.objects.filter(user=alice).count() == 1


def test_sign_out_all_other_sessions(alice, may_end):
    mine, *others = browsers(3)
    confirm = mine.get(reverse("mfa:sessions_end_others")).content.decode()
    assert "2 other browsers are signed in as you" in confirm
    response = mine.post(reverse("mfa:sessions_end_others"))
    assert response.status_code == 302
    assert [row_of(mine)] == list(BrowserSession.objects.filter(user=alice))
    for other in others:
        assert other.get(PAGE).status_code == 302
    assert mine.get(PAGE).status_code == 200


def test_another_persons_session_is_a_404(alice, may_end, make_iam_user, management_root):
    bob = make_iam_user(name="bob")
    policies.inline_policy_put(actor=None, user=bob, name="OwnSessions", document=SESSIONS_POLICY)
    (alices,) = browsers(1)
    (bobs,) = browsers(1, name="bob")
    root = Client()
    signin_root(root, "root@example.test")
    for victim in (bobs, root):
        url = reverse("mfa:session_end", args=[row_of(victim).public_id])
        assert alices.get(url).status_code == 404
        assert alices.post(url).status_code == 404
        assert victim.get(PAGE).status_code == 200  # still signed in
    assert alices.get(reverse("mfa:session_end", args=["bs-" + "x" * 300])).status_code == 404


def test_another_tenants_session_is_a_404(alice, may_end, other_root):
    (alices,) = browsers(1)
    other = Client()
    signin_root(other, "root@other.test")
    url = reverse("mfa:session_end", args=[row_of(other).public_id])
    assert alices.post(url).status_code == 404
    # And from the other side: the other tenant's root cannot reach Alice's session.
    url = reverse("mfa:session_end", args=[row_of(alices).public_id])
    assert other.post(url).status_code == 404
    assert alices.get(PAGE).status_code == 200


def test_the_list_costs_the_same_queries_for_one_or_many_sessions(alice, may_end):
    mine, *_ = browsers(1)
    mine.get(PAGE)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert mine.get(PAGE).status_code == 200
        return len(captured.captured_queries)

    few = count()
    browsers(5)
    assert "Signed-in sessions (6)" in mine.get(PAGE).content.decode()
    assert count() == few


def test_the_actions_need_a_post_with_csrf(alice, may_end):
    mine, other = browsers(2)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = mine.cookies
    response = strict.post(reverse("mfa:session_end", args=[row_of(other).public_id]))
    assert response.status_code == 403
    assert strict.post(reverse("mfa:sessions_end_others")).status_code == 403
    assert BrowserSession.objects.filter(user=alice).count() == 2


def test_a_root_user_manages_their_own_sessions(management_root):
    first, second = Client(), Client()
    signin_root(first, "root@example.test")
    signin_root(second, "root@example.test")
    assert first.post(reverse("mfa:sessions_end_others")).status_code == 302
    assert second.get(PAGE).status_code == 302
    assert first.get(PAGE).status_code == 200


def test_an_sso_user_signs_out_their_other_sessions(organization):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    sam = make_sso_user(organization)
    first, second = Client(), Client()
    assert signin_portal(first, organization).status_code == 302
    assert signin_portal(second, organization).status_code == 302
    rows = BrowserSession.objects.filter(user=sam)
    assert [row.method for row in rows] == ["password", "password"]
    page = first.get(PAGE).content.decode()
    assert "Signed-in sessions (2)" in page and reverse("mfa:sessions_end_others") in page
    assert first.post(reverse("mfa:sessions_end_others")).status_code == 302
    assert second.get(PAGE).status_code == 302
    assert first.get(PAGE).status_code == 200
