"""evaluate(): AWS's policy evaluation logic for one principal in one account.

Explicit Deny wins; every SCP level must allow (except in the management
account); the root user needs no identity-based Allow; anyone else does.
"""

from __future__ import annotations

import pytest

from identity.policy import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    NamedPolicy,
    context_of,
    evaluate,
)

from .support import V2008, allow, deny, policy

ALICE_ARN = "arn:aws:iam::123456789012:user/alice"
BOB_ARN = "arn:aws:iam::123456789012:user/bob"
OBJECT = "arn:aws:s3:::example-bucket/report.csv"


def named(name, *statements, version="2012-10-17", kind="identity"):
    return NamedPolicy(name, policy(*statements, version=version, scp=kind == "scp"), kind)


def decide(action, resource, *policies, context=None, scp_levels=(), is_root=False):
    return evaluate(
        action=action,
        resource=resource,
        context=context_of(context or {}),
        identity_policies=list(policies),
        scp_levels=scp_levels,
        is_root=is_root,
    )


# --- explicit and implicit deny -----------------------------------------------------------


def test_allow_names_policy_and_statement():
    decision = decide("iam:GetUser", ALICE_ARN, named("ReadIAM", allow("iam:Get*", sid="ReadOnly")))
    assert decision.decision == ALLOW and decision.allowed
    assert decision.policy == "ReadIAM"
    assert decision.statement == "ReadOnly"
    assert decision.explanation == (
        f"iam:GetUser on {ALICE_ARN} is allowed by statement ReadOnly of policy ReadIAM."
    )


def test_statement_without_sid_is_named_by_index():
    decision = decide("s3:GetObject", OBJECT, named("P", allow("iam:*"), allow("s3:*")))
    assert decision.statement == "Statement[1]"
    assert "by statement Statement[1] of policy P" in decision.explanation


def test_explicit_deny_wins_in_same_policy():
    p = named("Mixed", allow("*", sid="All"), deny("iam:DeleteUser", sid="NoDelete"))
    decision = decide("iam:DeleteUser", ALICE_ARN, p)
    assert decision.decision == EXPLICIT_DENY and not decision.allowed
    assert (decision.policy, decision.statement) == ("Mixed", "NoDelete")
    assert decision.explanation == (
        f"iam:DeleteUser on {ALICE_ARN} is explicitly denied by statement NoDelete of policy Mixed."
    )


@pytest.mark.parametrize("deny_first", [True, False], ids=["deny-policy-first", "deny-policy-last"])
def test_explicit_deny_in_another_policy_wins(deny_first):
    admin = named("AdministratorAccess", allow("*", sid="Admin"))
    guard = named("NoIAMWrites", deny(["iam:Create*", "iam:Delete*"], sid="Guard"))
    policies = [guard, admin] if deny_first else [admin, guard]
    decision = decide("iam:CreateUser", BOB_ARN, *policies)
    assert decision.decision == EXPLICIT_DENY
    assert (decision.policy, decision.statement) == ("NoIAMWrites", "Guard")
    assert decide("iam:GetUser", BOB_ARN, *policies).allowed


def test_deny_that_does_not_apply_leaves_allow():
    p = named("P", allow("s3:*"), deny("s3:DeleteObject"), deny("s3:*", "arn:aws:s3:::other/*"))
    assert decide("s3:GetObject", OBJECT, p).allowed


def test_deny_with_unmet_condition_does_not_apply():
    p = named(
        "P",
        allow("s3:*"),
        deny("s3:*", condition={"Bool": {"aws:SecureTransport": "false"}}, sid="TLSOnly"),
    )
    assert decide("s3:GetObject", OBJECT, p, context={"aws:SecureTransport": True}).allowed
    refused = decide("s3:GetObject", OBJECT, p, context={"aws:SecureTransport": False})
    assert refused.decision == EXPLICIT_DENY and refused.statement == "TLSOnly"


def test_no_policies_is_implicit_deny():
    decision = decide("iam:GetUser", ALICE_ARN)
    assert decision.decision == IMPLICIT_DENY and not decision.allowed
    assert decision.explanation == (
        f"iam:GetUser on {ALICE_ARN} is denied: no identity-based policy allows it."
    )
    assert (decision.policy, decision.statement) == ("", "")


def test_no_matching_statement_is_implicit_deny():
    p = named("S3", allow("s3:*"), allow("iam:GetUser", ALICE_ARN))
    assert decide("iam:ListUsers", "*", p).decision == IMPLICIT_DENY
    assert decide("iam:GetUser", BOB_ARN, p).decision == IMPLICIT_DENY


def test_allow_with_unmet_condition_is_implicit_deny():
    p = named("P", allow("s3:*", condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))
    assert decide("s3:GetObject", OBJECT, p, context={"aws:SourceIp": "203.0.113.9"}).allowed
    assert decide("s3:GetObject", OBJECT, p).decision == IMPLICIT_DENY


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param({}, id="no-operator"),
        pytest.param({"DateGreaterThan": {}}, id="operator-without-keys"),
        pytest.param({"a": {}}, id="unknown-operator-without-keys"),
    ],
)
@pytest.mark.parametrize("context", [{}, {"aws:CurrentTime": "2017-07-01T00:00:00Z"}])
def test_operator_without_keys_is_no_condition(condition, context):
    """An operator with an empty block tests nothing, in an Allow as in a Deny (moto's valid
    documents 17, 19 and 31), as an empty Condition element does."""
    allowed = decide(
        "s3:GetObject", OBJECT, named("P", allow(condition=condition)), context=context
    )
    assert allowed.decision == ALLOW
    both = named("P", allow(), deny("s3:GetObject", condition=condition, sid="No"))
    denied = decide("s3:GetObject", OBJECT, both, context=context)
    assert denied.decision == EXPLICIT_DENY and denied.statement == "No"


def test_only_deny_statements_is_implicit_deny_for_other_actions():
    p = named("P", deny("iam:*"))
    assert decide("s3:GetObject", OBJECT, p).decision == IMPLICIT_DENY


# --- NotAction / NotResource ---------------------------------------------------------------


def test_allow_notaction_allows_everything_else():
    p = named("PowerUser", allow(NotAction=["iam:*", "organizations:*"], sid="PowerUser"))
    assert decide("s3:GetObject", OBJECT, p).allowed
    assert decide("ec2:RunInstances", "*", p).allowed
    assert decide("iam:CreateUser", BOB_ARN, p).decision == IMPLICIT_DENY
    assert decide("organizations:ListAccounts", "*", p).decision == IMPLICIT_DENY


def test_deny_notaction_denies_everything_else():
    p = named("P", allow("*"), deny(NotAction=["iam:Get*", "sts:*"], sid="OnlyThese"))
    assert decide("iam:GetUser", ALICE_ARN, p).allowed
    assert decide("sts:GetSessionToken", "*", p).allowed
    denied = decide("s3:PutObject", OBJECT, p)
    assert denied.decision == EXPLICIT_DENY and denied.statement == "OnlyThese"


def test_allow_notresource():
    p = named(
        "P", allow("s3:*", None, NotResource=["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"])
    )
    assert decide("s3:GetObject", OBJECT, p).allowed
    assert decide("s3:GetObject", "arn:aws:s3:::secret/key", p).decision == IMPLICIT_DENY
    assert decide("s3:ListBucket", "arn:aws:s3:::secret", p).decision == IMPLICIT_DENY


def test_deny_notresource():
    p = named("P", allow("s3:*"), deny("s3:*", None, NotResource="arn:aws:s3:::example-bucket/*"))
    assert decide("s3:GetObject", OBJECT, p).allowed
    assert decide("s3:GetObject", "arn:aws:s3:::other/x", p).decision == EXPLICIT_DENY


def test_notaction_with_notresource():
    p = named(
        "P", allow(NotAction="s3:DeleteObject", resource=None, NotResource="arn:aws:s3:::logs/*")
    )
    assert decide("s3:GetObject", OBJECT, p).allowed
    assert not decide("s3:DeleteObject", OBJECT, p).allowed
    assert not decide("s3:GetObject", "arn:aws:s3:::logs/1", p).allowed


# --- actions case-insensitive, resources case-sensitive, wildcards -------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        pytest.param("iam:GetUser", "iam:GetUser", True, id="exact"),
        pytest.param("IAM:getuser", "iam:GetUser", True, id="policy-case"),
        pytest.param("iam:GetUser", "IAM:GETUSER", True, id="request-case"),
        pytest.param("iam:Get*", "iam:GetUser", True, id="star-suffix"),
        pytest.param("iam:Get*", "iam:ListUsers", False, id="star-suffix-miss"),
        pytest.param("iam:*User", "iam:CreateUser", True, id="star-prefix"),
        pytest.param("iam:*User", "iam:CreateUsers", False, id="star-prefix-miss"),
        pytest.param("iam:*Access*", "iam:CreateAccessKey", True, id="star-middle"),
        pytest.param("iam:Get?ser", "iam:GetUser", True, id="question"),
        pytest.param("iam:Get?ser", "iam:GetUUser", False, id="question-one-char"),
        pytest.param("iam:*", "iam:CreateUser", True, id="service-star"),
        pytest.param("iam:*", "s3:GetObject", False, id="service-star-other-service"),
        pytest.param("iam:*", "iamx:Get", False, id="service-star-longer-prefix"),
        pytest.param("*", "anything:AtAll", True, id="star"),
        pytest.param("s3:Get*", "S3:GETOBJECT", True, id="wildcard-case-insensitive"),
        pytest.param("iam:GetUser", "iam:GetUserPolicy", False, id="whole-action"),
    ],
)
def test_action_matching(pattern, action, expected):
    assert decide(action, "*", named("P", allow(pattern))).allowed is expected


# Action names AWS accepts though no service has them (moto's valid documents 1, 5 and 27): a
# name is a pattern like any other, compared literally but for * and ?, so it matches itself and
# no real action; nothing in it is read as a regular expression. A name with a space, a comma or
# nothing after the colon matches no request at all, itself included (test_documents_aws_stores).
@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        pytest.param("iam: asdf safdsf af ", "iam:CreateUser", False, id="spaces"),
        pytest.param("iam: asdf safdsf af ", "iam: ASDF safdsf af ", False, id="spaces-itself"),
        pytest.param("iam: *", "iam:CreateUser", False, id="space-then-star"),
        pytest.param("iam:Create User", "iam:CreateUser", False, id="space-inside"),
        pytest.param(
            "service-prefix:action-name", "service-prefix:Action-Name", True, id="hyphens"
        ),
        pytest.param("service-prefix:*", "iam:CreateUser", False, id="hyphen-service"),
        pytest.param("s3.s:ListBucket", "s3:ListBucket", False, id="dot-in-service"),
        pytest.param("s3.s:*", "s3xs:ListBucket", False, id="dot-is-not-any-character"),
        pytest.param("iam:Get.ser", "iam:GetUser", False, id="dot-in-name"),
        pytest.param("iam:.*", "iam:GetUser", False, id="regex-any"),
        pytest.param("iam:[A-Z]*", "iam:GetUser", False, id="regex-class"),
        pytest.param("iam:Get(User|Group)", "iam:GetUser", False, id="regex-alternation"),
        pytest.param("iam:\\w*", "iam:GetUser", False, id="regex-escape"),
        pytest.param("iam:^GetUser$", "iam:GetUser", False, id="regex-anchors"),
    ],
)
def test_action_names_no_service_has(pattern, action, expected):
    assert decide(action, "*", named("P", allow(pattern))).allowed is expected


def test_notaction_naming_no_real_action_covers_every_action():
    """As at AWS: NotAction is every action but those named, and such a name names none."""
    p = named("P", allow("*"), deny(NotAction="iam: asdf safdsf af ", sid="All"))
    denied = decide("iam:GetUser", ALICE_ARN, p)
    assert denied.decision == EXPLICIT_DENY and denied.statement == "All"


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        pytest.param("arn:aws:s3:::example-bucket/report.csv", OBJECT, True, id="exact"),
        pytest.param("arn:aws:s3:::Example-Bucket/report.csv", OBJECT, False, id="case-sensitive"),
        pytest.param(
            "arn:aws:s3:::example-bucket/REPORT.csv", OBJECT, False, id="case-sensitive-key"
        ),
        pytest.param("arn:aws:s3:::example-bucket/*", OBJECT, True, id="star"),
        pytest.param(
            "arn:aws:s3:::example-bucket/*",
            "arn:aws:s3:::example-bucket/a/b/c",
            True,
            id="star-spans-slashes",
        ),
        pytest.param(
            "arn:aws:s3:::example-bucket/*",
            "arn:aws:s3:::example-bucket",
            False,
            id="star-needs-slash",
        ),
        pytest.param(
            "arn:aws:s3:::example-bucket*", "arn:aws:s3:::example-bucket", True, id="star-empty"
        ),
        pytest.param("arn:aws:s3:::example-bucket/report.???", OBJECT, True, id="questions"),
        pytest.param(
            "arn:aws:s3:::example-bucket/report.??", OBJECT, False, id="questions-too-few"
        ),
        pytest.param("arn:aws:iam::*:user/alice", ALICE_ARN, True, id="star-account"),
        pytest.param("arn:aws:iam::*:user/alice", BOB_ARN, False, id="star-account-other-user"),
        pytest.param(
            "arn:aws:s3:::example-bucket/report.csv", OBJECT + ".bak", False, id="whole-resource"
        ),
        pytest.param(
            "arn:aws:s3:::example.bucket/*",
            "arn:aws:s3:::exampleXbucket/x",
            False,
            id="dot-literal",
        ),
        pytest.param("*", OBJECT, True, id="star-only"),
    ],
)
def test_resource_matching(pattern, resource, expected):
    assert decide("s3:GetObject", resource, named("P", allow("s3:*", pattern))).allowed is expected


def test_resource_list_is_ored():
    p = named("P", allow("s3:*", ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]))
    assert decide("s3:GetObject", "arn:aws:s3:::b/x", p).allowed
    assert not decide("s3:GetObject", "arn:aws:s3:::c/x", p).allowed


def test_null_in_a_resource_list_matches_nothing():
    """AWS accepts null in a Resource list (moto's valid document 41); it names no resource."""
    key = "arn:aws:kms:us-east-1:123456789012:key/1234"
    p = named("P", allow("kms:CreateGrant", ["arn:aws:kms:*:123456789012:key/*", None]))
    assert decide("kms:CreateGrant", key, p).allowed
    assert decide("kms:CreateGrant", "arn:aws:kms:us-east-1:210987654321:key/1", p).decision == (
        IMPLICIT_DENY
    )
    only_null = named("P", allow("*", [None]))
    for resource in (key, OBJECT, "*", "null", "None"):
        assert decide("kms:CreateGrant", resource, only_null).decision == IMPLICIT_DENY
    deny_null = named("P", allow("*"), deny("*", [None]))
    assert decide("kms:CreateGrant", key, deny_null).allowed


# --- policy variables in Resource -----------------------------------------------------------

OWN_USER = "arn:aws:iam::*:user/${aws:username}"


@pytest.mark.parametrize(
    ("pattern", "context", "resource", "expected"),
    [
        pytest.param(OWN_USER, {"aws:username": "alice"}, ALICE_ARN, True, id="own-user"),
        pytest.param(OWN_USER, {"aws:username": "alice"}, BOB_ARN, False, id="other-user"),
        pytest.param(OWN_USER, {"aws:username": "bob"}, BOB_ARN, True, id="bob-own-user"),
        pytest.param(OWN_USER, {"AWS:UserName": "alice"}, ALICE_ARN, True, id="context-key-case"),
        pytest.param(
            "arn:aws:iam::*:user/${AWS:USERNAME}",
            {"aws:username": "alice"},
            ALICE_ARN,
            True,
            id="variable-name-case",
        ),
        pytest.param(
            OWN_USER, {"aws:username": "Alice"}, ALICE_ARN, False, id="value-case-sensitive"
        ),
        pytest.param(OWN_USER, {}, ALICE_ARN, False, id="missing-variable-no-match"),
        pytest.param(
            OWN_USER,
            {},
            "arn:aws:iam::123456789012:user/${aws:username}",
            False,
            id="missing-variable-not-literal",
        ),
        pytest.param(
            OWN_USER,
            {"aws:username": ["alice", "bob"]},
            ALICE_ARN,
            False,
            id="multivalued-not-usable",
        ),
        pytest.param(
            "arn:aws:iam::*:user/${aws:username, 'nobody'}",
            {},
            "arn:aws:iam::1:user/nobody",
            True,
            id="default-used",
        ),
        pytest.param(
            "arn:aws:iam::*:user/${aws:username, 'nobody'}",
            {},
            ALICE_ARN,
            False,
            id="default-used-other",
        ),
        pytest.param(
            "arn:aws:iam::*:user/${aws:username, 'nobody'}",
            {"aws:username": "alice"},
            ALICE_ARN,
            True,
            id="default-not-needed",
        ),
        pytest.param(
            "arn:aws:iam::*:user/${aws:username, 'nobody'}",
            {"aws:username": "alice"},
            "arn:aws:iam::1:user/nobody",
            False,
            id="default-not-used",
        ),
        pytest.param(
            "arn:aws:s3:::home/${aws:PrincipalTag/team}/*",
            {"aws:PrincipalTag/team": "red"},
            "arn:aws:s3:::home/red/x",
            True,
            id="tag-variable",
        ),
        pytest.param(
            "arn:aws:s3:::home/${aws:username}/${aws:PrincipalTag/team}",
            {"aws:username": "a", "aws:PrincipalTag/team": "red"},
            "arn:aws:s3:::home/a/red",
            True,
            id="two-variables",
        ),
        pytest.param("arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/*", True, id="star-literal"),
        pytest.param(
            "arn:aws:s3:::b/${*}",
            {},
            "arn:aws:s3:::b/anything",
            False,
            id="star-literal-not-wildcard",
        ),
        pytest.param("arn:aws:s3:::b/${?}", {}, "arn:aws:s3:::b/?", True, id="question-literal"),
        pytest.param(
            "arn:aws:s3:::b/${?}", {}, "arn:aws:s3:::b/x", False, id="question-literal-not-wildcard"
        ),
        pytest.param("arn:aws:s3:::b/${$}x", {}, "arn:aws:s3:::b/$x", True, id="dollar-literal"),
        pytest.param(
            "arn:aws:s3:::b/${*}/*", {}, "arn:aws:s3:::b/*/k", True, id="literal-and-wildcard"
        ),
        pytest.param(
            "arn:aws:s3:::b/${*}/*", {}, "arn:aws:s3:::b/x/k", False, id="literal-and-wildcard-miss"
        ),
    ],
)
def test_policy_variables_in_resource(pattern, context, resource, expected):
    p = named("P", allow("s3:*", pattern))
    assert decide("s3:GetObject", resource, p, context=context).allowed is expected


@pytest.mark.parametrize("version", [V2008, None], ids=["2008-10-17", "no-Version"])
def test_variables_are_literal_text_in_2008_policies(version):
    p = named("P", allow("iam:*", OWN_USER), version=version)
    context = {"aws:username": "alice"}
    assert not decide("iam:GetUser", ALICE_ARN, p, context=context).allowed
    literal = "arn:aws:iam::123456789012:user/${aws:username}"
    assert decide("iam:GetUser", literal, p, context=context).allowed
    # ${*} is literal text as well, and its own '*' still acts as a wildcard
    star = named("S", allow("s3:*", "arn:aws:s3:::b/${*}"), version=version)
    assert decide("s3:GetObject", "arn:aws:s3:::b/${anything}", star).allowed
    assert not decide("s3:GetObject", "arn:aws:s3:::b/*", star).allowed


def test_missing_variable_in_deny_resource_does_not_deny():
    p = named("P", allow("iam:*"), deny("iam:*", OWN_USER, sid="NotSelf"))
    assert decide("iam:GetUser", ALICE_ARN, p).allowed
    assert (
        decide("iam:GetUser", ALICE_ARN, p, context={"aws:username": "alice"}).decision
        == EXPLICIT_DENY
    )


# --- service control policies ---------------------------------------------------------------


def scp(name, *statements):
    return named(name, *statements, kind="scp")


FULL = scp("FullAWSAccess", {"Effect": "Allow", "Action": "*", "Resource": "*"})
ADMIN = named("AdministratorAccess", allow("*", sid="Admin"))


def test_scp_chain_with_allows_lets_identity_allow_through():
    levels = [("organization root", [FULL]), ("account Production", [FULL])]
    assert decide("s3:GetObject", OBJECT, ADMIN, scp_levels=levels).allowed


def test_scp_allow_without_identity_allow_is_implicit_deny():
    levels = [("organization root", [FULL])]
    decision = decide("s3:GetObject", OBJECT, scp_levels=levels)
    assert decision.decision == IMPLICIT_DENY
    assert "no identity-based policy allows it" in decision.explanation


def test_scp_level_without_allow_denies_despite_identity_allow():
    s3_only = scp("S3Only", {"Effect": "Allow", "Action": "s3:*"})
    levels = [("organization root", [FULL]), ("account Production", [s3_only])]
    assert decide("s3:GetObject", OBJECT, ADMIN, scp_levels=levels).allowed
    decision = decide("iam:CreateUser", BOB_ARN, ADMIN, scp_levels=levels)
    assert decision.decision == IMPLICIT_DENY
    assert decision.explanation == (
        f"iam:CreateUser on {BOB_ARN} is denied: no service control policy attached to the "
        "account Production allows it."
    )


def test_scp_level_with_no_policies_denies():
    levels = [("organization root", [FULL]), ("OU Sandbox", [])]
    decision = decide("s3:GetObject", OBJECT, ADMIN, scp_levels=levels)
    assert decision.decision == IMPLICIT_DENY
    assert "attached to the OU Sandbox allows it" in decision.explanation


def test_scp_allow_at_a_lower_level_does_not_make_up_for_a_higher_one():
    ec2_only = scp("EC2Only", {"Effect": "Allow", "Action": "ec2:*"})
    levels = [("organization root", [ec2_only]), ("account Production", [FULL])]
    decision = decide("s3:GetObject", OBJECT, ADMIN, scp_levels=levels)
    assert decision.decision == IMPLICIT_DENY
    assert "organization root" in decision.explanation


def test_scp_deny_wins():
    no_leaving = scp(
        "DenyLeaveOrg",
        {"Sid": "NoLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization"},
    )
    levels = [("organization root", [FULL, no_leaving]), ("account Production", [FULL])]
    decision = decide("organizations:LeaveOrganization", "*", ADMIN, scp_levels=levels)
    assert decision.decision == EXPLICIT_DENY
    assert (decision.policy, decision.statement) == ("DenyLeaveOrg", "NoLeave")
    assert decision.explanation == (
        "organizations:LeaveOrganization on * is explicitly denied by statement NoLeave of "
        "service control policy DenyLeaveOrg."
    )


def test_scp_deny_at_account_level_wins():
    no_iam = scp("NoIAM", {"Effect": "Deny", "Action": "iam:*"})
    levels = [("organization root", [FULL]), ("account Production", [FULL, no_iam])]
    assert decide("iam:GetUser", ALICE_ARN, ADMIN, scp_levels=levels).decision == EXPLICIT_DENY


def test_management_account_has_no_scp_levels():
    # the management account passes an empty chain: the SCPs of the organization do not apply
    assert decide("iam:CreateUser", BOB_ARN, ADMIN, scp_levels=()).allowed
    assert decide("iam:CreateUser", BOB_ARN, ADMIN, scp_levels=[]).allowed


def test_scp_allow_with_a_key_without_values_allows_nothing():
    """A key with no values never holds in an Allow, an SCP's too; in its Deny it always holds."""
    odd = scp("Odd", {"Effect": "Allow", "Action": "*", "Condition": {"Null": {"aws:a": []}}})
    decision = decide("s3:GetObject", OBJECT, ADMIN, scp_levels=[("organization root", [odd])])
    assert decision.decision == IMPLICIT_DENY
    guard = scp("Guard", {"Effect": "Deny", "Action": "*", "Condition": {"Null": {"aws:a": []}}})
    levels = [("organization root", [FULL, guard])]
    assert decide("s3:GetObject", OBJECT, ADMIN, scp_levels=levels).decision == EXPLICIT_DENY


def test_scp_conditions_apply():
    region_lock = scp(
        "RegionLock",
        {
            "Effect": "Deny",
            "Action": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["ap-northeast-1"]}},
        },
    )
    levels = [("organization root", [FULL, region_lock])]
    ok = {"aws:RequestedRegion": "ap-northeast-1"}
    assert decide("ec2:RunInstances", "*", ADMIN, scp_levels=levels, context=ok).allowed
    elsewhere = {"aws:RequestedRegion": "us-east-1"}
    assert not decide("ec2:RunInstances", "*", ADMIN, scp_levels=levels, context=elsewhere).allowed
    # absent key: StringNotEquals is true, so the Deny applies
    assert not decide("ec2:RunInstances", "*", ADMIN, scp_levels=levels).allowed


# --- the root user --------------------------------------------------------------------------


def test_root_allowed_without_any_policy():
    decision = decide("iam:CreateUser", BOB_ARN, is_root=True)
    assert decision.allowed
    assert decision.explanation == "The root user may do everything that no SCP denies."


def test_root_in_management_account_allowed():
    assert decide("organizations:LeaveOrganization", "*", is_root=True, scp_levels=()).allowed


def test_root_allowed_when_every_scp_level_allows():
    levels = [("organization root", [FULL]), ("account Production", [FULL])]
    assert decide("iam:CreateUser", BOB_ARN, is_root=True, scp_levels=levels).allowed


def test_root_denied_by_scp_deny():
    no_iam = scp("NoIAM", {"Sid": "NoIAM", "Effect": "Deny", "Action": "iam:*"})
    levels = [("organization root", [FULL, no_iam])]
    decision = decide("iam:CreateUser", BOB_ARN, is_root=True, scp_levels=levels)
    assert decision.decision == EXPLICIT_DENY
    assert "of service control policy NoIAM" in decision.explanation
    assert decide("s3:GetObject", OBJECT, is_root=True, scp_levels=levels).allowed


def test_root_denied_when_an_scp_level_does_not_allow():
    s3_only = scp("S3Only", {"Effect": "Allow", "Action": "s3:*"})
    levels = [("organization root", [FULL]), ("account Production", [s3_only])]
    assert (
        decide("ec2:RunInstances", "*", is_root=True, scp_levels=levels).decision == IMPLICIT_DENY
    )
    assert decide("s3:GetObject", OBJECT, is_root=True, scp_levels=levels).allowed


# --- repeated evaluation ------------------------------------------------------------------------


def test_repeated_evaluations_give_the_same_answers():
    """The per-action statement cache must not mix actions or contexts up."""
    p = named("P", allow("iam:Get*", OWN_USER), deny("iam:GetUserPolicy"))
    for _ in range(3):
        assert decide("iam:GetUser", ALICE_ARN, p, context={"aws:username": "alice"}).allowed
        assert not decide("iam:GetUser", ALICE_ARN, p, context={"aws:username": "bob"}).allowed
        assert (
            decide("iam:GetUserPolicy", ALICE_ARN, p, context={"aws:username": "alice"}).decision
            == EXPLICIT_DENY
        )
        assert decide("IAM:GETUSER", ALICE_ARN, p, context={"aws:username": "alice"}).allowed
