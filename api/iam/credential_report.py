"""The credential report: GenerateCredentialReport (a Celery task builds it: STARTED, then
COMPLETE) and GetCredentialReport (the CSV, AWS's 22 columns, as the console downloads it)."""

from __future__ import annotations

from identity.authorization import Permission
from identity.credentials import selectors as credential_selectors
from mfa.credentials import services as report_services

from ..registry import Call, operation

DESCRIPTIONS = {
    "STARTED": "No report exists. Starting a new report generation task",
    "COMPLETE": "Report generated within the last four hours",
}


def _everything(call: Call) -> str:
    return "*"


@operation(
    "iam", "GenerateCredentialReport", Permission("iam:GenerateCredentialReport", _everything)
)
def generate_credential_report(call: Call) -> dict:
    state = report_services.credential_report_generate(
        actor=call.user, account=call.account, request=call.request
    )
    return {"State": state, "Description": DESCRIPTIONS.get(state, "")}


@operation("iam", "GetCredentialReport", Permission("iam:GetCredentialReport", _everything))
def get_credential_report(call: Call) -> dict:
    content, generated = credential_selectors.credential_report_content(call.account)
    return {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": generated}
