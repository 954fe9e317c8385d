"""parse(): valid documents, exact error paths, and "a Policy or a PolicyError, nothing else"."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity.policy import Decision, Policy, PolicyError, context_of, evaluate, parse
from identity.policy.evaluation import NamedPolicy

from .support import V2008, V2012, allow, deny, document

# --- valid documents -------------------------------------------------------------


def test_statement_as_single_object():
    parsed = parse(document(allow("iam:GetUser", "*", sid="One")))
    assert isinstance(parsed, Policy)
    assert parsed.version == V2012
    assert [s.sid for s in parsed.statements] == ["One"]
    assert parsed.statements[0].label == "One"


def test_statement_as_list_keeps_order_and_indexes():
    parsed = parse(
        document(allow("iam:GetUser"), deny("iam:DeleteUser", sid="NoDelete"), allow("s3:*"))
    )
    assert [s.effect for s in parsed.statements] == ["Allow", "Deny", "Allow"]
    assert [s.label for s in parsed.statements] == ["Statement[0]", "NoDelete", "Statement[2]"]


def test_statement_as_one_element_list():
    text = json.dumps({"Version": V2012, "Statement": [allow()]})
    assert len(parse(text).statements) == 1


@pytest.mark.parametrize("version", [V2012, V2008])
def test_both_versions_accepted(version):
    assert parse(document(allow(), version=version)).version == version


def test_missing_version_defaults_to_2008():
    assert parse(document(allow(), version=None)).version == V2008


def test_id_element_allowed():
    text = json.dumps({"Version": V2012, "Id": "my-policy-1", "Statement": allow()})
    assert isinstance(parse(text), Policy)


@pytest.mark.parametrize(
    "sid",
    [
        "A",
        "AllowViewAccountInfo",
        "Sid1",
        "123",
        "abcXYZ09",
        "BooleanConditionOperations_Strings_And_Booleans",  # moto's valid document 39
        "_",
    ],
)
def test_sid_letters_digits_and_underscores(sid):
    assert parse(document(allow(sid=sid))).statements[0].sid == sid


def test_scp_sid_letters_and_digits_only():
    """Organizations refuses an underscore in an SCP's Sid, where IAM takes it."""
    assert parse(document(allow(sid="DenyLeaving")), scp=True).statements[0].sid == "DenyLeaving"
    with pytest.raises(PolicyError) as caught:
        parse(document(allow(sid="Deny_Leaving")), scp=True)
    assert str(caught.value) == "Statement.Sid: must contain only letters and digits"


def test_statements_without_sid_are_not_duplicates():
    assert len(parse(document(allow(), allow("s3:*"))).statements) == 2


def test_already_decoded_json_and_bytes_accepted():
    raw = {"Version": V2012, "Statement": [allow("iam:GetUser")]}
    assert isinstance(parse(raw), Policy)
    assert isinstance(parse(json.dumps(raw).encode()), Policy)


def test_action_and_resource_forms():
    parsed = parse(
        document(
            allow(
                ["iam:Get*", "iam:List?ser", "*", "s3-object-lambda:GetObject"],
                ["*", "arn:aws:s3:::b/*"],
            ),
            allow(NotAction="iam:*", resource=None, NotResource="arn:aws:iam::*:user/root"),
        )
    )
    first, second = parsed.statements
    assert first.actions == ("iam:get*", "iam:list?ser", "*", "s3-object-lambda:getobject")
    assert not first.not_action and not first.not_resource
    assert second.not_action and second.not_resource


@pytest.mark.parametrize(
    "action",
    [
        "iam: asdf safdsf af ",  # moto's valid documents 1, 5 and 27: AWS accepts them
        "service-prefix:action-name",
        "s3.s:ListBucket",
        "s3-s:ListBucket",
        "iam:Get-User?*",
        "ec2:(.*)[x]\\w",
        # names that can match no action (test_documents_aws_stores.py): stored all the same
        "iam:",
        "iam:Get\tUser",
        "iam:GetUser\n",
        "iam:ListAccess\u212aeys",  # the Kelvin sign: lower-cased, it is "k"
    ],
)
def test_action_names_aws_accepts(action):
    """AWS checks the service prefix (letters, digits, "-", ".") and the one colon, not the name."""
    assert parse(document(allow(action))).statements[0].actions == (action.lower(),)


def test_condition_values_of_every_json_scalar_type():
    condition = {
        "NumericLessThan": {"s3:max-keys": 10},
        "NumericGreaterThan": {"s3:size": 1.5},
        "Bool": {"aws:SecureTransport": True},
        "StringEquals": {"aws:username": ["a", "b"]},
        "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "x*"},
    }
    parsed = parse(document(allow(condition=condition)))
    assert len(parsed.statements[0].conditions) == 5


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({"DateGreaterThan": {}}, id="operator"),  # moto's valid document 17
        pytest.param({"a": {}}, id="unknown-operator"),  # moto's valid document 19
        pytest.param({"x": {}, "y": {}}, id="unknown-operators"),  # moto's valid document 31
        pytest.param({"ForAnyValue:Null": {}, "StringLikee": {}}, id="operators-tobira-refuses"),
    ],
)
def test_operator_with_no_keys_tests_nothing(condition):
    """AWS accepts an operator with an empty block, one it does not know too: no condition."""
    assert parse(document(allow(condition=condition))).statements[0].conditions == ()


def test_operator_with_no_keys_beside_others():
    condition = {"StringEquals": {}, "Bool": {"aws:SecureTransport": "true"}}
    conditions = parse(document(allow(condition=condition))).statements[0].conditions
    assert [c.key for c in conditions] == ["aws:securetransport"]


def test_key_without_values_makes_an_allow_that_never_applies():
    """moto's valid document 18: AWS accepts a key with no values (see test_conditions.py)."""
    condition = {"DateGreaterThan": {"a": []}, "Bool": {"aws:SecureTransport": "true"}}
    statement = parse(document(allow(condition=condition))).statements[0]
    assert statement.never_applies
    assert [c.key for c in statement.conditions] == ["aws:securetransport"]


def test_key_without_values_is_no_condition_in_a_deny():
    condition = {"DateGreaterThan": {"a": []}, "Bool": {"aws:SecureTransport": "true"}}
    statement = parse(document(deny(condition=condition))).statements[0]
    assert not statement.never_applies
    assert [c.key for c in statement.conditions] == ["aws:securetransport"]


def test_null_in_a_resource_list_names_no_resource():
    """moto's valid document 41: AWS accepts null in a Resource list."""
    listed = allow("kms:CreateGrant", ["arn:aws:kms:*:123456789012:key/*", None])
    statement = parse(document(listed)).statements[0]
    assert [r.text for r in statement.resources] == ["arn:aws:kms:*:123456789012:key/*"]
    assert not statement.any_resource
    assert parse(document(allow("kms:CreateGrant", [None]))).statements[0].resources == ()
    assert parse(document(allow("kms:CreateGrant", [None, "*"]))).statements[0].any_resource


def test_scp_needs_no_resource():
    parsed = parse(document({"Effect": "Allow", "Action": "*"}), scp=True)
    assert isinstance(parsed, Policy)


def test_policy_error_is_a_value_error_with_path_and_message():
    with pytest.raises(PolicyError) as caught:
        parse(document(allow(), version="2020-01-01"))
    assert isinstance(caught.value, ValueError)
    assert caught.value.path == "Version"
    assert caught.value.message == 'must be "2012-10-17" or "2008-10-17"'


# --- error paths ---------------------------------------------------------------------


def _three(bad: dict) -> str:
    """A list of three statements whose third one is ``bad``: error paths say Statement[2]."""
    return json.dumps({"Version": V2012, "Statement": [allow("iam:GetUser"), allow("s3:*"), bad]})


ERROR_CASES = [
    # (id, document text, exact str(PolicyError))
    (
        "unknown-operator",
        _three(allow(condition={"StringLikee": {"s3:prefix": "a"}})),
        "Statement[2].Condition.StringLikee: unknown operator",
    ),
    (
        "operator-name-case-sensitive",
        _three(allow(condition={"stringequals": {"k": "a"}})),
        "Statement[2].Condition.stringequals: unknown operator",
    ),
    (
        "unknown-set-operator",
        _three(allow(condition={"ForSomeValues:StringEquals": {"k": "a"}})),
        "Statement[2].Condition.ForSomeValues:StringEquals: unknown operator",
    ),
    (
        "Null-with-IfExists",
        _three(allow(condition={"NullIfExists": {"k": "true"}})),
        "Statement[2].Condition.NullIfExists: unknown operator",
    ),
    (
        "Null-with-set-operator",
        _three(allow(condition={"ForAnyValue:Null": {"k": "true"}})),
        "Statement[2].Condition.ForAnyValue:Null: unknown operator",
    ),
    (
        "bare-IfExists",
        _three(allow(condition={"IfExists": {"k": "a"}})),
        "Statement[2].Condition.IfExists: unknown operator",
    ),
    (
        "Null-value",
        _three(allow(condition={"Null": {"aws:TokenIssueTime": "maybe"}})),
        'Statement[2].Condition.Null.aws:TokenIssueTime: Null takes "true" or "false"',
    ),
    (
        "unknown-operator-beside-empty-ones",  # AWS: "Syntax errors in policy."
        _three(allow(condition={"x": {}, "y": {"a": "1"}})),
        "Statement[2].Condition.y: unknown operator",
    ),
    (
        "operator-with-list",
        _three(allow(condition={"StringEquals": ["a"]})),
        "Statement[2].Condition.StringEquals: must be an object of condition keys and values",
    ),
    (
        "bad-condition-key",
        _three(allow(condition={"StringEquals": {"aws:user name": "a"}})),
        "Statement[2].Condition.StringEquals.aws:user name: is not a condition key",
    ),
    (
        "long-condition-key",
        _three(allow(condition={"StringEquals": {"k" * 257: "a"}})),
        f"Statement[2].Condition.StringEquals.{'k' * 257}: is not a condition key",
    ),
    (
        "bad-condition-key-without-values",
        _three(allow(condition={"StringEquals": {"aws:user name": []}})),
        "Statement[2].Condition.StringEquals.aws:user name: is not a condition key",
    ),
    (
        "unknown-operator-with-key-without-values",  # AWS: "Syntax errors in policy."
        _three(allow(condition={"x": {"a": []}})),
        "Statement[2].Condition.x: unknown operator",
    ),
    (
        "condition-value-object",
        _three(allow(condition={"StringEquals": {"aws:username": {"a": 1}}})),
        "Statement[2].Condition.StringEquals.aws:username: must be a string, a number or a boolean",
    ),
    (
        "condition-value-null-in-list",
        _three(allow(condition={"StringEquals": {"aws:username": ["a", None]}})),
        "Statement[2].Condition.StringEquals.aws:username[1]: must be a string, a number or a boolean",
    ),
    (
        "condition-not-object",
        _three(allow(condition=["StringEquals"])),
        "Statement[2].Condition: must be an object",
    ),
    (
        "missing-effect",
        _three({"Action": "*", "Resource": "*"}),
        'Statement[2].Effect: must be "Allow" or "Deny"',
    ),
    (
        "effect-lower-case",
        _three({"Effect": "allow", "Action": "*", "Resource": "*"}),
        'Statement[2].Effect: must be "Allow" or "Deny"',
    ),
    (
        "both-action-and-notaction",
        _three(
            {
                "Effect": "Allow",
                "Action": "iam:GetUser",
                "NotAction": "iam:ListUsers",
                "Resource": "*",
            }
        ),
        "Statement[2]: needs exactly one of Action or NotAction",
    ),
    (
        "neither-action-nor-notaction",
        _three({"Effect": "Allow", "Resource": "*"}),
        "Statement[2]: needs exactly one of Action or NotAction",
    ),
    (
        "bad-action-string",
        _three(allow("iam-GetUser")),
        'Statement[2].Action: "iam-GetUser" is not service:action',
    ),
    (
        "bad-action-in-list",
        _three(allow(["iam:GetUser", "iam:Get:User"])),
        'Statement[2].Action[1]: "iam:Get:User" is not service:action',
    ),
    (
        "action-service-with-space",  # AWS: "Vendor a a is not valid"
        _three(allow("a a:ListBucket")),
        'Statement[2].Action: "a a:ListBucket" is not service:action',
    ),
    (
        "action-service-with-wildcard",  # AWS: "Vendor s3* is not valid"
        _three(allow("s3*:GetObject")),
        'Statement[2].Action: "s3*:GetObject" is not service:action',
    ),
    (
        "action-two-colons",  # AWS: "Actions/Condition can contain only one colon."
        _three(allow("s:3s:ListBucket")),
        'Statement[2].Action: "s:3s:ListBucket" is not service:action',
    ),
    (
        "bad-notaction",
        _three(allow(NotAction="iam")),
        'Statement[2].NotAction: "iam" is not service:action',
    ),
    (
        "action-empty-list",
        _three(allow([])),
        "Statement[2].Action: must be a string or a non-empty list of strings",
    ),
    (
        "action-number",
        _three(allow(5)),
        "Statement[2].Action: must be a string or a non-empty list of strings",
    ),
    (
        "action-list-non-string",
        _three(allow(["iam:GetUser", 3])),
        "Statement[2].Action[1]: must be a string",
    ),
    (
        "resource-not-arn",
        _three(allow("s3:*", "my-bucket")),
        'Statement[2].Resource: "my-bucket" is not "*" or an ARN',
    ),
    (
        "resource-not-arn-in-list",
        _three(allow("s3:*", ["arn:aws:s3:::b", "b/*"])),
        'Statement[2].Resource[1]: "b/*" is not "*" or an ARN',
    ),
    (
        "notresource-not-arn",
        _three(allow("s3:*", None, NotResource="b")),
        'Statement[2].NotResource: "b" is not "*" or an ARN',
    ),
    (
        "resource-empty-list",
        _three(allow("s3:*", [])),
        "Statement[2].Resource: must be a string or a non-empty list of strings",
    ),
    (
        "resource-list-null-then-not-arn",
        _three(allow("s3:*", ["arn:aws:s3:::b", None, "b"])),
        'Statement[2].Resource[2]: "b" is not "*" or an ARN',
    ),
    (
        "resource-null",
        _three(allow("s3:*", None, Resource=None)),
        "Statement[2].Resource: must be a string or a non-empty list of strings",
    ),
    (
        "notresource-list-null",
        _three(allow("s3:*", None, NotResource=["arn:aws:s3:::b", None])),
        "Statement[2].NotResource[1]: must be a string",
    ),
    (
        "action-list-null",
        _three(allow(["iam:GetUser", None])),
        "Statement[2].Action[1]: must be a string",
    ),
    (
        "resource-and-notresource",
        _three({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "*"}),
        "Statement[2]: needs only one of Resource or NotResource",
    ),
    ("no-resource", _three(allow("s3:*", None)), "Statement[2]: needs Resource or NotResource"),
    (
        "principal",
        _three(allow(Principal={"AWS": "*"})),
        "Statement[2].Principal: not allowed in identity-based policies or SCPs",
    ),
    (
        "notprincipal",
        _three(allow(NotPrincipal="*")),
        "Statement[2].NotPrincipal: not allowed in identity-based policies or SCPs",
    ),
    (
        "unknown-statement-element",
        _three(allow(Actions="*")),
        "Statement[2].Actions: unknown element",
    ),
    (
        "sid-with-dash",
        _three(allow(sid="Allow-All")),
        "Statement[2].Sid: must contain only letters, digits and underscores",
    ),
    (
        "sid-with-space",
        _three(allow(sid="Allow All")),
        "Statement[2].Sid: must contain only letters, digits and underscores",
    ),
    (
        "sid-not-string",
        _three(allow(sid=7)),
        "Statement[2].Sid: must contain only letters, digits and underscores",
    ),
    (
        "statement-not-object",
        json.dumps({"Version": V2012, "Statement": [allow(), "Allow"]}),
        "Statement[1]: must be an object",
    ),
    (
        "single-statement-path",
        document({"Effect": "Permit", "Action": "*", "Resource": "*"}),
        'Statement.Effect: must be "Allow" or "Deny"',
    ),
    (
        "duplicate-sid",
        document(allow(sid="Same"), deny(sid="Other"), allow("s3:*", sid="Same")),
        'Statement: the Sid "Same" is used twice',
    ),
    (
        "empty-statement-list",
        json.dumps({"Version": V2012, "Statement": []}),
        "Statement: must be an object or a non-empty list of objects",
    ),
    (
        "statement-string",
        json.dumps({"Version": V2012, "Statement": "Allow"}),
        "Statement: must be an object or a non-empty list of objects",
    ),
    ("missing-statement", json.dumps({"Version": V2012}), "Statement: is required"),
    (
        "unknown-top-level",
        json.dumps({"Version": V2012, "Statement": allow(), "Statements": []}),
        "Statements: unknown element",
    ),
    (
        "bad-version",
        document(allow(), version="2012-10-18"),
        'Version: must be "2012-10-17" or "2008-10-17"',
    ),
    (
        "version-not-string",
        json.dumps({"Version": 2012, "Statement": allow()}),
        'Version: must be "2012-10-17" or "2008-10-17"',
    ),
    (
        "id-not-string",
        json.dumps({"Version": V2012, "Id": 1, "Statement": allow()}),
        "Id: must be a string",
    ),
    ("top-level-list", json.dumps([allow()]), "a policy is a JSON object"),
    ("top-level-string", json.dumps("policy"), "a policy is a JSON object"),
    ("top-level-null", "null", "a policy is a JSON object"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in ERROR_CASES]
)
def test_error_paths(text, expected):
    with pytest.raises(PolicyError) as caught:
        parse(text)
    assert str(caught.value) == expected


def test_error_path_and_message_attributes():
    with pytest.raises(PolicyError) as caught:
        parse(_three(allow(condition={"StringLikee": {"s3:prefix": "a"}})))
    assert caught.value.path == "Statement[2].Condition.StringLikee"
    assert caught.value.message == "unknown operator"


def test_resource_required_outside_scp_mode_but_not_in_it():
    text = document({"Effect": "Deny", "Action": "iam:*"})
    with pytest.raises(PolicyError, match=r"^Statement: needs Resource or NotResource$"):
        parse(text)
    assert isinstance(parse(text, scp=True), Policy)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("{", id="unterminated"),
        pytest.param("{'Version': '2012-10-17'}", id="single-quotes"),
        pytest.param('{"Version": "2012-10-17", "Statement": [}', id="broken-list"),
        pytest.param("Version: 2012-10-17\nStatement: []", id="yaml"),
        pytest.param('{"Version": NaN}', id="NaN"),
        pytest.param('{"Version": Infinity}', id="Infinity"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested-too-deeply"),
    ],
)
def test_non_json_text(text):
    with pytest.raises(PolicyError) as caught:
        parse(text)
    assert caught.value.path == ""
    assert str(caught.value).startswith("not valid JSON (")


@pytest.mark.parametrize(
    "element",
    [
        pytest.param({"Sid": "Abc\n"}, id="Sid"),
        pytest.param(
            {"Condition": {"Bool": {"aws:SecureTransport\n": "true"}}}, id="condition-key"
        ),
    ],
)
def test_trailing_newline_is_rejected(element):
    """(An action with one is stored, as AWS stores it, and matches nothing.)"""
    with pytest.raises(PolicyError):
        parse(document({**allow("iam:GetUser"), **element}))


def test_huge_integer_condition_value_gives_policy_or_policy_error():
    raw = {"Version": V2012, "Statement": allow(condition={"NumericEquals": {"k": 10**5000}})}
    _policy_or_error(raw)


# --- properties: a Policy or a PolicyError, never anything else ------------------------

PROPERTY_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=15,
)


def _policy_or_error(document, *, scp: bool = False) -> Policy | None:
    try:
        result = parse(document, scp=scp)
    except PolicyError:
        return None
    assert isinstance(result, Policy)
    return result


@PROPERTY_SETTINGS
@given(json_values)
def test_any_json_value_gives_policy_or_policy_error(value):
    _policy_or_error(value)
    try:
        text = json.dumps(value)
    except ValueError:
        return
    _policy_or_error(text)


@PROPERTY_SETTINGS
@given(st.text(max_size=200) | st.binary(max_size=100))
def test_any_text_gives_policy_or_policy_error(text):
    _policy_or_error(text)


@PROPERTY_SETTINGS
@given(st.text(alphabet='{}[]":,0123456789.-+eEtrufalsn \n\\', max_size=60))
def test_json_like_text_gives_policy_or_policy_error(text):
    _policy_or_error(text)


# Policy-shaped documents: the right element names with random, often wrong, values.

OPERATORS = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
    "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
    "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
    "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals",
    "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
]  # fmt: skip
operator_names = st.builds(
    lambda prefix, name, suffix: prefix + name + suffix,
    st.sampled_from(["", "", "ForAnyValue:", "ForAllValues:", "Bogus:"]),
    st.sampled_from([*OPERATORS, "StringLikee", ""]),
    st.sampled_from(["", "", "IfExists"]),
) | st.text(max_size=10)
KEYS = [
    "aws:username",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:TagKeys",
    "aws:MultiFactorAuthPresent",
    "s3:prefix",
    "aws:SourceArn",
]
scalar_strings = st.sampled_from(
    [
        "true", "false", "10", "-1.5", "1e3", "NaN", "2024-01-01T00:00:00Z", "2024-01-01",
        "1704067200", "203.0.113.0/24", "2001:db8::/32", "300.1.1.1", "arn:aws:iam::*:user/*",
        "arn:", "*", "?", "", "${aws:username}", "${aws:username, 'x'}", "${*}${?}${$}", "${",
        "${}", "home/${aws:PrincipalTag/team}/*",
    ]
) | st.text(max_size=15)  # fmt: skip
scalars = st.none() | st.booleans() | st.integers() | st.floats() | scalar_strings
condition_values = (
    scalars
    | st.lists(scalars, max_size=4)
    | st.dictionaries(st.text(max_size=5), scalars, max_size=2)
)
condition_blocks = st.dictionaries(
    operator_names,
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=12), condition_values, max_size=3)
    | scalars,
    max_size=3,
)
action_strings = st.sampled_from(
    [
        "*",
        "iam:*",
        "iam:Get*",
        "iam:GetUser",
        "s3:Get?bject",
        "iam",
        "iam:",
        ":x",
        "*:*",
        "iam:Get User",
    ]
) | st.text(max_size=12)
resource_strings = st.sampled_from(
    [
        "*",
        "arn:aws:iam::*:user/${aws:username}",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b/${*}",
        "bucket",
        "arn:",
    ]
) | st.text(max_size=12)


def _string_or_list(strings):
    return strings | st.lists(strings, max_size=3) | scalars


statements = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.sampled_from(["A", "B", "", "Bad-Sid"]) | scalars,
        "Effect": st.sampled_from(["Allow", "Deny", "allow", ""]) | scalars,
        "Action": _string_or_list(action_strings),
        "NotAction": _string_or_list(action_strings),
        "Resource": _string_or_list(resource_strings),
        "NotResource": _string_or_list(resource_strings),
        "Condition": condition_blocks | scalars,
        "Principal": scalars,
    },
)
documents = st.fixed_dictionaries(
    {"Statement": statements | st.lists(statements, max_size=3) | scalars},
    optional={"Version": st.sampled_from([V2012, V2008, "2012-10-18"]) | scalars, "Id": scalars},
)
contexts = st.dictionaries(
    st.sampled_from(KEYS),
    scalar_strings | st.lists(scalar_strings, max_size=3),
    max_size=4,
)


@PROPERTY_SETTINGS
@given(
    documents,
    st.booleans(),
    st.sampled_from(["iam:GetUser", "s3:GetObject", "ec2:RunInstances"]),
    st.sampled_from(["arn:aws:iam::1:user/alice", "arn:aws:s3:::b/*", "*"]),
    contexts,
)
def test_policy_shaped_documents_give_policy_or_policy_error(doc, scp, action, resource, context):
    parsed = _policy_or_error(doc, scp=scp)
    if _finite(doc):  # the same document as JSON text is accepted or refused alike
        assert (_policy_or_error(json.dumps(doc), scp=scp) is None) == (parsed is None)
    if parsed is None:
        return
    # a document that parses can be evaluated, whatever the request context holds
    decision = evaluate(
        action=action,
        resource=resource,
        context=context_of(context),
        identity_policies=[NamedPolicy("random", parsed)],
    )
    assert isinstance(decision, Decision)
    assert decision.explanation


def _finite(value) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True
