"""The event history's filters, read from the query string: every value checked and bounded.

Whatever arrives (a date that is no date, a megabyte of text, a cursor that was changed) becomes
an error on the form, shown above the table, never a query or a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.audit_events import Event
from identity.event_history import BadCursor, EventFilters, read_cursor

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
PRESETS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)

_printable = RegexValidator(
    r"^[^\x00-\x1f\x7f]*$", _("Use printable characters only."), code="unprintable"
)
_event_name = RegexValidator(
    r"^[A-Za-z0-9]+$", _("An event name has only letters and digits, as CreateUser."), "name"
)


def known_event_names() -> list[str]:
    """For the event name field's suggestions (any name may be typed: refusals carry any)."""
    return sorted({member.event_name for member in Event})


class UTCDateTimeField(forms.DateTimeField):
    """A date and time typed in UTC, whatever the server's or the browser's time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        super().__init__(input_formats=DATETIME_INPUTS, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 32:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        with timezone.override(UTC):
            return super().to_python(value)


class EventFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Events of"),
        required=False,
        choices=[
            ("account", _("This account")),
            ("organization", _("All accounts in the organization")),
        ],
    )
    account = forms.ChoiceField(
        label=_("Account"),
        required=False,
        help_text=_("With all accounts in the organization: one of them, or all."),
    )
    event_name = forms.CharField(
        label=_("Event name"), required=False, max_length=64, validators=[_event_name]
    )
    user_name = forms.CharField(
        label=_("User name"),
        required=False,
        max_length=256,
        validators=[_printable],
        help_text=_("An IAM or SSO user's name, or root."),
    )
    source_ip = forms.GenericIPAddressField(label=_("Source IP address"), required=False)
    resource = forms.CharField(
        label=_("Resource name or ARN"), required=False, max_length=1100, validators=[_printable]
    )
    read_only = forms.ChoiceField(
        label=_("Read-only"),
        required=False,
        choices=[("", _("Any")), ("true", _("Read-only events")), ("false", _("Write events"))],
    )
    error_code = forms.CharField(
        label=_("Error code"), required=False, max_length=64, validators=[_printable]
    )
    errors_only = forms.BooleanField(label=_("Only events with an error"), required=False)
    range = forms.ChoiceField(
        label=_("Time range"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("1h", _("Last hour")),
            ("24h", _("Last 24 hours")),
            ("7d", _("Last 7 days")),
            ("30d", _("Last 30 days")),
            ("custom", _("Custom (UTC)")),
        ],
    )
    start = UTCDateTimeField(label=_("From (UTC)"), required=False)
    end = UTCDateTimeField(label=_("To (UTC)"), required=False)
    size = forms.TypedChoiceField(
        label=_("Events per page"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
    )
    cursor = forms.CharField(required=False, max_length=512, widget=forms.HiddenInput)

    def __init__(self, *args, accounts=(), **kwargs):
        """``accounts``: the organization's accounts when the organization-wide scope is
        offered (the management account's root user); otherwise the scope fields go."""
        super().__init__(*args, **kwargs)
        self.organization_wide_offered = bool(accounts)
        if accounts:
            self.fields["account"].choices = [("", _("All accounts"))] + [
                (account.id, f"{account.id} ({account.name})") for account in accounts
            ]
        else:
            del self.fields["scope"]
            del self.fields["account"]

    def clean_cursor(self):
        cursor = self.cleaned_data["cursor"]
        if not cursor:
            return None
        try:
            return read_cursor(cursor)
        except BadCursor:
            raise forms.ValidationError(
                _("This page link is not valid any more. Start again from the newest events."),
                code="cursor",
            ) from None

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        chosen = data.get("range") or ""
        if (start or end) and chosen in PRESETS:
            self.add_error(
                "range",
                _("Choose either a preset time range or a custom one (From and To), not both."),
            )
        for name in ("start", "end"):
            value = data.get(name)
            if value is not None and value < EARLIEST:
                self.add_error(name, _("Choose a date after 2000."))
        if start and end and start > end:
            self.add_error("end", _("To must be after From."))
        if data.get("scope") != "organization" and data.get("account"):
            self.add_error("account", _("Choose an account only for all accounts' events."))
        return data

    @property
    def organization_wide(self) -> bool:
        return self.organization_wide_offered and self.cleaned_data.get("scope") == "organization"

    def filters(self, now: datetime | None = None) -> EventFilters:
        data = self.cleaned_data
        read_only = {"true": True, "false": False}.get(data.get("read_only") or "")
        start, end = data.get("start"), data.get("end")
        preset = PRESETS.get(data.get("range") or "")
        if preset is not None:
            start, end = (now or timezone.now()) - preset, None
        return EventFilters(
            event_name=data.get("event_name") or "",
            user_name=(data.get("user_name") or "").strip(),
            source_ip=data.get("source_ip") or "",
            resource=(data.get("resource") or "").strip(),
            read_only=read_only,
            error_code=(data.get("error_code") or "").strip(),
            errors_only=bool(data.get("errors_only")),
            start=start,
            end=end,
            account_id=data.get("account") or "",
        )
