"""An account's *Event history*, as AWS CloudTrail's: filters, keyset pages, an event's record,
and downloads (CSV, JSON) of what the filters select.

Every page asks ``cloudtrail:LookupEvents`` on the account's trails. The management account's root
user may also look at the whole organization's events from the management account's page (an
organization trail): the selector gives nobody else another account's rows.
"""

from __future__ import annotations

import json
from datetime import UTC
from urllib.parse import urlencode

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from identity import arns, audit_export, selectors
from identity.authorization import Permission
from identity.event_history import keyset_page

from .. import lists
from ..base import AccountPage
from ..forms.events import DEFAULT_PAGE_SIZE, EventFilterForm, known_event_names
from ..lists import BackgroundExport

LOOKUP_EVENTS = Permission(
    "cloudtrail:LookupEvents",
    lambda page: arns.trail(page.account.id, "*"),
    "`arn:aws:cloudtrail::ACCOUNT:trail/*`",
)
# The query string the filters keep when a link leaves the page (paging, downloads).
FILTER_PARAMETERS = (
    "scope",
    "account",
    "event_name",
    "user_name",
    "source_ip",
    "resource",
    "read_only",
    "error_code",
    "errors_only",
    "range",
    "start",
    "end",
)


class _Filtered(AccountPage):
    """The filter form over the query string, and the events it selects."""

    def read_filters(self) -> EventFilterForm:
        self.organization_accounts = selectors.event_history_accounts(
            self.request.user, self.account
        )
        form = EventFilterForm(self.request.GET, accounts=self.organization_accounts)
        self.filter_form = form
        return form

    def selected_events(self, form: EventFilterForm):
        target = self.account.organization if form.organization_wide else self.account
        return selectors.events_filtered(self.request.user, target, form.filters())

    def kept_parameters_query(self, **changes) -> str:
        """The current filters as a query string (only the valid, known ones), with changes."""
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        kept = {}
        for name in FILTER_PARAMETERS:
            value = self.request.GET.get(name, "")
            if value and name in data:
                kept[name] = value
        kept.update({k: v for k, v in changes.items() if v})
        return urlencode(kept)


class EventHistory(_Filtered):
    """The list: the filter form, a page of events, *Newer* / *Older*, the downloads."""

    permission = LOOKUP_EVENTS
    template_name = "console/audit_list.html"

    def get(self, request, *args, **kwargs):
        form = self.read_filters()
        if not form.is_valid():
            self.status = 400
            return self.render_page(form=form, page=None)
        size = form.cleaned_data["size"] or DEFAULT_PAGE_SIZE
        page = keyset_page(
            self.selected_events(form), size=size, cursor=form.cleaned_data["cursor"]
        )
        size_kept = str(size) if size != DEFAULT_PAGE_SIZE else ""
        return self.render_page(
            form=form,
            page=page,
            newer_query=page.newer
            and self.kept_parameters_query(size=size_kept, cursor=page.newer),
            older_query=page.older
            and self.kept_parameters_query(size=size_kept, cursor=page.older),
            download_query=self.kept_parameters_query(),
            filtered=any(request.GET.get(name) for name in FILTER_PARAMETERS),
            organization_wide=form.organization_wide,
            download_limit=audit_export.DOWNLOAD_LIMIT,
        )

    def get_context_data(self, **context):
        return super().get_context_data(
            event_names=known_event_names(),
            organization_wide_offered=bool(self.organization_accounts),
            **context,
        )


class EventDetail(AccountPage):
    """One event's record, as CloudTrail's JSON (by its id, in this account's trail only)."""

    permission = LOOKUP_EVENTS
    template_name = "console/event_detail.html"

    def load(self) -> None:
        super().load()
        self.event = selectors.account_event_get(self.account, self.kwargs["event_id"])

    def get(self, request, *args, **kwargs):
        record = audit_export.event_record(self.event)
        return self.render_page(
            event=self.event,
            record=record,
            record_json=json.dumps(record, indent=2, ensure_ascii=False),
        )


class EventDownload(BackgroundExport, _Filtered):
    """The filtered events as a file, newest first, at most ``DOWNLOAD_LIMIT`` rows: streamed
    when short, prepared by a Celery task with its progress shown when longer than
    ``INLINE_EXPORT_ROWS`` (``BackgroundExport``)."""

    permission = LOOKUP_EVENTS
    kept_parameters = FILTER_PARAMETERS
    never_cache = True
    template_name = "console/audit_list.html"
    formats = {
        "csv": (audit_export.csv_rows, "text/csv; charset=utf-8"),
        "json": (audit_export.json_chunks, "application/json"),
    }

    def get(self, request, *args, **kwargs):
        form = self.read_filters()
        if not form.is_valid():
            self.status = 400
            return self.render_page(
                form=form,
                page=None,
                event_names=known_event_names(),
                organization_wide_offered=bool(self.organization_accounts),
            )
        events = self.selected_events(form)
        total = events[: audit_export.DOWNLOAD_LIMIT].count()
        if total > lists.INLINE_EXPORT_ROWS:
            return self.render_export_offer(total)
        write, content_type = self.formats[self.kwargs["format"]]
        response = StreamingHttpResponse(
            write(events, limit=audit_export.DOWNLOAD_LIMIT), content_type=content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{self.export_filename()}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def post(self, request, *args, **kwargs):
        form = self.read_filters()
        if not request.POST.get("export") or not form.is_valid():
            return self.get(request, *args, **kwargs)
        return self.start_export()

    # --- The export, when the task writes the file --------------------------------------
    @property
    def export_kind(self) -> str:
        return f"events-{self.kwargs['format']}"

    def export_filename(self) -> str:
        form = self.filter_form
        stamp = timezone.now().astimezone(UTC)
        scope = self.account.organization_id if form.organization_wide else self.account.id
        return f"event_history_{scope}_{stamp:%Y%m%dT%H%M%SZ}.{self.kwargs['format']}"

    def export_back_url(self) -> str:
        query = self.kept_parameters_query()
        return reverse("console:audit_list", args=[self.account.id]) + (
            f"?{query}" if query else ""
        )

    def export_lines(self):
        form = self.read_filters()
        if not form.is_valid():
            raise ValueError("the export's filters are no longer valid")
        events = self.selected_events(form)
        write = self.formats[self.kwargs["format"]][0]
        total = events[: audit_export.DOWNLOAD_LIMIT].count()
        return total, write(events, limit=audit_export.DOWNLOAD_LIMIT)
