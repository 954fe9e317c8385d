"""Properties over random documents from a policy grammar (issue 20, tests).

1. A statement applies alike as an Allow and as a Deny: evaluated as the only Allow it allows
   exactly the requests that, as a Deny beside an Allow of everything, it denies. So whatever
   the edge (a variable that cannot be resolved, an unparseable value, an action that matches
   nothing), "Deny wins" can never be broken by writing the same statement the other way.
   A condition key with no values is the one documented exception (it never holds in an Allow
   and always in a Deny): there the Allow allowing still implies the Deny denying.
2. Whatever ``parse`` accepts, ``evaluate`` and ``warnings`` answer without raising.
3. An explicit Deny stays one when an Allow of everything is added beside it.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity.policy import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    Decision,
    NamedPolicy,
    PolicyError,
    context_of,
    evaluate,
    parse,
    warnings,
)

from .support import V2008, V2012

PROPERTIES = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DOCUMENTS = settings(PROPERTIES, max_examples=100)  # several statements each: heavier examples

ACTIONS = ["iam:GetUser", "iam:ListUsers", "s3:GetObject", "s3:PutObject", "ec2:RunInstances"]
ACTION_PATTERNS = [
    *ACTIONS,
    "*",
    "iam:*",
    "iam:Get*",
    "s3:?etObject",
    "s3:*Object",
    "iam:",
    "iam: GetUser",
    "iam:Get User",
    "s3:GetObject,PutObject",
    "iam:GetUser\n",
    "iam:ListU\u212aers",
]
RESOURCES = [
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:user/bob",
    "arn:aws:s3:::bucket/home/alice/notes.txt",
    "arn:aws:s3:::bucket/public/notes.txt",
    "*",
]
RESOURCE_PATTERNS = [
    "*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::*:user/${aws:PrincipalTag/team, 'nobody'}",
    "arn:aws:s3:::bucket/home/${aws:username}/*",
    "arn:aws:s3:::bucket/public/*",
    "arn:aws:s3:::bucket/${*}",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:*",
]
KEYS = [
    "aws:username",
    "aws:PrincipalTag/team",
    "aws:ResourceTag/team",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:TagKeys",
    "aws:SourceArn",
    "aws:SecureTransport",
    "s3:max-keys",
]
VALUES = [
    "alice",
    "red",
    "blue",
    "",
    "*",
    "home/*",
    "${aws:username}",
    "${aws:PrincipalTag/team}",
    "${AWS:PrincipalTag/Team, 'red'}",
    "${aws:TagKeys}",
    "prefix-${aws:username}-*",
    "${*}${?}${$}",
    "true",
    "false",
    "TRUE",
    "yes",
    "10",
    "-2.5",
    "ten",
    "NaN",
    "1704067200",
    "2024-01-01T00:00:00Z",
    "2024-13-01",
    "203.0.113.0/24",
    "2001:db8::/32",
    "300.1.1.1",
    "arn:aws:iam::*:user/*",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:sns",
]
CONTEXT_VALUES = [
    "alice",
    "bob",
    "red",
    "blue",
    "",
    "true",
    "false",
    "5",
    "ten",
    "203.0.113.9",
    "198.51.100.1",
    "2001:db8::1",
    "example.com",
    "2024-01-01T00:00:00Z",
    "1704067200",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws",
    "${aws:username}",
]
OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
]

operators = st.builds(
    lambda prefix, name, suffix: prefix + name + suffix,
    st.sampled_from(["", "", "", "ForAnyValue:", "ForAllValues:"]),
    st.sampled_from(OPERATORS),
    st.sampled_from(["", "", "IfExists"]),
) | st.just("Null")
values = st.sampled_from(VALUES)
key_values = values | st.lists(values, min_size=1, max_size=3)
null_values = st.sampled_from(["true", "false"])


@st.composite
def conditions(draw, *, allow_empty_values):
    block = {}
    for operator in draw(st.lists(operators, max_size=3, unique=True)):
        chosen = draw(
            st.dictionaries(
                st.sampled_from(KEYS),
                null_values if operator == "Null" else key_values,
                min_size=1,
                max_size=2,
            )
        )
        if allow_empty_values and operator != "Null" and draw(st.integers(0, 9)) == 0:
            chosen[draw(st.sampled_from(KEYS))] = []
        block[operator] = chosen
    return block


def _one_or_list(strategy):
    return strategy | st.lists(strategy, min_size=1, max_size=3)


@st.composite
def statements(draw, *, allow_empty_values=True):
    """A statement without its Effect."""
    statement = {}
    action_key = draw(st.sampled_from(["Action", "Action", "NotAction"]))
    statement[action_key] = draw(_one_or_list(st.sampled_from(ACTION_PATTERNS)))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "NotResource"]))
    statement[resource_key] = draw(_one_or_list(st.sampled_from(RESOURCE_PATTERNS)))
    condition = draw(conditions(allow_empty_values=allow_empty_values))
    if condition or draw(st.booleans()):
        statement["Condition"] = condition
    return statement


versions = st.sampled_from([V2012, V2012, V2012, V2008, None])
contexts = st.dictionaries(
    st.sampled_from(KEYS + [k.upper() for k in KEYS[:3]]),
    st.sampled_from(CONTEXT_VALUES) | st.lists(st.sampled_from(CONTEXT_VALUES), max_size=3),
    max_size=6,
)
requests = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), contexts)


def _document(version, *statements_) -> str:
    body = {"Statement": list(statements_)}
    if version is not None:
        body["Version"] = version
    return json.dumps(body)


def _has_key_without_values(statement) -> bool:
    return any(v == [] for keys in statement.get("Condition", {}).values() for v in keys.values())


EVERYTHING = NamedPolicy(
    "allow-all", parse(_document(V2012, {"Effect": "Allow", "Action": "*", "Resource": "*"}))
)


@PROPERTIES
@given(statements(), versions, requests)
def test_a_statement_applies_alike_as_allow_and_as_deny(statement, version, request):
    action, resource, context = request
    as_allow = parse(_document(version, {**statement, "Effect": "Allow"}))
    as_deny = parse(_document(version, {**statement, "Effect": "Deny"}))
    ask = {"action": action, "resource": resource, "context": context_of(context)}
    allowed = evaluate(**ask, identity_policies=[NamedPolicy("P", as_allow)]).decision
    denied = evaluate(**ask, identity_policies=[EVERYTHING, NamedPolicy("P", as_deny)]).decision
    assert allowed in (ALLOW, IMPLICIT_DENY)
    assert denied in (EXPLICIT_DENY, ALLOW)
    if _has_key_without_values(statement):
        assert allowed != ALLOW or denied == EXPLICIT_DENY
    else:
        assert (allowed == ALLOW) == (denied == EXPLICIT_DENY)


@DOCUMENTS
@given(
    st.lists(
        st.tuples(st.sampled_from(["Allow", "Deny"]), statements()),
        min_size=1,
        max_size=3,
    ),
    versions,
    requests,
    st.booleans(),
)
def test_anything_parse_accepts_evaluates_and_warns_without_raising(
    effects_and_statements, version, request, scp
):
    text = _document(version, *({**s, "Effect": e} for e, s in effects_and_statements))
    try:
        parsed = parse(text, scp=scp)
    except PolicyError:
        return
    assert isinstance(warnings(text, scp=scp), list)
    action, resource, context = request
    named = NamedPolicy("random", parsed, "scp" if scp else "identity")
    ask = {"action": action, "resource": resource, "context": context_of(context)}
    for decision in (
        evaluate(**ask, identity_policies=[] if scp else [named]),
        evaluate(**ask, scp_levels=[("organization root", [named])] if scp else []),
        evaluate(**ask, identity_policies=[EVERYTHING], scp_levels=[("account", [named])]),
        evaluate(**ask, scp_levels=[("account", [named])], is_root=True),
    ):
        assert isinstance(decision, Decision)
        assert decision.explanation
        assert isinstance(decision.condition_keys, tuple)


@DOCUMENTS
@given(
    st.lists(
        st.tuples(st.sampled_from(["Allow", "Deny"]), statements()),
        min_size=1,
        max_size=3,
    ),
    versions,
    requests,
)
def test_an_explicit_deny_survives_an_allow_of_everything(effects_and_statements, version, request):
    text = _document(version, *({**s, "Effect": e} for e, s in effects_and_statements))
    named = NamedPolicy("random", parse(text))
    action, resource, context = request
    ask = {"action": action, "resource": resource, "context": context_of(context)}
    alone = evaluate(**ask, identity_policies=[named])
    if alone.decision == EXPLICIT_DENY:
        for policies in ([EVERYTHING, named], [named, EVERYTHING]):
            assert evaluate(**ask, identity_policies=policies).decision == EXPLICIT_DENY
