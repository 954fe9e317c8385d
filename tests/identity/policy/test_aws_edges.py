"""AWS's semantics at the edges (issue 20, section 1), each case as an Allow and as a Deny.

Every case is one statement on ``s3:GetObject``; ``assert_applies`` evaluates it as the only
Allow in play and as a Deny beside an Allow of everything, and checks that it applies (or does
not) alike both ways. docs/policies.md quotes the AWS documentation each table follows and
records the choices where AWS is silent or contradicts itself.
"""

from __future__ import annotations

import pytest

from .support import V2008, assert_applies

ABSENT: dict = {}
TEAM = "aws:PrincipalTag/team"
RESOURCE_TEAM = "aws:ResourceTag/team"
USER = "aws:username"
PREFIX = "s3:prefix"
TAGS = "aws:TagKeys"
SRC = "aws:SourceArn"
IP = "aws:SourceIp"
KEYS = "s3:max-keys"
NOW = "aws:CurrentTime"
TLS = "aws:SecureTransport"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
NEW_YEAR = "2024-01-01T00:00:00Z"  # epoch 1704067200
NET4 = "203.0.113.0/24"


def case(id_, condition, context, applies):
    return pytest.param(condition, context, applies, id=id_)


def _check(condition, context, applies):
    assert_applies(
        {"Action": "s3:GetObject", "Resource": "*", "Condition": condition}, context, applies
    )


# --- A variable that cannot be resolved: the condition does not match, negated or not ------------

GUARD = {"StringNotEquals": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}}

UNRESOLVED_CASES = [
    # The tag guard: "deny unless the resource's team is the principal's team".
    case("guard-principal-without-tag", GUARD, {RESOURCE_TEAM: "red"}, False),
    case("guard-same-team", GUARD, {RESOURCE_TEAM: "red", TEAM: "red"}, False),
    case("guard-other-team", GUARD, {RESOURCE_TEAM: "red", TEAM: "blue"}, True),
    # The condition key itself absent: AWS's documented rule for negated operators still holds.
    case("guard-resource-untagged", GUARD, {TEAM: "red"}, True),
    case("guard-nothing-tagged", GUARD, ABSENT, True),
    case(
        "StringEquals-unresolved",
        {"StringEquals": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "StringEquals-resolved",
        {"StringEquals": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red", TEAM: "red"},
        True,
    ),
    case(
        "StringEqualsIgnoreCase-unresolved",
        {"StringEqualsIgnoreCase": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "StringNotEqualsIgnoreCase-unresolved",
        {"StringNotEqualsIgnoreCase": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "StringNotEqualsIgnoreCase-resolved-differs",
        {"StringNotEqualsIgnoreCase": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red", TEAM: "Blue"},
        True,
    ),
    case(
        "StringNotEqualsIgnoreCase-resolved-same",
        {"StringNotEqualsIgnoreCase": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red", TEAM: "RED"},
        False,
    ),
    case(
        "StringLike-unresolved",
        {"StringLike": {PREFIX: "home/${aws:username}/*"}},
        {PREFIX: "home/alice/x"},
        False,
    ),
    case(
        "StringNotLike-unresolved",
        {"StringNotLike": {PREFIX: "home/${aws:username}/*"}},
        {PREFIX: "tmp/x"},
        False,
    ),
    case(
        "StringNotLike-resolved-not-like",
        {"StringNotLike": {PREFIX: "home/${aws:username}/*"}},
        {PREFIX: "tmp/x", USER: "alice"},
        True,
    ),
    case(
        "StringNotLike-resolved-like",
        {"StringNotLike": {PREFIX: "home/${aws:username}/*"}},
        {PREFIX: "home/alice/x", USER: "alice"},
        False,
    ),
    case(
        "ArnLike-unresolved",
        {"ArnLike": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {SRC: "arn:aws:iam::1:user/bob"},
        False,
    ),
    case(
        "ArnNotLike-unresolved",
        {"ArnNotLike": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {SRC: "arn:aws:iam::1:user/bob"},
        False,
    ),
    case(
        "ArnNotEquals-unresolved",
        {"ArnNotEquals": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {SRC: "arn:aws:iam::1:user/bob"},
        False,
    ),
    case(
        "ArnNotLike-resolved-other-user",
        {"ArnNotLike": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {SRC: "arn:aws:iam::1:user/bob", USER: "alice"},
        True,
    ),
    case(
        "ArnNotEquals-resolved-same-user",
        {"ArnNotEquals": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {SRC: "arn:aws:iam::1:user/alice", USER: "alice"},
        False,
    ),
    # multi-valued where one value is needed: not resolved
    case(
        "StringEquals-multivalued-variable",
        {"StringEquals": {RESOURCE_TEAM: "${aws:TagKeys}"}},
        {RESOURCE_TEAM: "a", TAGS: ["a", "b"]},
        False,
    ),
    case(
        "StringNotEquals-multivalued-variable",
        {"StringNotEquals": {RESOURCE_TEAM: "${aws:TagKeys}"}},
        {RESOURCE_TEAM: "c", TAGS: ["a", "b"]},
        False,
    ),
    case(
        "StringNotEquals-variable-with-no-values",
        {"StringNotEquals": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "c", TEAM: []},
        False,
    ),
    case(
        "StringEquals-one-value-list-resolves",
        {"StringEquals": {RESOURCE_TEAM: "${aws:TagKeys}"}},
        {RESOURCE_TEAM: "a", TAGS: ["a"]},
        True,
    ),
    # a default value resolves the variable
    case(
        "StringNotEquals-default-used-same",
        {"StringNotEquals": {RESOURCE_TEAM: "${aws:PrincipalTag/team, 'shared'}"}},
        {RESOURCE_TEAM: "shared"},
        False,
    ),
    case(
        "StringNotEquals-default-used-differs",
        {"StringNotEquals": {RESOURCE_TEAM: "${aws:PrincipalTag/team, 'shared'}"}},
        {RESOURCE_TEAM: "red"},
        True,
    ),
    # variable names are condition keys: case-insensitive
    case(
        "variable-key-case",
        {"StringNotEquals": {RESOURCE_TEAM: "${AWS:PRINCIPALTAG/Team}"}},
        {RESOURCE_TEAM: "red", "aws:principaltag/team": "blue"},
        True,
    ),
    case(
        "variable-key-case-same",
        {"StringEquals": {RESOURCE_TEAM: "${Aws:PrincipalTag/TEAM}"}},
        {RESOURCE_TEAM: "red", "AWS:PrincipalTag/team": "red"},
        True,
    ),
    # 2008-10-17: no variables at all, the text is literal
    case(
        "no-variable-in-literal-text",
        {"StringNotEquals": {RESOURCE_TEAM: "red"}},
        {RESOURCE_TEAM: "blue"},
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "applies"), UNRESOLVED_CASES)
def test_unresolved_variable_in_a_condition(condition, context, applies):
    _check(condition, context, applies)


def test_2008_documents_compare_the_variable_text_literally():
    statement = {"Action": "s3:GetObject", "Resource": "*", "Condition": GUARD}
    assert_applies(statement, {RESOURCE_TEAM: "red"}, True, version=V2008)
    literal = {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}
    assert_applies(statement, literal, False, version=V2008)


# --- Several values, some unresolved ---------------------------------------------------------
#
# Positive operators OR their values: one that cannot be resolved matches nothing and the others
# still count. Negated operators hold when the request value differs from every value (AWS: "work
# like a logical AND"): a value that cannot be resolved cannot be shown to differ, so the
# condition does not hold.

SOME_UNRESOLVED_CASES = [
    case(
        "StringEquals-other-value-matches",
        {"StringEquals": {RESOURCE_TEAM: ["${aws:PrincipalTag/team}", "shared"]}},
        {RESOURCE_TEAM: "shared"},
        True,
    ),
    case(
        "StringEquals-no-value-matches",
        {"StringEquals": {RESOURCE_TEAM: ["${aws:PrincipalTag/team}", "shared"]}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "StringNotEquals-differs-from-the-resolved-one",
        {"StringNotEquals": {RESOURCE_TEAM: ["${aws:PrincipalTag/team}", "shared"]}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "StringNotEquals-equals-the-resolved-one",
        {"StringNotEquals": {RESOURCE_TEAM: ["${aws:PrincipalTag/team}", "shared"]}},
        {RESOURCE_TEAM: "shared"},
        False,
    ),
    case(
        "StringNotEquals-all-resolved-differs",
        {"StringNotEquals": {RESOURCE_TEAM: ["${aws:PrincipalTag/team}", "shared"]}},
        {RESOURCE_TEAM: "red", TEAM: "blue"},
        True,
    ),
    case(
        "StringLike-other-pattern-matches",
        {"StringLike": {PREFIX: ["home/${aws:username}/*", "public/*"]}},
        {PREFIX: "public/x"},
        True,
    ),
    case(
        "StringNotLike-other-pattern-not-like",
        {"StringNotLike": {PREFIX: ["home/${aws:username}/*", "public/*"]}},
        {PREFIX: "tmp/x"},
        False,
    ),
    case(
        "ArnNotLike-one-unresolved",
        {"ArnNotLike": {SRC: ["arn:aws:iam::*:user/${aws:username}", "arn:aws:sqs:*:*:*"]}},
        {SRC: TOPIC},
        False,
    ),
    case(
        "ArnLike-other-pattern-matches",
        {"ArnLike": {SRC: ["arn:aws:iam::*:user/${aws:username}", "arn:aws:sns:*:*:*"]}},
        {SRC: TOPIC},
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "applies"), SOME_UNRESOLVED_CASES)
def test_several_values_some_unresolved(condition, context, applies):
    _check(condition, context, applies)


# --- ...IfExists and ForAnyValue / ForAllValues with a variable that cannot be resolved ---------
#
# ...IfExists and the set operators decide on the condition KEY before any value is compared: a
# key that is absent (or, for ForAllValues, an empty set) makes no comparison, so an unresolved
# variable changes nothing there. Once a comparison is made, the unresolved value fails it.

SET_AND_IF_EXISTS_CASES = [
    case(
        "StringEqualsIfExists-key-absent",
        {"StringEqualsIfExists": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        ABSENT,
        True,
    ),
    case(
        "StringEqualsIfExists-key-present-unresolved",
        {"StringEqualsIfExists": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "StringNotEqualsIfExists-key-absent",
        {"StringNotEqualsIfExists": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        ABSENT,
        True,
    ),
    case(
        "StringNotEqualsIfExists-key-present-unresolved",
        {"StringNotEqualsIfExists": {RESOURCE_TEAM: "${aws:PrincipalTag/team}"}},
        {RESOURCE_TEAM: "red"},
        False,
    ),
    case(
        "ForAnyValue-StringEquals-unresolved",
        {"ForAnyValue:StringEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: ["red"]},
        False,
    ),
    case(
        "ForAnyValue-StringEquals-resolved",
        {"ForAnyValue:StringEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: ["x", "red"], TEAM: "red"},
        True,
    ),
    case(
        "ForAllValues-StringEquals-unresolved",
        {"ForAllValues:StringEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: ["red"]},
        False,
    ),
    case(
        "ForAllValues-StringEquals-unresolved-empty-set",
        {"ForAllValues:StringEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: []},
        True,
    ),
    case(
        "ForAllValues-StringEquals-unresolved-key-absent",
        {"ForAllValues:StringEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        ABSENT,
        True,
    ),
    case(
        "ForAnyValue-StringNotEquals-unresolved",
        {"ForAnyValue:StringNotEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: ["a"]},
        False,
    ),
    case(
        "ForAnyValue-StringNotEquals-resolved",
        {"ForAnyValue:StringNotEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: ["a"], TEAM: "b"},
        True,
    ),
    case(
        "ForAllValues-StringNotEquals-unresolved",
        {"ForAllValues:StringNotEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: ["a", "b"]},
        False,
    ),
    case(
        "ForAllValues-StringNotEquals-one-of-two-unresolved",
        {"ForAllValues:StringNotEquals": {TAGS: ["${aws:PrincipalTag/team}", "x"]}},
        {TAGS: ["a"]},
        False,
    ),
    case(
        "ForAllValues-StringNotEquals-resolved-none-listed",
        {"ForAllValues:StringNotEquals": {TAGS: ["${aws:PrincipalTag/team}", "x"]}},
        {TAGS: ["a", "b"], TEAM: "c"},
        True,
    ),
    case(
        "ForAllValues-StringNotEquals-unresolved-empty-set",
        {"ForAllValues:StringNotEquals": {TAGS: "${aws:PrincipalTag/team}"}},
        {TAGS: []},
        True,
    ),
    case(
        "ForAnyValue-StringLike-other-pattern",
        {"ForAnyValue:StringLike": {TAGS: ["${aws:PrincipalTag/team}-*", "cost-*"]}},
        {TAGS: ["cost-center"]},
        True,
    ),
    case(
        "ForAnyValue-StringEqualsIfExists-key-absent",
        {"ForAnyValue:StringEqualsIfExists": {TAGS: "${aws:PrincipalTag/team}"}},
        ABSENT,
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "applies"), SET_AND_IF_EXISTS_CASES)
def test_if_exists_and_set_operators_with_unresolved_variables(condition, context, applies):
    _check(condition, context, applies)


# --- Which operators take variables: String, ARN and Bool; not Numeric, Date, IP, Binary -------

VARIABLE_OPERATOR_CASES = [
    case(
        "Bool-variable-true",
        {"Bool": {TLS: "${aws:PrincipalTag/tls}"}},
        {TLS: "true", "aws:PrincipalTag/tls": "true"},
        True,
    ),
    case(
        "Bool-variable-case-insensitive-value",
        {"Bool": {TLS: "${aws:PrincipalTag/tls}"}},
        {TLS: True, "aws:PrincipalTag/tls": "TRUE"},
        True,
    ),
    case(
        "Bool-variable-false-vs-true",
        {"Bool": {TLS: "${aws:PrincipalTag/tls}"}},
        {TLS: "true", "aws:PrincipalTag/tls": "false"},
        False,
    ),
    case(
        "Bool-variable-not-a-boolean",
        {"Bool": {TLS: "${aws:PrincipalTag/tls}"}},
        {TLS: "yes", "aws:PrincipalTag/tls": "yes"},
        False,
    ),
    case(
        "Bool-variable-unresolved", {"Bool": {TLS: "${aws:PrincipalTag/tls}"}}, {TLS: "true"}, False
    ),
    case(
        "Bool-variable-key-case",
        {"Bool": {TLS: "${AWS:PrincipalTag/TLS}"}},
        {TLS: "false", "aws:principaltag/tls": "false"},
        True,
    ),
    case(
        "BoolIfExists-variable-key-absent",
        {"BoolIfExists": {TLS: "${aws:PrincipalTag/tls}"}},
        ABSENT,
        True,
    ),
    case(
        "Bool-default-value",
        {"Bool": {TLS: "${aws:PrincipalTag/tls, 'true'}"}},
        {TLS: "true"},
        True,
    ),
    # Not substituted: the text stays as written, which is no number, date or address.
    case(
        "NumericEquals-no-variables",
        {"NumericEquals": {KEYS: "${aws:username}"}},
        {KEYS: "5", USER: "5"},
        False,
    ),
    case(
        "NumericNotEquals-no-variables",
        {"NumericNotEquals": {KEYS: "${aws:username}"}},
        {KEYS: "6", USER: "5"},
        False,
    ),
    case(
        "DateNotEquals-no-variables",
        {"DateNotEquals": {NOW: "${aws:username}"}},
        {NOW: NEW_YEAR, USER: "2023-01-01"},
        False,
    ),
    case(
        "NotIpAddress-no-variables",
        {"NotIpAddress": {IP: "${aws:username}"}},
        {IP: "192.0.2.1", USER: NET4},
        False,
    ),
    case(
        "BinaryEquals-no-variables-literal-text",
        {"BinaryEquals": {"key": "${aws:username}"}},
        {"key": "${aws:username}", USER: "QmluYXJ5"},
        True,
    ),
    case(
        "BinaryEquals-no-variables-not-substituted",
        {"BinaryEquals": {"key": "${aws:username}"}},
        {"key": "QmluYXJ5", USER: "QmluYXJ5"},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "context", "applies"), VARIABLE_OPERATOR_CASES)
def test_which_operators_take_variables(condition, context, applies):
    _check(condition, context, applies)


# --- Resource and NotResource with a variable that cannot be resolved -------------------------

HOME = "arn:aws:s3:::example-bucket/home/${aws:username}/*"
ALICE_OBJECT = "arn:aws:s3:::example-bucket/home/alice/notes.txt"
BOB_OBJECT = "arn:aws:s3:::example-bucket/home/bob/notes.txt"
PUBLIC_OBJECT = "arn:aws:s3:::example-bucket/public/notes.txt"


@pytest.mark.parametrize(
    ("element", "context", "resource", "applies"),
    [
        pytest.param({"Resource": HOME}, ABSENT, ALICE_OBJECT, False, id="Resource-unresolved"),
        pytest.param(
            {"Resource": HOME}, {USER: "alice"}, ALICE_OBJECT, True, id="Resource-resolved"
        ),
        pytest.param(
            {"Resource": HOME}, {USER: ["alice", "bob"]}, ALICE_OBJECT, False, id="multivalued"
        ),
        pytest.param(
            {"Resource": [HOME, "arn:aws:s3:::example-bucket/public/*"]},
            ABSENT,
            PUBLIC_OBJECT,
            True,
            id="Resource-other-pattern-matches",
        ),
        pytest.param(
            {"Resource": [HOME, "arn:aws:s3:::example-bucket/public/*"]},
            ABSENT,
            ALICE_OBJECT,
            False,
            id="Resource-no-pattern-matches",
        ),
        # NotResource: the statement applies to no resource at all, rather than to every one.
        pytest.param(
            {"NotResource": HOME}, ABSENT, PUBLIC_OBJECT, False, id="NotResource-unresolved"
        ),
        pytest.param(
            {"NotResource": HOME}, ABSENT, ALICE_OBJECT, False, id="NotResource-unresolved-own"
        ),
        pytest.param(
            {"NotResource": HOME},
            {USER: ["alice", "bob"]},
            PUBLIC_OBJECT,
            False,
            id="NotResource-multivalued",
        ),
        pytest.param(
            {"NotResource": [HOME, "arn:aws:s3:::example-bucket/secret/*"]},
            ABSENT,
            PUBLIC_OBJECT,
            False,
            id="NotResource-one-of-two-unresolved",
        ),
        pytest.param(
            {"NotResource": HOME},
            {USER: "alice"},
            BOB_OBJECT,
            True,
            id="NotResource-resolved-other",
        ),
        pytest.param(
            {"NotResource": HOME},
            {USER: "alice"},
            ALICE_OBJECT,
            False,
            id="NotResource-resolved-own",
        ),
        pytest.param(
            {"NotResource": "arn:aws:s3:::example-bucket/home/${aws:username, 'nobody'}/*"},
            ABSENT,
            ALICE_OBJECT,
            True,
            id="NotResource-default-value",
        ),
    ],
)
def test_resource_elements_with_unresolved_variables(element, context, resource, applies):
    assert_applies({"Action": "s3:GetObject", **element}, context, applies, resource=resource)


# --- Unparseable values: the operator does not match, negated or not ---------------------------
#
# Either side: a policy value or a request value that is no number, date, address or ARN makes
# every comparison with it fail. The key absent from the request still makes a negated operator
# true (no comparison is made).

UNPARSEABLE_CASES = [
    # IP addresses and CIDR ranges
    case(
        "NotIpAddress-policy-not-an-ip", {"NotIpAddress": {IP: "office"}}, {IP: "192.0.2.1"}, False
    ),
    case("IpAddress-policy-not-an-ip", {"IpAddress": {IP: "office"}}, {IP: "192.0.2.1"}, False),
    case(
        "NotIpAddress-policy-octet-too-large",
        {"NotIpAddress": {IP: "300.0.113.0/24"}},
        {IP: "192.0.2.1"},
        False,
    ),
    case(
        "NotIpAddress-policy-prefix-too-long",
        {"NotIpAddress": {IP: "203.0.113.0/33"}},
        {IP: "192.0.2.1"},
        False,
    ),
    case(
        "NotIpAddress-one-value-unparseable",
        {"NotIpAddress": {IP: ["10.0.0.0/8", "office"]}},
        {IP: "192.0.2.1"},
        False,
    ),
    case(
        "IpAddress-other-value-matches",
        {"IpAddress": {IP: ["10.0.0.0/8", "office"]}},
        {IP: "10.1.2.3"},
        True,
    ),
    case(
        "NotIpAddress-request-not-an-ip", {"NotIpAddress": {IP: NET4}}, {IP: "example.com"}, False
    ),
    case("NotIpAddress-request-empty", {"NotIpAddress": {IP: NET4}}, {IP: ""}, False),
    case("IpAddress-request-not-an-ip", {"IpAddress": {IP: NET4}}, {IP: "example.com"}, False),
    case(
        "NotIpAddress-other-version-parses", {"NotIpAddress": {IP: NET4}}, {IP: "2001:db8::1"}, True
    ),
    case(
        "NotIpAddress-policy-not-an-ip-key-absent", {"NotIpAddress": {IP: "office"}}, ABSENT, True
    ),
    # numbers
    case(
        "NumericNotEquals-policy-not-a-number",
        {"NumericNotEquals": {KEYS: "ten"}},
        {KEYS: "5"},
        False,
    ),
    case(
        "NumericEquals-policy-not-a-number", {"NumericEquals": {KEYS: "ten"}}, {KEYS: "ten"}, False
    ),
    case(
        "NumericNotEquals-request-not-a-number",
        {"NumericNotEquals": {KEYS: 10}},
        {KEYS: "ten"},
        False,
    ),
    case("NumericNotEquals-request-NaN", {"NumericNotEquals": {KEYS: 10}}, {KEYS: "NaN"}, False),
    case(
        "NumericNotEquals-policy-Infinity",
        {"NumericNotEquals": {KEYS: "Infinity"}},
        {KEYS: "5"},
        False,
    ),
    case(
        "NumericNotEquals-one-value-unparseable",
        {"NumericNotEquals": {KEYS: [10, "x"]}},
        {KEYS: "11"},
        False,
    ),
    case(
        "NumericEquals-other-value-matches",
        {"NumericEquals": {KEYS: [10, "x"]}},
        {KEYS: "10"},
        True,
    ),
    case(
        "NumericNotEquals-parses-and-differs", {"NumericNotEquals": {KEYS: 10}}, {KEYS: "11"}, True
    ),
    case("NumericLessThan-request-empty", {"NumericLessThan": {KEYS: 10}}, {KEYS: ""}, False),
    # dates
    case(
        "DateNotEquals-policy-not-a-date",
        {"DateNotEquals": {NOW: "yesterday"}},
        {NOW: NEW_YEAR},
        False,
    ),
    case(
        "DateNotEquals-policy-invalid-month",
        {"DateNotEquals": {NOW: "2024-13-01"}},
        {NOW: NEW_YEAR},
        False,
    ),
    case(
        "DateEquals-policy-not-a-date",
        {"DateEquals": {NOW: "yesterday"}},
        {NOW: "yesterday"},
        False,
    ),
    case(
        "DateNotEquals-request-not-a-date", {"DateNotEquals": {NOW: NEW_YEAR}}, {NOW: "soon"}, False
    ),
    case(
        "DateNotEquals-parses-and-differs",
        {"DateNotEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-02"},
        True,
    ),
    # ARNs
    case("ArnNotLike-policy-not-an-arn", {"ArnNotLike": {SRC: "alerts"}}, {SRC: TOPIC}, False),
    case(
        "ArnNotEquals-policy-too-few-parts",
        {"ArnNotEquals": {SRC: "arn:aws:sns"}},
        {SRC: TOPIC},
        False,
    ),
    case("ArnNotLike-policy-star-alone", {"ArnNotLike": {SRC: "*"}}, {SRC: TOPIC}, False),
    case("ArnLike-policy-star-alone", {"ArnLike": {SRC: "*"}}, {SRC: TOPIC}, False),
    case(
        "ArnNotLike-request-not-an-arn",
        {"ArnNotLike": {SRC: "arn:aws:sqs:*:*:*"}},
        {SRC: "alice"},
        False,
    ),
    case(
        "ArnNotEquals-request-not-an-arn", {"ArnNotEquals": {SRC: TOPIC}}, {SRC: "arn:aws"}, False
    ),
    case("ArnLike-request-not-an-arn", {"ArnLike": {SRC: "arn:*:*:*:*:*"}}, {SRC: "alice"}, False),
    case(
        "ArnNotLike-parses-and-differs",
        {"ArnNotLike": {SRC: "arn:aws:sqs:*:*:*"}},
        {SRC: TOPIC},
        True,
    ),
    case(
        "ForAllValues-ArnNotLike-request-value-not-an-arn",
        {"ForAllValues:ArnNotLike": {"aws:CalledVia": "arn:aws:iam::*:role/*"}},
        {"aws:CalledVia": ["arn:aws:s3:::b", "x"]},
        False,
    ),
    case(
        "ForAnyValue-ArnNotLike-one-parses-and-differs",
        {"ForAnyValue:ArnNotLike": {"aws:CalledVia": "arn:aws:iam::*:role/*"}},
        {"aws:CalledVia": ["x", "arn:aws:s3:::b"]},
        True,
    ),
    # Booleans have no negated form; a value that is neither true nor false matches nothing
    case("Bool-policy-not-a-boolean", {"Bool": {TLS: "yes"}}, {TLS: "yes"}, False),
    case("Bool-request-not-a-boolean", {"Bool": {TLS: "true"}}, {TLS: "1"}, False),
]


@pytest.mark.parametrize(("condition", "context", "applies"), UNPARSEABLE_CASES)
def test_unparseable_values(condition, context, applies):
    _check(condition, context, applies)


# --- Epoch dates are seconds -----------------------------------------------------------------------

EPOCH_CASES = [
    case("epoch-seconds-policy", {"DateEquals": {NOW: "1704067200"}}, {NOW: NEW_YEAR}, True),
    case("epoch-seconds-number-policy", {"DateEquals": {NOW: 1704067200}}, {NOW: NEW_YEAR}, True),
    case("epoch-seconds-request", {"DateEquals": {NOW: NEW_YEAR}}, {NOW: "1704067200"}, True),
    case("epoch-fraction", {"DateLessThan": {NOW: "1704067200.5"}}, {NOW: NEW_YEAR}, True),
    case("epoch-negative", {"DateLessThan": {NOW: "1970-01-01"}}, {NOW: "-1"}, True),
    # milliseconds are not a unit AWS knows: read as seconds, they are some 54,000 years ahead
    case(
        "epoch-milliseconds-are-seconds",
        {"DateEquals": {NOW: "1704067200000"}},
        {NOW: NEW_YEAR},
        False,
    ),
    case(
        "epoch-milliseconds-far-future",
        {"DateGreaterThan": {NOW: "9999-12-31T23:59:59Z"}},
        {NOW: "1704067200000"},
        True,
    ),
    case("epoch-exponent-is-not-a-date", {"DateNotEquals": {NOW: "1.7e9"}}, {NOW: NEW_YEAR}, False),
    case(
        "aws:EpochTime-key",
        {"DateGreaterThan": {"aws:EpochTime": 1704067199}},
        {"aws:EpochTime": "1704067200"},
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "applies"), EPOCH_CASES)
def test_epoch_dates_are_seconds(condition, context, applies):
    _check(condition, context, applies)
