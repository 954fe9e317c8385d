"""The work of the Celery task that prepares a long list's download (the lists are
``console.views.exports.EXPORTABLE``): the list rebuilt for the person who asked, as they
would see it now.

The task runs the page's own selector for the requester, so the rows are what that person
reaches today (an account they no longer reach fails the job); the engine was asked when the
export was started, and the export's page asks the list's question again before showing or
handing out the file.
"""

from __future__ import annotations

from django.http import HttpRequest, QueryDict

from identity.exports import services as export_services
from identity.exports.models import ExportJob

from .views.exports import EXPORTABLE


def run(job: ExportJob) -> bool:
    exportable = EXPORTABLE[job.kind]
    principal = job.requested_by
    if not principal.is_active:
        export_services.export_fail(job)
        return False
    request = HttpRequest()
    request.method = "GET"
    request.user = principal
    request.GET = QueryDict(mutable=True)
    for name, value in job.parameters.items():
        request.GET[name] = str(value)
    page = exportable.page()
    page.setup(request, account_id=job.account_id, **exportable.kwargs)
    page.load()  # Http404 when the principal no longer reaches the account
    total, lines = page.export_lines()
    return export_services.export_run(job, total=total, lines=lines)
