"""GenerateCredentialReport queues its task on Redis; a real worker process builds the report."""

import pytest

from identity.credentials.models import CredentialReport
from identity.credentials.selectors import credential_report_content
from mfa.credentials.services import credential_report_generate
from tests.conftest import make_organization
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration]


def test_a_worker_builds_the_report_it_was_asked_for(celery_worker, real_queue):
    account = make_organization(email="owner@integration.test").management_account
    assert credential_report_generate(actor=None, account=account) == "STARTED"

    def complete():
        return CredentialReport.objects.filter(
            account=account, state=CredentialReport.State.COMPLETE
        ).exists()

    assert wait_for(complete, timeout=45), "\n".join(celery_worker[-40:])
    content, _generated_at = credential_report_content(account)
    assert (
        content.decode()
        .splitlines()[1]
        .startswith(f"<root_account>,arn:aws:iam::{account.id}:root,")
    )
    assert credential_report_generate(actor=None, account=account) == "COMPLETE"
