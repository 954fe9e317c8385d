"""The credential report (mfa/credentials/): AWS's 22 columns and values, the root user first and
every IAM user (never an SSO user), a constant number of queries, the four-hour rule, the task
that builds it, and GetCredentialReport's refusals."""

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from identity import ids
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as access_keys
from identity.credentials.models import CredentialReport, SigningCertificate, Status
from identity.models import AuditEvent
from mfa.credentials import report, tasks
from mfa.credentials import services as report_services
from mfa.totp import services as totp_services
from tests.conftest import T0
from tests.support.mfa import authenticator
from tests.support.outbox import queued
from tests.support.sso import make_sso_user

REPORT_TASK = "credentials.generate_credential_report"

pytestmark = pytest.mark.django_db

COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
HOUR = 3600


def iso(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat()


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def certificate(user, status=Status.ACTIVE):
    """A signing certificate row (its upload service belongs to the IAM API, not written yet)."""
    return SigningCertificate.objects.create(
        certificate_id=ids.new_signing_certificate_id(),
        user=user,
        account_id=user.account_id,
        body="-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n",
        fingerprint=ids.new_signing_certificate_id(),
        status=status,
    )


def enabled_app(user, name):
    """An authenticator app enabled now (the clock is stopped by ``at``)."""
    device, key = totp_services.virtual_mfa_device_create(user=user, name=name)
    app, now = authenticator(key), int(time.time())
    totp_services.mfa_device_enable(
        actor=user, device=device, first_code=app.at(now - 30), second_code=app.at(now)
    )


def test_the_columns_and_values_of_each_kind_of_user(
    at, organization, management_root, make_iam_user
):
    account = management_root.account
    # The root user signed in once, and has an authenticator app.
    type(management_root).objects.filter(pk=management_root.pk).update(
        password_last_used=datetime.fromtimestamp(T0 + 60, UTC)
    )
    enabled_app(management_root, "root-app")
    at(T0 + HOUR)
    alice = make_iam_user(name="alice")  # a password, never used
    type(alice).objects.filter(pk=alice.pk).update(
        password_last_used=datetime.fromtimestamp(T0 + 2 * HOUR, UTC)
    )
    enabled_app(alice, "alice-app")
    first_key, _secret = access_keys.access_key_create(actor=None, user=alice)
    at(T0 + HOUR + 90)
    second_key, _secret = access_keys.access_key_create(actor=None, user=alice)
    at(T0 + 3 * HOUR)
    access_keys.access_key_mark_used(second_key, service="sts", region="ap-northeast-1")
    at(T0 + 4 * HOUR)
    certificate(alice)
    at(T0 + 4 * HOUR + 1)
    certificate(alice, status=Status.INACTIVE)
    at(T0 + 5 * HOUR)
    bob = make_iam_user(name="Bob", password=None, self_service=False)  # no password at all
    inactive, _secret = access_keys.access_key_create(actor=None, user=bob)
    access_keys.access_key_status_set(actor=None, key=inactive, status=Status.INACTIVE)
    make_sso_user(organization, name="sam", password=None)  # the portal's, not the account's

    text = report.credential_report_csv(account)

    assert text.splitlines()[0] == COLUMNS
    assert text.endswith("\n") and "\r" not in text
    root, alice_row, bob_row = rows_of(text)
    assert root == {
        "user": "<root_account>",
        "arn": f"arn:aws:iam::{account.id}:root",
        "user_creation_time": iso(T0),
        "password_enabled": "not_supported",
        "password_last_used": iso(T0 + 60),
        "password_last_changed": "not_supported",
        "password_next_rotation": "not_supported",
        "mfa_active": "true",
        "access_key_1_active": "false",
        "access_key_1_last_rotated": "N/A",
        "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A",
        "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "false",
        "access_key_2_last_rotated": "N/A",
        "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A",
        "access_key_2_last_used_service": "N/A",
        "cert_1_active": "false",
        "cert_1_last_rotated": "N/A",
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    assert alice_row == {
        "user": "alice",
        "arn": alice.arn,
        "user_creation_time": iso(T0 + HOUR),
        "password_enabled": "true",
        "password_last_used": iso(T0 + 2 * HOUR),
        "password_last_changed": "not_supported",  # Tobira does not record it
        "password_next_rotation": "N/A",  # no password policy makes passwords expire
        "mfa_active": "true",
        "access_key_1_active": "true",
        "access_key_1_last_rotated": iso(T0 + HOUR),
        "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A",
        "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "true",
        "access_key_2_last_rotated": iso(T0 + HOUR + 90),
        "access_key_2_last_used_date": iso(T0 + 3 * HOUR),
        "access_key_2_last_used_region": "ap-northeast-1",
        "access_key_2_last_used_service": "sts",
        "cert_1_active": "true",
        "cert_1_last_rotated": iso(T0 + 4 * HOUR),
        "cert_2_active": "false",
        "cert_2_last_rotated": "N/A",
    }
    assert {k: bob_row[k] for k in list(bob_row)[:10]} == {
        "user": "Bob",
        "arn": bob.arn,
        "user_creation_time": iso(T0 + 5 * HOUR),
        "password_enabled": "false",
        "password_last_used": "N/A",
        "password_last_changed": "N/A",
        "password_next_rotation": "N/A",
        "mfa_active": "false",
        "access_key_1_active": "false",  # inactive: AWS's N/A for its rotation date
        "access_key_1_last_rotated": "N/A",
    }
    assert "sam" not in text


def test_a_password_never_used_has_no_information(make_iam_user, management_root):
    make_iam_user(name="carol")
    rows = rows_of(report.credential_report_csv(management_root.account))
    assert [row["user"] for row in rows] == ["<root_account>", "carol"]
    assert rows[1]["password_last_used"] == "no_information"
    assert rows[0]["password_last_used"] == "no_information"


def test_only_the_accounts_own_users_by_name(make_iam_user, management_root, member_account):
    for name in ("zoe", "Adam", "mia"):
        make_iam_user(name=name, password=None, self_service=False)
    make_iam_user(account=member_account, name="elsewhere", password=None, self_service=False)
    rows = rows_of(report.credential_report_csv(management_root.account))
    assert [row["user"] for row in rows] == ["<root_account>", "Adam", "mia", "zoe"]
    member_rows = rows_of(report.credential_report_csv(member_account))
    assert [row["user"] for row in member_rows] == ["<root_account>", "elsewhere"]
    assert member_rows[0]["arn"] == f"arn:aws:iam::{member_account.id}:root"


def test_a_constant_number_of_queries_whatever_the_number_of_users(
    at, management_root, make_iam_user, django_assert_max_num_queries
):
    account = management_root.account

    def build():
        return report.credential_report_csv(account)

    make_iam_user(name="user-0", password=None, self_service=False)
    with django_assert_max_num_queries(4) as few:
        build()
    for index in range(1, 50):
        user = make_iam_user(name=f"user-{index}", password=None, self_service=False)
        access_keys.access_key_create(actor=None, user=user)
        access_keys.access_key_create(actor=None, user=user)
        certificate(user)
        if index % 5 == 0:
            enabled_app(user, f"app-{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        text = build()
    rows = rows_of(text)
    assert len(rows) == 51
    assert sum(row["mfa_active"] == "true" for row in rows) == 9
    assert all(row["access_key_2_active"] == "true" for row in rows[2:])


# --- Generating, the four-hour rule, the task -------------------------------------------


def test_generate_starts_the_task_which_completes_the_report(
    at, management_root, django_capture_on_commit_callbacks
):
    account = management_root.account
    with django_capture_on_commit_callbacks(execute=False):
        state = report_services.credential_report_generate(actor=management_root, account=account)
    assert state == "STARTED" and len(queued(REPORT_TASK)) == 1
    stored = credential_selectors.credential_report_get(account)
    assert stored.state == "STARTED" and stored.generated_at is None
    with pytest.raises(ValidationError) as error:
        credential_selectors.credential_report_content(account)
    assert error.value.code == "ReportInProgress"
    # Asked again while it is being made: no second task.
    with django_capture_on_commit_callbacks(execute=False):
        state = report_services.credential_report_generate(actor=management_root, account=account)
    assert state == "STARTED" and len(queued(REPORT_TASK)) == 1

    at(T0 + 5)
    assert tasks.generate_credential_report(account.pk) is True  # what the worker runs
    stored.refresh_from_db()
    assert stored.state == "COMPLETE"
    assert stored.generated_at == datetime.fromtimestamp(T0 + 5, UTC)
    content, generated_at = credential_selectors.credential_report_content(account)
    assert content.decode().splitlines()[0] == COLUMNS
    assert content.decode().splitlines()[1].startswith(f"<root_account>,arn:aws:iam::{account.id}")
    assert generated_at == stored.generated_at
    events = AuditEvent.objects.filter(event_name="GenerateCredentialReport")
    assert [e.response_elements for e in events.order_by("pk")] == [{"state": "STARTED"}] * 2
    assert events.first().user_identity["arn"] == management_root.arn


def test_the_task_writes_its_progress_as_it_goes(
    at, management_root, make_iam_user, monkeypatch, django_capture_on_commit_callbacks
):
    """The console page shows "N of M users written" from these two numbers."""
    account = management_root.account
    for index in range(5):
        make_iam_user(name=f"user-{index}", password=None, self_service=False)
    monkeypatch.setattr(report, "PROGRESS_EVERY", 2)
    seen = []
    real_lines = report.credential_report_lines

    def watched(account):
        for line in real_lines(account):
            stored = CredentialReport.objects.get(account=account)
            seen.append((stored.state, stored.done, stored.total))
            yield line

    monkeypatch.setattr(report, "credential_report_lines", watched)
    with django_capture_on_commit_callbacks(execute=False):
        report_services.credential_report_generate(actor=management_root, account=account)
    assert tasks.generate_credential_report(account.pk) is True
    assert {total for _state, _done, total in seen} == {6}  # the root user and five IAM users
    assert [done for _state, done, _total in seen] == [0, 0, 0, 2, 2, 4, 4]
    stored = CredentialReport.objects.get(account=account)
    assert (stored.state, stored.done, stored.total, stored.percent) == ("COMPLETE", 6, 6, 100)


def test_a_report_younger_than_four_hours_is_not_made_again(
    at, management_root, make_iam_user, django_capture_on_commit_callbacks
):
    account = management_root.account
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eagerly) on commit
        assert report_services.credential_report_generate(actor=None, account=account) == (
            "STARTED"
        )
    first = credential_selectors.credential_report_get(account)
    assert first.state == "COMPLETE"

    make_iam_user(name="newcomer", password=None, self_service=False)
    at(T0 + 4 * HOUR - 1)
    before = len(queued(REPORT_TASK))
    with django_capture_on_commit_callbacks(execute=True):
        assert report_services.credential_report_generate(actor=None, account=account) == (
            "COMPLETE"
        )
    assert len(queued(REPORT_TASK)) == before
    content, generated_at = credential_selectors.credential_report_content(account)
    assert generated_at == first.generated_at and b"newcomer" not in content

    at(T0 + 4 * HOUR)
    with pytest.raises(ValidationError) as error:
        credential_selectors.credential_report_content(account)
    assert error.value.code == "ReportExpired"
    with django_capture_on_commit_callbacks(execute=True):
        assert report_services.credential_report_generate(actor=None, account=account) == (
            "STARTED"
        )
    content, generated_at = credential_selectors.credential_report_content(account)
    assert generated_at == datetime.fromtimestamp(T0 + 4 * HOUR, UTC)
    assert b"\nnewcomer," in content


def test_a_report_whose_task_was_lost_is_started_again(
    at, management_root, django_capture_on_commit_callbacks
):
    account = management_root.account
    with django_capture_on_commit_callbacks(execute=False):  # the broker never got it
        report_services.credential_report_generate(actor=None, account=account)
    at(T0 + int(report_services.STARTED_TIMEOUT.total_seconds()) + 1)
    with django_capture_on_commit_callbacks(execute=False):
        assert report_services.credential_report_generate(actor=None, account=account) == (
            "STARTED"
        )
    assert len(queued(REPORT_TASK)) == 2  # the lost one's message, and this one
    # The lost task, delivered late, stores nothing over a newer request's... it is the same row,
    # still STARTED: it completes it, which is what the newer request asked for.
    assert tasks.generate_credential_report(account.pk) is True
    assert tasks.generate_credential_report(account.pk) is False  # already complete


def test_without_a_report_there_is_nothing_to_get(management_root):
    with pytest.raises(ValidationError) as error:
        credential_selectors.credential_report_content(management_root.account)
    assert error.value.code == "ReportNotPresent"
    assert credential_selectors.credential_report_get(management_root.account) is None
    assert tasks.generate_credential_report("000000000000") is False


def test_each_account_has_its_own_report(
    management_root, member_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_services.credential_report_generate(
            actor=management_root, account=management_root.account
        )
    assert CredentialReport.objects.get().account == management_root.account
    with pytest.raises(ValidationError) as error:
        credential_selectors.credential_report_content(member_account)
    assert error.value.code == "ReportNotPresent"
    assert CredentialReport.objects.count() == 1
    assert timedelta(hours=4) == credential_selectors.CREDENTIAL_REPORT_LIFETIME
