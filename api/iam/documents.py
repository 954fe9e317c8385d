"""AWS's own checks of an IAM policy document, with AWS's messages, before Tobira's parser.

IAM refuses a document in stages, and its ``MalformedPolicyDocument`` message names the stage,
not the element at fault: ``Syntax errors in policy.``, ``Policy document must be version
2012-10-17 or greater.``, ``The policy failed legacy parsing``, and so on. Tobira's parser
(``identity.policy.document``) names the element instead (``Statement[0].Effect: must be "Allow"
or "Deny"``), which the console shows. A client of the API expects AWS's message, so the API
runs AWS's stages first, in AWS's order; a document that passes them still goes through Tobira's
parser, which has the last word (it refuses some documents AWS accepts, never the reverse).

The stages and messages are AWS's as moto records them (``moto/iam/policy_validation.py``,
Apache-2.0, and its test cases in ``tests/test_iam/test_iam_policies.py``); the partitions come
from botocore's endpoint data.
"""

from __future__ import annotations

import functools
import json
import re

import botocore.loaders

from ..errors import ApiError

_TOP = {"Version", "Id", "Statement", "Conditions"}
_STATEMENT = {
    "Sid",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Condition",
}
_OPERATORS = {
    *("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
    *("StringLike", "StringNotLike"),
    *("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals"),
    *("NumericGreaterThan", "NumericGreaterThanEquals"),
    *("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals"),
    *("DateGreaterThan", "DateGreaterThanEquals"),
    *("Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "Null"),
    *("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"),
}
_IAM_RESOURCE_STARTS = (
    *("user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/"),
    *("server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/"),
    *("report/", "access-report/"),
)
_VENDOR = re.compile(r"[^a-zA-Z0-9\-.]")

SYNTAX = "Syntax errors in policy."
VERSION = "Policy document must be version 2012-10-17 or greater."
LEGACY = "The policy failed legacy parsing"
SIDS = "Statement IDs (SID) in a single policy must be unique."
ACTIONS = "Policy statement must contain actions."
RESOURCES = "Policy statement must contain resources."


class _Refused(Exception):
    pass


def _malformed(message: str) -> ApiError:
    return ApiError("MalformedPolicyDocument", message)


@functools.cache
def partitions() -> frozenset[str]:
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    return frozenset(p["partition"] for p in endpoints["partitions"])


def check(text: str) -> None:
    """Raise AWS's ``MalformedPolicyDocument`` if IAM would refuse ``text``."""
    try:
        document = json.loads(text)
        statements = _syntax(document)
    except (_Refused, ValueError, RecursionError):
        raise _malformed(SYNTAX) from None
    if document.get("Version") != "2012-10-17":
        raise _malformed(VERSION)
    try:
        for statement in statements:
            _legacy_statement(statement)
        resource_error = _resource_formats(statements)
    except (_Refused, ValueError, IndexError, TypeError, AttributeError):
        raise _malformed(LEGACY) from None
    sids = [s["Sid"] for s in statements if s.get("Sid")]
    if len(sids) != len(set(sids)):
        raise _malformed(SIDS)
    if any(not _present(s, "Action", "NotAction") for s in statements):
        raise _malformed(ACTIONS)
    if resource_error:
        raise _malformed(resource_error)
    for key in ("Action", "NotAction"):
        for statement in statements:
            for action in _strings(statement.get(key)):
                _action_prefix(action)
    if any(not _present(s, "Resource", "NotResource") for s in statements):
        raise _malformed(RESOURCES)


def _present(statement: dict, key: str, not_key: str) -> bool:
    """The statement has ``key`` or ``not_key``, and a list there is not empty."""
    if key in statement:
        return statement[key] != []
    if not_key in statement:
        return statement[not_key] != []
    return False


def _strings(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)]


# --- Stage 1: syntax -----------------------------------------------------------------------


def _require(condition: bool) -> None:
    if not condition:
        raise _Refused


def _syntax(document) -> list[dict]:
    _require(isinstance(document, dict))
    _require(set(document) <= _TOP)
    if "Version" in document:
        _require(document["Version"] in ("2008-10-17", "2012-10-17"))
    if "Id" in document:
        _require(isinstance(document["Id"], str))
    _require("Statement" in document)
    raw = document["Statement"]
    _require(isinstance(raw, dict | list))
    statements = [raw] if isinstance(raw, dict) else list(raw)
    _require(bool(statements))
    for statement in statements:
        _statement_syntax(statement)
    return statements


def _statement_syntax(statement) -> None:
    _require(isinstance(statement, dict))
    _require(set(statement) <= _STATEMENT)
    _require(not ("Resource" in statement and "NotResource" in statement))
    _require(not ("Action" in statement and "NotAction" in statement))
    effect = statement.get("Effect")
    _require(isinstance(effect, str) and effect.lower() in ("allow", "deny"))
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement:
            value = statement[key]
            _require(isinstance(value, str | list))
            if isinstance(value, list):
                _require(all(v is None or isinstance(v, str) for v in value))
    if "Condition" in statement:
        conditions = statement["Condition"]
        _require(isinstance(conditions, dict))
        for operator, block in conditions.items():
            _require(isinstance(block, dict))
            _require(all(isinstance(v, bool | list | str) for v in block.values()))
            if _base_operator(operator) not in _OPERATORS:
                _require(not block)  # an unknown operator passes only with nothing in it
    if "Sid" in statement:
        _require(isinstance(statement["Sid"], str))


def _base_operator(operator: str) -> str:
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            operator = operator[len(prefix) :]
            break
    if operator.endswith("IfExists"):
        operator = operator[: -len("IfExists")]
    return operator


# --- Stage 3: legacy parsing ---------------------------------------------------------------


def _legacy_statement(statement: dict) -> None:
    _require(statement["Effect"] in ("Allow", "Deny"))  # case matters here
    for operator, block in (statement.get("Condition") or {}).items():
        if not _base_operator(operator).startswith("Date"):
            continue
        for value in block.values():
            for item in [value] if isinstance(value, str) else value:
                _legacy_date(item)


def _legacy_date(value: str) -> None:
    if "t" in value.lower() or "-" in value:
        _iso_8601(value.lower())
    else:
        _require(0 <= int(value) <= 9223372036854775807)


def _iso_8601(value: str) -> None:
    date, _, time = value.partition("t")
    negative = date.startswith("-")
    parts = (date[1:] if negative else date).split("-")
    year = int(("-" if negative else "") + parts[0])
    _require(-292275054 <= year <= 292278993)
    if len(parts) > 1:
        _require(1 <= int(parts[1]) <= 12)
    if len(parts) > 2:
        _require(1 <= int(parts[2]) <= 31)
    _require(len(parts) < 4)
    clock = time.split(":")
    if clock[0] != "":
        _require(0 <= int(clock[0]) <= 23)
    if len(clock) > 1:
        _require(0 <= int(clock[1]) <= 59)
    if len(clock) > 2:
        seconds = clock[2]
        if "z" in seconds:
            seconds, _, rest = seconds.partition("z")
            _require(rest == "")
        elif "+" in seconds:
            seconds, _, zone = seconds.partition("+")
            hours, colon, minutes = zone.partition(":")
            _require(len(hours) == 2 and 0 <= int(hours) <= 23)
            if colon:
                _require(len(minutes) == 2 and 0 <= int(minutes) <= 59)
        whole, dot, fraction = seconds.partition(".")
        _require(0 <= int(whole) <= 59)
        if dot:
            _require(0 <= int(fraction) <= 999999999)


def _resource_formats(statements: list[dict]) -> str:
    """AWS's complaint about a resource's format, if any (the last one found wins, as at AWS);
    a statement's resources go through legacy parsing while no complaint has been found."""
    error = ""
    for key in ("Resource", "NotResource"):
        for statement in statements:
            if key not in statement:
                continue
            value = statement[key]
            resources = [value] if isinstance(value, str) else sorted(_strings(value), reverse=True)
            for resource in resources:
                error = _resource_format(resource) or error
            if not error:
                for resource in resources:
                    _legacy_resource(resource)
    return error


def _legacy_resource(resource: str) -> None:
    if resource and resource != "*":
        _require(resource.count(":") >= 5 or "::" not in resource)
        _require(resource.split(":")[2] != "")


def _resource_format(resource: str) -> str:
    if resource == "*":
        return ""
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition != "*" and partition not in partitions():
        parts = rest.split(":")
        fields = [
            parts[0] if parts[0] != "" or len(parts) > 1 else "*",
            parts[1] if len(parts) > 1 else "*",
            parts[2] if len(parts) > 2 else "*",
            ":".join(parts[3:]) if len(parts) > 3 else "*",
        ]
        return (
            f'Partition "{partition}" is not valid for resource '
            f'"arn:{partition}:{":".join(fields)}".'
        )
    if not colon:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    service, _, after_service = rest.partition(":")
    _, _, after_region = after_service.partition(":")
    _, _, resource_id = after_region.partition(":")
    if service == "iam" and not after_service.startswith(":"):
        return f"IAM resource {resource} cannot contain region information."
    if (
        service == "s3"
        and not after_service.startswith(":")
        and not resource_id.startswith("accesspoint/")
    ):
        return f"Resource {resource} can not contain region information."
    if service == "iam" and not resource_id.startswith(_IAM_RESOURCE_STARTS):
        return (
            f'IAM resource path must either be "*" or start with {", ".join(_IAM_RESOURCE_STARTS)}.'
        )
    return ""


def _action_prefix(action: str) -> None:
    parts = action.split(":")
    if len(parts) == 1 and parts[0] != "*":
        raise _malformed(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        )
    if len(parts) > 2:
        raise _malformed("Actions/Condition can contain only one colon.")
    if parts[0] != "*" and _VENDOR.search(parts[0]):
        raise _malformed(f"Vendor {parts[0]} is not valid")
