"""Condition operators, case by case, as AWS documents them.

Every case builds a one-statement policy that allows ``s3:GetObject`` only
under the condition, parses it with ``parse()`` and evaluates a request whose
context is ``context_of(...)``: the request is allowed exactly when the
condition holds.

Sources: IAM User Guide, "IAM JSON policy elements: Condition operators",
"Single-valued vs. multivalued context keys", "IAM policy elements: Variables
and tags" and "Condition with multiple context keys or values".
"""

from __future__ import annotations

import pytest

from identity.policy import ALLOW, EXPLICIT_DENY, NamedPolicy, context_of, evaluate

from .support import ACTION, RESOURCE, V2008, V2012, allow, condition_holds, deny, policy

ABSENT: dict = {}


def case(id_, condition, context, expected, *, version=V2012, marks=()):
    return pytest.param(condition, context, expected, version, id=id_, marks=marks)


def _check(condition, context, expected, version):
    assert condition_holds(condition, context, version=version) is expected


# --- String operators ------------------------------------------------------------

USER = "aws:username"

STRING_CASES = [
    # StringEquals: exact, case-sensitive
    case("StringEquals-match", {"StringEquals": {USER: "johndoe"}}, {USER: "johndoe"}, True),
    case(
        "StringEquals-case-differs", {"StringEquals": {USER: "johndoe"}}, {USER: "JohnDoe"}, False
    ),
    case("StringEquals-no-match", {"StringEquals": {USER: "johndoe"}}, {USER: "alice"}, False),
    case(
        "StringEquals-no-prefix-match", {"StringEquals": {USER: "john"}}, {USER: "johndoe"}, False
    ),
    case(
        "StringEquals-wildcard-is-literal",
        {"StringEquals": {USER: "john*"}},
        {USER: "johndoe"},
        False,
    ),
    case("StringEquals-absent", {"StringEquals": {USER: "johndoe"}}, ABSENT, False),
    case("StringEqualsIfExists-absent", {"StringEqualsIfExists": {USER: "johndoe"}}, ABSENT, True),
    case(
        "StringEqualsIfExists-match",
        {"StringEqualsIfExists": {USER: "johndoe"}},
        {USER: "johndoe"},
        True,
    ),
    case(
        "StringEqualsIfExists-no-match",
        {"StringEqualsIfExists": {USER: "johndoe"}},
        {USER: "bob"},
        False,
    ),
    case(
        "StringEquals-number-value",
        {"StringEquals": {"s3:max-keys": 10}},
        {"s3:max-keys": "10"},
        True,
    ),
    case("StringEquals-empty-string", {"StringEquals": {"s3:prefix": ""}}, {"s3:prefix": ""}, True),
    # StringNotEquals
    case("StringNotEquals-differs", {"StringNotEquals": {USER: "johndoe"}}, {USER: "alice"}, True),
    case("StringNotEquals-equal", {"StringNotEquals": {USER: "johndoe"}}, {USER: "johndoe"}, False),
    case(
        "StringNotEquals-case-differs",
        {"StringNotEquals": {USER: "johndoe"}},
        {USER: "JohnDoe"},
        True,
    ),
    case("StringNotEquals-absent", {"StringNotEquals": {USER: "johndoe"}}, ABSENT, True),
    case("StringNotEqualsIfExists-absent", {"StringNotEqualsIfExists": {USER: "x"}}, ABSENT, True),
    case(
        "StringNotEqualsIfExists-equal",
        {"StringNotEqualsIfExists": {USER: "x"}},
        {USER: "x"},
        False,
    ),
    # StringEqualsIgnoreCase / StringNotEqualsIgnoreCase
    case(
        "StringEqualsIgnoreCase-mixed",
        {"StringEqualsIgnoreCase": {USER: "johndoe"}},
        {USER: "JohnDoe"},
        True,
    ),
    case(
        "StringEqualsIgnoreCase-upper",
        {"StringEqualsIgnoreCase": {USER: "JohnDoe"}},
        {USER: "JOHNDOE"},
        True,
    ),
    case(
        "StringEqualsIgnoreCase-no-match",
        {"StringEqualsIgnoreCase": {USER: "johndoe"}},
        {USER: "jane"},
        False,
    ),
    case(
        "StringEqualsIgnoreCase-absent",
        {"StringEqualsIgnoreCase": {USER: "johndoe"}},
        ABSENT,
        False,
    ),
    case(
        "StringEqualsIgnoreCaseIfExists-absent",
        {"StringEqualsIgnoreCaseIfExists": {USER: "j"}},
        ABSENT,
        True,
    ),
    case(
        "StringNotEqualsIgnoreCase-mixed",
        {"StringNotEqualsIgnoreCase": {USER: "johndoe"}},
        {USER: "JohnDoe"},
        False,
    ),
    case(
        "StringNotEqualsIgnoreCase-differs",
        {"StringNotEqualsIgnoreCase": {USER: "johndoe"}},
        {USER: "jane"},
        True,
    ),
    case(
        "StringNotEqualsIgnoreCase-absent",
        {"StringNotEqualsIgnoreCase": {USER: "johndoe"}},
        ABSENT,
        True,
    ),
    # StringLike: * any run (also empty), ? exactly one character, case-sensitive
    case(
        "StringLike-star-suffix",
        {"StringLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "home/alice/x"},
        True,
    ),
    case(
        "StringLike-star-empty",
        {"StringLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "home/"},
        True,
    ),
    case(
        "StringLike-star-no-match",
        {"StringLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "tmp/home/x"},
        False,
    ),
    case(
        "StringLike-case-sensitive",
        {"StringLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "Home/x"},
        False,
    ),
    case(
        "StringLike-question-one",
        {"StringLike": {"s3:prefix": "h?me"}},
        {"s3:prefix": "hame"},
        True,
    ),
    case(
        "StringLike-question-not-zero",
        {"StringLike": {"s3:prefix": "h?me"}},
        {"s3:prefix": "hme"},
        False,
    ),
    case(
        "StringLike-question-not-two",
        {"StringLike": {"s3:prefix": "h?me"}},
        {"s3:prefix": "haame"},
        False,
    ),
    case(
        "StringLike-two-questions", {"StringLike": {"s3:prefix": "??"}}, {"s3:prefix": "ab"}, True
    ),
    case(
        "StringLike-two-questions-three-chars",
        {"StringLike": {"s3:prefix": "??"}},
        {"s3:prefix": "abc"},
        False,
    ),
    case(
        "StringLike-multi-star",
        {"StringLike": {"s3:prefix": "a*b*c"}},
        {"s3:prefix": "axxbyyc"},
        True,
    ),
    case(
        "StringLike-multi-star-no-end",
        {"StringLike": {"s3:prefix": "a*b*c"}},
        {"s3:prefix": "axxbyy"},
        False,
    ),
    case(
        "StringLike-star-and-question",
        {"StringLike": {"s3:prefix": "*/?.txt"}},
        {"s3:prefix": "d/e/f.txt"},
        True,
    ),
    case(
        "StringLike-star-matches-slash-and-newline",
        {"StringLike": {"s3:prefix": "a*z"}},
        {"s3:prefix": "a/\nz"},
        True,
    ),
    case(
        "StringLike-only-star-empty-value",
        {"StringLike": {"s3:prefix": "*"}},
        {"s3:prefix": ""},
        True,
    ),
    case(
        "StringLike-regex-chars-literal",
        {"StringLike": {"s3:prefix": "a.b+[c]"}},
        {"s3:prefix": "axbb[c]"},
        False,
    ),
    case(
        "StringLike-regex-chars-exact",
        {"StringLike": {"s3:prefix": "a.b+[c]"}},
        {"s3:prefix": "a.b+[c]"},
        True,
    ),
    case(
        "StringLike-whole-value",
        {"StringLike": {"s3:prefix": "home"}},
        {"s3:prefix": "home/x"},
        False,
    ),
    case("StringLike-absent", {"StringLike": {"s3:prefix": "*"}}, ABSENT, False),
    case(
        "StringLikeIfExists-absent", {"StringLikeIfExists": {"s3:prefix": "home/*"}}, ABSENT, True
    ),
    case(
        "StringLikeIfExists-no-match",
        {"StringLikeIfExists": {"s3:prefix": "home/*"}},
        {"s3:prefix": "x"},
        False,
    ),
    # StringNotLike
    case(
        "StringNotLike-no-match",
        {"StringNotLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "tmp/x"},
        True,
    ),
    case(
        "StringNotLike-match",
        {"StringNotLike": {"s3:prefix": "home/*"}},
        {"s3:prefix": "home/x"},
        False,
    ),
    case(
        "StringNotLike-question",
        {"StringNotLike": {"s3:prefix": "h?me"}},
        {"s3:prefix": "hoome"},
        True,
    ),
    case("StringNotLike-absent", {"StringNotLike": {"s3:prefix": "home/*"}}, ABSENT, True),
    case(
        "StringNotLikeIfExists-absent",
        {"StringNotLikeIfExists": {"s3:prefix": "home/*"}},
        ABSENT,
        True,
    ),
    # several policy values for one key: ORed
    case(
        "StringEquals-values-ORed-hit",
        {"StringEquals": {USER: ["alice", "bob"]}},
        {USER: "bob"},
        True,
    ),
    case(
        "StringEquals-values-ORed-miss",
        {"StringEquals": {USER: ["alice", "bob"]}},
        {USER: "carol"},
        False,
    ),
    case(
        "StringNotEquals-values-one-equal",
        {"StringNotEquals": {USER: ["alice", "bob"]}},
        {USER: "bob"},
        False,
    ),
    case(
        "StringNotEquals-values-none-equal",
        {"StringNotEquals": {USER: ["alice", "bob"]}},
        {USER: "carol"},
        True,
    ),
    case(
        "StringLike-values-ORed",
        {"StringLike": {"s3:prefix": ["a/*", "b/*"]}},
        {"s3:prefix": "b/1"},
        True,
    ),
    case(
        "StringNotLike-values-one-like",
        {"StringNotLike": {"s3:prefix": ["a/*", "b/*"]}},
        {"s3:prefix": "b/1"},
        False,
    ),
    case(
        "StringNotLike-values-none-like",
        {"StringNotLike": {"s3:prefix": ["a/*", "b/*"]}},
        {"s3:prefix": "c/1"},
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), STRING_CASES)
def test_string_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- Numeric operators -----------------------------------------------------------

KEYS = "s3:max-keys"

NUMERIC_CASES = [
    case("NumericEquals-int", {"NumericEquals": {KEYS: 10}}, {KEYS: 10}, True),
    case("NumericEquals-string-policy", {"NumericEquals": {KEYS: "10"}}, {KEYS: "10"}, True),
    case("NumericEquals-float-same-number", {"NumericEquals": {KEYS: 10}}, {KEYS: "10.0"}, True),
    case("NumericEquals-exponent", {"NumericEquals": {KEYS: 1000}}, {KEYS: "1e3"}, True),
    case("NumericEquals-negative", {"NumericEquals": {KEYS: -5}}, {KEYS: "-5"}, True),
    case("NumericEquals-other", {"NumericEquals": {KEYS: 10}}, {KEYS: 11}, False),
    case("NumericEquals-float", {"NumericEquals": {KEYS: 2.5}}, {KEYS: "2.5"}, True),
    case("NumericEquals-non-numeric", {"NumericEquals": {KEYS: 10}}, {KEYS: "ten"}, False),
    case("NumericEquals-empty-string", {"NumericEquals": {KEYS: 10}}, {KEYS: ""}, False),
    case("NumericEquals-hex-not-a-number", {"NumericEquals": {KEYS: 16}}, {KEYS: "0x10"}, False),
    case("NumericEquals-NaN-not-a-number", {"NumericEquals": {KEYS: 10}}, {KEYS: "NaN"}, False),
    case(
        "NumericGreaterThan-Infinity-not-a-number",
        {"NumericGreaterThan": {KEYS: 10}},
        {KEYS: "Infinity"},
        False,
    ),
    case("NumericEquals-absent", {"NumericEquals": {KEYS: 10}}, ABSENT, False),
    case("NumericEqualsIfExists-absent", {"NumericEqualsIfExists": {KEYS: 10}}, ABSENT, True),
    case("NumericEquals-values-ORed", {"NumericEquals": {KEYS: [1, 2, 3]}}, {KEYS: 2}, True),
    case("NumericEquals-values-ORed-miss", {"NumericEquals": {KEYS: [1, 2, 3]}}, {KEYS: 4}, False),
    case("NumericNotEquals-differs", {"NumericNotEquals": {KEYS: 10}}, {KEYS: 11}, True),
    case("NumericNotEquals-equal", {"NumericNotEquals": {KEYS: 10}}, {KEYS: "10.0"}, False),
    case("NumericNotEquals-absent", {"NumericNotEquals": {KEYS: 10}}, ABSENT, True),
    case("NumericNotEqualsIfExists-absent", {"NumericNotEqualsIfExists": {KEYS: 10}}, ABSENT, True),
    case("NumericLessThan-below", {"NumericLessThan": {KEYS: 10}}, {KEYS: 9}, True),
    case("NumericLessThan-float-below", {"NumericLessThan": {KEYS: 10}}, {KEYS: "9.99"}, True),
    case("NumericLessThan-equal", {"NumericLessThan": {KEYS: 10}}, {KEYS: 10}, False),
    case("NumericLessThan-above", {"NumericLessThan": {KEYS: 10}}, {KEYS: 11}, False),
    case("NumericLessThan-negative", {"NumericLessThan": {KEYS: 0}}, {KEYS: -1}, True),
    case(
        "NumericLessThan-numeric-not-lexical", {"NumericLessThan": {KEYS: 100}}, {KEYS: "20"}, True
    ),
    case("NumericLessThan-non-numeric", {"NumericLessThan": {KEYS: 10}}, {KEYS: "abc"}, False),
    case("NumericLessThan-absent", {"NumericLessThan": {KEYS: 10}}, ABSENT, False),
    case("NumericLessThanEquals-equal", {"NumericLessThanEquals": {KEYS: 10}}, {KEYS: 10}, True),
    case(
        "NumericLessThanEquals-above", {"NumericLessThanEquals": {KEYS: 10}}, {KEYS: "10.01"}, False
    ),
    case(
        "NumericLessThanEqualsIfExists-absent",
        {"NumericLessThanEqualsIfExists": {KEYS: 1}},
        ABSENT,
        True,
    ),
    case("NumericGreaterThan-above", {"NumericGreaterThan": {KEYS: 2.5}}, {KEYS: 3}, True),
    case("NumericGreaterThan-equal", {"NumericGreaterThan": {KEYS: 2.5}}, {KEYS: "2.5"}, False),
    case(
        "NumericGreaterThan-just-above",
        {"NumericGreaterThan": {KEYS: 2.5}},
        {KEYS: "2.50001"},
        True,
    ),
    case(
        "NumericGreaterThan-non-numeric", {"NumericGreaterThan": {KEYS: 2.5}}, {KEYS: "many"}, False
    ),
    case("NumericGreaterThan-absent", {"NumericGreaterThan": {KEYS: 2.5}}, ABSENT, False),
    case(
        "NumericGreaterThanEquals-equal",
        {"NumericGreaterThanEquals": {KEYS: 2.5}},
        {KEYS: 2.5},
        True,
    ),
    case(
        "NumericGreaterThanEquals-below",
        {"NumericGreaterThanEquals": {KEYS: 2.5}},
        {KEYS: 2.4},
        False,
    ),
    case(
        "NumericGreaterThanEqualsIfExists-absent",
        {"NumericGreaterThanEqualsIfExists": {KEYS: 1}},
        ABSENT,
        True,
    ),
    case(
        "NumericEquals-python-underscore-literal-is-not-a-number",
        {"NumericEquals": {KEYS: 1000}},
        {KEYS: "1_000"},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), NUMERIC_CASES)
def test_numeric_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- Date operators --------------------------------------------------------------

NOW = "aws:CurrentTime"
NEW_YEAR = "2024-01-01T00:00:00Z"  # epoch 1704067200
JUNE = "2024-06-01T00:00:00Z"  # epoch 1717200000

DATE_CASES = [
    case("DateEquals-same-Z", {"DateEquals": {NOW: NEW_YEAR}}, {NOW: NEW_YEAR}, True),
    case(
        "DateEquals-plus-offset",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-01T09:00:00+09:00"},
        True,
    ),
    case(
        "DateEquals-minus-offset",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2023-12-31T19:00:00-05:00"},
        True,
    ),
    case(
        "DateEquals-zero-offset",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-01T00:00:00+00:00"},
        True,
    ),
    case(
        "DateEquals-date-only-is-midnight-UTC",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-01"},
        True,
    ),
    case("DateEquals-date-only-policy", {"DateEquals": {NOW: "2024-01-01"}}, {NOW: NEW_YEAR}, True),
    case("DateEquals-epoch-request", {"DateEquals": {NOW: NEW_YEAR}}, {NOW: "1704067200"}, True),
    case(
        "DateEquals-epoch-policy-number", {"DateEquals": {NOW: 1704067200}}, {NOW: NEW_YEAR}, True
    ),
    case(
        "DateEquals-fractional-seconds",
        {"DateEquals": {NOW: "2024-01-01T00:00:00.5Z"}},
        {NOW: "1704067200.5"},
        True,
    ),
    case(
        "DateEquals-one-second-later",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-01T00:00:01Z"},
        False,
    ),
    case(
        "DateEquals-same-clock-other-zone",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-01T00:00:00+09:00"},
        False,
    ),
    case("DateEquals-not-a-date", {"DateEquals": {NOW: NEW_YEAR}}, {NOW: "yesterday"}, False),
    case(
        "DateEquals-invalid-month",
        {"DateEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-13-01T00:00:00Z"},
        False,
    ),
    case("DateEquals-absent", {"DateEquals": {NOW: NEW_YEAR}}, ABSENT, False),
    case("DateEqualsIfExists-absent", {"DateEqualsIfExists": {NOW: NEW_YEAR}}, ABSENT, True),
    case(
        "DateEquals-values-ORed",
        {"DateEquals": {NOW: ["2023-01-01", "2024-01-01"]}},
        {NOW: NEW_YEAR},
        True,
    ),
    case("DateNotEquals-other", {"DateNotEquals": {NOW: NEW_YEAR}}, {NOW: "2024-01-02"}, True),
    case(
        "DateNotEquals-same-instant",
        {"DateNotEquals": {NOW: NEW_YEAR}},
        {NOW: "2024-01-01T09:00:00+09:00"},
        False,
    ),
    case("DateNotEquals-absent", {"DateNotEquals": {NOW: NEW_YEAR}}, ABSENT, True),
    case("DateLessThan-before", {"DateLessThan": {NOW: JUNE}}, {NOW: "2024-05-31T23:59:59Z"}, True),
    case("DateLessThan-equal", {"DateLessThan": {NOW: JUNE}}, {NOW: JUNE}, False),
    case(
        "DateLessThan-before-in-offset",
        {"DateLessThan": {NOW: JUNE}},
        {NOW: "2024-06-01T08:59:59+09:00"},
        True,
    ),
    case(
        "DateLessThan-later-in-offset",
        {"DateLessThan": {NOW: JUNE}},
        {NOW: "2024-05-31T20:00:00-05:00"},
        False,
    ),
    case("DateLessThan-epoch-request", {"DateLessThan": {NOW: JUNE}}, {NOW: "1717199999"}, True),
    case(
        "DateLessThan-epoch-policy",
        {"DateLessThan": {NOW: "1717200000"}},
        {NOW: "2024-06-01T00:00:01Z"},
        False,
    ),
    case("DateLessThan-garbage", {"DateLessThan": {NOW: JUNE}}, {NOW: "soon"}, False),
    case("DateLessThan-absent", {"DateLessThan": {NOW: JUNE}}, ABSENT, False),
    case("DateLessThanIfExists-absent", {"DateLessThanIfExists": {NOW: JUNE}}, ABSENT, True),
    case(
        "DateLessThanEquals-equal",
        {"DateLessThanEquals": {NOW: JUNE}},
        {NOW: "2024-06-01T09:00:00+09:00"},
        True,
    ),
    case(
        "DateLessThanEquals-after",
        {"DateLessThanEquals": {NOW: JUNE}},
        {NOW: "2024-06-01T00:00:01Z"},
        False,
    ),
    case(
        "DateGreaterThan-after",
        {"DateGreaterThan": {NOW: JUNE}},
        {NOW: "2024-06-01T00:00:01Z"},
        True,
    ),
    case(
        "DateGreaterThan-equal",
        {"DateGreaterThan": {NOW: JUNE}},
        {NOW: "2024-06-01T09:00:00+09:00"},
        False,
    ),
    case("DateGreaterThan-date-only", {"DateGreaterThan": {NOW: "2024-05-31"}}, {NOW: JUNE}, True),
    case("DateGreaterThan-absent", {"DateGreaterThan": {NOW: JUNE}}, ABSENT, False),
    case(
        "DateGreaterThanEquals-equal",
        {"DateGreaterThanEquals": {NOW: JUNE}},
        {NOW: "1717200000"},
        True,
    ),
    case(
        "DateGreaterThanEquals-before",
        {"DateGreaterThanEquals": {NOW: JUNE}},
        {NOW: "2024-05-31"},
        False,
    ),
    case(
        "DateGreaterThanEqualsIfExists-absent",
        {"DateGreaterThanEqualsIfExists": {NOW: JUNE}},
        ABSENT,
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), DATE_CASES)
def test_date_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- Bool, Binary -----------------------------------------------------------------

MFA = "aws:MultiFactorAuthPresent"
TLS = "aws:SecureTransport"
BLOB = "QmluYXJ5VmFsdWVJbkJhc2U2NA=="

BOOL_BINARY_CASES = [
    case("Bool-true-true", {"Bool": {TLS: "true"}}, {TLS: True}, True),
    case("Bool-true-false", {"Bool": {TLS: "true"}}, {TLS: False}, False),
    case("Bool-false-false", {"Bool": {TLS: "false"}}, {TLS: "false"}, True),
    case("Bool-false-true", {"Bool": {TLS: "false"}}, {TLS: "true"}, False),
    case("Bool-json-boolean-value", {"Bool": {TLS: True}}, {TLS: "true"}, True),
    case("Bool-json-false-value", {"Bool": {TLS: False}}, {TLS: "false"}, True),
    case("Bool-non-boolean-request", {"Bool": {TLS: "true"}}, {TLS: "yes"}, False),
    case("Bool-non-boolean-policy", {"Bool": {TLS: "yes"}}, {TLS: "yes"}, False),
    case("Bool-absent", {"Bool": {TLS: "true"}}, ABSENT, False),
    case("Bool-false-absent", {"Bool": {MFA: "false"}}, ABSENT, False),
    case("BoolIfExists-false-absent", {"BoolIfExists": {MFA: "false"}}, ABSENT, True),
    case("BoolIfExists-false-false", {"BoolIfExists": {MFA: "false"}}, {MFA: "false"}, True),
    case("BoolIfExists-false-true", {"BoolIfExists": {MFA: "false"}}, {MFA: "true"}, False),
    case("BoolIfExists-true-absent", {"BoolIfExists": {MFA: "true"}}, ABSENT, True),
    case("BinaryEquals-match", {"BinaryEquals": {"key": BLOB}}, {"key": BLOB}, True),
    case("BinaryEquals-other", {"BinaryEquals": {"key": BLOB}}, {"key": "QmluYXJ5"}, False),
    case(
        "BinaryEquals-case-sensitive", {"BinaryEquals": {"key": BLOB}}, {"key": BLOB.lower()}, False
    ),
    case(
        "BinaryEquals-values-ORed",
        {"BinaryEquals": {"key": ["QmluYXJ5", BLOB]}},
        {"key": BLOB},
        True,
    ),
    case("BinaryEquals-absent", {"BinaryEquals": {"key": BLOB}}, ABSENT, False),
    case("BinaryEqualsIfExists-absent", {"BinaryEqualsIfExists": {"key": BLOB}}, ABSENT, True),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), BOOL_BINARY_CASES)
def test_bool_and_binary_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- IP address -------------------------------------------------------------------

IP = "aws:SourceIp"
NET4 = "203.0.113.0/24"
NET6 = "2001:DB8:1234:5678::/64"

IP_CASES = [
    case("IpAddress-v4-in-cidr", {"IpAddress": {IP: NET4}}, {IP: "203.0.113.5"}, True),
    case("IpAddress-v4-cidr-edge", {"IpAddress": {IP: NET4}}, {IP: "203.0.113.255"}, True),
    case("IpAddress-v4-outside", {"IpAddress": {IP: NET4}}, {IP: "203.0.114.5"}, False),
    case(
        "IpAddress-v4-single-address", {"IpAddress": {IP: "203.0.113.5"}}, {IP: "203.0.113.5"}, True
    ),
    case(
        "IpAddress-v4-single-other", {"IpAddress": {IP: "203.0.113.5"}}, {IP: "203.0.113.6"}, False
    ),
    case("IpAddress-v4-slash32", {"IpAddress": {IP: "203.0.113.5/32"}}, {IP: "203.0.113.5"}, True),
    case("IpAddress-v6-in-cidr", {"IpAddress": {IP: NET6}}, {IP: "2001:db8:1234:5678::1"}, True),
    case(
        "IpAddress-v6-expanded",
        {"IpAddress": {IP: NET6}},
        {IP: "2001:0db8:1234:5678:ffff:0:0:1"},
        True,
    ),
    case("IpAddress-v6-outside", {"IpAddress": {IP: NET6}}, {IP: "2001:db8:1234:5679::1"}, False),
    case(
        "IpAddress-v6-single-address", {"IpAddress": {IP: "2001:db8::1"}}, {IP: "2001:DB8::1"}, True
    ),
    case(
        "IpAddress-v4-net-v6-address", {"IpAddress": {IP: "0.0.0.0/0"}}, {IP: "2001:db8::1"}, False
    ),
    case("IpAddress-v6-net-v4-address", {"IpAddress": {IP: "::/0"}}, {IP: "203.0.113.5"}, False),
    case("IpAddress-not-an-address", {"IpAddress": {IP: NET4}}, {IP: "example.com"}, False),
    case(
        "IpAddress-values-ORed",
        {"IpAddress": {IP: ["10.0.0.0/8", "192.168.0.0/16"]}},
        {IP: "192.168.1.1"},
        True,
    ),
    case(
        "IpAddress-values-ORed-miss",
        {"IpAddress": {IP: ["10.0.0.0/8", "192.168.0.0/16"]}},
        {IP: "172.16.0.1"},
        False,
    ),
    case("IpAddress-absent", {"IpAddress": {IP: NET4}}, ABSENT, False),
    case("IpAddressIfExists-absent", {"IpAddressIfExists": {IP: NET4}}, ABSENT, True),
    case("NotIpAddress-inside", {"NotIpAddress": {IP: NET4}}, {IP: "203.0.113.5"}, False),
    case("NotIpAddress-outside", {"NotIpAddress": {IP: NET4}}, {IP: "198.51.100.1"}, True),
    case(
        "NotIpAddress-v6-inside", {"NotIpAddress": {IP: NET6}}, {IP: "2001:db8:1234:5678::9"}, False
    ),
    case("NotIpAddress-version-mismatch", {"NotIpAddress": {IP: NET4}}, {IP: "2001:db8::1"}, True),
    case(
        "NotIpAddress-values-one-inside",
        {"NotIpAddress": {IP: ["10.0.0.0/8", "192.168.0.0/16"]}},
        {IP: "10.1.1.1"},
        False,
    ),
    case(
        "NotIpAddress-values-none-inside",
        {"NotIpAddress": {IP: ["10.0.0.0/8", "192.168.0.0/16"]}},
        {IP: "172.16.0.1"},
        True,
    ),
    case("NotIpAddress-absent", {"NotIpAddress": {IP: NET4}}, ABSENT, True),
    case("NotIpAddressIfExists-absent", {"NotIpAddressIfExists": {IP: NET4}}, ABSENT, True),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), IP_CASES)
def test_ip_address_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- ARN --------------------------------------------------------------------------

SRC = "aws:SourceArn"
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"

ARN_CASES = [
    case("ArnEquals-same", {"ArnEquals": {SRC: TOPIC}}, {SRC: TOPIC}, True),
    case(
        "ArnEquals-other-region",
        {"ArnEquals": {SRC: TOPIC}},
        {SRC: TOPIC.replace("us-east-1", "eu-west-1")},
        False,
    ),
    case(
        "ArnEquals-wildcards-like-ArnLike",
        {"ArnEquals": {SRC: "arn:aws:sns:*:123456789012:*"}},
        {SRC: TOPIC},
        True,
    ),
    case(
        "ArnEquals-case-sensitive",
        {"ArnEquals": {SRC: TOPIC}},
        {SRC: TOPIC.replace("alerts", "Alerts")},
        False,
    ),
    case("ArnEquals-absent", {"ArnEquals": {SRC: TOPIC}}, ABSENT, False),
    case("ArnEqualsIfExists-absent", {"ArnEqualsIfExists": {SRC: TOPIC}}, ABSENT, True),
    case(
        "ArnLike-star-resource",
        {"ArnLike": {SRC: "arn:aws:iam::123456789012:user/*"}},
        {SRC: "arn:aws:iam::123456789012:user/alice"},
        True,
    ),
    case(
        "ArnLike-other-resource-type",
        {"ArnLike": {SRC: "arn:aws:iam::123456789012:user/*"}},
        {SRC: "arn:aws:iam::123456789012:role/alice"},
        False,
    ),
    case(
        "ArnLike-star-region",
        {"ArnLike": {SRC: "arn:aws:sns:*:123456789012:alerts"}},
        {SRC: TOPIC},
        True,
    ),
    case(
        "ArnLike-other-account",
        {"ArnLike": {SRC: "arn:aws:sns:*:123456789012:alerts"}},
        {SRC: "arn:aws:sns:us-east-1:999999999999:alerts"},
        False,
    ),
    case(
        "ArnLike-question",
        {"ArnLike": {SRC: "arn:aws:s3:::bucket-?"}},
        {SRC: "arn:aws:s3:::bucket-a"},
        True,
    ),
    case(
        "ArnLike-question-two-chars",
        {"ArnLike": {SRC: "arn:aws:s3:::bucket-?"}},
        {SRC: "arn:aws:s3:::bucket-ab"},
        False,
    ),
    case(
        "ArnLike-star-does-not-span-components",
        {"ArnLike": {SRC: "arn:aws:sns:*:alerts"}},
        {SRC: TOPIC},
        False,
    ),
    case(
        "ArnLike-resource-with-colons",
        {"ArnLike": {SRC: "arn:aws:logs:*:*:log-group:app:*"}},
        {SRC: "arn:aws:logs:us-east-1:1:log-group:app:log-stream:x"},
        True,
    ),
    case(
        "ArnLike-case-sensitive",
        {"ArnLike": {SRC: "arn:aws:iam::*:user/alice"}},
        {SRC: "arn:aws:iam::1:user/Alice"},
        False,
    ),
    case(
        "ArnLike-request-not-an-arn",
        {"ArnLike": {SRC: "arn:aws:iam::*:user/*"}},
        {SRC: "alice"},
        False,
    ),
    case(
        "ArnLike-values-ORed",
        {"ArnLike": {SRC: ["arn:aws:s3:::a", "arn:aws:s3:::b*"]}},
        {SRC: "arn:aws:s3:::bee"},
        True,
    ),
    case("ArnLike-absent", {"ArnLike": {SRC: "arn:aws:*:*:*:*"}}, ABSENT, False),
    case("ArnLikeIfExists-absent", {"ArnLikeIfExists": {SRC: "arn:aws:*:*:*:*"}}, ABSENT, True),
    case("ArnNotEquals-same", {"ArnNotEquals": {SRC: TOPIC}}, {SRC: TOPIC}, False),
    case("ArnNotEquals-other", {"ArnNotEquals": {SRC: TOPIC}}, {SRC: TOPIC + "2"}, True),
    case("ArnNotEquals-absent", {"ArnNotEquals": {SRC: TOPIC}}, ABSENT, True),
    case("ArnNotLike-like", {"ArnNotLike": {SRC: "arn:aws:sns:*:*:*"}}, {SRC: TOPIC}, False),
    case("ArnNotLike-not-like", {"ArnNotLike": {SRC: "arn:aws:sqs:*:*:*"}}, {SRC: TOPIC}, True),
    case(
        "ArnNotLike-values-one-like",
        {"ArnNotLike": {SRC: ["arn:aws:sqs:*:*:*", "arn:aws:sns:*:*:*"]}},
        {SRC: TOPIC},
        False,
    ),
    case("ArnNotLike-absent", {"ArnNotLike": {SRC: "arn:aws:sns:*:*:*"}}, ABSENT, True),
    case(
        "ArnNotLikeIfExists-absent",
        {"ArnNotLikeIfExists": {SRC: "arn:aws:sns:*:*:*"}},
        ABSENT,
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), ARN_CASES)
def test_arn_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- Null ---------------------------------------------------------------------------

TOKEN = "aws:TokenIssueTime"

NULL_CASES = [
    case("Null-true-absent", {"Null": {TOKEN: "true"}}, ABSENT, True),
    case("Null-true-present", {"Null": {TOKEN: "true"}}, {TOKEN: "2024-01-01T00:00:00Z"}, False),
    case("Null-false-present", {"Null": {TOKEN: "false"}}, {TOKEN: "2024-01-01T00:00:00Z"}, True),
    case("Null-false-absent", {"Null": {TOKEN: "false"}}, ABSENT, False),
    case("Null-json-true", {"Null": {TOKEN: True}}, ABSENT, True),
    case("Null-json-false", {"Null": {TOKEN: False}}, {TOKEN: "x"}, True),
    case("Null-false-present-false-value", {"Null": {MFA: "false"}}, {MFA: "false"}, True),
    case("Null-two-keys-ANDed", {"Null": {TOKEN: "true", MFA: "false"}}, {MFA: "true"}, True),
    case(
        "Null-two-keys-one-fails",
        {"Null": {TOKEN: "true", MFA: "false"}},
        {TOKEN: "t", MFA: "true"},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), NULL_CASES)
def test_null_operator(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- Several keys and operators: ANDed; key names case-insensitive ---------------------

TEAM = "aws:PrincipalTag/team"
COMBINED = {
    "StringEquals": {USER: "alice", TEAM: "red"},
    "IpAddress": {IP: NET4},
    "Bool": {MFA: "true"},
}
ALL_MET = {USER: "alice", TEAM: "red", IP: "203.0.113.7", MFA: True}

AND_CASES = [
    case(
        "two-keys-both-hold",
        {"StringEquals": {USER: "alice", TEAM: "red"}},
        {USER: "alice", TEAM: "red"},
        True,
    ),
    case(
        "two-keys-one-fails",
        {"StringEquals": {USER: "alice", TEAM: "red"}},
        {USER: "alice", TEAM: "blue"},
        False,
    ),
    case(
        "two-keys-one-absent",
        {"StringEquals": {USER: "alice", TEAM: "red"}},
        {USER: "alice"},
        False,
    ),
    case("three-operators-all-hold", COMBINED, ALL_MET, True),
    case("three-operators-ip-fails", COMBINED, {**ALL_MET, IP: "198.51.100.1"}, False),
    case("three-operators-mfa-fails", COMBINED, {**ALL_MET, MFA: False}, False),
    case(
        "three-operators-mfa-absent",
        COMBINED,
        {USER: "alice", TEAM: "red", IP: "203.0.113.7"},
        False,
    ),
    case(
        "values-ORed-keys-ANDed",
        {"StringEquals": {USER: ["alice", "bob"], TEAM: ["red", "blue"]}},
        {USER: "bob", TEAM: "blue"},
        True,
    ),
    case(
        "values-ORed-keys-ANDed-miss",
        {"StringEquals": {USER: ["alice", "bob"], TEAM: ["red", "blue"]}},
        {USER: "bob", TEAM: "green"},
        False,
    ),
    case(
        "negated-and-positive",
        {"StringNotEquals": {USER: "root"}, "StringLike": {"s3:prefix": "home/*"}},
        {USER: "alice", "s3:prefix": "home/a"},
        True,
    ),
    case("empty-condition-block", {}, ABSENT, True),
    # condition key names are not case-sensitive, on either side
    case(
        "key-case-policy-upper",
        {"StringEquals": {"AWS:UserName": "alice"}},
        {"aws:username": "alice"},
        True,
    ),
    case(
        "key-case-request-upper",
        {"StringEquals": {"aws:username": "alice"}},
        {"AWS:USERNAME": "alice"},
        True,
    ),
    case(
        "key-case-tag-key",
        {"StringEquals": {"aws:PrincipalTag/Team": "red"}},
        {"aws:principaltag/team": "red"},
        True,
    ),
    case(
        "key-case-ip", {"IpAddress": {"aws:SourceIP": NET4}}, {"AWS:SourceIp": "203.0.113.1"}, True
    ),
    case(
        "key-case-null",
        {"Null": {"AWS:TokenIssueTime": "false"}},
        {"aws:tokenissuetime": "t"},
        True,
    ),
    case(
        "key-case-value-still-sensitive",
        {"StringEquals": {"AWS:UserName": "alice"}},
        {"aws:username": "Alice"},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), AND_CASES)
def test_keys_and_operators_are_anded(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- ForAnyValue / ForAllValues over multivalued keys -----------------------------------

TAGS = "aws:TagKeys"

SET_CASES = [
    # ForAnyValue: some request value matches some policy value; false when there is none
    case(
        "ForAnyValue-StringEquals-one-hits",
        {"ForAnyValue:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["env", "x"]},
        True,
    ),
    case(
        "ForAnyValue-StringEquals-none-hits",
        {"ForAnyValue:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["x", "y"]},
        False,
    ),
    case(
        "ForAnyValue-StringEquals-single-value",
        {"ForAnyValue:StringEquals": {TAGS: "env"}},
        {TAGS: ["env"]},
        True,
    ),
    case(
        "ForAnyValue-StringEquals-empty-set",
        {"ForAnyValue:StringEquals": {TAGS: "env"}},
        {TAGS: []},
        False,
    ),
    case(
        "ForAnyValue-StringEquals-absent",
        {"ForAnyValue:StringEquals": {TAGS: "env"}},
        ABSENT,
        False,
    ),
    case(
        "ForAnyValue-StringLike",
        {"ForAnyValue:StringLike": {TAGS: "cost-*"}},
        {TAGS: ["env", "cost-center"]},
        True,
    ),
    case(
        "ForAnyValue-StringNotEquals-one-differs",
        {"ForAnyValue:StringNotEquals": {TAGS: ["a", "b"]}},
        {TAGS: ["a", "c"]},
        True,
    ),
    case(
        "ForAnyValue-StringNotEquals-all-listed",
        {"ForAnyValue:StringNotEquals": {TAGS: ["a", "b"]}},
        {TAGS: ["a", "b"]},
        False,
    ),
    case(
        "ForAnyValue-StringNotEquals-empty-set",
        {"ForAnyValue:StringNotEquals": {TAGS: "a"}},
        {TAGS: []},
        False,
    ),
    case(
        "ForAnyValue-StringNotEquals-absent",
        {"ForAnyValue:StringNotEquals": {TAGS: "a"}},
        ABSENT,
        False,
    ),
    case(
        "ForAnyValue-StringEqualsIfExists-absent",
        {"ForAnyValue:StringEqualsIfExists": {TAGS: "a"}},
        ABSENT,
        True,
    ),
    case(
        "ForAnyValue-StringEqualsIgnoreCase",
        {"ForAnyValue:StringEqualsIgnoreCase": {TAGS: "ENV"}},
        {TAGS: ["x", "env"]},
        True,
    ),
    case(
        "ForAnyValue-ArnLike",
        {"ForAnyValue:ArnLike": {"aws:PrincipalServiceNamesList": "arn:aws:iam::*:role/*"}},
        {"aws:PrincipalServiceNamesList": ["x", "arn:aws:iam::1:role/r"]},
        True,
    ),
    # ForAllValues: every request value matches some policy value; true when there is none
    case(
        "ForAllValues-StringEquals-subset",
        {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["env"]},
        True,
    ),
    case(
        "ForAllValues-StringEquals-equal-set",
        {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["team", "env"]},
        True,
    ),
    case(
        "ForAllValues-StringEquals-one-outside",
        {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: ["env", "x"]},
        False,
    ),
    case(
        "ForAllValues-StringEquals-empty-set",
        {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        {TAGS: []},
        True,
    ),
    case(
        "ForAllValues-StringEquals-absent",
        {"ForAllValues:StringEquals": {TAGS: ["env", "team"]}},
        ABSENT,
        True,
    ),
    case(
        "ForAllValues-StringEquals-case-sensitive",
        {"ForAllValues:StringEquals": {TAGS: "env"}},
        {TAGS: ["Env"]},
        False,
    ),
    case(
        "ForAllValues-StringLike-all",
        {"ForAllValues:StringLike": {TAGS: "key1*"}},
        {TAGS: ["key1:hr", "key1:personnel"]},
        True,
    ),
    case(
        "ForAllValues-StringLike-one-not",
        {"ForAllValues:StringLike": {TAGS: "key1*"}},
        {TAGS: ["key1:hr", "key2:audit"]},
        False,
    ),
    # the AWS documentation's table for ForAllValues:StringNotLike "key1*"
    case(
        "ForAllValues-StringNotLike-doc-key1-legal",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        {TAGS: ["key1:legal"]},
        False,
    ),
    case(
        "ForAllValues-StringNotLike-doc-key1-two",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        {TAGS: ["key1:hr", "key1:personnel"]},
        False,
    ),
    case(
        "ForAllValues-StringNotLike-doc-key2",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        {TAGS: ["key2:audit"]},
        True,
    ),
    case(
        "ForAllValues-StringNotLike-doc-absent",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        ABSENT,
        True,
    ),
    case(
        "ForAllValues-StringNotLike-mixed",
        {"ForAllValues:StringNotLike": {TAGS: "key1*"}},
        {TAGS: ["key1:hr", "key2:x"]},
        False,
    ),
    case(
        "ForAllValues-StringNotEquals-none-listed",
        {"ForAllValues:StringNotEquals": {TAGS: ["a"]}},
        {TAGS: ["b", "c"]},
        True,
    ),
    case(
        "ForAllValues-StringNotEquals-one-listed",
        {"ForAllValues:StringNotEquals": {TAGS: ["a"]}},
        {TAGS: ["a", "b"]},
        False,
    ),
    case(
        "ForAllValues-StringNotEquals-empty-set",
        {"ForAllValues:StringNotEquals": {TAGS: ["a"]}},
        {TAGS: []},
        True,
    ),
    case(
        "ForAllValues-StringEqualsIfExists-absent",
        {"ForAllValues:StringEqualsIfExists": {TAGS: "a"}},
        ABSENT,
        True,
    ),
    # the documented guard: add Null "false" so that an absent key does not pass ForAllValues
    case(
        "ForAllValues-with-Null-false-absent",
        {"ForAllValues:StringEquals": {TAGS: "env"}, "Null": {TAGS: "false"}},
        ABSENT,
        False,
    ),
    case(
        "ForAllValues-with-Null-false-present",
        {"ForAllValues:StringEquals": {TAGS: "env"}, "Null": {TAGS: "false"}},
        {TAGS: ["env"]},
        True,
    ),
    case(
        "set-operator-key-case-insensitive",
        {"ForAnyValue:StringEquals": {"AWS:TAGKEYS": "env"}},
        {TAGS: ["env"]},
        True,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), SET_CASES)
def test_set_operators(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- Policy variables in condition values ----------------------------------------------

PREFIX = "s3:prefix"
OWNER = "aws:ResourceTag/owner"

VARIABLE_CASES = [
    case(
        "2012-StringLike-own-home",
        {"StringLike": {PREFIX: "home/${aws:username}/*"}},
        {USER: "alice", PREFIX: "home/alice/docs"},
        True,
    ),
    case(
        "2012-StringLike-other-home",
        {"StringLike": {PREFIX: "home/${aws:username}/*"}},
        {USER: "alice", PREFIX: "home/bob/docs"},
        False,
    ),
    case(
        "2012-StringEquals-owner-tag",
        {"StringEquals": {OWNER: "${aws:username}"}},
        {USER: "alice", OWNER: "alice"},
        True,
    ),
    case(
        "2012-StringEquals-owner-tag-other",
        {"StringEquals": {OWNER: "${aws:username}"}},
        {USER: "alice", OWNER: "bob"},
        False,
    ),
    case(
        "2012-StringNotEquals-owner-tag",
        {"StringNotEquals": {OWNER: "${aws:username}"}},
        {USER: "alice", OWNER: "bob"},
        True,
    ),
    case(
        "2012-variable-name-case-insensitive",
        {"StringEquals": {OWNER: "${AWS:UserName}"}},
        {USER: "alice", OWNER: "alice"},
        True,
    ),
    case(
        "2012-variable-with-spaces",
        {"StringEquals": {OWNER: "${ aws:username }"}},
        {USER: "alice", OWNER: "alice"},
        True,
    ),
    case(
        "2012-variable-tag-key",
        {"StringEquals": {OWNER: "${aws:PrincipalTag/team}"}},
        {TEAM: "red", OWNER: "red"},
        True,
    ),
    case(
        "2012-variable-missing-no-match",
        {"StringEquals": {OWNER: "${aws:username}"}},
        {OWNER: "${aws:username}"},
        False,
    ),
    case(
        "2012-variable-missing-other-value-ORed",
        {"StringEquals": {OWNER: ["${aws:username}", "shared"]}},
        {OWNER: "shared"},
        True,
    ),
    case(
        "2012-variable-default-used",
        {"StringEquals": {OWNER: "${aws:PrincipalTag/team, 'unassigned'}"}},
        {OWNER: "unassigned"},
        True,
    ),
    case(
        "2012-variable-default-not-used",
        {"StringEquals": {OWNER: "${aws:PrincipalTag/team, 'unassigned'}"}},
        {TEAM: "red", OWNER: "unassigned"},
        False,
    ),
    case(
        "2012-variable-multivalued-two-values",
        {"StringEquals": {OWNER: "${aws:TagKeys}"}},
        {TAGS: ["a", "b"], OWNER: "a"},
        False,
    ),
    case(
        "2012-ArnLike-own-user",
        {"ArnLike": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {USER: "alice", SRC: "arn:aws:iam::1:user/alice"},
        True,
    ),
    case(
        "2012-ArnLike-other-user",
        {"ArnLike": {SRC: "arn:aws:iam::*:user/${aws:username}"}},
        {USER: "alice", SRC: "arn:aws:iam::1:user/bob"},
        False,
    ),
    case("2012-dollar-literal", {"StringEquals": {PREFIX: "price${$}"}}, {PREFIX: "price$"}, True),
    case("2012-star-literal-equals", {"StringEquals": {PREFIX: "a${*}"}}, {PREFIX: "a*"}, True),
    case(
        "2012-star-literal-equals-not-wildcard",
        {"StringEquals": {PREFIX: "a${*}"}},
        {PREFIX: "abc"},
        False,
    ),
    case(
        "2012-question-literal-equals",
        {"StringEquals": {PREFIX: "why${?}"}},
        {PREFIX: "why?"},
        True,
    ),
    case("2012-star-literal-like-itself", {"StringLike": {PREFIX: "a${*}"}}, {PREFIX: "a*"}, True),
    case(
        "2012-star-literal-like-not-wildcard",
        {"StringLike": {PREFIX: "a${*}"}},
        {PREFIX: "abc"},
        False,
    ),
    case(
        "2012-question-literal-like-not-wildcard",
        {"StringLike": {PREFIX: "a${?}"}},
        {PREFIX: "ab"},
        False,
    ),
    case(
        "2012-star-literal-ArnLike-not-wildcard",
        {"ArnLike": {SRC: "arn:aws:s3:::b${*}"}},
        {SRC: "arn:aws:s3:::bxyz"},
        False,
    ),
    case(
        "2012-variables-only-in-string-and-arn-operators",
        {"NumericEquals": {KEYS: "${aws:username}"}},
        {USER: "5", KEYS: "5"},
        False,
    ),
    # 2008-10-17: no policy variables, the text is literal
    case(
        "2008-StringLike-literal",
        {"StringLike": {PREFIX: "home/${aws:username}/*"}},
        {USER: "alice", PREFIX: "home/alice/docs"},
        False,
        version=V2008,
    ),
    case(
        "2008-StringLike-literal-text",
        {"StringLike": {PREFIX: "home/${aws:username}/*"}},
        {USER: "alice", PREFIX: "home/${aws:username}/docs"},
        True,
        version=V2008,
    ),
    case(
        "2008-StringEquals-literal",
        {"StringEquals": {OWNER: "${aws:username}"}},
        {USER: "alice", OWNER: "alice"},
        False,
        version=V2008,
    ),
    case(
        "2008-StringEquals-literal-text",
        {"StringEquals": {OWNER: "${aws:username}"}},
        {USER: "alice", OWNER: "${aws:username}"},
        True,
        version=V2008,
    ),
    case(
        "2008-dollar-literal-text",
        {"StringEquals": {PREFIX: "price${$}"}},
        {PREFIX: "price${$}"},
        True,
        version=V2008,
    ),
    case(
        "no-Version-means-2008",
        {"StringEquals": {OWNER: "${aws:username}"}},
        {USER: "alice", OWNER: "alice"},
        False,
        version=None,
    ),
]


@pytest.mark.parametrize(("condition", "context", "expected", "version"), VARIABLE_CASES)
def test_policy_variables_in_condition_values(condition, context, expected, version):
    _check(condition, context, expected, version)


# --- A condition key with no values ------------------------------------------------------
#
# AWS accepts "aws:username": [] (moto's valid document 18: {"DateGreaterThan": {"a": []}}) and
# documents nothing of how it evaluates: the values of a key are ORed (none: false) and a negated
# operator negates them (none: true), or the key might count as no condition at all. Tobira reads
# it so that it grants no more than AWS whichever is true: in an Allow it never holds, in a Deny
# it always holds.

EMPTY_VALUE_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringNotEquals",
    "ArnNotLike",
    "NumericLessThan",
    "DateGreaterThan",
    "Bool",
    "NotIpAddress",
    "Null",
]
EMPTY_VALUE_CONTEXTS = [
    pytest.param(ABSENT, id="absent"),
    pytest.param({USER: "alice"}, id="one-value"),
    pytest.param({USER: ""}, id="empty-string"),
    pytest.param({USER: ["alice", "bob"]}, id="two-values"),
    pytest.param({USER: []}, id="no-values"),
]


@pytest.mark.parametrize("operator", EMPTY_VALUE_OPERATORS)
@pytest.mark.parametrize("context", EMPTY_VALUE_CONTEXTS)
def test_key_without_values_never_holds_in_an_allow(operator, context):
    assert condition_holds({operator: {USER: []}}, context) is False


@pytest.mark.parametrize("operator", EMPTY_VALUE_OPERATORS)
@pytest.mark.parametrize("context", EMPTY_VALUE_CONTEXTS)
def test_key_without_values_always_holds_in_a_deny(operator, context):
    named = NamedPolicy(
        "under-test",
        policy(
            allow(ACTION, "*"),
            deny(ACTION, "*", sid="Guard", condition={operator: {USER: []}}),
        ),
    )
    decision = evaluate(
        action=ACTION, resource=RESOURCE, context=context_of(context), identity_policies=[named]
    )
    assert decision.decision == EXPLICIT_DENY and decision.statement == "Guard"


def test_key_without_values_beside_other_keys():
    """The other keys of the statement still decide a Deny; nothing makes such an Allow hold."""
    guard = {"StringEquals": {USER: []}, "Bool": {"aws:SecureTransport": "false"}}
    named = NamedPolicy("P", policy(allow(ACTION, "*"), deny(ACTION, "*", condition=guard)))

    def decide(context):
        return evaluate(
            action=ACTION,
            resource=RESOURCE,
            context=context_of(context),
            identity_policies=[named],
        ).decision

    assert decide({"aws:SecureTransport": "false"}) == EXPLICIT_DENY
    assert decide({"aws:SecureTransport": "true"}) == ALLOW
    allow_guard = {"StringEquals": {USER: []}, "Bool": {"aws:SecureTransport": "true"}}
    assert condition_holds(allow_guard, {USER: "alice", "aws:SecureTransport": "true"}) is False
