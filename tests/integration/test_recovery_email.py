"""Recovery step 1 end to end: the task goes through Redis to a real worker and real SMTP."""

import queue
import re

import pytest

from recovery import flow
from tests.conftest import make_organization, root_of
from tests.support.recovery import Browser

pytestmark = [pytest.mark.integration]


def test_the_link_arrives_by_smtp_and_verifies(client, celery_worker, smtp_server, real_queue):
    organization = make_organization(email="owner@recovery.test")
    root = root_of(organization.management_account)
    browser = Browser(client)
    attempt = flow.start(browser, user=root)
    try:
        recipients, message = smtp_server.messages.get(timeout=45)
    except queue.Empty:
        pytest.fail("no mail arrived; worker output:\n" + "\n".join(celery_worker[-40:]))
    assert recipients == ["owner@recovery.test"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    match = re.search(r"/recovery/verify/([0-9a-f-]{36})\?t=([A-Za-z0-9_-]+)", text)
    assert match and match.group(2) in html
    assert match.group(1) == str(attempt.pk)
    assert flow.verify_email(browser, match.group(1), match.group(2)) is not None
