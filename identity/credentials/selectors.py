"""Reading access keys and the other credentials for programs."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.models import Account, User

from .models import CREDENTIAL_REPORT_LIFETIME, AccessKey, CredentialReport, SessionCredential


def user_access_keys(user: User) -> QuerySet[AccessKey]:
    return AccessKey.objects.filter(user=user).order_by("created", "pk")


def user_access_key_get(user: User, access_key_id: str) -> AccessKey:
    """``user``'s key ``access_key_id``; 404 for a key of anyone else."""
    try:
        return AccessKey.objects.select_related("user").get(user=user, access_key_id=access_key_id)
    except AccessKey.DoesNotExist:
        raise Http404("no such access key") from None


def signing_key_lookup(access_key_id: str) -> AccessKey | SessionCredential | None:
    """The key a signed request names, with its user and account (one query), or None."""
    if access_key_id.startswith("ASIA"):
        model = SessionCredential
        related = ("user__account__organization", "parent")
    else:
        model = AccessKey
        related = ("user__account__organization",)
    return model.objects.select_related(*related).filter(access_key_id=access_key_id).first()


def credential_report_get(account: Account) -> CredentialReport | None:
    """The account's credential report (started or complete), or None if none was ever asked for."""
    return CredentialReport.objects.filter(account=account).first()


def credential_report_expired(report: CredentialReport) -> bool:
    return report.generated_at is None or (
        report.generated_at <= timezone.now() - CREDENTIAL_REPORT_LIFETIME
    )


def credential_report_content(account: Account) -> tuple[bytes, datetime]:
    """The account's report as ``GetCredentialReport`` gives it: the CSV (UTF-8) and when it was
    generated. Refused, with AWS's error codes, when there is none (ReportNotPresent), while it
    is being generated (ReportInProgress) and once it is four hours old (ReportExpired)."""
    report = credential_report_get(account)
    if report is None:
        raise ValidationError(
            _("There is no credential report. Generate one first."), "ReportNotPresent"
        )
    if report.state != CredentialReport.State.COMPLETE:
        raise ValidationError(
            _("The credential report is still being generated. Try again in a moment."),
            "ReportInProgress",
        )
    if credential_report_expired(report):
        raise ValidationError(
            _("The credential report has expired. Generate a new one."), "ReportExpired"
        )
    return report.content.encode("utf-8"), report.generated_at
