"""A long list's download being prepared (``console.exports``): its progress, then the file.

Only the person who asked sees the export (another person's id is a 404, as is one of an
account they no longer reach), and the page asks the list's own question again before it
shows the export or hands out the file: a person whose ``iam:ListUsers`` was taken away since
cannot fetch the users they listed before.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field

from django.http import Http404, HttpResponse
from django.urls import reverse

from identity.authorization import AnyOf
from identity.exports import selectors as export_selectors

from ..base import AccountPage
from .events import EventDownload
from .users import UserList

REFRESH_SECONDS = 2


@dataclass(frozen=True)
class Exportable:
    page: type  # a ``BackgroundExport`` page: its ``export_lines`` writes the file
    back: str  # the URL name of the page the person came from
    kwargs: dict = field(default_factory=dict)  # the page's fixed URL arguments


# The downloads a Celery task prepares when they are long (``BackgroundExport.export_kind``).
EXPORTABLE = {
    "users": Exportable(UserList, "user_list"),
    "events-csv": Exportable(EventDownload, "audit_list", {"format": "csv"}),
    "events-json": Exportable(EventDownload, "audit_list", {"format": "json"}),
}


class ExportDetail(AccountPage):
    permission = AnyOf(
        {kind: exportable.page.permission for kind, exportable in EXPORTABLE.items()},
        doc="the exported list's own action (`iam:ListUsers` for the user list, "
        "`cloudtrail:LookupEvents` for event history)",
        resource_doc="the exported list's own resource",
    )
    template_name = "console/export_detail.html"
    never_cache = True

    def load(self):
        super().load()
        self.job = export_selectors.export_get(
            principal=self.request.user, account=self.account, export_id=self.kwargs["export_id"]
        )
        if self.job.kind not in EXPORTABLE:
            raise Http404

    def authorize(self):
        self.require(self.permission[self.job.kind])

    def get(self, request, *args, **kwargs):
        job = self.job
        if request.GET.get("download") and job.state == job.State.COMPLETE:
            content_type = mimetypes.guess_type(job.filename)[0] or "application/octet-stream"
            response = HttpResponse(export_selectors.export_content(job), content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
            response["Cache-Control"] = "no-store"
            return response
        waiting = job.state in (job.State.QUEUED, job.State.RUNNING) and not job.lost
        return self.render_page(
            job=job,
            waiting=waiting,
            failed=job.state == job.State.FAILED or job.lost,
            list_url=reverse(f"console:{EXPORTABLE[job.kind].back}", args=[self.account.id]),
            refresh_seconds=REFRESH_SECONDS,
        )
