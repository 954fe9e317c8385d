"""SigV4 on the wire: requests signed by botocore, then tampered with, sent to a live server.

Every refusal is AWS's ``ErrorResponse`` that botocore parses, with the status AWS gives, and
never a 500.
"""

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from identity.credentials import services as credential_services
from identity.credentials.models import AccessKey, SessionCredential, Status
from identity.models import AuditEvent, User
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)

LIST_USERS = aws.form("iam", "ListUsers")
WHO_AM_I = aws.form("sts", "GetCallerIdentity")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _signed(iam_url, keys, body=LIST_USERS, **kwargs) -> aws.Signed:
    return aws.sign(iam_url, *keys, service="iam", body=body, **kwargs)


def _ok(response) -> None:
    assert response.status_code == 200, response.content[:500]
    assert response.headers["x-amzn-RequestId"]


def _edit(signed: aws.Signed, old: str, new: str) -> aws.Signed:
    assert old in signed.authorization
    edited = signed.replace()
    edited.headers["Authorization"] = signed.authorization.replace(old, new, 1)
    return edited


# --- What is signed ------------------------------------------------------------------------


def test_what_was_signed_cannot_change(iam_url, sts_url, admin_keys):
    # Signed by botocore: accepted, POST and GET.
    _ok(aws.send(_signed(iam_url, admin_keys)))
    response = aws.send(aws.sign(sts_url, *admin_keys, service="sts", body=WHO_AM_I))
    _ok(response)
    assert b"<Arn>arn:aws:iam::" in response.content
    # The query protocol's GET, parameters in the query string, signed too.
    url = iam_url + "?" + LIST_USERS.decode()
    _ok(aws.send(aws.sign(url, *admin_keys, service="iam", method="GET")))

    # Then changed: refused.
    key_id, secret = admin_keys
    wrong_secret = _signed(iam_url, (key_id, secret[:-1] + ("A" if secret[-1] != "A" else "B")))
    aws.refused(aws.send(wrong_secret), 403, "SignatureDoesNotMatch")

    signed = _signed(iam_url, admin_keys)
    other_body = signed.replace(body=aws.form("iam", "ListUsers", MaxItems="1"))
    aws.refused(aws.send(other_body), 403, "SignatureDoesNotMatch")
    other_query = signed.replace(url=iam_url + "?MaxItems=1")
    aws.refused(aws.send(other_query), 403, "SignatureDoesNotMatch")
    other_method = signed.replace(method="PUT")  # refused before the signature: no POST or GET
    aws.refused(aws.send(other_method), 405, "InvalidAction")

    url = iam_url + "?" + LIST_USERS.decode()
    get = aws.sign(url, *admin_keys, service="iam", method="GET")
    aws.refused(aws.send(get.replace(url=url + "&MaxItems=1")), 403, "SignatureDoesNotMatch")
    aws.refused(
        aws.send(get.replace(url=url.replace("ListUsers", "ListGroups"))),
        403,
        "SignatureDoesNotMatch",
    )
    _ok(aws.send(get))  # the same request untouched

    # X-Amz-Content-SHA256 must be the body's hash.
    def with_hash(value):
        return _signed(iam_url, admin_keys, headers={"X-Amz-Content-SHA256": value})

    # botocore signs the header's value as the payload hash: these signatures are right, the
    # claims are not.
    lie = hashlib.sha256(b"Action=DeleteUser").hexdigest()
    aws.refused(aws.send(with_hash(lie)), 403, "SignatureDoesNotMatch")
    aws.refused(aws.send(with_hash("UNSIGNED-PAYLOAD")), 403, "SignatureDoesNotMatch")
    aws.refused(aws.send(with_hash(lie.upper())), 403, "SignatureDoesNotMatch")
    _ok(aws.send(with_hash(hashlib.sha256(LIST_USERS).hexdigest())))


def test_the_time_and_the_scope(iam_url, sts_url, admin_keys):
    # Within five minutes of the server's clock.
    for skew in (timedelta(minutes=-6), timedelta(minutes=6), timedelta(days=-1)):
        old = _signed(iam_url, admin_keys, at=_now() + skew)
        error = aws.refused(aws.send(old), 400, "RequestExpired")
        assert "expired" in error["Message"]
    _ok(aws.send(_signed(iam_url, admin_keys, at=_now() - timedelta(minutes=4))))
    _ok(aws.send(_signed(iam_url, admin_keys, at=_now() + timedelta(minutes=4))))

    # The scope: a region botocore knows, the endpoint's service, X-Amz-Date's day.
    fake_region = _signed(iam_url, admin_keys, region="xx-fake-9")
    error = aws.refused(aws.send(fake_region), 403, "SignatureDoesNotMatch")
    assert "valid region" in error["Message"]
    sts_scoped = aws.sign(iam_url, *admin_keys, service="sts", body=LIST_USERS)
    error = aws.refused(aws.send(sts_scoped), 403, "SignatureDoesNotMatch")
    assert error["Message"] == "Credential should be scoped to correct service: 'iam'."
    iam_scoped = aws.sign(sts_url, *admin_keys, service="iam", body=WHO_AM_I)
    error = aws.refused(aws.send(iam_scoped), 403, "SignatureDoesNotMatch")
    assert error["Message"] == "Credential should be scoped to correct service: 'sts'."
    s3_scoped = aws.sign(iam_url, *admin_keys, service="s3", body=LIST_USERS)
    aws.refused(aws.send(s3_scoped), 403, "SignatureDoesNotMatch")

    # The scope's day differs from X-Amz-Date's: botocore cannot sign that, so edit the header.
    signed = _signed(iam_url, admin_keys)
    day = signed.headers["X-Amz-Date"][:8]
    yesterday = (datetime.strptime(day, "%Y%m%d") - timedelta(days=1)).strftime("%Y%m%d")
    edited = signed.replace()
    edited.headers["Authorization"] = signed.authorization.replace(f"/{day}/", f"/{yesterday}/")
    error = aws.refused(aws.send(edited), 403, "SignatureDoesNotMatch")
    assert "valid date" in error["Message"]  # refused for the day, before any signature
    # Any other region botocore knows is fine (the scope is the client's, as at AWS).
    _ok(aws.send(_signed(iam_url, admin_keys, region="eu-west-3")))


def test_malformed_missing_and_presigned_authorization(iam_url, admin_keys):
    signed = _signed(iam_url, admin_keys)
    header = signed.authorization
    credential = header.split("Credential=")[1].split(",")[0]
    signed_headers = header.split("SignedHeaders=")[1].split(",")[0]
    signature = header.split("Signature=")[1]
    assert signed_headers == "content-type;host;x-amz-date"

    def with_header(value):
        edited = signed.replace()
        edited.headers["Authorization"] = value
        return edited

    variants = {
        "host not signed": _edit(signed, "content-type;host;x-amz-date", "content-type;x-amz-date"),
        "no Credential": _edit(signed, f"Credential={credential}, ", ""),
        "no SignedHeaders": _edit(signed, f"SignedHeaders={signed_headers}, ", ""),
        "no Signature": _edit(signed, f", Signature={signature}", ""),
        "Signature twice": with_header(f"{header}, Signature={signature}"),
        "Credential twice": _edit(
            signed, "SignedHeaders=", f"Credential={credential}, SignedHeaders="
        ),
        "scope of 4 parts": _edit(signed, "/us-east-1/iam/", "/us-east-1/"),
        "scope of 6 parts": _edit(signed, "/iam/", "/iam/extra/"),
        "scope not aws4_request": _edit(signed, "/aws4_request", "/aws5_request"),
        "empty scope part": _edit(signed, "/us-east-1/", "//"),
        "non-hex signature": _edit(signed, signature, "g" * 64),
        "upper-case signature": _edit(signed, signature, signature.upper()),
        "short signature": _edit(signed, signature, signature[:63]),
        "unknown algorithm": _edit(signed, "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
        "SigV2-style header": with_header(f"AWS {admin_keys[0]}:c2lnbmF0dXJl"),
        "algorithm alone": with_header("AWS4-HMAC-SHA256"),
        "unsorted SignedHeaders": _edit(signed, signed_headers, "host;content-type;x-amz-date"),
        "upper-case SignedHeaders": _edit(signed, signed_headers, "content-type;Host;x-amz-date"),
        "SignedHeaders twice the same": _edit(signed, signed_headers, "content-type;host;host"),
        "unknown part": with_header(f"{header}, Foo=bar"),
        "no commas": with_header(header.replace(", ", " ")),
    }
    for name, request in variants.items():
        response = aws.send(request)
        assert response.status_code == 400, (name, response.content[:300])
        aws.refused(response, 400, "IncompleteSignature")

    no_date = signed.replace()
    del no_date.headers["X-Amz-Date"]
    aws.refused(aws.send(no_date), 400, "IncompleteSignature")
    bad_date = signed.replace()
    bad_date.headers["X-Amz-Date"] = signed.headers["X-Amz-Date"][:8] + "T256161Z"
    aws.refused(aws.send(bad_date), 400, "IncompleteSignature")

    # A valid signature that leaves Host out.
    without_host = _signed(iam_url, admin_keys, unsigned=("host",))
    assert "SignedHeaders=content-type;x-amz-date," in without_host.authorization
    aws.refused(aws.send(without_host), 400, "IncompleteSignature")

    # No Authorization at all; a presigned URL.
    unsigned = aws.Signed("POST", iam_url, {"Content-Type": aws.FORM}, LIST_USERS)
    aws.refused(aws.send(unsigned), 403, "MissingAuthenticationToken")
    empty = aws.Signed("POST", iam_url, {"Content-Type": aws.FORM, "Authorization": ""}, b"")
    aws.refused(aws.send(empty), 403, "MissingAuthenticationToken")

    request = AWSRequest(method="GET", url=iam_url + "?" + LIST_USERS.decode())
    SigV4QueryAuth(Credentials(*admin_keys), "iam", "us-east-1", expires=300).add_auth(request)
    assert "X-Amz-Signature=" in request.url
    presigned = aws.Signed("GET", request.url, {}, b"")
    aws.refused(aws.send(presigned), 400, "IncompleteSignature")


# --- Which keys sign ------------------------------------------------------------------------


@pytest.fixture
def session(live_server, admin):
    """Session credentials of the management root, from STS GetSessionToken:
    ``(key id, secret, token)``."""
    _iam, sts = admin
    credentials = sts.get_session_token(DurationSeconds=900)["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]


def test_keys_that_cannot_sign(iam_url, management_root, admin_keys, make_iam_user):
    # A long-term key with a session token (while the key is still active).
    with_token = _signed(iam_url, admin_keys, token="not-a-session")
    assert "x-amz-security-token" in with_token.authorization
    aws.refused(aws.send(with_token), 403, "InvalidClientTokenId")

    # Inactive, deleted, unknown.
    inactive = aws.access_key(management_root)
    AccessKey.objects.filter(access_key_id=inactive[0]).update(status=Status.INACTIVE)
    error = aws.refused(aws.send(_signed(iam_url, inactive)), 403, "InvalidClientTokenId")
    assert error["Message"] == "The security token included in the request is invalid."

    key = AccessKey.objects.get(access_key_id=admin_keys[0])
    credential_services.access_key_delete(actor=management_root, key=key)
    aws.refused(aws.send(_signed(iam_url, admin_keys)), 403, "InvalidClientTokenId")

    unknown = ("AKIA" + "Q" * 16, "x" * 40)
    aws.refused(aws.send(_signed(iam_url, unknown)), 403, "InvalidClientTokenId")
    lower_case = ("akia" + "q" * 16, "x" * 40)
    aws.refused(aws.send(_signed(iam_url, lower_case)), 403, "InvalidClientTokenId")
    # An active key of a user who is not.
    idle = make_iam_user(name="idle", password=None, self_service=False)
    idle_key = aws.access_key(idle)
    _ok(aws.send(_signed(iam_url, idle_key, body=aws.form("iam", "GetUser"))))
    User.objects.filter(pk=idle.pk).update(is_active=False)
    aws.refused(aws.send(_signed(iam_url, idle_key)), 403, "InvalidClientTokenId")


def test_session_credentials(iam_url, session, admin_keys, management_root):
    # Their token, signed.
    key_id, secret, token = session
    _ok(aws.send(_signed(iam_url, (key_id, secret), token=token)))

    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    aws.refused(
        aws.send(_signed(iam_url, (key_id, secret), token=wrong)), 403, "InvalidClientTokenId"
    )
    aws.refused(aws.send(_signed(iam_url, (key_id, secret))), 403, "InvalidClientTokenId")
    unsigned_token = _signed(
        iam_url, (key_id, secret), token=token, unsigned=("x-amz-security-token",)
    )
    assert "x-amz-security-token" not in unsigned_token.authorization
    assert unsigned_token.headers["X-Amz-Security-Token"] == token
    aws.refused(aws.send(unsigned_token), 403, "InvalidClientTokenId")
    wrong_secret = _signed(iam_url, (key_id, secret[::-1]), token=token)
    aws.refused(aws.send(wrong_secret), 403, "SignatureDoesNotMatch")

    # Expired; their parent key deactivated, then deleted.
    SessionCredential.objects.filter(access_key_id=key_id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    error = aws.refused(
        aws.send(_signed(iam_url, (key_id, secret), token=token)), 400, "ExpiredToken"
    )
    assert "expired" in error["Message"]

    SessionCredential.objects.filter(access_key_id=key_id).update(
        expires_at=datetime.now(UTC) + timedelta(minutes=10)
    )
    _ok(aws.send(_signed(iam_url, (key_id, secret), token=token)))
    parent = AccessKey.objects.get(access_key_id=admin_keys[0])
    credential_services.access_key_status_set(
        actor=management_root, key=parent, status=Status.INACTIVE
    )
    aws.refused(
        aws.send(_signed(iam_url, (key_id, secret), token=token)), 403, "InvalidClientTokenId"
    )
    credential_services.access_key_status_set(
        actor=management_root, key=parent, status=Status.ACTIVE
    )
    # Deactivating ended the session for good: reactivating the key does not bring it back.
    aws.refused(
        aws.send(_signed(iam_url, (key_id, secret), token=token)), 403, "InvalidClientTokenId"
    )
    credential_services.access_key_delete(actor=management_root, key=parent)
    aws.refused(
        aws.send(_signed(iam_url, (key_id, secret), token=token)), 403, "InvalidClientTokenId"
    )


# --- Hostile requests: a clean AWS error, never a 500 ----------------------------------------


def test_hostile_requests(iam_url, admin_keys, live_server):
    noise = os.urandom(1024 * 1024)
    signed_noise = aws.send(_signed(iam_url, admin_keys, body=noise))
    aws.refused(signed_noise, 404, "MalformedQueryString")
    unsigned = aws.Signed("POST", iam_url, {"Content-Type": aws.FORM}, noise)
    aws.refused(aws.send(unsigned), 403, "MissingAuthenticationToken")
    unsigned_payload = _signed(
        iam_url, admin_keys, body=noise, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    )
    aws.refused(aws.send(unsigned_payload), 403, "SignatureDoesNotMatch")
    bad_signature = _edit(_signed(iam_url, admin_keys, body=noise), "Signature=", "Signature=0")
    bad_signature.headers["Authorization"] = bad_signature.authorization[:-1]
    aws.refused(aws.send(bad_signature), 403, "SignatureDoesNotMatch")

    nul_escaped = LIST_USERS + b"&PathPrefix=%2Fa%00b%2F"
    aws.refused(
        aws.send(_signed(iam_url, admin_keys, body=nul_escaped)), 400, "InvalidParameterValue"
    )
    nul_raw = LIST_USERS + b"&PathPrefix=/a\x00b/"
    aws.refused(aws.send(_signed(iam_url, admin_keys, body=nul_raw)), 400, "InvalidParameterValue")
    nul_name = LIST_USERS + b"&Path%00Prefix=%2F"
    aws.refused(aws.send(_signed(iam_url, admin_keys, body=nul_name)), 400, "InvalidParameterValue")

    bad_utf8 = LIST_USERS + b"&PathPrefix=/\xff\xfe/"
    aws.refused(aws.send(_signed(iam_url, admin_keys, body=bad_utf8)), 404, "MalformedQueryString")
    escaped_bad_utf8 = LIST_USERS + b"&PathPrefix=%2F%FF%FE%2F"
    response = aws.send(_signed(iam_url, admin_keys, body=escaped_bad_utf8))
    error = aws.refused(response, 400, "ValidationError")  # U+FFFD twice: not PathPrefix's pattern
    assert "at 'pathPrefix'" in error["Message"]

    many = LIST_USERS + b"".join(b"&P%d=%d" % (i, i) for i in range(10_000))
    aws.refused(aws.send(_signed(iam_url, admin_keys, body=many)), 404, "MalformedQueryString")
    too_large = noise * 3  # past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): refused before reading
    aws.refused(aws.send(_signed(iam_url, admin_keys, body=too_large)), 413, "ValidationError")

    # Host with another port than the one signed.
    signed = _signed(iam_url, admin_keys)
    host = live_server.url.split("//")[1]
    name, port = host.rsplit(":", 1)
    other_port = signed.replace()
    other_port.headers["Host"] = f"{name}:{int(port) + 1}"
    aws.refused(aws.send(other_port), 403, "SignatureDoesNotMatch")
    no_port = signed.replace()
    no_port.headers["Host"] = name
    aws.refused(aws.send(no_port), 403, "SignatureDoesNotMatch")


# --- Failed signatures are limited per key and address ----------------------------------------


@pytest.fixture
def limits_on(settings, time_machine):
    """Rate limits on (10 failed signatures a minute for one key from one address), at the start
    of a minute: the limits count in fixed one-minute windows."""
    settings.RATELIMIT_ENABLED = True
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    time_machine.move_to(start, tick=True)


def test_failed_signatures_are_throttled_per_key_and_address(
    limits_on, iam_url, admin_keys, management_root
):
    key_id, secret = admin_keys
    wrong_secret = "w" * 40
    signatures = []
    for attempt in range(1, 13):
        signed = _signed(iam_url, (key_id, wrong_secret))
        signatures.append(signed.authorization.rsplit("Signature=", 1)[1])
        code = "SignatureDoesNotMatch" if attempt <= 10 else "Throttling"
        status = 403 if attempt <= 10 else 400
        aws.refused(aws.send(signed), status, code)
    # The right signature for that key from that address waits too; another key does not.
    error = aws.refused(aws.send(_signed(iam_url, admin_keys)), 400, "Throttling")
    assert error["Message"] == "Rate exceeded"
    _ok(aws.send(_signed(iam_url, aws.access_key(management_root))))

    event = AuditEvent.objects.get(event_name="SignatureDoesNotMatch")  # once, when it tripped
    assert event.request_parameters == {"accessKeyId": key_id}
    assert event.error_code == "Throttling"
    assert event.recipient_account_id == management_root.account_id
    assert event.source_ip_address == "127.0.0.1"
    trail = json.dumps(
        [
            [e.user_identity, e.request_parameters, e.response_elements]
            + [e.additional_event_data, e.error_message, e.user_agent]
            for e in AuditEvent.objects.all()
        ]
    )
    for secret_value in [secret, wrong_secret, *signatures]:
        assert secret_value not in trail

    # Guessing key ids is not free: an unknown id's 11th try is throttled alike.
    unknown = ("AKIA" + "Z" * 16, "w" * 40)
    for _attempt in range(10):
        aws.refused(aws.send(_signed(iam_url, unknown)), 403, "InvalidClientTokenId")
    for _attempt in range(2):
        aws.refused(aws.send(_signed(iam_url, unknown)), 400, "Throttling")
    event = AuditEvent.objects.get(
        event_name="SignatureDoesNotMatch", request_parameters__accessKeyId=unknown[0]
    )
    assert event.recipient_account_id == ""
