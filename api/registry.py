"""The operations of the IAM and STS APIs: each with its handler and the question it asks.

``@operation("iam", "ListUsers", Permission(...))`` registers a handler ``f(call) -> dict``;
the dispatcher (``api.views``) asks the engine the permission's question about the call before
the handler runs, so no handler forgets. An operation without a permission (STS
``GetCallerIdentity``, which AWS never denies) says so with ``permission=None``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

from identity import audit
from identity.authorization import Permission, authorize

from .auth import Caller
from .errors import ApiError


@dataclass
class Call:
    """One API request, after its signature was verified and its parameters read."""

    request: object
    caller: Caller
    service: str
    action: str
    input: dict
    cache: dict = field(default_factory=dict)  # what the permission's resource looked up

    @property
    def user(self):
        return self.caller.user

    def require(self, action: str, resource: str, context: dict | None = None) -> None:
        """Ask the engine, with this call's condition keys; AWS's AccessDenied if refused.

        The dispatcher asks the operation's declared question before the handler runs; a
        handler asks again when the call reaches a second resource (a rename's new ARN).
        """
        values = self.caller.condition_values(self.request)
        if context:
            values.update(context)
        decision = authorize(self.user, action, resource, account=self.account, context=values)
        if not decision.allowed:
            message = access_denied_message(self.user, action, resource, decision)
            audit.record_refusal(
                action,
                request=self.request,
                request_parameters={"resource": resource, "accessKeyId": self.caller.access_key_id},
                error_message=message,
            )
            raise ApiError("AccessDenied", message)

    @property
    def account(self):
        return self.caller.account


# The kind of policy that decided, as AWS's sentence names it: (with an explicit deny in ...,
# because no ... allows), by the engine's stage.
_KINDS = {
    "scp": ("a service control policy", "service control policy"),
    "boundary": ("a permissions boundary", "permissions boundary"),
    "identity": ("an identity-based policy", "identity-based policy"),
}


def access_denied_message(user, action: str, resource: str, decision) -> str:
    """AWS's sentence: who, what, on which resource, and which kind of policy decided."""
    engine = decision.engine
    stage = getattr(engine, "stage", "identity") if engine is not None else "identity"
    with_deny, no_allow = _KINDS.get(stage, _KINDS["identity"])
    if engine is not None and engine.decision == "ExplicitDeny":
        reason = f"with an explicit deny in {with_deny}"
    else:
        reason = f"because no {no_allow} allows the {action} action"
    return (
        f"User: {user.arn} is not authorized to perform: {action} on resource: {resource} {reason}"
    )


@dataclass(frozen=True)
class Operation:
    service: str
    name: str
    handler: Callable[[Call], dict | None]
    permission: Permission | None


OPERATIONS: dict[tuple[str, str], Operation] = {}


def operation(service: str, name: str, permission: Permission | None):
    def register(handler):
        if (service, name) in OPERATIONS:
            raise RuntimeError(f"{service}:{name} is registered twice")
        OPERATIONS[(service, name)] = Operation(service, name, handler, permission)
        return handler

    return register


# --- Paging (Marker / MaxItems) -----------------------------------------------------------

DEFAULT_MAX_ITEMS = 100


def _encodable(text: str) -> bool:
    """Whether the database can take ``text`` (JSON can carry lone surrogates; UTF-8 cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


MARKER_LENGTH = 320  # the service model's markerType: a longer Marker is a ValidationError


def marker_decode(marker: str, ints: int = 1) -> list:
    """What ``marker_encode`` wrote: a string then ``ints`` integers (0 to 2**63 - 1), or
    AWS's InvalidParameterValue for anything else."""
    try:
        value = json.loads(base64.urlsafe_b64decode(marker.encode("ascii") + b"=="))
    except (ValueError, UnicodeError, binascii.Error):
        raise ApiError("InvalidParameterValue", "Invalid Marker.") from None
    # A client can send any JSON: only what ``marker_encode`` writes goes near a query.
    if (
        not isinstance(value, list)
        or len(value) != 1 + ints
        or not isinstance(value[0], str)
        or "\x00" in value[0]
        or not _encodable(value[0])
        or any(type(number) is not int or not 0 <= number < 2**63 for number in value[1:])
    ):
        raise ApiError("InvalidParameterValue", "Invalid Marker.")
    return value


def marker_encode(value: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode("ascii").rstrip("=")


def marker_encode_within(text: str, *numbers: int) -> str:
    """``marker_encode([text, *numbers, cut])`` in at most ``MARKER_LENGTH`` characters: ``text``
    whole (``cut`` 0), or as much of its start as fits (``cut`` 1), for a key longer than a
    Marker holds (a path runs to 512 characters)."""
    room = MARKER_LENGTH * 3 // 4 - len(json.dumps(["", *numbers, 1]).encode())
    end = 0
    for char in text:
        room -= len(json.dumps(char)) - 2  # as JSON writes it: ``"`` and ``\\`` take two
        if room < 0:
            break
        end += 1
    return marker_encode([text[:end], *numbers, int(end < len(text))])


def max_items(call: Call) -> int:
    return call.input.get("MaxItems") or DEFAULT_MAX_ITEMS


def page(call: Call, queryset, order_field: str, list_key: str, render) -> dict:
    """One page of ``queryset`` ordered by ``order_field`` then pk: ``{list_key: [...],
    "IsTruncated": bool, "Marker": ...}``, from the call's ``Marker`` and ``MaxItems``.
    One query for the rows (two when the marker holds only the start of a long value)."""

    def fetch(after: tuple | None, limit: int) -> list:
        rows = queryset.order_by(order_field, "pk")
        if after is not None:
            after_value, after_pk = after
            try:
                rows = rows.filter(
                    Q(**{f"{order_field}__gt": after_value})
                    | Q(**{order_field: after_value, "pk__gt": after_pk})
                )
            except ValueError:  # a value the ordering field cannot hold ("x" for an id)
                raise ApiError("InvalidParameterValue", "Invalid Marker.") from None
        return list(rows[:limit])

    def full_value(pk: int):
        return queryset.filter(pk=pk).values_list(order_field, flat=True).first()

    return keyset_page(call, fetch, order_field, list_key, render, full_value=full_value)


def keyset_page(
    call: Call, fetch, order_field: str, list_key: str, render, *, full_value=None
) -> dict:
    """``page``, with the rows from ``fetch(after, limit)``: at most ``limit`` rows ordered by
    ``order_field`` then pk, after ``(value, pk)`` when ``after`` is not None.

    The Marker holds the last row's value and pk, or, when the value is too long for a Marker
    (AWS's 320 characters; an ARN's path runs to 512), only its start: then ``full_value(pk)``
    reads the whole value back. If that row is gone (or there is no ``full_value``) the page
    resumes after the start, which can list again rows that share it but never skips one."""
    limit = max_items(call)
    marker = call.input.get("Marker")
    after = None
    if marker:
        value, pk, cut = marker_decode(marker, ints=2)
        if cut not in (0, 1):
            raise ApiError("InvalidParameterValue", "Invalid Marker.")
        if cut:
            whole = full_value(pk) if full_value is not None else None
            after = (
                (whole, pk) if whole is not None and str(whole).startswith(value) else (value, 0)
            )
        else:
            after = (value, pk)
    rows = fetch(after, limit + 1)
    truncated = len(rows) > limit
    rows = rows[:limit]
    result = {list_key: [render(row) for row in rows], "IsTruncated": truncated}
    if truncated:
        last = rows[-1]
        result["Marker"] = marker_encode_within(str(getattr(last, order_field)), last.pk)
    return result


def no_paging(call: Call) -> None:
    """A list answered whole (``IsTruncated`` false): any ``Marker`` is one we never gave."""
    if call.input.get("Marker") is not None:
        raise ApiError("InvalidParameterValue", "Invalid Marker.")
