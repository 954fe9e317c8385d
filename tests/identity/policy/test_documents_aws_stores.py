"""Documents AWS stores though parts of them can match nothing (issue 20, section 1).

Such documents reach the engine by other paths than the console's editor (the API, imports,
SCPs), so ``parse`` takes them: what can match nothing matches nothing, and the rest of the
document is enforced as written, its Deny statements above all. ``warnings`` finds those
parts for the editor, which shows them as Access Analyzer shows its findings.
"""

from __future__ import annotations

import json

import pytest

from identity.policy import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    NamedPolicy,
    PolicyError,
    context_of,
    evaluate,
    parse,
    warnings,
)

from .support import V2008, V2012, allow, deny, document, policy

REAL_ACTIONS = ["iam:GetUser", "iam:ListUsers", "iam:ListAccessKeys", "s3:GetObject"]
USER_ARN = "arn:aws:iam::123456789012:user/alice"

# Names after the colon that no action has: AWS checks only the service prefix and the one colon
# ("iam: asdf safdsf af " is moto's valid document 1), so it stores them.
ACTIONS_MATCHING_NOTHING = [
    pytest.param("iam:", id="empty-name"),
    pytest.param("iam: GetUser", id="leading-space"),
    pytest.param("iam:GetUser ", id="trailing-space"),
    pytest.param("iam:Get User", id="inner-space"),
    pytest.param("iam: *", id="space-then-star"),
    pytest.param("iam:GetUser,ListUsers", id="comma"),
    pytest.param("iam:*,", id="star-comma"),
    pytest.param("iam:GetUser\n", id="trailing-newline"),
    pytest.param("iam:Get\tUser", id="tab"),
    pytest.param("iam:ListAccess\u212aeys", id="kelvin-sign-lower-cases-to-k"),
    pytest.param("iam:GetUser\u00a0", id="no-break-space"),
]


def decide(action, *policies, resource=USER_ARN, scp_levels=()):
    return evaluate(
        action=action,
        resource=resource,
        context=context_of({}),
        identity_policies=list(policies),
        scp_levels=scp_levels,
    )


@pytest.mark.parametrize("pattern", ACTIONS_MATCHING_NOTHING)
def test_action_that_can_match_nothing_is_stored_and_matches_no_request(pattern):
    parsed = policy(allow(pattern))
    assert parsed.statements[0].actions == (pattern.lower(),)  # kept as written
    named = NamedPolicy("P", parsed)
    for action in [*REAL_ACTIONS, pattern, pattern.strip()]:
        assert decide(action, named).decision == IMPLICIT_DENY
    guard = NamedPolicy("G", policy(allow("*"), deny(pattern, sid="Guard")))
    for action in REAL_ACTIONS:
        assert decide(action, guard).decision == ALLOW


@pytest.mark.parametrize("pattern", ACTIONS_MATCHING_NOTHING)
def test_in_not_action_it_excludes_nothing(pattern):
    """NotAction is every action but those it names; such a name names none."""
    only_it = NamedPolicy("P", policy(allow("*"), deny(NotAction=pattern, sid="All")))
    for action in REAL_ACTIONS:
        denied = decide(action, only_it)
        assert (denied.decision, denied.statement) == (EXPLICIT_DENY, "All")
    beside = NamedPolicy(
        "P", policy(allow("*"), deny(NotAction=["iam:GetUser", pattern], sid="AllButGetUser"))
    )
    assert decide("iam:GetUser", beside).decision == ALLOW
    assert decide("iam:ListUsers", beside).decision == EXPLICIT_DENY


def test_the_other_actions_of_the_list_still_match():
    named = NamedPolicy("P", policy(allow(["iam:", "iam:GetUser", "iam:List Users"])))
    assert decide("iam:GetUser", named).decision == ALLOW
    assert decide("iam:ListUsers", named).decision == IMPLICIT_DENY


@pytest.mark.parametrize(
    ("action", "message"),
    [
        pytest.param("iam", '"iam" is not service:action', id="no-colon"),
        pytest.param("iam:Get:User", '"iam:Get:User" is not service:action', id="two-colons"),
        pytest.param("a a:GetUser", '"a a:GetUser" is not service:action', id="space-in-service"),
        pytest.param("s3*:GetObject", '"s3*:GetObject" is not service:action', id="star-service"),
        pytest.param("", '"" is not service:action', id="empty"),
    ],
)
def test_what_aws_refuses_is_still_refused(action, message):
    with pytest.raises(PolicyError) as refused:
        parse(document(allow(action)))
    assert refused.value.message == message


def test_a_stored_document_with_such_an_action_keeps_its_deny():
    """``loading.named_policy`` used to drop a document ``parse`` refused, and its Deny with it."""
    from identity.policies.loading import named_policy

    text = json.dumps(
        {
            "Version": V2012,
            "Statement": [
                {"Effect": "Allow", "Action": ["iam:", "iam:Get*"], "Resource": "*"},
                {"Sid": "NoDeletes", "Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"},
            ],
        }
    )
    stored = named_policy("imported", text)
    assert stored is not None
    admin = NamedPolicy("AdministratorAccess", policy(allow("*")))
    denied = decide("iam:DeleteUser", admin, stored)
    assert (denied.decision, denied.policy, denied.statement) == (
        EXPLICIT_DENY,
        "imported",
        "NoDeletes",
    )
    assert decide("iam:GetUser", stored).decision == ALLOW


# --- SCPs without statements --------------------------------------------------------------------

EMPTY_SCP = json.dumps({"Version": V2012, "Statement": []})


def test_scp_with_an_empty_statement_list_allows_nothing():
    empty = NamedPolicy("Empty", parse(EMPTY_SCP, scp=True), "scp")
    assert empty.policy.statements == ()
    admin = NamedPolicy("AdministratorAccess", policy(allow("*")))
    denied = decide("iam:GetUser", admin, scp_levels=[("organization root", [empty])])
    assert denied.decision == IMPLICIT_DENY
    assert "no service control policy attached to the organization root allows it" in (
        denied.explanation
    )
    full = NamedPolicy("FullAWSAccess", parse(document(allow("*")), scp=True), "scp")
    beside = decide("iam:GetUser", admin, scp_levels=[("organization root", [empty, full])])
    assert beside.decision == ALLOW


def test_identity_policy_with_an_empty_statement_list_is_still_refused():
    """IAM refuses it ("Syntax errors in policy."): no stored identity policy has one."""
    with pytest.raises(PolicyError) as refused:
        parse(EMPTY_SCP)
    assert str(refused.value) == "Statement: must be an object or a non-empty list of objects"


# --- warnings: what the editor shows ------------------------------------------------------------


def _found(text, *, scp=False):
    return [(w.path, w.code) for w in warnings(text, scp=scp)]


WARNING_CASES = [
    pytest.param(document(allow("iam:GetUser")), [], id="clean"),
    pytest.param(
        document(allow(["iam:GetUser", "iam:"])),
        [("Statement.Action[1]", "action-matches-nothing")],
        id="action-in-list",
    ),
    pytest.param(
        document(allow("iam:GetUser"), deny("iam:Get User")),
        [("Statement[1].Action", "action-matches-nothing")],
        id="action-alone",
    ),
    pytest.param(
        document(deny(NotAction="iam: x")),
        [("Statement.NotAction", "not-action-excludes-nothing")],
        id="not-action",
    ),
    pytest.param(
        document(allow(condition={"NumericEquals": {"s3:max-keys": "ten"}})),
        [("Statement.Condition.NumericEquals.s3:max-keys", "not-a-number")],
        id="not-a-number",
    ),
    pytest.param(
        document(allow(condition={"NumericNotEquals": {"s3:max-keys": [10, "x"]}})),
        [("Statement.Condition.NumericNotEquals.s3:max-keys[1]", "not-a-number")],
        id="not-a-number-negated-in-list",
    ),
    pytest.param(
        document(allow(condition={"DateLessThan": {"aws:CurrentTime": "yesterday"}})),
        [("Statement.Condition.DateLessThan.aws:CurrentTime", "not-a-date")],
        id="not-a-date",
    ),
    pytest.param(
        document(allow(condition={"NotIpAddress": {"aws:SourceIp": "office"}})),
        [("Statement.Condition.NotIpAddress.aws:SourceIp", "not-an-ip")],
        id="not-an-ip",
    ),
    pytest.param(
        document(allow(condition={"Bool": {"aws:SecureTransport": "yes"}})),
        [("Statement.Condition.Bool.aws:SecureTransport", "not-a-boolean")],
        id="not-a-boolean",
    ),
    pytest.param(
        document(allow(condition={"ArnLike": {"aws:SourceArn": "*"}})),
        [("Statement.Condition.ArnLike.aws:SourceArn", "not-an-arn")],
        id="not-an-arn",
    ),
    pytest.param(
        document(
            allow(condition={"ArnLike": {"aws:SourceArn": "arn:aws:iam::*:user/${aws:username}"}})
        ),
        [],
        id="arn-with-variable",
    ),
    pytest.param(
        document(allow(condition={"Bool": {"aws:SecureTransport": "${aws:PrincipalTag/tls}"}})),
        [],
        id="bool-with-variable",
    ),
    pytest.param(
        document(allow(condition={"NumericLessThan": {"s3:max-keys": "${aws:PrincipalTag/max}"}})),
        [("Statement.Condition.NumericLessThan.s3:max-keys", "variable-not-replaced")],
        id="variable-in-numeric",
    ),
    pytest.param(
        document(allow(condition={"IpAddress": {"aws:SourceIp": "${aws:PrincipalTag/net}"}})),
        [("Statement.Condition.IpAddress.aws:SourceIp", "variable-not-replaced")],
        id="variable-in-ip",
    ),
    pytest.param(
        document(allow(condition={"BinaryEquals": {"k": "${aws:username}"}})),
        [("Statement.Condition.BinaryEquals.k", "variable-compared-as-text")],
        id="variable-in-binary",
    ),
    pytest.param(
        document(allow("s3:*", "arn:aws:s3:::b/${aws:username}/*"), version=V2008),
        [("Statement.Resource", "variable-needs-2012")],
        id="variable-in-2008-resource",
    ),
    pytest.param(
        document(
            allow(condition={"StringEquals": {"s3:prefix": ["a", "${aws:username}"]}}),
            version=None,
        ),
        [("Statement.Condition.StringEquals.s3:prefix[1]", "variable-needs-2012")],
        id="variable-without-version",
    ),
    pytest.param(
        document(allow(condition={"StringEquals": {"aws:username": []}})),
        [("Statement.Condition.StringEquals.aws:username", "no-values")],
        id="key-without-values",
    ),
    pytest.param(
        document(
            allow(["iam:", "iam:GetUser"], sid="A"),
            deny(
                NotAction="iam:x,y",
                sid="B",
                condition={"Bool": {"aws:MultiFactorAuthPresent": "no"}},
            ),
        ),
        [
            ("Statement[0].Action[0]", "action-matches-nothing"),
            ("Statement[1].NotAction", "not-action-excludes-nothing"),
            ("Statement[1].Condition.Bool.aws:MultiFactorAuthPresent", "not-a-boolean"),
        ],
        id="several-in-document-order",
    ),
]


@pytest.mark.parametrize(("text", "expected"), WARNING_CASES)
def test_warnings(text, expected):
    assert _found(text) == expected


def test_warning_for_an_scp_without_statements():
    assert _found(EMPTY_SCP, scp=True) == [("Statement", "no-statements")]


def test_a_negated_operator_s_warning_says_the_condition_never_holds():
    text = document(allow(condition={"NumericNotEquals": {"s3:max-keys": "${aws:username}"}}))
    (found,) = warnings(text)
    assert (found.code, found.negated) == ("variable-not-replaced", True)
    assert found.message.endswith("so this condition never holds.")


def test_warnings_carry_the_text_at_fault_and_say_what_it_does():
    (found,) = warnings(document(allow(condition={"NumericNotEquals": {"s3:max-keys": "ten"}})))
    assert (found.value, found.operator, found.negated) == ("ten", "NumericNotEquals", True)
    assert found.message == (
        'Statement.Condition.NumericNotEquals.s3:max-keys: "ten" is not a number, '
        "so this NumericNotEquals condition never holds."
    )


def test_warnings_of_a_document_that_does_not_parse_is_its_error():
    with pytest.raises(PolicyError):
        warnings('{"Version": "2012-10-17"}')


def test_warnings_do_not_change_what_parse_remembers():
    text = document(allow(["iam:", "iam:GetUser"]))
    first = parse(text)
    warnings(text)
    assert parse(text) is first
