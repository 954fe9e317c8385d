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


def _reference_write(shape, value, out):
    """The writer as it was before it was compiled per shape: the plain recursive walk."""
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            member_value = value.get(name)
            if member_value is None:
                continue
            tag = member.serialization.get("name", name)
            out.append(f"<{tag}>")
            _reference_write(member, member_value, out)
            out.append(f"</{tag}>")
    elif kind == "list":
        tag = shape.member.serialization.get("name", "member")
        for item in value:
            out.append(f"<{tag}>")
            _reference_write(shape.member, item, out)
            out.append(f"</{tag}>")
    elif kind == "map":
        for key, item in value.items():
            out.append(f"<entry><key>{_slow_text(str(key))}</key><value>")
            _reference_write(shape.value, item, out)
            out.append("</value></entry>")
    elif kind == "boolean":
        out.append("true" if value else "false")
    elif kind == "timestamp":
        out.append(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    elif kind == "blob":
        out.append(__import__("base64").b64encode(value).decode("ascii"))
    elif kind in ("integer", "long"):
        out.append(str(int(value)))
    elif shape.name == "policyDocumentType":
        from urllib.parse import quote

        out.append(escape(quote(str(value), safe="")))
    else:
        out.append(_slow_text(str(value)))


def _sample(shape, depth=0):
    """A value for every member of ``shape`` (two items per list, markup in strings)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return {}
        return {name: _sample(member, depth + 1) for name, member in shape.members.items()}
    if kind == "list":
        return [_sample(shape.member, depth + 1) for _ in range(2)]
    if kind == "map":
        return {"k<&>": _sample(shape.value, depth + 1), "plain": _sample(shape.value, depth + 1)}
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return datetime(2026, 12, 1, 3, 5, 9, tzinfo=ZoneInfo("Asia/Tokyo"))
    if kind == "blob":
        return b"\x89PNG\x00"
    if kind in ("integer", "long"):
        return 42
    return f"{shape.name} <a&b> \x01 é"


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_every_output_shape_is_written_as_the_plain_walk_wrote_it(service):
    model = protocol.service_model(service)
    written = 0
    for name in model.operation_names:
        shape = model.operation_model(name).output_shape
        if shape is None:
            continue
        value = _sample(shape)
        expected, got = [], []
        _reference_write(shape, value, expected)
        protocol._write(shape, value, got)
        assert "".join(got) == "".join(expected), name
        written += 1
    assert written >= 10  # IAM has 150 and more, STS 11
