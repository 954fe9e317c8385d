"""Each error path of the dispatcher: botocore raises ``ClientError`` with AWS's code and the
HTTP status the service model gives it, and every response carries ``x-amzn-RequestId``, the
same as its XML's ``RequestId``."""

import base64
import json

import pytest
from botocore.exceptions import ClientError

from identity.policies import services as policies
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)

DENY_LIST_USERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"},
        ],
    }
)


def _model_status(client, code: str) -> int:
    for shape in client.meta.service_model.error_shapes:
        error = shape.metadata.get("error", {})
        if error.get("code", shape.name) == code:
            return error["httpStatusCode"]
    raise AssertionError(f"{code} is not an error of {client.meta.service_model.service_name}")


def _same_request_id(metadata: dict) -> None:
    header = metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert header and metadata["RequestId"] == header, metadata


def _fails(call, code: str, status: int) -> dict:
    """``call()`` raises botocore's ``ClientError`` with ``code`` and ``status``."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    assert response["Error"]["Code"] == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
    _same_request_id(response["ResponseMetadata"])
    return response["Error"]


@pytest.fixture
def unvalidated(live_server, admin_keys):
    """An IAM client that sends what botocore's own validation would refuse."""
    return aws.client(live_server.url, "iam", *admin_keys, config=aws.UNVALIDATED)


def test_the_dispatchers_own_errors(iam_url, sts_url, live_server, admin, admin_keys):
    def send(url, body, service="iam"):
        return aws.send(aws.sign(url, *admin_keys, service=service, body=body))

    version = aws.VERSIONS["iam"]
    aws.refused(send(iam_url, f"Action=Nope&Version={version}".encode()), 400, "InvalidAction")
    aws.refused(send(iam_url, f"Version={version}".encode()), 400, "InvalidAction")
    aws.refused(send(iam_url, b""), 400, "InvalidAction")
    # IAM's operation at STS's endpoint, and the other way round.
    aws.refused(send(sts_url, aws.form("sts", "ListUsers"), "sts"), 400, "InvalidAction")
    aws.refused(send(iam_url, aws.form("iam", "GetCallerIdentity")), 400, "InvalidAction")
    body = f"Action=%3C%2FMessage%3E%26&Version={version}".encode()
    error = aws.refused(send(iam_url, body), 400, "InvalidAction")
    assert error["Message"] == f"Could not find operation </Message>& for version {version}"

    aws.refused(send(iam_url, b"Action=ListUsers"), 400, "MissingParameter")
    aws.refused(send(iam_url, b"Action=ListUsers&Version=2011-06-15"), 400, "InvalidParameterValue")
    aws.refused(
        send(sts_url, b"Action=GetCallerIdentity&Version=2010-05-08", "sts"),
        400,
        "InvalidParameterValue",
    )

    # What the client sends comes back as well-formed XML. XML 1.0 has no control characters
    # (but tab, newline, return), nor U+FFFE and U+FFFF, even escaped: botocore's parser
    # refuses a document that holds one.
    iam, _sts = admin
    for action in ("%01%02%1B", "%EF%BF%BE", "%7F%C2%80"):
        body = f"Action={action}&Version={aws.VERSIONS['iam']}".encode()
        aws.refused(send(iam_url, body), 400, "InvalidAction")
    aws.refused(
        send(iam_url, aws.form("iam", "CreateUser", UserName="a\x01b")), 400, "ValidationError"
    )
    # Stored, then read back.
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
        }
    )
    arn = iam.create_policy(PolicyName="p", PolicyDocument=document, Description="a\x01b\x1f")[
        "Policy"
    ]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Description"] == "a\ufffdb\ufffd"
    # In the signature's header too.
    signed = aws.sign(iam_url, *admin_keys, service="iam", body=aws.form("iam", "ListUsers"))
    signed.headers["Authorization"] = "\x01" + signed.authorization
    aws.refused(aws.send(signed), 400, "IncompleteSignature")

    # Every response has its x-amzn-RequestId, the XML's RequestId.
    seen = set()
    for result in (admin[1].get_caller_identity(), iam.list_users(), iam.get_account_summary()):
        _same_request_id(result["ResponseMetadata"])
        seen.add(result["ResponseMetadata"]["RequestId"])
    for response in (
        aws.send(aws.Signed("POST", f"{live_server.url}/iam/", {}, b"")),
        aws.send(aws.Signed("GET", f"{live_server.url}/sts", {}, b"")),
        aws.send(aws.Signed("DELETE", f"{live_server.url}/iam/", {}, b"")),
    ):
        error = aws.parse_error(response)
        assert error["RequestId"] == response.headers["x-amzn-RequestId"]
        seen.add(error["RequestId"])
    assert len(seen) == 6  # one id per request


def test_operation_errors(live_server, admin, unvalidated, management_root, make_iam_user):
    iam, _sts = admin
    # A Marker is the server's own (base64 of JSON): any other is a clean 400.
    for name in ("a", "b", "c"):
        iam.create_user(UserName=name)
    marker = iam.list_users(MaxItems=1)["Marker"]
    assert [u["UserName"] for u in iam.list_users(Marker=marker)["Users"]] == ["b", "c"]

    def made_up(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    for value in (
        ["a", "x"],
        ["a", None],
        ["a", 1.5],
        ["a", [1]],
        [{"a": 1}, 1],
        [["a"], 1],
        ["a", 10**30],
        ["a\x00", 1],
        {"a": 1},
        ["a"],
        "a",
    ):
        _fails(lambda v=value: iam.list_users(Marker=made_up(v)), "InvalidParameterValue", 400)
    # ListUserTags pages by the tag's id: a name where the id should be.
    iam.tag_user(UserName="a", Tags=[{"Key": "k", "Value": "v"}])
    _fails(
        lambda: iam.list_user_tags(UserName="a", Marker=made_up(["x", 1])),
        "InvalidParameterValue",
        400,
    )

    # The service model's errors, with the model's status.
    error = _fails(lambda: unvalidated.create_user(), "ValidationError", 400)
    assert error["Message"] == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
        "Member must not be null"
    )
    error = _fails(lambda: unvalidated.create_user(UserName="no spaces"), "ValidationError", 400)
    assert (
        "at 'userName' failed to satisfy constraint: Member must satisfy regular expression"
        in (error["Message"])
    )
    _fails(lambda: unvalidated.create_user(UserName="x" * 65), "ValidationError", 400)
    for max_items in (0, 1001, -1):
        error = _fails(
            lambda m=max_items: unvalidated.list_users(MaxItems=m), "ValidationError", 400
        )
        assert "'maxItems'" in error["Message"]
    _fails(lambda: iam.list_users(Marker="not a marker"), "InvalidParameterValue", 400)

    missing = _fails(lambda: iam.get_user(UserName="nobody"), "NoSuchEntity", 404)
    assert missing["Message"] == "The user with name nobody cannot be found."
    assert _model_status(iam, "NoSuchEntity") == 404

    iam.create_user(UserName="keyholder")
    _fails(lambda: iam.create_user(UserName="KeyHolder"), "EntityAlreadyExists", 409)
    assert _model_status(iam, "EntityAlreadyExists") == 409

    iam.create_access_key(UserName="keyholder")
    iam.create_access_key(UserName="keyholder")
    _fails(lambda: iam.create_access_key(UserName="keyholder"), "LimitExceeded", 409)
    assert _model_status(iam, "LimitExceeded") == 409

    _fails(lambda: iam.delete_user(UserName="keyholder"), "DeleteConflict", 409)
    assert _model_status(iam, "DeleteConflict") == 409

    for document in ("{not json", json.dumps({"Version": "2012-10-17", "Statement": []}), "[]"):
        _fails(
            lambda document=document: iam.put_user_policy(
                UserName="keyholder", PolicyName="p", PolicyDocument=document
            ),
            "MalformedPolicyDocument",
            400,
        )
    assert _model_status(iam, "MalformedPolicyDocument") == 400

    # AccessDenied, in AWS's two sentences.
    account = management_root.account_id
    denied = make_iam_user(name="denied", password=None, self_service=False)
    policies.inline_policy_put(actor=None, user=denied, name="NoList", document=DENY_LIST_USERS)
    as_denied = aws.client(live_server.url, "iam", *aws.access_key(denied))
    error = _fails(as_denied.list_users, "AccessDenied", 403)
    assert error["Message"] == (
        f"User: arn:aws:iam::{account}:user/denied is not authorized to perform: iam:ListUsers "
        f"on resource: arn:aws:iam::{account}:user/* with an explicit deny in an identity-based "
        "policy"
    )

    idle = make_iam_user(name="idle", password=None, self_service=False)
    as_idle = aws.client(live_server.url, "iam", *aws.access_key(idle))
    error = _fails(as_idle.list_users, "AccessDenied", 403)
    assert error["Message"] == (
        f"User: arn:aws:iam::{account}:user/idle is not authorized to perform: iam:ListUsers "
        f"on resource: arn:aws:iam::{account}:user/* because no identity-based policy allows "
        "the iam:ListUsers action"
    )
