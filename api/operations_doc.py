"""The table of docs/api.md that lists every operation, generated from the registry.

Each registered operation (``api.registry.OPERATIONS``) declares its IAM action and the resource
it asks about; the table stands between ``<!-- api_operations -->`` and
``<!-- /api_operations -->``; ``manage.py api_operations_doc`` rewrites it and
``tests/api/test_operations_doc.py`` fails when the file differs.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from . import views  # noqa: F401 - importing it registers every operation
from .registry import OPERATIONS

DOC = Path(settings.BASE_DIR) / "docs" / "api.md"
START, END = "<!-- api_operations -->", "<!-- /api_operations -->"

# What each resource function of the declarations asks about, in the words of the table.
RESOURCES = {
    "target_user_arn": "the user named by `UserName` (the caller without it)",
    "any_user": "`arn:aws:iam::ACCOUNT:user/*`",
    "_new_user_arn": "the new user's ARN (`Path`, `UserName`)",
    "group_arn": "the group named by `GroupName`",
    "_any_group": "`arn:aws:iam::ACCOUNT:group/*`",
    "_new_group_arn": "the new group's ARN",
    "_any_policy": "`arn:aws:iam::ACCOUNT:policy/*`",
    "_new_policy_arn": "the new policy's ARN",
    "_policy_arn": "`PolicyArn`",
    "_everything": "`*`",
    "_source_arn": "`PolicySourceArn`",
    "_last_used_resource": "the user who owns `AccessKeyId`",
    "_any_mfa": "`arn:aws:iam::ACCOUNT:mfa/*`",
    "_new_device_arn": "the new device's ARN (`Path`, `VirtualMFADeviceName`)",
    "_serial": "`SerialNumber`",
    "<lambda>": "the caller",
}


def _resource(permission) -> str:
    if permission.resource_doc:
        return permission.resource_doc
    name = permission.resource.__name__
    if name not in RESOURCES:
        raise KeyError(f"describe the resource function {name} in api.operations_doc.RESOURCES")
    return RESOURCES[name]


def table() -> str:
    rows = ["| service | operation | action | resource |", "| --- | --- | --- | --- |"]
    for (service, name), operation in sorted(OPERATIONS.items()):
        permission = operation.permission
        if permission is None:
            rows.append(f"| {service.upper()} | `{name}` | none (as at AWS) | |")
            continue
        context = (
            f" with {permission.context_doc}"
            if permission.context_doc
            else " with `iam:PolicyARN`"
            if permission.context is not None
            else ""
        )
        rows.append(
            f"| {service.upper()} | `{name}` | `{permission.action}`{context} | {_resource(permission)} |"
        )
    return "\n".join(rows) + "\n"


def generate(current: str) -> str:
    pattern = re.compile(re.escape(START) + r"\n.*?" + re.escape(END), re.S)
    if not pattern.search(current):
        raise ValueError(f"docs/api.md has no {START} … {END} markers")
    return pattern.sub(lambda _m: f"{START}\n{table()}{END}", current)
