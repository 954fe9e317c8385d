"""The credential report's console page (console/views/credential_report.py): generate, then
download as CSV; the IAM actions it asks; another tenant's report is a 404."""

import json

import pytest
from django.urls import reverse

from identity.credentials.models import CredentialReport
from identity.models import AuditEvent
from identity.policies import services as policies
from mfa.credentials import services as report_services
from tests.conftest import T0
from tests.support.outbox import queued
from tests.support.tenancy import intruder

pytestmark = pytest.mark.django_db

BUTTON = "Download credential report</button>"


def page_url(account):
    return reverse("console:credential_report", args=[account.id])


def download_url(account):
    return reverse("console:credential_report_download", args=[account.id])


def allow(user, *actions):
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )
    policies.inline_policy_put(actor=None, user=user, name="Reports", document=document)


def complete_report(account):
    report_services.credential_report_generate(actor=None, account=account)
    from mfa.credentials import tasks

    tasks.generate_credential_report(account.pk)


def test_generate_then_download(
    at, client, management_root, alice, django_capture_on_commit_callbacks
):
    account = management_root.account
    client.force_login(management_root)
    page = client.get(page_url(account)).content.decode()
    assert "No report has been generated for this account yet." in page
    assert BUTTON in page

    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # no worker yet
        response = client.post(page_url(account))
    assert response.status_code == 302 and response.url == page_url(account)
    assert len(queued("credentials.generate_credential_report")) == 1
    page = client.get(page_url(account)).content.decode()
    assert "Tobira is generating the credential report." in page
    assert "Generating" in page and "This page reloads itself" in page

    for callback in callbacks:  # the hand-over: the worker runs the task (eagerly, in tests)
        callback()
    page = client.get(page_url(account)).content.decode()
    assert "Ready" in page and "It can be downloaded until" in page

    at(T0 + 60)
    response = client.post(page_url(account))  # younger than four hours: straight to the file
    assert response.status_code == 302 and response.url == download_url(account)
    response = client.get(download_url(account))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    generated = CredentialReport.objects.get(account=account).generated_at
    assert response["Content-Disposition"] == (
        f'attachment; filename="status_reports_{generated:%Y%m%dT%H%M%SZ}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("user,arn,user_creation_time,password_enabled,")
    assert lines[1].startswith(f"<root_account>,arn:aws:iam::{account.id}:root,")
    assert lines[2].startswith(f"alice,{alice.arn},")
    states = AuditEvent.objects.filter(event_name="GenerateCredentialReport").order_by("event_time")
    assert [e.response_elements["state"] for e in states] == ["STARTED", "COMPLETE"]


def test_downloading_before_a_report_exists_says_what_to_do(client, management_root):
    account = management_root.account
    client.force_login(management_root)
    response = client.get(download_url(account), follow=True)
    assert response.redirect_chain == [(page_url(account), 302)]
    assert "There is no credential report. Generate one first." in response.content.decode()


def test_an_expired_report_says_so(at, client, management_root):
    account = management_root.account
    complete_report(account)
    at(T0 + 4 * 3600)
    client.force_login(management_root)
    assert "is more than four hours old" in client.get(page_url(account)).content.decode()
    response = client.get(download_url(account), follow=True)
    assert "The credential report has expired." in response.content.decode()


def test_a_report_whose_task_died_stops_the_page_waiting(
    at, client, management_root, django_capture_on_commit_callbacks
):
    account = management_root.account
    client.force_login(management_root)
    at(T0)
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost
        client.post(page_url(account))
    assert 'http-equiv="refresh"' in client.get(page_url(account)).content.decode()
    at(T0 + 11 * 60)
    page = client.get(page_url(account)).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "was not finished" in page and BUTTON in page


def test_the_page_asks_get_and_the_button_asks_generate(client, management_root, make_iam_user):
    account = management_root.account
    complete_report(account)
    auditor = make_iam_user(name="auditor", password=None, self_service=False)
    client.force_login(auditor)
    assert client.get(page_url(account)).status_code == 403
    assert client.get(download_url(account)).status_code == 403

    allow(auditor, "iam:GetCredentialReport")
    page = client.get(page_url(account)).content.decode()
    assert BUTTON not in page  # no button it may not press...
    assert download_url(account) in page  # ...but the ready report is a link
    assert client.post(page_url(account)).status_code == 403
    assert client.get(download_url(account)).status_code == 200

    allow(auditor, "iam:GetCredentialReport", "iam:GenerateCredentialReport")
    assert client.post(page_url(account)).status_code == 302


def test_the_account_page_links_to_it(client, management_root):
    client.force_login(management_root)
    page = client.get(reverse("console:account_detail", args=[management_root.account_id]))
    assert page_url(management_root.account) in page.content.decode()


@pytest.mark.parametrize("kind", ["other_root", "other_admin"])
def test_another_tenants_report_is_a_404(
    client, request, management_root, other_organization, kind
):
    account = management_root.account
    complete_report(account)
    client.force_login(intruder(kind, other_organization, request))
    events_before = AuditEvent.objects.count()
    for url in (page_url(account), download_url(account)):
        assert client.get(url).status_code == 404
    assert client.post(page_url(account)).status_code == 404
    assert AuditEvent.objects.count() == events_before


def test_a_member_root_cannot_download_the_management_accounts_report(
    client, management_root, member_root
):
    complete_report(management_root.account)
    client.force_login(member_root)
    assert client.get(download_url(management_root.account)).status_code == 404
    # The management account's root reaches its member accounts, as every console page.
    complete_report(member_root.account)
    client.force_login(management_root)
    assert client.get(download_url(member_root.account)).status_code == 200
