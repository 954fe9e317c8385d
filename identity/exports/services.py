"""The only writers of export jobs. ``export_start`` is audited (who took a copy of which
list, with which filters); the task's progress and completion are not security events."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import audit
from identity.audit_events import Event
from identity.models import Account, User
from identity.queue import enqueue_on_commit

from .models import EXPORT_LIFETIME, EXPORT_TIMEOUT, ExportJob

# The console's task that runs a job (console/tasks.py); named, as identity must not import it.
RUN_TASK = "console.run_export"
PROGRESS_EVERY = 500  # rows between two progress writes
MAX_PENDING = 3  # exports a person may have queued or running at once, per account


def export_start(
    *, actor: User, account: Account, kind: str, parameters: dict, filename: str, request=None
) -> ExportJob:
    with transaction.atomic():
        # One person's row is the lock: two requests at once cannot both slip under the cap.
        User.objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
        pending = ExportJob.objects.filter(
            account=account,
            requested_by=actor,
            state__in=[ExportJob.State.QUEUED, ExportJob.State.RUNNING],
            created__gte=timezone.now() - EXPORT_TIMEOUT,
        ).count()
        if pending >= MAX_PENDING:
            raise ValidationError(
                _(
                    "You already have %(count)d downloads being prepared. Wait until one is "
                    "ready, then ask again."
                )
                % {"count": pending},
                code="too_many_exports",
            )
        # Files past their lifetime go when the account asks for a new one.
        ExportJob.objects.filter(
            account=account, created__lt=timezone.now() - EXPORT_LIFETIME
        ).delete()
        job = ExportJob.objects.create(
            account=account,
            requested_by=actor,
            kind=kind,
            parameters=parameters,
            filename=filename,
        )
        audit.record(
            Event.START_EXPORT,
            request=request,
            actor=actor,
            account_id=account.pk,
            request_parameters={"list": kind, **parameters},
            response_elements={"exportId": job.export_id},
        )
        enqueue_on_commit(RUN_TASK, job.pk)
    return job


def export_run(job: ExportJob, *, total: int, lines: Iterable[str]) -> bool:
    """Write ``lines`` (the file, header first) into ``job``, its progress as it goes.

    False when the job was not queued (run twice, or already given up): nothing is written."""
    started = ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.QUEUED).update(
        state=ExportJob.State.RUNNING, total=total, done=0
    )
    if not started:
        return False
    parts: list[str] = []
    done = -1  # the header is the first line
    for line in lines:
        parts.append(line)
        done += 1
        if done and done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(done=done)
    ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.RUNNING).update(
        state=ExportJob.State.COMPLETE,
        done=total,  # the rows counted when it started (a JSON file's closing line is no row)
        content="".join(parts),
        finished=timezone.now(),
    )
    return True


def export_fail(job: ExportJob) -> None:
    ExportJob.objects.filter(pk=job.pk).exclude(state=ExportJob.State.COMPLETE).update(
        state=ExportJob.State.FAILED, finished=timezone.now(), content=""
    )
