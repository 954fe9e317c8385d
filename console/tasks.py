"""The console's Celery task: a long list's download (``console.exports``). Thin: it loads the
job by id and hands it over; any failure marks the job failed, so its page stops waiting."""

from __future__ import annotations

from celery import shared_task

from identity.exports import services as export_services
from identity.exports.models import ExportJob

from . import exports


# Not in one transaction (identity.outbox): its progress must show while it runs; its job row
# makes a second delivery harmless.
@shared_task(name="console.run_export", outbox_atomic=False)
def run_export(job_pk: int) -> bool:
    job = (
        ExportJob.objects.select_related("requested_by__account__organization", "account")
        .defer("content")
        .filter(pk=job_pk)
        .first()
    )
    if job is None or job.kind not in exports.EXPORTABLE:
        return False
    try:
        return exports.run(job)
    except Exception:
        export_services.export_fail(job)
        raise
