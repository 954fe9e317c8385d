"""An account's credential report, as AWS's IAM console has it: one button that generates the
report when there is none younger than four hours, then downloads it as CSV.

The report is built by a Celery task; while it is being built the page says so and a reload
shows it ready (the POST redirects to the download when a report is ready at once).
"""

from __future__ import annotations

from datetime import UTC

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.authorization import Permission
from identity.credentials import selectors as credential_selectors
from identity.credentials.models import CREDENTIAL_REPORT_LIFETIME, CredentialReport
from mfa.credentials import services as report_services

from ..base import AccountPage


def _any(page) -> str:
    return "*"  # the report is the account's; AWS's actions take no resource


GET_REPORT = Permission("iam:GetCredentialReport", _any, "`*`")
GENERATE_REPORT = Permission("iam:GenerateCredentialReport", _any, "`*`")


class CredentialReportPage(AccountPage):
    permission = GET_REPORT
    post_permission = GENERATE_REPORT
    template_name = "console/credential_report.html"

    def get(self, request, *args, **kwargs):
        report = credential_selectors.credential_report_get(self.account)
        complete = report is not None and report.state == CredentialReport.State.COMPLETE
        expired = complete and credential_selectors.credential_report_expired(report)
        started = report is not None and not complete
        # A task that died leaves the report started: the page stops waiting for it, and the
        # button starts it again (as GenerateCredentialReport does after this long).
        lost = started and report.requested_at < timezone.now() - report_services.STARTED_TIMEOUT
        return self.render_page(
            report=report,
            started=started and not lost,
            lost=lost,
            ready=complete and not expired,
            expired=expired,
            expires_at=report.generated_at + CREDENTIAL_REPORT_LIFETIME if complete else None,
            can_generate=self.permitted(
                {"generate": GENERATE_REPORT.question(self)},
            )["generate"],
        )

    def post(self, request, *args, **kwargs):
        state = report_services.credential_report_generate(
            actor=request.user, account=self.account, request=request
        )
        if state == CredentialReport.State.COMPLETE:
            return redirect("console:credential_report_download", account_id=self.account.id)
        messages.info(
            request,
            _(
                "Tobira is generating the credential report. This page shows its progress and "
                "offers it when it is ready."
            ),
        )
        return redirect("console:credential_report", account_id=self.account.id)


class CredentialReportDownload(AccountPage):
    """The report as a CSV attachment, never stored by a cache (it lists every credential)."""

    permission = GET_REPORT
    never_cache = True

    def get(self, request, *args, **kwargs):
        try:
            content, generated_at = credential_selectors.credential_report_content(self.account)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("console:credential_report", account_id=self.account.id)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = generated_at.astimezone(UTC)  # ISO 8601's basic format: no colons in a file name
        response["Content-Disposition"] = (
            f'attachment; filename="status_reports_{stamp:%Y%m%dT%H%M%SZ}.csv"'
        )
        return response
