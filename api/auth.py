"""Who signed a request: the key named in ``Authorization``, checked, and the principal behind it.

The order matters for what an attacker learns and what they can repeat: the header's form and
the request's time first (no lookup), then the per-key-and-address limit on failed signatures
(before any work), then the key, then the signature.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

import botocore.loaders
from django.utils import timezone

from identity import audit, authorization, generation, ratelimit
from identity.audit_events import Event
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as credential_services
from identity.credentials.models import AccessKey, SessionCredential, Status
from identity.models import Account, User
from identity.policies import loading
from identity.requestinfo import client_ip

from . import sigv4
from .errors import ApiError

_KEY_ID = re.compile(r"^[A-Z0-9]{4,128}$")
INVALID_TOKEN = "The security token included in the request is invalid."
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore knows, and IAM's ``aws-global``."""
    endpoints = botocore.loaders.create_loader().load_data("endpoints")
    regions = {"aws-global"}
    for partition in endpoints["partitions"]:
        regions.update(partition["regions"])
        for service in partition.get("services", {}).values():
            regions.update(service.get("endpoints", {}))
    return frozenset(r for r in regions if re.fullmatch(r"[a-z0-9-]{1,32}", r))


@dataclass
class Caller:
    """The principal of a verified request, and how it signed."""

    user: User
    account: Account
    access_key_id: str
    region: str
    key: AccessKey | None = None  # long-term credentials
    session: SessionCredential | None = None  # temporary credentials

    @property
    def mfa_authenticated_at(self) -> datetime | None:
        return self.session.mfa_authenticated_at if self.session is not None else None

    def condition_values(self, request) -> dict[str, object]:
        """The global condition keys of this request, as AWS sets them for these credentials."""
        now = timezone.now()
        user = self.user
        values: dict[str, object] = {
            "aws:PrincipalAccount": user.account_id,
            "aws:PrincipalArn": user.arn,
            "aws:userid": user.account_id if user.is_root else user.unique_id,
            "aws:PrincipalType": "Account" if user.is_root else "User",
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": int(now.timestamp()),
            "aws:SecureTransport": request.is_secure(),
            "aws:SourceIp": client_ip(request),
            "aws:RequestedRegion": self.region,
            "aws:ViaAWSService": False,
        }
        if not user.is_root:
            values["aws:username"] = user.name
        if self.session is not None:
            # Long-term keys carry no aws:MultiFactorAuthPresent at all (AWS leaves it out), so
            # BoolIfExists … "false" denies them; session credentials say true or false.
            mfa_at = self.session.mfa_authenticated_at
            values["aws:MultiFactorAuthPresent"] = mfa_at is not None
            values["aws:TokenIssueTime"] = self.session.created.strftime("%Y-%m-%dT%H:%M:%SZ")
            if mfa_at is not None:
                values["aws:MultiFactorAuthAge"] = int((now - mfa_at).total_seconds())
        return values


def _headers(request, signed: sigv4.SignedRequest) -> dict[str, str]:
    """The signed headers as the client sent them (``Host`` with its port, raw values)."""
    headers = {}
    for name in signed.signed_headers:
        if name == "content-type":
            value = request.META.get("CONTENT_TYPE")
        elif name == "content-length":
            value = request.META.get("CONTENT_LENGTH")
        else:
            value = request.META.get("HTTP_" + name.upper().replace("-", "_"))
        if value is not None:
            headers[name] = value
    return headers


def _refuse_signature(request, access_key_id: str, account_id: str = "") -> ApiError:
    """Count a failed signature; past the limit, ``Throttling``."""
    attempt = ratelimit.attempt(
        "api_signature_failed", request=request, user_key=_limit_key(request, access_key_id)
    )
    if attempt.just_tripped:
        audit.record(
            Event.SIGNATURE_FAILURE,
            request=request,
            actor=None,
            account_id=account_id,
            request_parameters={"accessKeyId": access_key_id},
            error_code="Throttling",
            error_message="Too many failed signatures from this address for this key.",
        )
    if not attempt.allowed:
        return ApiError("Throttling", "Rate exceeded")
    return ApiError("SignatureDoesNotMatch", BAD_SIGNATURE)


def _limit_key(request, access_key_id: str) -> str:
    return f"{access_key_id}|{client_ip(request) or 'unknown'}"


def authenticate(request, *, service: str | None, body: bytes) -> tuple[Caller, str]:
    """The caller of a signed request, and the service its scope names.

    ``service`` is what the endpoint serves (``iam``, ``sts``), or None on the conformance
    mount, which serves whichever the scope names.
    """
    header = request.META.get("HTTP_AUTHORIZATION")
    if not header:
        if "X-Amz-Signature" in request.META.get("QUERY_STRING", ""):
            raise ApiError(
                "IncompleteSignature", "Presigned requests are not supported; sign the header."
            )
        raise ApiError("MissingAuthenticationToken", "Request is missing Authentication Token")
    signed = sigv4.parse_authorization(header)
    if service is not None and signed.service != service:
        raise ApiError(
            "SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{service}'."
        )
    if signed.service not in ("iam", "sts"):
        raise ApiError("SignatureDoesNotMatch", "Credential should be scoped to a valid service.")
    if signed.region not in known_regions():
        raise ApiError(
            "SignatureDoesNotMatch",
            f"Credential should be scoped to a valid region, not '{signed.region[:40]}'.",
        )
    amz_date = request.META.get("HTTP_X_AMZ_DATE")
    sigv4.check_time(amz_date, signed, timezone.now())
    akid = signed.access_key_id
    # The generation comes in the same round trip as the limit, and before anything is looked
    # up: what is loaded after it can only be newer than it (identity.generation).
    limited, read = ratelimit.exceeded_reading(
        "api_signature_failed",
        request=request,
        user_key=_limit_key(request, akid),
        also=(generation.KEY,),
    )
    if limited:
        raise ApiError("Throttling", "Rate exceeded")
    if not _KEY_ID.match(akid):
        raise ApiError("InvalidClientTokenId", INVALID_TOKEN)
    current = generation.current(read)
    found = _signing_key(akid, current)
    caller = _caller(request, found, signed)
    if caller is None:
        refusal = _refuse_signature(request, akid)  # unknown keys count too: no free guessing
        if refusal.code == "Throttling":
            raise refusal
        raise ApiError("InvalidClientTokenId", INVALID_TOKEN)
    key = sigv4.signing_key(
        (akid, found.secret_encrypted),
        lambda: found.secret,
        signed.date,
        signed.region,
        signed.service,
    )
    if not sigv4.verify(
        signed,
        method=request.method,
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        headers=_headers(request, signed),
        body=body,
        amz_date=amz_date,
        key=key,
    ):
        raise _refuse_signature(request, akid, caller.account.id)
    if caller.key is not None:
        credential_services.access_key_mark_used(
            caller.key, service=signed.service, region=signed.region
        )
    authorization.load_policies_with(
        caller.user,
        lambda user: _POLICIES.get_or_load(
            user.pk, current, lambda: loading.principal_policies(user)
        ),
    )
    return caller, signed.service


# What this process looked up, trusted while the generation is the one read before loading it.
_KEYS = generation.ProcessCache()
_POLICIES = generation.ProcessCache()


def _signing_key(access_key_id: str, current: str | None):
    """The key ``access_key_id`` names, as ``signing_key_lookup`` finds it: from this process's
    cache when it was loaded under the ``current`` generation. Each call gets its own copies of
    the key, its user, account and organization (a request sets attributes on them), never the
    cached ones. Unknown ids are not cached: nobody fills the cache by guessing."""
    found = _KEYS.get(access_key_id, current)
    if found is None:
        found = credential_selectors.signing_key_lookup(access_key_id)
        if found is None:
            return None
        _KEYS.put(access_key_id, current, found)
    return _copied(found)


def _copied(found):
    found = copy.copy(found)
    user = found.user = copy.copy(found.user)
    account = user.account = copy.copy(user.account)
    account.organization = copy.copy(account.organization)
    if isinstance(found, SessionCredential):
        found.parent = copy.copy(found.parent)
    return found


def _caller(request, found, signed: sigv4.SignedRequest) -> Caller | None:
    if found is None or not found.user.is_active:
        return None
    token = request.META.get("HTTP_X_AMZ_SECURITY_TOKEN")
    if isinstance(found, AccessKey):
        if found.status != Status.ACTIVE or token is not None:
            return None
        return Caller(found.user, found.user.account, found.access_key_id, signed.region, key=found)
    # Session credentials: the token, signed, and the key they were minted with still active.
    if token is None or "x-amz-security-token" not in signed.signed_headers:
        return None
    if not hmac.compare_digest(hashlib.sha256(token.encode()).hexdigest(), found.token_sha256):
        return None
    if found.parent.status != Status.ACTIVE:
        return None
    if found.expires_at <= timezone.now():
        raise ApiError("ExpiredToken", "The security token included in the request is expired")
    return Caller(found.user, found.user.account, found.access_key_id, signed.region, session=found)
