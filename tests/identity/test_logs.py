"""Structured logs (identity.logs): JSON lines with the request's id and principal, never a secret.

The flows below use every kind of secret a person or a program hands Tobira — a password, a
TOTP code, the session's key, an emailed recovery link, a code read out on a phone call, an
access key's secret and a SigV4 signature — and then look for each of them in everything that
was logged, rendered exactly as production renders it.
"""

import io
import json
import logging
import re

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from identity import logs
from tests.conftest import PASSWORD, signin_iam, signin_root
from tests.recovery.conftest import voice  # noqa: F401 - the recovery tests' voice backend
from tests.support.aws import access_key, signed_client_call
from tests.support.mfa import enabled_app
from tests.support.recovery import TOKEN, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_logs():
    """Everything logged while the test runs, as production renders it: a list of dicts, and the
    raw text (``.text``) for looking for secrets in."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)

    class Lines(list):
        @property
        def text(self) -> str:
            return stream.getvalue()

        def refresh(self):
            self[:] = [json.loads(line) for line in stream.getvalue().splitlines() if line]
            return self

    try:
        yield Lines()
    finally:
        root.removeHandler(handler)


def finished(lines, path_prefix: str) -> list[dict]:
    return [
        line
        for line in lines.refresh()
        if line.get("event") == "request_finished"
        and line["request"].split(" ", 1)[1].startswith(path_prefix)
    ]


# --- the processor and the request line ------------------------------------------------------


def test_secret_named_keys_are_redacted_at_any_depth():
    event = {
        "event": "something",
        "password": "hunter2",
        "aws_secret_access_key": "abc",
        "Authorization": "AWS4-HMAC-SHA256 Credential=...",
        "code": "123456",  # an MFA code as text
        "nested": {"token": "t0k", "list": [{"client_secret": "s"}], "fine": "visible"},
        "dsn": "redis://default:p4ss@cache.internal:6379/0",
    }
    out = logs.redact(None, "info", dict(event))
    assert out["password"] == out["aws_secret_access_key"] == out["Authorization"] == "[redacted]"
    assert out["code"] == "[redacted]"
    assert out["nested"] == {
        "token": "[redacted]",
        "list": [{"client_secret": "[redacted]"}],
        "fine": "visible",
    }
    assert out["dsn"] == "redis://default:[redacted]@cache.internal:6379/0"
    assert out["event"] == "something"


def test_a_password_holding_an_at_sign_is_masked_whole_and_code_keys_are_secret():
    out = logs.redact(
        None,
        "info",
        {"dsn": "postgres://tobira:p@ss:w@rd@db.internal:5432/tobira", "mfa_code": "123456"},
    )
    assert out["dsn"] == "postgres://tobira:[redacted]@db.internal:5432/tobira"
    assert out["mfa_code"] == "[redacted]"


def test_a_value_cannot_start_a_line_of_its_own_in_the_console_format():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/x\nforged=1",), None
    )
    text = logs.formatter("console").format(record)
    assert "\n" not in text and "/x\\nforged=1" in text


def test_an_http_status_named_code_stays():
    assert logs.redact(None, "info", {"code": 403})["code"] == 403


def test_the_request_line_keeps_the_query_names_only(rf):
    request = rf.get(
        "/recovery/verify/1b0e0b7c-0000-4000-8000-000000000000", {"t": "SECRET", "a": "1"}
    )
    assert (
        logs.safe_request_line(request)
        == "GET /recovery/verify/1b0e0b7c-0000-4000-8000-000000000000?t=&a="
    )
    assert logs.safe_request_line(rf.post("/signin")) == "POST /signin"


# --- the middleware ---------------------------------------------------------------------------


def test_each_response_names_its_request_id_and_the_log_line_has_it(client, json_logs):
    response = client.get(reverse("accounts:signin"))
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f-]{36}", request_id)
    (line,) = finished(json_logs, "/signin")
    assert line["request_id"] == request_id
    assert line["code"] == 200
    assert line["ip"] == "127.0.0.1"
    assert line["view"] == "accounts:signin"
    assert line["duration_ms"] >= 0
    assert line["level"] == "info" and line["logger"] == "django_structlog.middlewares.request"
    assert "principal_arn" not in line  # nobody signed in


def test_an_upstream_request_id_is_taken_only_behind_a_trusted_proxy(client, settings):
    assert (
        client.get("/signin", headers={"X-Request-ID": "nginx-abc123"})["X-Request-ID"]
        != "nginx-abc123"
    )
    settings.DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True
    assert (
        client.get("/signin", headers={"X-Request-ID": "nginx-abc123"})["X-Request-ID"]
        == "nginx-abc123"
    )
    hostile = 'x" injected=1\n{"level": "critical"}'
    assert client.get("/signin", headers={"X-Request-ID": hostile})["X-Request-ID"] != hostile
    assert len(client.get("/signin", headers={"X-Request-ID": "a" * 65})["X-Request-ID"]) == 36


def test_a_signed_in_request_names_the_principal_and_account(client, alice, json_logs):
    signin_iam(client, "example-corp", "alice")
    client.get(reverse("console:home"))
    (line,) = finished(json_logs, "/console/")
    assert line["principal_arn"] == alice.arn
    assert line["account_id"] == alice.account_id


def test_the_log_costs_no_query(client, alice, settings):
    """The principal is bound only if the request loaded its user: the log itself loads nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signin_iam(client, "example-corp", "alice")
    counts = []
    for middleware in (
        settings.MIDDLEWARE,
        [m for m in settings.MIDDLEWARE if m != "identity.logs.RequestLogMiddleware"],
    ):
        settings.MIDDLEWARE = middleware
        for path in ("/favicon.ico", reverse("console:home")):
            with CaptureQueriesContext(connection) as queries:
                client.get(path)
            counts.append(len(queries))
    assert counts[:2] == counts[2:]


def test_a_signed_api_call_names_its_caller_and_not_its_signature(client, alice, json_logs):
    key_id, secret = access_key(alice)
    from identity.policies import services as policy_services

    policy_services.policy_attach(
        actor=None,
        account=alice.account,
        policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        user=alice,
    )
    response = signed_client_call(client, (key_id, secret), "ListUsers")
    assert response.status_code == 200, response.content
    (line,) = finished(json_logs, "/iam/")
    assert line["principal_arn"] == alice.arn
    assert secret not in json_logs.text
    assert "Signature=" not in json_logs.text


# --- no secret, end to end ----------------------------------------------------------------------


def test_no_secret_of_a_sign_in_with_mfa_is_logged(client, alice, json_logs, settings):
    device, app = enabled_app(alice)
    signin_iam(client, "example-corp", "alice")
    code = app.now()
    response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": code})
    assert response.status_code == 302
    client.get(reverse("console:home"))
    session_key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    text = json_logs.text
    assert PASSWORD not in text
    assert session_key not in text
    assert not re.search(rf"\b{code}\b", text)
    assert len(finished(json_logs, "")) == 3  # the three requests are there, as JSON


@pytest.mark.usefixtures("voice")
def test_no_secret_of_the_recovery_flow_is_logged(
    client, lost_device, mailoutbox, django_capture_on_commit_callbacks, json_logs
):
    signin_root(client, "member-root@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recovery:start"))
    link = re.search(r"(/recovery/verify/[0-9a-f-]{36})\?t=([A-Za-z0-9_-]+)", mailoutbox[-1].body)
    token = link.group(2)
    client.get(link.group(1), {"t": token})
    client.post(link.group(1))
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("recovery:phone"), follow=True).content.decode()
    code = re.search(r'data-testid="phone-code">(\d{6})<', page).group(1)
    from recovery.models import RecoveryAttempt

    attempt = RecoveryAttempt.objects.get(state="call_in_progress")
    signed_post(client, "recovery:twilio_gather", attempt, {"Digits": code})
    assert client.get(reverse("recovery:phone_status")).json()["state"] == "phone_verified"

    text = json_logs.text
    assert token not in text
    assert not re.search(rf"\b{code}\b", text)
    assert TOKEN not in text  # the Twilio auth token the signature is made with
    assert PASSWORD not in text
    (verify,) = [
        line
        for line in finished(json_logs, "/recovery/verify/")
        if line["request"].startswith("GET")
    ]
    assert verify["request"].endswith("?t=")


def test_a_failing_request_logs_the_principal_and_no_secret_from_the_exception(
    rf, alice, json_logs
):
    """A library's exception text may hold a URL with a password: masked, traceback included."""
    from django.core.handlers.exception import convert_exception_to_response

    def view(request):
        raise RuntimeError("cannot reach smtp://mailer:Sup3rS3cret@mail.internal:587")

    request = rf.get("/somewhere", {"code": "123456"})
    request.user = alice
    response = logs.RequestLogMiddleware(convert_exception_to_response(view))(request)
    assert response.status_code == 500
    assert "Sup3rS3cret" not in json_logs.text
    assert "123456" not in json_logs.text
    (failed,) = [line for line in json_logs.refresh() if line.get("event") == "request_failed"]
    assert failed["code"] == 500
    assert failed["principal_arn"] == alice.arn
    assert failed["request"] == "GET /somewhere?code="
    assert "RuntimeError" in failed["exception"]


def test_totp_codes_are_never_logged_by_a_failed_attempt(client, alice, json_logs):
    device, app = enabled_app(alice)
    signin_iam(client, "example-corp", "alice")
    wrong = str((int(app.now()) + 1) % 1_000_000).zfill(6)
    client.post(reverse("mfa:signin"), {"device": device.pk, "code": wrong})
    assert not re.search(rf"\b{wrong}\b", json_logs.text)
