"""Export jobs as their requester sees them: another person's job, or one of an account they
no longer reach, is a 404 like a job that does not exist."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from identity.models import Account, User

from .models import EXPORT_LIFETIME, ExportJob


def export_get(*, principal: User, account: Account, export_id: str) -> ExportJob:
    job = (
        ExportJob.objects.filter(
            account=account, requested_by=principal, export_id=str(export_id)[:32]
        )
        .defer("content")
        .first()
    )
    if job is None or job.expires < timezone.now():
        raise Http404
    return job


def export_content(job: ExportJob) -> str:
    return ExportJob.objects.filter(pk=job.pk).values_list("content", flat=True).get()


def exports_recent(*, principal: User, account: Account, limit: int = 20) -> list[ExportJob]:
    return list(
        ExportJob.objects.filter(
            account=account, requested_by=principal, created__gte=timezone.now() - EXPORT_LIFETIME
        )
        .defer("content")
        .order_by("-created", "-pk")[:limit]
    )
