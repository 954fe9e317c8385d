"""The endpoints: ``/iam/`` and ``/sts/`` (and, behind a setting, moto's single endpoint).

One request: read the raw body (before anything parses it), verify the signature, read the
form, find the operation, read its input from the service model, ask the engine the
operation's question, run the handler, write the XML. Every failure is AWS's ``ErrorResponse``
with its ``RequestId``; nothing here answers HTML.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qsl

from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from . import iam, protocol, sts  # noqa: F401 - importing them registers their operations
from .auth import authenticate
from .errors import ApiError
from .registry import OPERATIONS, Call

logger = logging.getLogger(__name__)

MAX_PARAMETERS = 5000


def _xml(body: bytes, status: int, request_id: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    response["Cache-Control"] = "no-store"
    return response


def _params(request, body: bytes) -> dict[str, str]:
    text = body if request.method == "POST" else request.META.get("QUERY_STRING", "").encode()
    try:
        pairs = parse_qsl(
            text.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_PARAMETERS,
        )
    except (UnicodeDecodeError, ValueError):
        raise ApiError("MalformedQueryString", "The request body is not a valid form.") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        if "\x00" in key or "\x00" in value:
            raise ApiError("InvalidParameterValue", "Parameters cannot contain NUL characters.")
        if key in params:  # the signature covers the pairs, not which of two values is read
            raise ApiError("InvalidParameterValue", f"The parameter {key[:100]} appears twice.")
        params[key] = value
    return params


def _authorize(call: Call, operation) -> None:
    if operation.permission is not None:
        call.require(*operation.permission.question(call))


def dispatch(request, service: str | None) -> HttpResponse:
    # AWS answers in English; nothing in front of the API activates a language (api.middleware)
    # and a console request before this one may have left another active in the thread.
    with translation.override("en"):
        return _dispatch(request, service)


def _dispatch(request, service: str | None) -> HttpResponse:
    request_id = str(uuid.uuid4())
    answering = service or "iam"
    try:
        if request.method not in ("POST", "GET"):
            raise ApiError("InvalidAction", f"{request.method} is not supported; use POST.", 405)
        try:
            body = request.body
        except RequestDataTooBig:
            raise ApiError("ValidationError", "The request is too large.", 413) from None
        caller, answering = authenticate(request, service=service, body=body)
        request.user = caller.user  # the trail's actor for whatever the operation records
        request.tobira_access_key_id = caller.access_key_id  # and the key it signed with
        params = _params(request, body)
        action = params.get("Action", "")
        operation = OPERATIONS.get((answering, action))
        if operation is None:
            raise ApiError(
                "InvalidAction",
                f"Could not find operation {action[:64]} for version "
                f"{params.get('Version', '')[:16]}",
            )
        expected_version = protocol.API_VERSIONS[answering]
        if params.get("Version") != expected_version:
            raise ApiError(
                "InvalidParameterValue" if params.get("Version") else "MissingParameter",
                f"The Version parameter must be {expected_version}.",
            )
        call = Call(
            request, caller, answering, action, protocol.parse_input(answering, action, params)
        )
        _authorize(call, operation)
        try:
            result = operation.handler(call)
        except ValidationError as error:
            raise _from_validation(error) from None
        body = protocol.serialize_result(answering, action, result or {}, request_id)
        return _xml(body, 200, request_id)
    except ApiError as error:
        status, body = protocol.serialize_error(answering, error, request_id)
        return _xml(body, status, request_id)
    except PermissionDenied as error:
        status, body = protocol.serialize_error(
            answering, ApiError("AccessDenied", str(error)), request_id
        )
        return _xml(body, status, request_id)
    except DatabaseError:
        logger.exception("API request %s failed in the database", request_id)
        status, body = protocol.serialize_error(
            answering, ApiError("ServiceFailure", "The request failed; try again.", 500), request_id
        )
        return _xml(body, status, request_id)


# The console's services name their refusals for forms; their AWS codes.
_FORM_CODES = {
    "duplicate": "EntityAlreadyExists",
    "invalid": "InvalidInput",
    "too_many": "LimitExceeded",
    "too_many_versions": "LimitExceeded",
    "too_large": "LimitExceeded",
    "missing": "NoSuchEntity",
    "default": "DeleteConflict",
    "not_iam_user": "InvalidInput",
    "Invalid": "InvalidInput",
}


def _from_validation(error: ValidationError) -> ApiError:
    """A service's refusal: its code is AWS's error code (the services' convention)."""
    messages = error.messages
    code = None
    if hasattr(error, "error_dict"):
        for errors in error.error_dict.values():
            code = next((e.code for e in errors if e.code), None)
            if code:
                break
    else:
        code = next((e.code for e in error.error_list if e.code), None)
    known = {
        "LimitExceeded",
        "EntityAlreadyExists",
        "NoSuchEntity",
        "DeleteConflict",
        "InvalidInput",
        "MalformedPolicyDocument",
        "AccessDenied",
        "InvalidAuthenticationCode",
        "DuplicateSSHPublicKey",
        "UnrecognizedPublicKeyEncoding",
        "InvalidPublicKey",
        "MalformedCertificate",
        "DuplicateCertificate",
        "InvalidCertificate",
        "EntityTemporarilyUnmodifiable",
        "PasswordPolicyViolation",
        "ReportNotPresent",
        "ReportInProgress",
        "ReportExpired",
        "ConcurrentModification",
        "ValidationError",
    }
    if code == "invalid" and "document" in getattr(error, "error_dict", {}):
        code = "MalformedPolicyDocument"
    mapped = _FORM_CODES.get(code, code)
    if mapped not in known:
        mapped = "ValidationError"
    return ApiError(mapped, " ".join(str(m) for m in messages)[:1000])


@csrf_exempt
def iam_endpoint(request):
    return dispatch(request, "iam")


@csrf_exempt
def sts_endpoint(request):
    return dispatch(request, "sts")
