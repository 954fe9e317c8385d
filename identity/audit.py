"""Audit trail: one CloudTrail-like event per security-relevant action.

``record(Event.X, ...)`` is called inside the transaction of the change it describes, so the
event and the change commit or roll back together. Request parameters pass
through ``_scrub``: any key that names a secret is dropped, whatever the
caller sent, so a careless caller cannot leak a password into the trail.
"""

from __future__ import annotations

import re
from typing import Any

from . import metrics
from .audit_events import Event
from .audit_fields import denormalized
from .models import AuditEvent, User
from .requestinfo import client_ip, user_agent

# A key that names a secret ends with one of these nouns (newPassword,
# secret_access_key, authCode, totpSeed); "passwordResetRequired" does not.
_SECRET_KEY_PATTERN = re.compile(
    r"(password|passwd|passphrase|secret|token|code|seed|otp|signature|key|credential|digits)s?$",
    re.IGNORECASE,
)


def user_identity(user: User | None, *, request=None) -> dict[str, Any]:
    if user is None and request is None:
        return {"type": "Tobira"}  # the service itself: a management command, a task
    if user is None or not getattr(user, "is_authenticated", False):
        return {"type": "Anonymous"}
    if getattr(user, "kind", None) == "role":  # a role session from the access portal
        return user.audit_identity()
    identity = {
        "type": "Root" if user.is_root else ("IdentityCenterUser" if user.is_sso else "IAMUser"),
        "principalId": user.unique_id,
        "arn": user.arn,
        "accountId": user.account_id,
    }
    if not user.is_root:
        identity["userName"] = user.name
    access_key_id = getattr(request, "tobira_access_key_id", None)
    if access_key_id:  # a signed API call: which key (never its secret), as CloudTrail shows
        identity["accessKeyId"] = access_key_id
    return identity


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _scrub(v)
            for k, v in value.items()
            if not _SECRET_KEY_PATTERN.search(str(k).replace("_", ""))
        }
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


FROM_REQUEST = object()  # the default actor: whoever is signed in on ``request``


def record(
    event: Event,
    /,
    *,
    request=None,
    actor: User | None | object = FROM_REQUEST,
    account_id: str = "",
    request_parameters: dict | None = None,
    response_elements: dict | None = None,
    additional_event_data: dict | None = None,
    error_code: str = "",
    error_message: str = "",
) -> AuditEvent:
    """Write one ``event``: its name and source come from the ``Event`` member.

    ``actor=None`` means nobody is signed in (a failed sign-in): the event is anonymous even
    if the browser carries another principal's session. ``account_id`` names the account
    whose trail receives the event; it defaults to the actor's account, and is empty for
    anonymous events.
    """
    if not isinstance(event, Event):
        raise TypeError(f"record() takes an Event member, not {event!r}")
    metrics.audit_event(event.event_name, error=bool(error_code))
    return _write(
        event.event_name,
        event.source.value,
        request=request,
        actor=actor,
        account_id=account_id,
        request_parameters=request_parameters,
        response_elements=response_elements,
        additional_event_data=additional_event_data,
        error_code=error_code,
        error_message=error_message,
    )


def record_refusal(
    action: str, *, request, request_parameters: dict | None = None, error_message: str = ""
) -> AuditEvent:
    """The policy engine refused ``action`` (``service:Name``): an AccessDenied event under
    the action's own name and service, in the signed-in principal's trail. Not an ``Event``:
    any action can be refused."""
    service, _sep, name = action.partition(":")
    metrics.audit_event("AccessDenied", error=True)  # one name: the actions are many
    return _write(
        name,
        f"{service}.tobira",
        request=request,
        actor=FROM_REQUEST,
        request_parameters=request_parameters,
        error_code="AccessDenied",
        error_message=error_message,
    )


def _write(
    event_name: str,
    event_source: str,
    *,
    request,
    actor,
    account_id: str = "",
    request_parameters: dict | None = None,
    response_elements: dict | None = None,
    additional_event_data: dict | None = None,
    error_code: str = "",
    error_message: str = "",
) -> AuditEvent:
    if actor is FROM_REQUEST:
        actor = getattr(request, "user", None) if request is not None else None
    identity = user_identity(actor, request=request)
    parameters = _scrub(request_parameters or {})
    return AuditEvent.objects.create(
        event_name=event_name,
        event_source=event_source,
        recipient_account_id=account_id
        or (actor.account_id if actor is not None and actor.is_authenticated else "")
        or "",
        user_identity=identity,
        source_ip_address=client_ip(request) if request is not None else None,
        user_agent=user_agent(request) if request is not None else "",
        request_parameters=parameters,
        **denormalized(
            event_name=event_name, user_identity=identity, request_parameters=parameters
        ),
        response_elements=_scrub(response_elements or {}),
        additional_event_data=_scrub(additional_event_data or {}),
        error_code=error_code,
        error_message=error_message[:256],
    )
