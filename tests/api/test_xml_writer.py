"""The XML writer's fast paths write what the plain ones did (api.protocol)."""

from datetime import UTC, datetime, timedelta, timezone
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pytest

from api import protocol


def _slow_text(value: str) -> str:
    return escape(protocol._NOT_XML.sub("\ufffd", value))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "alice",
        "arn:aws:iam::123456789012:user/division/alice",
        "a & b",
        "<script>",
        "tab\tnew\nline\rreturn",
        "nul\x00bell\x07",
        "lone \ud800 surrogate",
        "not \ufffe \uffff",
        "日本語のユーザー",
        "emoji \U0001f600",
    ],
)
def test_text_is_what_it_was(value):
    assert protocol._text(value) == _slow_text(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 30, 18, 5, 9, 123456, tzinfo=UTC),
        datetime(2026, 11, 30, 18, 5, 9, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 12, 1, 3, 5, 9, tzinfo=ZoneInfo("Asia/Tokyo")),
        datetime(2026, 11, 30, 13, 5, 9, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 11, 30, 18, 5, 9),  # naive: UTC
    ],
)
def test_timestamps_are_utc_to_the_second(value):
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    expected = aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert protocol._timestamp(value) == expected
    assert expected in ("2026-11-30T18:05:09Z",)
