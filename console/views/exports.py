"""A long list's download being prepared (``console.exports``): its progress, then the file.

Only the person who asked sees the export (another person's id is a 404, as is one of an
account they no longer reach), and the page asks the list's own question again before it
shows the export or hands out the file: a person whose ``iam:ListUsers`` was taken away since
cannot fetch the users they listed before.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse

from identity.authorization import AnyOf
from identity.exports import selectors as export_selectors

from ..base import AccountPage
from .users import UserList

REFRESH_SECONDS = 2
# The lists whose long downloads a Celery task prepares (``ListPage.export_kind``).
EXPORTABLE = {"users": UserList}


class ExportDetail(AccountPage):
    permission = AnyOf(
        {kind: page.permission for kind, page in EXPORTABLE.items()},
        doc="the exported list's own action (`iam:ListUsers` for the user list)",
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
            response = HttpResponse(export_selectors.export_content(job), content_type="text/csv")
            response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
            response["Cache-Control"] = "no-store"
            return response
        waiting = job.state in (job.State.QUEUED, job.State.RUNNING) and not job.lost
        return self.render_page(
            job=job,
            waiting=waiting,
            failed=job.state == job.State.FAILED or job.lost,
            list_url=reverse(
                f"console:{EXPORTABLE[job.kind].list_url_name}", args=[self.account.id]
            ),
            refresh_seconds=REFRESH_SECONDS,
        )
