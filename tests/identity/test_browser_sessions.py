"""Signed-in browser sessions: the rows, how they follow a session, and how sessions end."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from identity import authn_state, browser_sessions, crypto, services, user_agents
from identity.models import AuditEvent, BrowserSession
from identity.tasks import purge_browser_sessions
from tests.conftest import PASSWORD, signin_iam, signin_root

pytestmark = pytest.mark.django_db

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def store():
    return import_module(settings.SESSION_ENGINE).SessionStore


# --- The user agent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "browser", "system"),
    [
        (FIREFOX_LINUX, "Firefox 128", "Linux"),
        (CHROME_WINDOWS, "Chrome 126", "Windows"),
        (SAFARI_IPHONE, "Safari 17", "iOS 17"),
        (
            CHROME_WINDOWS.replace("Safari/537.36", "Safari/537.36 Edg/126.0.2592.87"),
            "Edge 126",
            "Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4.1 Safari/605.1.15",
            "Safari 17",
            "macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/125.0.6422.165 Mobile Safari/537.36",
            "Chrome 125",
            "Android 14",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
            "like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome 126",
            "iOS 17",
        ),
        ("curl/8.5.0", "curl 8", ""),
        ("", "", ""),
        ("<script>alert(1)</script>", "", ""),
    ],
)
def test_the_user_agent_names_a_browser_and_a_system(agent, browser, system):
    assert user_agents.parse(agent) == (browser, system)


def test_a_long_hostile_user_agent_is_parsed_quickly_and_bounded():
    parsed = user_agents.parse("iPhone" + " OS" * 5000 + "Firefox/" + "9" * 500)
    assert len(parsed.browser) <= 64 and len(parsed.operating_system) <= 64


# --- Signing in and out --------------------------------------------------------------------


def test_signing_in_records_the_session_without_its_key(client, alice, management_account):
    signin_iam(client, "example-corp", "alice", HTTP_USER_AGENT=FIREFOX_LINUX)
    key = session_key(client)
    row = BrowserSession.objects.get(user=alice)
    assert row.key_hash == sha256(key)
    assert crypto.decrypt(row.key_encrypted).decode() == key
    assert key not in row.key_encrypted
    assert (row.browser, row.operating_system) == ("Firefox 128", "Linux")
    assert row.user_agent == FIREFOX_LINUX
    assert row.ip_address == "127.0.0.1"
    assert row.method == BrowserSession.Method.PASSWORD
    assert not row.mfa_used and row.mfa_device == ""
    assert row.public_id.startswith("bs-") and len(row.public_id) == 19
    assert row.expires_at > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    assert client.session[authn_state.BROWSER_SESSION] == row.public_id
    # The ConsoleLogin event names no key either.
    for event in AuditEvent.objects.all():
        assert key not in str(event.__dict__)


def test_signing_in_again_in_the_same_browser_replaces_its_row(client, alice):
    signin_iam(client, "example-corp", "alice")
    first = BrowserSession.objects.get(user=alice)
    signin_iam(client, "example-corp", "alice")  # the sign-in page, posted again
    (row,) = BrowserSession.objects.filter(user=alice)
    assert row.public_id != first.public_id
    assert row.key_hash == sha256(session_key(client))


def test_signing_out_removes_the_row(client, alice):
    signin_iam(client, "example-corp", "alice")
    assert BrowserSession.objects.filter(user=alice).count() == 1
    client.post(reverse("accounts:signout"))
    assert not BrowserSession.objects.filter(user=alice).exists()


def test_signup_records_the_root_users_session(client):
    client.post(
        reverse("signup"),
        {
            "organization_name": "New",
            "account_name": "New management",
            "root_email": "new@example.test",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    row = BrowserSession.objects.get(user__account__root_email="new@example.test")
    assert row.key_hash == sha256(session_key(client))


def _signed_in_request(user, *, device_arn=None, amr=("pwd",), agent=CHROME_WINDOWS):
    request = RequestFactory().get("/", HTTP_USER_AGENT=agent, REMOTE_ADDR="192.0.2.7")
    request.session = store()()
    request.session.create()
    request.user = user
    authn_state.signed_in(request, device_arn=device_arn, amr=list(amr))
    return request


@pytest.mark.parametrize(
    ("device_arn", "amr", "recovery", "method", "mfa_method"),
    [
        (None, ["pwd"], "", "password", ""),
        ("arn:aws:iam::1:mfa/app", ["pwd", "otp", "mfa"], "", "password", "code"),
        ("arn:aws:iam::1:mfa/key", ["pwd", "hwk", "mfa"], "", "password", "security_key"),
        ("arn:aws:iam::1:mfa/key", ["swk", "user", "mfa"], "", "passkey", "security_key"),
        ("arn:aws:iam::1:mfa/key", ["hwk", "user", "mfa"], "", "passkey", "security_key"),
        (authn_state.EXTERNAL, ["fed", "mfa"], "", "federation", "identity_provider"),
        (None, ["fed"], "", "federation", ""),
        (None, ["pwd", "otp"], "RecoveryCode", "recovery_code", ""),
        (None, ["pwd", "tel"], "AlternativeFactors", "alternative_factors", ""),
    ],
)
def test_the_row_says_how_the_session_signed_in(
    alice, device_arn, amr, recovery, method, mfa_method
):
    request = _signed_in_request(alice, device_arn=device_arn, amr=amr)
    row = browser_sessions.browser_session_signed_in(request, user=alice, recovery=recovery)
    assert (row.method, row.mfa_method) == (method, mfa_method)
    assert row.mfa_used is bool(mfa_method)
    assert row.mfa_device == (device_arn or "")
    assert row.ip_address == "192.0.2.7"


def test_a_step_up_keeps_when_the_session_first_signed_in(alice, time_machine):
    time_machine.move_to("2030-01-01 10:00:00Z", tick=False)
    request = _signed_in_request(alice)
    first = browser_sessions.browser_session_signed_in(request, user=alice)
    time_machine.move_to("2030-01-01 11:00:00Z", tick=False)
    previous_key = request.session.session_key
    previous = authn_state.signin_record(request)
    request.session.cycle_key()
    authn_state.signed_in(
        request, device_arn="arn:aws:iam::1:mfa/app", amr=["pwd", "otp", "mfa"], previous=previous
    )
    row = browser_sessions.browser_session_signed_in(request, user=alice, replaces=previous_key)
    assert not BrowserSession.objects.filter(pk=first.pk).exists()
    assert row.signed_in_at == first.signed_in_at
    assert row.mfa_used and row.last_active > first.last_active


# --- The middleware: the key, the expiry, last active ------------------------------------------


def test_the_row_follows_the_session_key_when_it_changes(client, alice):
    signin_iam(client, "example-corp", "alice")
    before = session_key(client)
    response = client.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Horse-43!battery",
            "new_password2": "Another-Horse-43!battery",
        },
    )
    assert response.status_code == 302
    after = session_key(client)
    assert after != before  # update_session_auth_hash cycled it
    row = BrowserSession.objects.get(user=alice)
    assert row.key_hash == sha256(after)
    assert crypto.decrypt(row.key_encrypted).decode() == after
    assert client.get(reverse("mfa:security_credentials")).status_code == 200


def test_last_active_is_written_at_most_once_a_minute(client, alice, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    signin_iam(client, "example-corp", "alice")
    row = BrowserSession.objects.get(user=alice)
    signed_in = row.last_active
    time_machine.shift(30)
    client.get(reverse("mfa:security_credentials"))
    row.refresh_from_db()
    assert row.last_active == signed_in  # within the minute: no write
    cache.delete(browser_sessions._activity_key(row.public_id))  # the minute is over
    time_machine.shift(40)
    client.get(reverse("mfa:security_credentials"))
    row.refresh_from_db()
    assert row.last_active == signed_in + timedelta(seconds=70)


def test_a_request_within_the_minute_writes_nothing(client, alice):
    signin_iam(client, "example-corp", "alice")
    url = reverse("console:home")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    assert captured.captured_queries  # the page did run
    assert not [q for q in captured.captured_queries if "identity_browsersession" in q["sql"]]


def test_the_expiry_follows_the_session_when_it_is_saved(client, alice, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    signin_iam(client, "example-corp", "alice")
    row = BrowserSession.objects.get(user=alice)
    time_machine.shift(3600)
    request = RequestFactory().get("/")
    request.session = store()(session_key(client))
    request.session["something"] = "changed"  # a page that writes the session
    browser_sessions.browser_session_seen(
        request, previous_key=session_key(client), status_code=200
    )
    row.refresh_from_db()
    assert row.expires_at == timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    request.session.save()
    saved = store()(session_key(client))
    saved.load()
    assert abs((row.expires_at - saved.get_expiry_date()).total_seconds()) < 1


# --- Ending sessions -------------------------------------------------------------------------


def two_browsers(alice):
    first, second = Client(), Client()
    signin_iam(first, "example-corp", "alice")
    signin_iam(second, "example-corp", "alice", HTTP_USER_AGENT=SAFARI_IPHONE)
    return first, second


def test_ending_a_session_deletes_the_django_session_and_its_cache(alice):
    first, second = two_browsers(alice)
    key = session_key(second)
    assert store()(key).exists(key) and store()(key).load()
    row = BrowserSession.objects.get(key_hash=sha256(key))
    browser_sessions.browser_session_end(actor=alice, session=row)
    assert not BrowserSession.objects.filter(pk=row.pk).exists()
    assert not store()(key).exists(key)
    assert cache.get(store().cache_key_prefix + key) is None
    response = second.get(reverse("mfa:security_credentials"))
    assert response.status_code == 302 and "/signin" in response["Location"]
    assert first.get(reverse("mfa:security_credentials")).status_code == 200
    event = AuditEvent.objects.get(event_name="EndSession")
    assert event.request_parameters == {"sessionId": row.public_id}
    assert key not in str(event.__dict__)


def test_ending_the_other_sessions_keeps_this_one(alice):
    first, second = two_browsers(alice)
    third = Client()
    signin_iam(third, "example-corp", "alice")
    request = RequestFactory().post("/")
    request.session = store()(session_key(first))
    request.user = alice
    ended = browser_sessions.browser_sessions_end_others(actor=alice, user=alice, request=request)
    assert ended == 2
    (left,) = BrowserSession.objects.filter(user=alice)
    assert left.key_hash == sha256(session_key(first))
    assert second.get(reverse("mfa:security_credentials")).status_code == 302
    assert third.get(reverse("mfa:security_credentials")).status_code == 302
    assert first.get(reverse("mfa:security_credentials")).status_code == 200
    event = AuditEvent.objects.get(event_name="EndOtherSessions")
    assert event.response_elements == {"sessionsEnded": 2}
    assert len(event.request_parameters["sessionIds"]) == 2


def test_changing_ones_password_signs_out_the_other_sessions(alice):
    first, second = two_browsers(alice)
    response = first.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-Horse-43!battery",
            "new_password2": "Another-Horse-43!battery",
        },
    )
    assert response.status_code == 302
    (left,) = BrowserSession.objects.filter(user=alice)
    assert left.key_hash == sha256(session_key(first))
    assert not store()(session_key(second)).exists(session_key(second))
    event = AuditEvent.objects.get(event_name="EndOtherSessions")
    assert event.additional_event_data == {"reason": "PasswordChanged"}


def test_an_administrators_password_reset_ends_every_session(alice, management_root):
    two_browsers(alice)
    services.iam_user_console_access_set(
        actor=management_root, user=alice, password="Reset-Horse-44!battery"
    )
    assert not BrowserSession.objects.filter(user=alice).exists()
    event = AuditEvent.objects.get(event_name="EndUserSessions")
    assert event.additional_event_data == {"reason": "PasswordResetByAdministrator"}
    assert event.response_elements["sessionsEnded"] == 2


def test_deleting_the_user_ends_every_session(alice, management_root):
    first, second = two_browsers(alice)
    keys = [session_key(first), session_key(second)]
    services.iam_user_delete(actor=management_root, user=alice)
    assert not any(store()(key).exists(key) for key in keys)
    assert AuditEvent.objects.get(event_name="EndUserSessions").additional_event_data == {
        "reason": "UserDeleted"
    }


def test_a_password_reset_of_a_user_not_signed_in_records_no_session_event(alice, management_root):
    services.iam_user_console_access_set(
        actor=management_root, user=alice, password="Reset-Horse-44!battery"
    )
    assert not AuditEvent.objects.filter(event_name="EndUserSessions").exists()


# --- Expiry --------------------------------------------------------------------------------


def test_expired_sessions_are_not_listed_and_are_purged(client, alice, management_root):
    signin_iam(client, "example-corp", "alice")
    other = Client()
    signin_root(other, "root@example.test")
    BrowserSession.objects.filter(user=alice).update(expires_at=timezone.now() - timedelta(1))
    assert not browser_sessions.user_browser_sessions(alice).exists()
    assert browser_sessions.user_browser_sessions_summary(alice)["count"] == 0
    assert purge_browser_sessions() == 1
    assert not BrowserSession.objects.filter(user=alice).exists()
    assert BrowserSession.objects.filter(user=management_root).exists()  # not expired: kept
    BrowserSession.objects.update(expires_at=timezone.now() - timedelta(1))
    output = io.StringIO()
    call_command("purge_browser_sessions", stdout=output)
    assert output.getvalue().startswith("1 expired")
    assert not BrowserSession.objects.exists()


def test_signing_in_drops_the_users_expired_rows(alice):
    first = Client()
    signin_iam(first, "example-corp", "alice")
    BrowserSession.objects.update(expires_at=timezone.now() - timedelta(1))
    signin_iam(Client(), "example-corp", "alice")
    assert BrowserSession.objects.filter(user=alice).count() == 1
