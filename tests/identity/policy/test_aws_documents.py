"""parse() on the documents of moto's test of IAM's policy validation, whose verdicts are AWS's.

Every document AWS accepts parses. Of those AWS refuses, the parser refuses all but the ones
refused only by AWS's own stages, which the API runs before the parser (``api.iam.documents``,
tested in ``tests/api/test_policy_documents.py``): the version a document must have at the API,
and the format of resource ARNs and of date values.
"""

from __future__ import annotations

import json

import pytest

from identity.policy import Policy, PolicyError, parse
from tests.support.moto_policy_documents import INVALID, VALID

# moto's index -> why Tobira's parser accepts a document that AWS refuses.
AWS_STAGES_ONLY = {
    1: "no Version: the parser reads it as 2008-10-17",
    2: "Version 2008-10-17: the parser takes both versions",
    25: "partition of a resource ARN",
    35: "path of an IAM resource ARN",
    36: "resource ARN with too few fields (legacy parsing)",
    38: "resource ARN without a service (vendor)",
    55: "region in an IAM resource ARN",
    56: "region in an S3 resource ARN",
    64: "date value (legacy parsing)",
    65: "no Version (and a date value)",
    68: "resource ARN with an empty service (legacy parsing)",
    71: "NotResource ARN with too few fields (legacy parsing)",
    72: "date value (legacy parsing)",
    73: "date value (legacy parsing)",
    74: "date value (legacy parsing)",
    75: "date value (legacy parsing)",
    76: "resource ARN partition and date value (legacy parsing)",
    77: "resource ARN with too few fields (legacy parsing)",
}


def _text(document) -> str:
    return document if isinstance(document, str) else json.dumps(document)


@pytest.mark.parametrize(
    "document", [pytest.param(d, id=f"valid_policy_document{i}") for i, d in enumerate(VALID)]
)
def test_every_document_aws_accepts_parses(document):
    assert isinstance(parse(_text(document), remember=False), Policy)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=f"invalid_policy_document{i}")
        for i, c in enumerate(INVALID)
        if i not in AWS_STAGES_ONLY
    ],
)
def test_documents_aws_refuses_are_refused(case):
    with pytest.raises(PolicyError):
        parse(_text(case["document"]), remember=False)


def test_the_documents_left_to_aws_stages_are_the_ones_the_parser_accepts():
    """The list above hides nothing: each document on it does parse (and the API refuses it)."""
    for i in AWS_STAGES_ONLY:
        assert isinstance(parse(_text(INVALID[i]["document"]), remember=False), Policy), i
