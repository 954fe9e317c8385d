"""One date format across pages: the locale's, with the time zone named."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

MOMENT = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "datetime_text", "date_text"),
    [
        ("en", "Nov 30, 2026, 07:05 UTC", "Nov 30, 2026"),
        ("ja", "2026年11月30日 07:05 UTC", "2026年11月30日"),
    ],
)
def test_dates_and_times_read_the_same_everywhere(language, datetime_text, date_text):
    template = Template(
        '{{ t|date:"DATETIME_FORMAT" }}|{{ t|date:"SHORT_DATETIME_FORMAT" }}|'
        '{{ t|date:"DATE_FORMAT" }}|{{ t|date:"SHORT_DATE_FORMAT" }}'
    )
    with translation.override(language):
        rendered = template.render(Context({"t": MOMENT})).split("|")
    assert rendered == [datetime_text, datetime_text, date_text, date_text]


def test_templates_use_only_the_named_formats():
    """A format spelled out in a template (Y-m-d ...) would be a second format."""
    used = set()
    for path in Path(settings.BASE_DIR, "templates").rglob("*"):
        if path.suffix in (".html", ".txt"):
            used.update(re.findall(r'\|date:"([^"]*)"', path.read_text()))
            assert "|date }}" not in path.read_text(), path
    assert used == {"DATETIME_FORMAT", "DATE_FORMAT"}
