"""Asking for the credential report (``GenerateCredentialReport``): it is built by a Celery task
after the request commits (``tasks.generate_credential_report``, ``report.py``).

Reading it (``GetCredentialReport``) is ``identity.credentials.selectors.credential_report_content``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from identity import audit
from identity.audit_events import Event
from identity.credentials.models import CREDENTIAL_REPORT_LIFETIME, CredentialReport
from identity.models import Account, User
from identity.queue import enqueue_on_commit

from . import tasks

# A report still STARTED this long after it was asked for lost its task (the broker was down,
# the worker died): the next request starts it again instead of waiting forever.
STARTED_TIMEOUT = timedelta(minutes=10)


def credential_report_generate(*, actor: User | None, account: Account, request=None) -> str:
    """Ask for the account's credential report; the state, as AWS's ``GenerateCredentialReport``
    answers it: ``COMPLETE`` when a report younger than four hours exists (it is not made again),
    ``STARTED`` when one is being made or this call started one (the task runs after commit).
    Every call is audited with the state it answered."""
    with transaction.atomic():
        # Two requests at once start one report: the account's row is the lock.
        Account.objects.select_for_update().filter(pk=account.pk).values_list("pk").first()
        report = CredentialReport.objects.filter(account=account).first()
        now = timezone.now()
        if (
            report is not None
            and report.state == CredentialReport.State.COMPLETE
            and report.generated_at > now - CREDENTIAL_REPORT_LIFETIME
        ):
            state = CredentialReport.State.COMPLETE
        elif (
            report is not None
            and report.state == CredentialReport.State.STARTED
            and report.requested_at > now - STARTED_TIMEOUT
        ):
            state = CredentialReport.State.STARTED
        else:
            state = CredentialReport.State.STARTED
            CredentialReport.objects.update_or_create(
                account=account,
                defaults={"state": state, "requested_at": now, "generated_at": None, "content": ""},
            )
            enqueue_on_commit(tasks.generate_credential_report, account.pk)
        audit.record(
            Event.GENERATE_CREDENTIAL_REPORT,
            actor=actor,
            account_id=account.pk,
            request=request,
            response_elements={"state": str(state)},
        )
    return str(state)
