"""The AWS query protocol, read and written from botocore's own service models.

botocore ships the client side only (``botocore.serialize.QuerySerializer`` writes a request,
``botocore.parsers.QueryParser`` reads a response). This is the other side, walking the same
shapes: ``parse_input`` turns a form body into the operation's input (validating what the model
says: required members, lengths, patterns, ranges), ``serialize_result`` writes the
``<OpResponse><OpResult>…`` document botocore parses, and ``serialize_error`` AWS's
``<ErrorResponse>``. moto has the same pair (``moto/core/parse.py``, ``serialize.py``); it is not
imported at run time.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.utils import parse_timestamp

from .errors import ApiError

MAX_LIST_ITEMS = 1000  # members read from one list parameter: bounded whatever the body says
API_VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}


@functools.cache
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service, API_VERSIONS[service])


@functools.cache
def operation_model(service: str, name: str) -> OperationModel:
    return service_model(service).operation_model(name)


# --- Reading a request --------------------------------------------------------------------


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


_UNICODE_CATEGORY = re.compile(r"\\p\{([A-Z])\}")


@functools.cache
def _category_ranges() -> dict[str, str]:
    """Each of Unicode's major general categories (``L``, ``N``, ``Z``…) as ranges for a
    character class: the models' tag patterns use Java's ``\\p{L}``, which Python's ``re``
    lacks. One pass over the code points (half a second), on the first pattern that needs it."""
    ranges: dict[str, list[list[int]]] = {}
    for code in range(sys.maxunicode + 1):
        spans = ranges.setdefault(unicodedata.category(chr(code))[0], [])
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return {
        major: "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in spans)
        for major, spans in ranges.items()
    }


@functools.cache
def _pattern(pattern: str) -> re.Pattern | None:
    # \p{X} appears only inside character classes in the IAM and STS models.
    pattern = _UNICODE_CATEGORY.sub(lambda m: _category_ranges().get(m[1], ""), pattern)
    try:
        return re.compile(pattern, re.DOTALL | re.ASCII)  # Java's \\w is ASCII
    except re.error:  # a Java-only construct: the service code validates this member itself
        return None


_ONE_ERROR = "1 validation error detected: "


def _constraint_error(value, where: str, constraint: str) -> ApiError:
    shown = value if isinstance(value, int) else str(value)[:200]
    return ApiError(
        "ValidationError",
        f"{_ONE_ERROR}Value '{shown}' at '{where}' failed to satisfy constraint: {constraint}",
    )


def _validation_errors(errors: list[ApiError]) -> ApiError:
    """AWS's one answer for several members that break their constraints: "3 validation errors
    detected: …; …; …" (one error keeps its own sentence)."""
    if len(errors) == 1:
        return errors[0]
    details = "; ".join(error.message.removeprefix(_ONE_ERROR) for error in errors)
    return ApiError("ValidationError", f"{len(errors)} validation errors detected: {details}")


def _check(shape: Shape, value, where: str) -> None:
    meta = shape.metadata
    if shape.type_name == "string":
        if "min" in meta and len(value) < meta["min"]:
            raise _constraint_error(
                value, where, f"Member must have length greater than or equal to {meta['min']}"
            )
        if "max" in meta and len(value) > meta["max"]:
            raise _constraint_error(
                value, where, f"Member must have length less than or equal to {meta['max']}"
            )
        compiled = _pattern(meta["pattern"]) if "pattern" in meta else None
        if compiled is not None and not compiled.fullmatch(value):
            raise _constraint_error(
                value,
                where,
                f"Member must satisfy regular expression pattern: {meta['pattern']}",
            )
        if shape.enum and value not in shape.enum:
            raise _constraint_error(
                value, where, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"
            )
    elif shape.type_name in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            raise _constraint_error(
                value, where, f"Member must have value greater than or equal to {meta['min']}"
            )
        if "max" in meta and value > meta["max"]:
            raise _constraint_error(
                value, where, f"Member must have value less than or equal to {meta['max']}"
            )
    elif shape.type_name == "list":
        if "min" in meta and len(value) < meta["min"]:
            raise _constraint_error(
                value, where, f"Member must have length greater than or equal to {meta['min']}"
            )
        if "max" in meta and len(value) > meta["max"]:
            raise _constraint_error(
                value, where, f"Member must have length less than or equal to {meta['max']}"
            )


def _scalar(shape: Shape, raw: str, where: str):
    kind = shape.type_name
    if kind == "string":
        return raw
    if kind in ("integer", "long"):
        try:
            return int(raw)
        except ValueError:
            raise ApiError("ValidationError", f"Invalid value for parameter {where}") from None
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ApiError("ValidationError", f"Invalid boolean value for parameter {where}")
        return raw.lower() == "true"
    if kind == "timestamp":
        try:
            return parse_timestamp(raw)
        except (ValueError, TypeError, OverflowError):
            raise ApiError("ValidationError", f"Invalid timestamp for parameter {where}") from None
    if kind == "blob":
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("ValidationError", f"Invalid base64 for parameter {where}") from None
    return raw


def _read(shape: Shape, prefix: str, params: dict[str, str], where: str):
    kind = shape.type_name
    if kind == "structure":
        out, errors = {}, []
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            full = f"{prefix}.{key}" if prefix else key
            value = _read(
                member, full, params, f"{where}.{_camel(name)}" if where else _camel(name)
            )
            if value is not None:
                try:
                    _check(member, value, f"{where}.{_camel(name)}" if where else _camel(name))
                except ApiError as error:
                    errors.append(error)
                out[name] = value
        if prefix and not out and not errors:
            return None
        for name in shape.required_members:
            if name not in out:
                errors.append(
                    ApiError(
                        "ValidationError",
                        f"{_ONE_ERROR}Value null at "
                        f"'{(where + '.') if where else ''}{_camel(name)}' failed to satisfy "
                        "constraint: Member must not be null",
                    )
                )
        if errors:
            raise _validation_errors(errors)
        return out
    if kind == "list":
        if params.get(prefix) == "":
            return []
        item_name = shape.member.serialization.get("name", "member")
        items = []
        for index in range(1, MAX_LIST_ITEMS + 2):
            item = _read(shape.member, f"{prefix}.{item_name}.{index}", params, f"{where}.{index}")
            if item is None:
                break
            if index > MAX_LIST_ITEMS:
                raise ApiError("ValidationError", f"Too many members in {where}")
            items.append(item)
        return items or None
    if kind == "map":
        out = {}
        for index in range(1, MAX_LIST_ITEMS + 2):
            key = params.get(f"{prefix}.entry.{index}.key")
            if key is None:
                break
            value = _read(shape.value, f"{prefix}.entry.{index}.value", params, where)
            out[key] = value
        return out or None
    raw = params.get(prefix)
    if raw is None:
        return None
    return _scalar(shape, raw, where)


def parse_input(service: str, action: str, params: dict[str, str]) -> dict:
    """The input of ``action`` from the form ``params`` (``Action`` and ``Version`` included)."""
    op = operation_model(service, action)
    if op.input_shape is None:
        return {}
    return _read(op.input_shape, "", params, "")


# --- Writing a response -------------------------------------------------------------------


# Not in XML 1.0, not even as a character reference: the C0 controls but tab, newline and
# return, lone surrogates, U+FFFE and U+FFFF. A document holding one does not parse at all.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# What ``_text`` changes: markup, and what XML cannot hold. Most values hold none of it.
_NOT_PLAIN = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NO_OFFSET = timedelta(0)


def _text(value: str) -> str:
    """``value`` as XML character data; what XML cannot hold becomes U+FFFD."""
    if _NOT_PLAIN.search(value) is None:
        return value
    return escape(_NOT_XML.sub("\ufffd", value))


def _timestamp(value: datetime) -> str:
    """ISO 8601 in UTC to the second, as AWS writes them: ``2026-11-30T18:00:00Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.utcoffset() != _NO_OFFSET:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


def _boolean(value) -> str:
    return "true" if value else "false"


def _blob(value) -> str:
    return base64.b64encode(value).decode("ascii")


def _integer(value) -> str:
    return str(int(value))


def _document(value) -> str:  # IAM returns policy documents URL-encoded
    return escape(quote(str(value), safe=""))


def _string(value) -> str:
    return _text(str(value))


_SCALARS = {"boolean": _boolean, "timestamp": _timestamp, "blob": _blob, "integer": _integer}
_SCALARS["long"] = _integer


def _formatter(shape: Shape):
    """How a scalar shape is written, or None for structures, lists and maps."""
    kind = shape.type_name
    if kind in ("structure", "list", "map"):
        return None
    if kind in _SCALARS:
        return _SCALARS[kind]
    return _document if shape.name == "policyDocumentType" else _string


@functools.cache
def _writer(shape: Shape):
    """``write(value, out)`` for ``shape``, worked out once per shape (the service models are
    loaded once): each structure's members with their tags and, for scalars, their formatter,
    so that writing a row of a list is a loop over precomputed tuples. Nested shapes are looked
    up when first written, so a shape that contains itself cannot recurse here."""
    kind = shape.type_name
    scalar = _formatter(shape)
    if scalar is not None:

        def write_scalar(value, out: list[str]) -> None:
            out.append(scalar(value))

        return write_scalar
    if kind == "structure":
        members = tuple(
            (
                name,
                f"<{member.serialization.get('name', name)}>",
                f"</{member.serialization.get('name', name)}>",
                _formatter(member),
                member,
            )
            for name, member in shape.members.items()
        )

        def write_structure(value, out: list[str]) -> None:
            for name, opening, closing, format_scalar, member in members:
                member_value = value.get(name)
                if member_value is None:
                    continue
                if format_scalar is not None:
                    out.append(opening + format_scalar(member_value) + closing)
                else:
                    out.append(opening)
                    _writer(member)(member_value, out)
                    out.append(closing)

        return write_structure
    if kind == "list":  # IAM and STS have no flattened lists
        member = shape.member
        tag = member.serialization.get("name", "member")
        opening, closing = f"<{tag}>", f"</{tag}>"

        def write_list(value, out: list[str]) -> None:
            write_member = _writer(member)
            for item in value:
                out.append(opening)
                write_member(item, out)
                out.append(closing)

        return write_list

    def write_map(value, out: list[str]) -> None:
        write_value = _writer(shape.value)
        for key, item in value.items():
            out.append(f"<entry><key>{_text(str(key))}</key><value>")
            write_value(item, out)
            out.append("</value></entry>")

    return write_map


def _write(shape: Shape, value, out: list[str]) -> None:
    _writer(shape)(value, out)


def serialize_result(service: str, action: str, result: dict, request_id: str) -> bytes:
    op = operation_model(service, action)
    namespace = service_model(service).metadata["xmlNamespace"]
    out = [f'<{action}Response xmlns="{namespace}">']
    if op.output_shape is not None:
        wrapper = op.output_shape.serialization.get("resultWrapper", f"{action}Result")
        out.append(f"<{wrapper}>")
        _write(op.output_shape, result or {}, out)
        out.append(f"</{wrapper}>")
    out.append(
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )
    return "".join(out).encode("utf-8")


@functools.cache
def _error_shapes(service: str) -> dict[str, tuple[int, bool]]:
    shapes = {}
    for shape in service_model(service).error_shapes:
        error = shape.metadata.get("error", {})
        shapes[error.get("code", shape.name)] = (
            error.get("httpStatusCode", 400),
            error.get("senderFault", True),
        )
    return shapes


def error_status(service: str, error: ApiError) -> int:
    if error.status is not None:
        return error.status
    return _error_shapes(service).get(error.code, (400, True))[0]


def serialize_error(service: str, error: ApiError, request_id: str) -> tuple[int, bytes]:
    status = error_status(service, error)
    sender = status < 500
    namespace = service_model(service).metadata["xmlNamespace"]
    body = (
        f'<ErrorResponse xmlns="{namespace}"><Error>'
        f"<Type>{'Sender' if sender else 'Receiver'}</Type>"
        f"<Code>{_text(error.code)}</Code><Message>{_text(error.message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return status, body.encode("utf-8")
