"""A password change queues a task on Redis; a real worker process sends real SMTP mail."""

import queue

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD, make_organization, signin_root
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration]

NEW_PASSWORD = "Integration-Passphrase-77"


def test_password_change_mail_goes_through_redis_and_a_worker(
    client, celery_worker, smtp_server, real_queue
):
    organization = make_organization(email="owner@integration.test")
    assert signin_root(client, "owner@integration.test").status_code == 302

    response = client.post(
        reverse("accounts:change_password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    try:
        recipients, message = smtp_server.messages.get(timeout=45)
    except queue.Empty:
        pytest.fail("no mail arrived; worker output:\n" + "\n".join(celery_worker[-40:]))
    assert recipients == ["owner@integration.test"]
    assert message["Subject"] == "Your Tobira console password was changed"
    body = message.get_content()
    assert f"arn:aws:iam::{organization.management_account_id}:root" in body
    assert NEW_PASSWORD not in body and PASSWORD not in body
    assert wait_for(
        lambda: any(
            "send_password_changed_notification" in line and "succeeded" in line
            for line in celery_worker
        ),
        timeout=10,
    ), "\n".join(celery_worker[-20:])


def test_the_broker_is_redis():
    """The task tests above prove Redis only if Redis is what they used."""
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).ping()
