"""An API error: AWS's code, its message and its HTTP status."""

from __future__ import annotations

# Codes that are not in the service models (they come from the signing layer): their statuses.
_STATUS = {
    "AccessDenied": 403,
    "AccessDeniedException": 403,
    "InvalidClientTokenId": 403,
    "SignatureDoesNotMatch": 403,
    "IncompleteSignature": 400,
    "MissingAuthenticationToken": 403,
    "RequestExpired": 400,
    "ExpiredToken": 400,
    "Throttling": 400,
    "InvalidAction": 400,
    "InvalidParameterValue": 400,
    "InvalidParameterCombination": 400,
    "MissingParameter": 400,
    "ValidationError": 400,
    "MalformedQueryString": 404,
    "InternalFailure": 500,
}


class ApiError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else _STATUS.get(code)


def no_such_entity(message: str) -> ApiError:
    return ApiError("NoSuchEntity", message)
