"""Every console list: sortable columns, a page-size choice and a *Download CSV* of the whole
list, declared once per page (``Column`` and ``ListPage``) as Keycloak's admin tables and AWS's
consoles offer them.

The query string carries the state, so a list is bookmarkable and works without JavaScript:
``sort`` (a column's key, ``-key`` for descending), ``per_page`` (25, 50 or 100), ``page`` and
the page's own filters (``q``). A parameter outside these choices is ignored: the list falls
back to its default, never to an error page. The order always ends with the primary key, so a
page boundary is stable between two rows that sort equal.

The CSV holds every row of the list as sorted and filtered, streamed row by row. A list longer
than ``INLINE_EXPORT_ROWS`` is exported by a Celery task instead (``identity.exports``): the
page offers to start it and shows its progress.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.db.models.expressions import BaseExpression
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.csvsafe import csv_cell
from identity.exports import services as export_services

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
# The longest list downloaded at once; a longer one is prepared by a Celery task.
INLINE_EXPORT_ROWS = 5_000
CSV_CHUNK = 500  # rows fetched per database round trip while streaming


@dataclass(frozen=True)
class Column:
    key: str  # the ``sort`` value and the CSV header
    label: Any  # the table header (lazy translation)
    sort: tuple = ()  # what it orders by, ascending: field names or expressions; () = not sortable
    value: Callable[[Any], Any] | None = None  # the CSV cell; None: not in the CSV
    in_table: bool = True  # False: in the CSV only (an ARN the row links to)

    def ordering(self, descending: bool) -> list:
        ordered = []
        for field in self.sort:
            expression = F(field) if isinstance(field, str) else field
            if not isinstance(expression, BaseExpression | F):
                raise TypeError(f"column {self.key}: cannot order by {field!r}")
            # Rows without a value (a user who never signed in) go last either way.
            ordered.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        return ordered


@dataclass(frozen=True)
class Header:
    column: Column
    sort_value: str  # the ``sort`` its link asks for
    direction: str  # "ascending", "descending" or "" (aria-sort)


class Listing:
    """One request's view of a list: its order, its page and its CSV."""

    def __init__(self, request, queryset, columns: Iterable[Column], *, default_sort: str):
        self.columns = tuple(columns)
        by_key = {column.key: column for column in self.columns if column.sort}
        asked = request.GET.get("sort", "")
        descending = asked.startswith("-")
        column = by_key.get(asked.removeprefix("-"))
        if column is None:
            descending = default_sort.startswith("-")
            column = by_key[default_sort.removeprefix("-")]
        self.sort_column, self.descending = column, descending
        self.queryset = queryset.order_by(
            *column.ordering(descending), "-pk" if descending else "pk"
        )
        per_page = request.GET.get("per_page", "")
        self.per_page = int(per_page) if per_page in {str(n) for n in PAGE_SIZES} else None
        self._request = request

    @property
    def page_size(self) -> int:
        return self.per_page or DEFAULT_PAGE_SIZE

    @property
    def page_sizes(self) -> tuple[int, ...]:
        return PAGE_SIZES

    def page(self):
        return Paginator(self.queryset, self.page_size).get_page(self._request.GET.get("page"))

    def headers(self) -> list[Header]:
        headers = []
        for column in self.columns:
            if not column.in_table:
                continue
            if column is self.sort_column:
                direction = "descending" if self.descending else "ascending"
                toggle = column.key if self.descending else f"-{column.key}"
            else:
                direction, toggle = "", column.key
            headers.append(Header(column, toggle if column.sort else "", direction))
        return headers

    # --- CSV ------------------------------------------------------------------------------
    def csv_columns(self) -> list[Column]:
        return [column for column in self.columns if column.value is not None]

    def csv_lines(self, rows: Iterable) -> Iterator[str]:
        return csv_lines(self.csv_columns(), rows)

    def csv_response(self, filename: str) -> StreamingHttpResponse:
        rows = self.queryset.iterator(chunk_size=CSV_CHUNK)
        response = StreamingHttpResponse(self.csv_lines(rows), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


def csv_lines(columns: list[Column], rows: Iterable) -> Iterator[str]:
    """The header, then one line per row; every cell made safe for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line([column.key for column in columns])
    for row in rows:
        yield line([csv_cell(_cell(column.value(row))) for column in columns])


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


YES_NO = {True: _("Yes"), False: _("No")}


ROLE_SESSIONS_EXPORT_NOTHING = _(
    "Long downloads are prepared for IAM users and root users only. Narrow the list (a search "
    "or filters) to download it at once."
)
MAX_EXPORT_ROWS = 100_000  # a list's background export holds at most this many rows


class BackgroundExport:
    """A download that may be long (mixed into a ``ConsolePage``): above
    ``INLINE_EXPORT_ROWS`` rows the page offers to prepare it in the background (a Celery task,
    ``console.exports``) and ``POST export=1`` starts it; the export's page shows its progress.

    The page names its ``export_kind`` (a key of ``console.views.exports.EXPORTABLE``) and
    gives ``export_lines()``: the number of rows and the file's lines, as the task writes them.
    """

    export_kind = ""
    kept_parameters: tuple[str, ...] = ()  # the query parameters an export keeps

    def export_lines(self) -> tuple[int, Iterator[str]]:
        raise ImproperlyConfigured(f"{type(self).__name__} exports nothing")

    def export_filename(self) -> str:
        raise ImproperlyConfigured(f"{type(self).__name__} names no file")

    def export_back_url(self) -> str:
        return self.request.path

    def export_parameters(self) -> dict[str, str]:
        """What the export keeps of the query string (the offer's form posts to the same URL,
        query included)."""
        query = self.request.GET
        return {name: query[name][:256] for name in self.kept_parameters if query.get(name)}

    def render_export_offer(self, total: int):
        context = self.get_context_data(
            listing=None,
            total=total,
            action_url=self.request.get_full_path(),
            role_session=getattr(self.request.user, "kind", None) == "role",
            role_session_message=ROLE_SESSIONS_EXPORT_NOTHING,
            back_url=self.export_back_url(),
        )
        return render(self.request, "console/export_offer.html", context)

    def start_export(self):
        if getattr(self.request.user, "kind", None) == "role":
            # A role session's export would have to be rebuilt as that session later: not yet.
            messages.error(self.request, ROLE_SESSIONS_EXPORT_NOTHING)
            return redirect(self.export_back_url())
        try:
            job = export_services.export_start(
                actor=self.request.user,
                account=self.account,
                kind=self.export_kind,
                parameters=self.export_parameters(),
                filename=self.export_filename(),
                request=self.request,
            )
        except ValidationError as error:
            messages.error(self.request, error.messages[0])
            return redirect(self.export_back_url())
        return redirect(
            "console:export_detail", account_id=self.account.id, export_id=job.export_id
        )


class ListPage(BackgroundExport):
    """A console page that lists rows (mixed into a ``ConsolePage``): its columns and default
    order declared, its rows from ``rows()`` (the page's selector with its own filters).

    ``GET ?format=csv`` downloads the whole list as sorted and filtered. When the page names an
    ``export_kind``, a list longer than ``INLINE_EXPORT_ROWS`` is offered as a background
    export instead (``POST export=csv``): a Celery task writes the file and the export's page
    shows its progress (``console.views.exports``).
    """

    columns: tuple[Column, ...] = ()
    default_sort = ""
    csv_name = "list"  # the downloaded file's name, before the date
    export_kind = ""  # the key of ``console.views.exports.EXPORTABLE``; "" = always streamed
    filter_parameters: tuple[str, ...] = ("q",)  # what the CSV and an export keep besides sort

    def rows(self):
        """The page's rows, filtered by the request (a queryset; ``Listing`` orders it)."""
        raise ImproperlyConfigured(f"{type(self).__name__} lists no rows")

    def list_context(self, page) -> dict:
        """What the template needs besides the page (the actions it offers...)."""
        return {}

    def listing(self) -> Listing:
        return Listing(self.request, self.rows(), self.columns, default_sort=self.default_sort)

    @property
    def kept_parameters(self) -> tuple[str, ...]:
        return ("sort", *self.filter_parameters)

    def csv_filename(self) -> str:
        return f"{self.csv_name}-{timezone.now():%Y%m%d-%H%M%S}.csv"

    def export_filename(self) -> str:
        return self.csv_filename()

    def export_lines(self) -> tuple[int, Iterator[str]]:
        listing = self.listing()
        rows = listing.queryset[:MAX_EXPORT_ROWS]
        return rows.count(), listing.csv_lines(rows.iterator(chunk_size=CSV_CHUNK))

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "csv":
            listing = self.listing()
            if self.export_kind:
                total = listing.queryset.count()
                if total > INLINE_EXPORT_ROWS:
                    return self.render_export_offer(total)
            return listing.csv_response(self.csv_filename())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **context) -> dict:
        """The list's page beside whatever the page renders (its form shown again too)."""
        if "listing" not in context:
            listing = self.listing()
            page = listing.page()
            context = {"listing": listing, "page": page, **self.list_context(page), **context}
        return super().get_context_data(**context)

    def post(self, request, *args, **kwargs):
        if self.export_kind and request.POST.get("export"):
            return self.start_export()
        return super().post(request, *args, **kwargs)
