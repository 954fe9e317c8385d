"""The Celery task of the credential report: thin, it builds the report of one account by id."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import report


@shared_task(
    name="credentials.generate_credential_report",
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=3,
    # Not in one transaction (identity.outbox): "N of M users written" must show while it runs.
    outbox_atomic=False,
)
def generate_credential_report(account_id: str) -> bool:
    return report.credential_report_complete(account_id=account_id)
