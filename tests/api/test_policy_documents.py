"""AWS's own checks of a policy document, with AWS's messages, before Tobira's parser
(``api.iam.documents``), on every operation that takes a document."""

from __future__ import annotations

import json

import pytest

from api.errors import ApiError
from api.iam import documents
from identity.policy import Policy, parse
from tests.support.moto_policy_documents import INVALID, VALID

ALLOW = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example"}


def _doc(*statements, version="2012-10-17", **top):
    body = {"Version": version, "Statement": list(statements) or [ALLOW], **top}
    if version is None:
        del body["Version"]
    return json.dumps(body)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "Syntax errors in policy."),
        (_doc(version="2013-10-17"), "Syntax errors in policy."),
        (json.dumps({"Version": "2012-10-17"}), "Syntax errors in policy."),
        (_doc({**ALLOW, "Extra": 1}), "Syntax errors in policy."),
        (_doc({**ALLOW, "Effect": "Permit"}), "Syntax errors in policy."),
        (_doc({**ALLOW, "Condition": {"a": {"b": "c"}}}), "Syntax errors in policy."),
        (_doc(version=None), "Policy document must be version 2012-10-17 or greater."),
        (_doc(version="2008-10-17"), "Policy document must be version 2012-10-17 or greater."),
        (_doc({**ALLOW, "Effect": "allow"}), "The policy failed legacy parsing"),
        (
            _doc({**ALLOW, "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}),
            "The policy failed legacy parsing",
        ),
        (_doc({**ALLOW, "Sid": "A"}, {**ALLOW, "Sid": "A"}), documents.SIDS),
        (_doc({"Effect": "Allow", "Resource": "*"}), "Policy statement must contain actions."),
        (_doc({"Effect": "Allow", "Action": "s3:x"}), "Policy statement must contain resources."),
        (
            _doc({**ALLOW, "Action": "invalid"}),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
        (
            _doc({**ALLOW, "Action": "s3:List:Bucket"}),
            "Actions/Condition can contain only one colon.",
        ),
        (_doc({**ALLOW, "Action": "s!3:ListBucket"}), "Vendor s!3 is not valid"),
        (_doc({**ALLOW, "Resource": "bucket"}), 'Resource bucket must be in ARN format or "*".'),
        (
            _doc({**ALLOW, "Resource": "arn:fake:s3:::b"}),
            'Partition "fake" is not valid for resource "arn:fake:s3:::b".',
        ),
        (
            _doc({**ALLOW, "Resource": "arn:aws"}),
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (
            _doc({**ALLOW, "Resource": "arn:aws:iam:us-east-1::user/x"}),
            "IAM resource arn:aws:iam:us-east-1::user/x cannot contain region information.",
        ),
        (
            _doc({**ALLOW, "Resource": "arn:aws:iam::123456789012:thing/x"}),
            'IAM resource path must either be "*" or start with user/, federated-user/, role/, '
            "group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, "
            "saml-provider/, oidc-provider/, report/, access-report/.",
        ),
    ],
)
def test_aws_refuses_with_the_stage_that_failed(text, message):
    with pytest.raises(ApiError) as refused:
        documents.check(text)
    assert (refused.value.code, refused.value.message) == ("MalformedPolicyDocument", message)


@pytest.mark.parametrize(
    "text",
    [
        _doc(),
        _doc({**ALLOW, "Sid": "Read"}, {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"}),
        _doc({**ALLOW, "Resource": "*", "Condition": {"DateGreaterThan": {"a": "2019-07-01"}}}),
        _doc({**ALLOW, "Resource": ["arn:aws:iam::*:user/*", "arn:aws:s3:::b/*"]}),
        _doc(ALLOW, Id="policy-1"),
    ],
)
def test_documents_aws_accepts_pass(text):
    documents.check(text)


def _text(document) -> str:
    return document if isinstance(document, str) else json.dumps(document)


@pytest.mark.parametrize(
    "document", [pytest.param(d, id=f"valid_policy_document{i}") for i, d in enumerate(VALID)]
)
def test_every_document_aws_accepts_passes_aws_stages_and_the_parser(document):
    """moto's documents that AWS accepts: what the API does with a document, without a server."""
    documents.check(_text(document))
    assert isinstance(parse(_text(document), remember=False), Policy)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=f"invalid_policy_document{i}") for i, c in enumerate(INVALID)]
)
def test_every_document_aws_refuses_gets_aws_s_message(case):
    with pytest.raises(ApiError) as refused:
        documents.check(_text(case["document"]))
    assert (refused.value.code, refused.value.message) == (
        "MalformedPolicyDocument",
        case["error_message"],
    )


@pytest.mark.django_db(transaction=True)
def test_each_operation_taking_a_document_answers_aws_s_message(admin):
    iam, _ = admin
    old = _doc(version="2008-10-17")
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as refused:
        iam.create_policy(PolicyName="p", PolicyDocument=old)
    assert refused.value.response["Error"]["Message"] == (
        "Policy document must be version 2012-10-17 or greater."
    )
    arn = iam.create_policy(PolicyName="p", PolicyDocument=_doc())["Policy"]["Arn"]
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as refused:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=_doc({**ALLOW, "Action": "x"}))
    assert refused.value.response["Error"]["Message"].startswith("Actions/Conditions must be")
    iam.create_user(UserName="u")
    iam.create_group(GroupName="g")
    for put in (
        lambda d: iam.put_user_policy(UserName="u", PolicyName="i", PolicyDocument=d),
        lambda d: iam.put_group_policy(GroupName="g", PolicyName="i", PolicyDocument=d),
    ):
        with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as refused:
            put("{")
        assert refused.value.response["Error"]["Message"] == "Syntax errors in policy."
        put(_doc())  # and a good one is stored


@pytest.mark.django_db(transaction=True)
def test_tobira_s_parser_still_has_the_last_word(admin):
    """A document AWS's stages let through and Tobira's parser refuses: the parser's message."""
    iam, _ = admin
    with pytest.raises(iam.exceptions.MalformedPolicyDocumentException) as refused:
        iam.create_policy(PolicyName="p", PolicyDocument=_doc({**ALLOW, "Sid": "not-alnum"}))
    assert "Sid" in refused.value.response["Error"]["Message"]


@pytest.mark.django_db(transaction=True)
def test_documents_aws_stores_with_parts_that_match_nothing_are_accepted(admin):
    """AWS checks an action's service prefix and its one colon, not the name: "iam:" and a name
    with a space are stored, and match nothing (docs/policies.md). The API stores them too."""
    iam, _ = admin
    text = _doc({**ALLOW, "Action": ["s3:ListBucket", "iam:", "iam:Get User"]})
    arn = iam.create_policy(PolicyName="p", PolicyDocument=text)["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=text, SetAsDefault=True)
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="i", PolicyDocument=text)
    stored = iam.get_user_policy(UserName="u", PolicyName="i")["PolicyDocument"]
    assert stored["Statement"][0]["Action"] == ["s3:ListBucket", "iam:", "iam:Get User"]
