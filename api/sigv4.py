"""Verifying AWS Signature Version 4 on the server, with botocore's own signer.

There is no maintained verifier library; moto recomputes the signature with botocore's
``SigV4Auth`` (``moto/iam/access_control.py``), and so does this, doing better where moto does
not check:

- the ``Authorization`` header is parsed strictly (``IncompleteSignature``);
- ``host`` must be signed, and exactly the headers the client names are signed (botocore's
  ``headers_to_sign`` would drop some and add ``host``: overridden);
- the request time must be within 5 minutes of ours (``RequestExpired``), and the credential
  scope's date must be that day (``SignatureDoesNotMatch``);
- the payload hash is of the raw body Django received, before anything parses it; an
  ``X-Amz-Content-SHA256`` header must equal it;
- the daily signing key (kDate → kRegion → kService → kSigning) is cached per key and day;
- the comparison is ``hmac.compare_digest``.

Which key, and whether the scope's region and service are right for the endpoint, the caller
(``api.auth``) decides.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

from .errors import ApiError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=5)

_AUTH_PART = re.compile(r"^\s*(Credential|SignedHeaders|Signature)=([^,\s]*)\s*$")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_SIGNATURE = re.compile(r"^[0-9a-f]{64}$")
_HEADER_NAME = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True)
class SignedRequest:
    """What ``Authorization`` says: who signed, in which scope, over which headers."""

    access_key_id: str
    date: str  # YYYYMMDD of the scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str) -> SignedRequest:
    """``AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=…,
    Signature=…``; ``IncompleteSignature`` for anything else."""
    algorithm, _space, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise ApiError(
            "IncompleteSignature",
            f"Unsupported AWS 'algorithm': '{algorithm[:40]}'. Use {ALGORITHM}.",
        )
    parts: dict[str, str] = {}
    for piece in rest.split(","):
        match = _AUTH_PART.match(piece)
        if not match or match.group(1) in parts:
            raise ApiError(
                "IncompleteSignature",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                "parameters, each once, separated by commas.",
            )
        parts[match.group(1)] = match.group(2)
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if name not in parts]
    if missing:
        raise ApiError(
            "IncompleteSignature",
            f"Authorization header requires '{missing[0]}' parameter.",
        )
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope[:4]):
        raise ApiError(
            "IncompleteSignature",
            "Credential should be scoped to a valid region, service and date: "
            "AKID/YYYYMMDD/region/service/aws4_request.",
        )
    signed = tuple(parts["SignedHeaders"].split(";"))
    if not all(_HEADER_NAME.match(name) for name in signed) or list(signed) != sorted(set(signed)):
        raise ApiError("IncompleteSignature", "SignedHeaders must be sorted lower-case names.")
    if "host" not in signed:
        raise ApiError("IncompleteSignature", "'Host' must be a signed header.")
    if not _SIGNATURE.match(parts["Signature"]):
        raise ApiError("IncompleteSignature", "Signature must be 64 lower-case hex digits.")
    return SignedRequest(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=signed,
        signature=parts["Signature"],
    )


def check_time(amz_date: str | None, signed: SignedRequest, now: datetime) -> None:
    """The request's ``X-Amz-Date`` is well formed, within ±5 minutes, and the scope's day."""
    if not amz_date:
        raise ApiError(
            "IncompleteSignature",
            "Authorization header requires existence of a 'X-Amz-Date' header.",
        )
    if not _AMZ_DATE.match(amz_date):
        raise ApiError(
            "IncompleteSignature", "X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z'."
        )
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise ApiError("IncompleteSignature", "X-Amz-Date is not a valid date.") from None
    if abs(now - when) > MAX_SKEW:
        raise ApiError(
            "RequestExpired",
            f"Request has expired. Signed at {amz_date}; the server's time is "
            f"{now:%Y%m%dT%H%M%SZ} (5 minutes of skew allowed).",
        )
    if signed.date != amz_date[:8]:
        raise ApiError(
            "SignatureDoesNotMatch",
            f"Credential should be scoped to a valid date: '{signed.date[:8]}' != "
            f"'{amz_date[:8]}'.",
        )


def _derive(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signing_key(cache_key: tuple, secret_getter, date: str, region: str, service: str) -> bytes:
    """The day's signing key, derived once per key, day, region and service.

    ``cache_key`` names the secret without holding it (the key id and its stored ciphertext);
    ``secret_getter`` decrypts it only when the key is not cached yet.
    """
    try:
        return _cached_keys[(cache_key, date, region, service)]
    except KeyError:
        pass
    key = _derive(secret_getter(), date, region, service)
    if len(_cached_keys) > 8192:
        _cached_keys.clear()
    _cached_keys[(cache_key, date, region, service)] = key
    return key


_cached_keys: dict[tuple, bytes] = {}


class _Verifier(SigV4Auth):
    """botocore's canonical request and string to sign, over exactly the signed headers."""

    def __init__(self, signed: SignedRequest, key: bytes):
        super().__init__(Credentials(signed.access_key_id, "-"), signed.service, signed.region)
        self._signed = signed
        self._key = key

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name in self._signed.signed_headers:
            if name in request.headers:
                headers[name] = request.headers[name]
        return headers

    def signature(self, string_to_sign, request):
        return hmac.new(self._key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(
    signed: SignedRequest,
    *,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    amz_date: str,
    key: bytes,
) -> bool:
    """Whether ``signed.signature`` is the signature of this request under ``key``."""
    content_sha = headers.get("x-amz-content-sha256")
    if content_sha is not None and not hmac.compare_digest(
        content_sha, hashlib.sha256(body).hexdigest()
    ):
        return False  # a claimed payload hash must be the real one (UNSIGNED-PAYLOAD included)
    url = path + ("?" + query if query else "")
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    request.context["timestamp"] = amz_date
    verifier = _Verifier(signed, key)
    canonical = verifier.canonical_request(request)
    expected = verifier.signature(verifier.string_to_sign(request, canonical), request)
    return hmac.compare_digest(expected, signed.signature)
