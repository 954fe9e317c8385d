"""api.sigv4 on its own: constant-time comparisons, the daily signing key derived once, the
clock's edges. No server, no database."""

import dataclasses
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from api import sigv4
from api.errors import ApiError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
BODY = b"Action=ListUsers&Version=2010-05-08"


def _signed(headers=None):
    request = AWSRequest(
        method="POST",
        url="http://localhost:8000/iam/",
        data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
    )
    SigV4Auth(Credentials("AKIAIOSFODNN7EXAMPLE", SECRET), "iam", "us-east-1").add_auth(request)
    parsed = sigv4.parse_authorization(request.headers["Authorization"])
    sent = {name: request.headers.get(name) for name in parsed.signed_headers if name != "host"}
    sent["host"] = "localhost:8000"
    return parsed, sent, request.headers["X-Amz-Date"]


def _verify(parsed, headers, amz_date, body=BODY):
    key = sigv4._derive(SECRET, parsed.date, parsed.region, parsed.service)
    return sigv4.verify(
        parsed,
        method="POST",
        path="/iam/",
        query="",
        headers=headers,
        body=body,
        amz_date=amz_date,
        key=key,
    )


@pytest.fixture
def comparisons(monkeypatch):
    """Every ``hmac.compare_digest`` call, recorded (and still made)."""
    calls = []
    real = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(sigv4.hmac, "compare_digest", recording)
    return calls


def test_signatures_are_compared_in_constant_time(comparisons):
    parsed, headers, amz_date = _signed()
    assert _verify(parsed, headers, amz_date)
    assert comparisons == [(parsed.signature, parsed.signature)]

    comparisons.clear()
    wrong = dataclasses.replace(parsed, signature="0" * 64)
    assert not _verify(wrong, headers, amz_date)
    assert comparisons == [(parsed.signature, "0" * 64)]


def test_the_payload_hash_is_compared_in_constant_time(comparisons):
    claimed = hashlib.sha256(BODY).hexdigest()
    parsed, headers, amz_date = _signed({"X-Amz-Content-SHA256": claimed})
    assert "x-amz-content-sha256" in parsed.signed_headers
    assert _verify(parsed, headers, amz_date)
    assert comparisons[0] == (claimed, claimed)
    comparisons.clear()
    assert not _verify(parsed, headers, amz_date, body=BODY + b"&MaxItems=1")
    assert comparisons == [(claimed, hashlib.sha256(BODY + b"&MaxItems=1").hexdigest())]


def test_the_signing_key_is_derived_once_a_day(monkeypatch):
    monkeypatch.setattr(sigv4, "_cached_keys", {})
    derived, decrypted = [], []
    real = sigv4._derive
    monkeypatch.setattr(sigv4, "_derive", lambda *args: derived.append(args[1:]) or real(*args))

    def secret():
        decrypted.append(1)
        return SECRET

    def key(cache_key=("AKID", "ciphertext"), date="20250101", region="us-east-1"):
        return sigv4.signing_key(cache_key, secret, date, region, "iam")

    first = key()
    assert key() == first == real(SECRET, "20250101", "us-east-1", "iam")
    assert derived == [("20250101", "us-east-1", "iam")] and len(decrypted) == 1
    assert key(date="20250102") != first  # the next day: a key of its own
    key(region="eu-west-1")
    key(cache_key=("AKID", "rotated"))  # the stored secret changed: never the old key
    assert len(derived) == len(decrypted) == 4
    key(date="20250102")
    assert len(derived) == 4


def test_the_clock_allows_five_minutes_either_way():
    parsed, _headers, _amz_date = _signed()
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    parsed = dataclasses.replace(parsed, date="20250101")
    for skew in (timedelta(minutes=5), timedelta(minutes=-5), timedelta(0)):
        sigv4.check_time(f"{now + skew:%Y%m%dT%H%M%SZ}", parsed, now)
    for skew in (timedelta(minutes=5, seconds=1), timedelta(minutes=-5, seconds=-1)):
        with pytest.raises(ApiError) as raised:
            sigv4.check_time(f"{now + skew:%Y%m%dT%H%M%SZ}", parsed, now)
        assert raised.value.code == "RequestExpired"
    near_midnight = datetime(2025, 1, 1, 23, 58, tzinfo=UTC)
    with pytest.raises(ApiError) as raised:  # signed the next day, scoped to this one
        sigv4.check_time("20250102T000100Z", parsed, near_midnight)
    assert raised.value.code == "SignatureDoesNotMatch"
