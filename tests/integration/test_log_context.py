"""A request's id follows it into the Celery task it queues, through Redis to a real worker, and
the worker's lines are JSON with no secret in them (identity.logs)."""

import json
import queue
import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, make_organization, root_of, signin_iam, signin_root
from tests.integration.conftest import wait_for
from tests.support.mfa import enabled_app

pytestmark = [pytest.mark.integration]

NEW = "A-fresh-Passphrase-2026"


@pytest.fixture
def worker_env() -> dict:
    return {"LOG_FORMAT": "json"}


def json_lines(lines: list[str]) -> list[dict]:
    parsed = []
    for line in list(lines):
        if line.startswith("{"):
            parsed.append(json.loads(line))
    return parsed


def test_the_recovery_task_logs_the_request_id_of_the_request_that_queued_it(
    client, celery_worker, smtp_server, real_queue
):
    organization = make_organization(email="owner@logs.test")
    account = organization.management_account
    account.contact_phone = "+81312345678"  # recovery needs a phone for its second step
    account.save(update_fields=["contact_phone"])
    root = root_of(account)
    enabled_app(root)  # a root with an MFA device it lost: at the MFA step, it may recover
    signin_root(client, "owner@logs.test")
    response = client.post(reverse("recovery:start"))
    assert response.status_code == 302, response.status_code
    request_id = response["X-Request-ID"]
    try:
        _recipients, message = smtp_server.messages.get(timeout=45)
    except queue.Empty:
        pytest.fail("no mail arrived; worker output:\n" + "\n".join(celery_worker[-40:]))
    token = re.search(r"\?t=([A-Za-z0-9_-]+)", message.get_body(("plain",)).get_content()).group(1)

    def task_lines():
        lines = [
            line
            for line in json_lines(celery_worker)
            if line.get("request_id") == request_id and line.get("event") == "task_succeeded"
        ]
        return lines or None

    assert wait_for(task_lines, timeout=20), "\n".join(celery_worker[-40:])
    started = [
        line
        for line in json_lines(celery_worker)
        if line.get("event") == "task_started" and line.get("request_id") == request_id
    ]
    assert started and started[0]["task"] == "recovery.send_recovery_email"
    assert "principal_arn" not in started[0]  # at the MFA step: nobody is signed in yet
    worker_text = "\n".join(celery_worker)
    assert token not in worker_text


def test_a_task_queued_by_a_signed_in_person_names_them(
    client, celery_worker, smtp_server, real_queue, make_iam_user
):
    bob = make_iam_user(name="bob", contact_email="bob@example.test")
    signin_iam(client, "example-corp", "bob")
    response = client.post(
        reverse("accounts:change_password"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302, response.status_code
    request_id = response["X-Request-ID"]

    def started():
        return [
            line
            for line in json_lines(celery_worker)
            if line.get("event") == "task_started" and line.get("request_id") == request_id
        ] or None

    lines = wait_for(started, timeout=30)
    assert lines, "\n".join(celery_worker[-40:])
    assert lines[0]["task"] == "accounts.send_password_changed_notification"
    assert lines[0]["principal_arn"] == bob.arn
    assert lines[0]["account_id"] == bob.account_id
    smtp_server.messages.get(timeout=30)  # the notification went out
    worker_text = "\n".join(celery_worker)
    assert PASSWORD not in worker_text and NEW not in worker_text
