"""The STS operations: ``GetCallerIdentity`` and ``GetSessionToken``.

Neither asks the engine, as at AWS: nothing can deny a principal its own identity, and
``GetSessionToken`` is how a principal proves MFA ("you cannot use policies to control
authentication operations").
"""

from __future__ import annotations

from .registry import Call, operation
from .sessions import session_token_get


@operation("sts", "GetCallerIdentity", None)
def get_caller_identity(call: Call) -> dict:
    user = call.user
    return {
        "UserId": user.account_id if user.is_root else user.unique_id,
        "Account": user.account_id,
        "Arn": user.arn,
    }


@operation("sts", "GetSessionToken", None)
def get_session_token(call: Call) -> dict:
    credential, secret, token = session_token_get(
        call.request,
        call.caller,
        duration=call.input.get("DurationSeconds"),
        serial=call.input.get("SerialNumber"),
        code=call.input.get("TokenCode"),
    )
    return {
        "Credentials": {
            "AccessKeyId": credential.access_key_id,
            "SecretAccessKey": secret,
            "SessionToken": token,
            "Expiration": credential.expires_at,
        }
    }
