"""The forced-MFA self-management policy from the seed article, evaluated verbatim.

The article (``shared/seeds/003_fb217d49d8cab26f.txt``) creates the IAM user
s-takahashi with the customer managed policy ``forced-mfa-self-manage`` and
AWS managed policies including IAMReadOnlyAccess: before the user signs in
with MFA, the statement DenyAllExceptListedIfNoMFA denies everything but
setting up MFA and changing the password.
"""

from __future__ import annotations

import json

import pytest

from identity.policy import (
    ALLOW,
    EXPLICIT_DENY,
    IMPLICIT_DENY,
    NamedPolicy,
    Policy,
    context_of,
    evaluate,
    parse,
)
from tests.support.seeds import SEED

MARKER = "[セキュリティ認証情報]"
POLICY_NAME = "forced-mfa-self-manage"
DENY_SID = "DenyAllExceptListedIfNoMFA"
ACCOUNT = "123456789012"


def extract_policy_text(text: str) -> str:
    """The JSON object that opens at the first line that is exactly "{" after the marker line."""
    lines = text.splitlines(keepends=True)
    marker = next(i for i, line in enumerate(lines) if MARKER in line)
    start_line = next(i for i in range(marker + 1, len(lines)) if lines[i].rstrip("\r\n") == "{")
    rest = "".join(lines[start_line:])
    depth, in_string, escaped = 0, False, False
    for position, char in enumerate(rest):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return rest[: position + 1]
    raise AssertionError("the policy's braces do not close")


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.fail(f"seed file {SEED} is absent: ../shared must be beside the repository")
    return extract_policy_text(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def forced_mfa(seed_text) -> NamedPolicy:
    return NamedPolicy(POLICY_NAME, parse(seed_text))


@pytest.fixture(scope="module")
def forced_mfa_any_user(seed_text) -> NamedPolicy:
    """The article's policy with ``${aws:username}`` instead of the user's name."""
    assert seed_text.count(":user/s-takahashi") == 6
    text = seed_text.replace(
        "arn:aws:iam::*:user/s-takahashi", "arn:aws:iam::*:user/${aws:username}"
    )
    return NamedPolicy(POLICY_NAME, parse(text))


READ_ONLY = NamedPolicy(
    "IAMReadOnlyAccess",
    parse(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["iam:Get*", "iam:List*", "iam:Generate*", "iam:Simulate*"],
                        "Resource": "*",
                    }
                ],
            }
        )
    ),
)
EC2_FULL = NamedPolicy(
    "AmazonEC2FullAccess",
    parse(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}}'
    ),
)


def user_arn(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def decide(named: NamedPolicy, action: str, resource: str, username: str, mfa):
    context = {"aws:username": username}
    if mfa is not None:
        context["aws:MultiFactorAuthPresent"] = mfa
    return evaluate(
        action=action,
        resource=resource,
        context=context_of(context),
        identity_policies=[named, READ_ONLY, EC2_FULL],
    )


def test_seed_policy_is_extracted_and_parsed(seed_text, forced_mfa):
    assert seed_text.startswith("{\n") and seed_text.endswith("}")
    assert json.loads(seed_text)["Version"] == "2012-10-17"
    assert isinstance(forced_mfa.policy, Policy)
    assert [s.sid for s in forced_mfa.policy.statements] == [
        "AllowViewAccountInfo",
        "AllowManageOwnPasswords",
        "AllowManageOwnAccessKeys",
        "AllowManageOwnSigningCertificates",
        "AllowManageOwnSSHPublicKeys",
        "AllowManageOwnGitCredentials",
        "AllowManageOwnVirtualMFADevice",
        "AllowManageOwnUserMFA",
        DENY_SID,
    ]
    deny = forced_mfa.policy.statements[-1]
    assert deny.effect == "Deny" and deny.not_action
    assert "iam:changepassword" in deny.actions  # the article's addition to AWS's example


NO_MFA = [pytest.param(None, id="mfa-absent"), pytest.param("false", id="mfa-false")]
ME = "s-takahashi"

SELF_SERVICE = [
    pytest.param("iam:ChangePassword", user_arn(ME), id="ChangePassword"),
    pytest.param(
        "iam:CreateVirtualMFADevice",
        f"arn:aws:iam::{ACCOUNT}:mfa/{ME}",
        id="CreateVirtualMFADevice",
    ),
    pytest.param("iam:EnableMFADevice", user_arn(ME), id="EnableMFADevice"),
    pytest.param("iam:ListMFADevices", user_arn(ME), id="ListMFADevices"),
    pytest.param("iam:ResyncMFADevice", user_arn(ME), id="ResyncMFADevice"),
    pytest.param("iam:GetUser", user_arn(ME), id="GetUser"),
    pytest.param("iam:ListVirtualMFADevices", "*", id="ListVirtualMFADevices"),
]


@pytest.mark.parametrize("mfa", NO_MFA)
@pytest.mark.parametrize(("action", "resource"), SELF_SERVICE)
def test_without_mfa_self_service_is_allowed(forced_mfa, action, resource, mfa):
    decision = decide(forced_mfa, action, resource, ME, mfa)
    assert decision.decision == ALLOW, decision.explanation


@pytest.mark.parametrize("mfa", NO_MFA)
@pytest.mark.parametrize(
    ("action", "resource"),
    [
        pytest.param("iam:ListUsers", "*", id="ListUsers"),
        pytest.param("ec2:DescribeInstances", "*", id="DescribeInstances"),
        pytest.param("iam:CreateUser", user_arn("newcomer"), id="CreateUser"),
        pytest.param("iam:CreateAccessKey", user_arn(ME), id="CreateAccessKey-own"),
        pytest.param("iam:GetAccountPasswordPolicy", "*", id="GetAccountPasswordPolicy"),
        pytest.param("iam:DeactivateMFADevice", user_arn(ME), id="DeactivateMFADevice"),
    ],
)
def test_without_mfa_everything_else_is_denied_by_the_deny_statement(
    forced_mfa, action, resource, mfa
):
    decision = decide(forced_mfa, action, resource, ME, mfa)
    assert decision.decision == EXPLICIT_DENY
    assert (decision.policy, decision.statement) == (POLICY_NAME, DENY_SID)
    assert (
        f"explicitly denied by statement {DENY_SID} of policy {POLICY_NAME}" in decision.explanation
    )


@pytest.mark.parametrize("mfa", NO_MFA)
def test_without_mfa_listed_actions_are_not_denied_but_need_an_allow(forced_mfa, mfa):
    # sts:GetSessionToken is exempt from the Deny, but no attached policy allows it
    decision = decide(forced_mfa, "sts:GetSessionToken", "*", ME, mfa)
    assert decision.decision == IMPLICIT_DENY


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        pytest.param("iam:ListUsers", "*", id="ListUsers"),
        pytest.param("iam:GetAccountSummary", "*", id="GetAccountSummary"),
        pytest.param("iam:GetUser", user_arn("someone-else"), id="GetUser-other"),
        pytest.param("iam:GenerateCredentialReport", "*", id="GenerateCredentialReport"),
        pytest.param("iam:SimulatePrincipalPolicy", user_arn(ME), id="SimulatePrincipalPolicy"),
        pytest.param("iam:ChangePassword", user_arn(ME), id="ChangePassword"),
        pytest.param("iam:CreateAccessKey", user_arn(ME), id="CreateAccessKey-own"),
        pytest.param("iam:DeactivateMFADevice", user_arn(ME), id="DeactivateMFADevice-own"),
        pytest.param("ec2:DescribeInstances", "*", id="DescribeInstances"),
    ],
)
def test_with_mfa_read_only_and_self_service_are_allowed(forced_mfa, action, resource):
    decision = decide(forced_mfa, action, resource, ME, "true")
    assert decision.decision == ALLOW, decision.explanation


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        pytest.param("iam:CreateUser", user_arn("newcomer"), id="CreateUser"),
        pytest.param("iam:DeleteUser", user_arn("someone-else"), id="DeleteUser"),
        pytest.param("iam:CreateAccessKey", user_arn("someone-else"), id="CreateAccessKey-other"),
        pytest.param("iam:AttachUserPolicy", user_arn(ME), id="AttachUserPolicy-own"),
    ],
)
def test_with_mfa_writes_are_implicitly_denied(forced_mfa, action, resource):
    decision = decide(forced_mfa, action, resource, ME, "true")
    assert decision.decision == IMPLICIT_DENY
    assert decision.explanation.endswith("is denied: no identity-based policy allows it.")


def test_with_mfa_create_user_explanation(forced_mfa):
    decision = decide(forced_mfa, "iam:CreateUser", user_arn("newcomer"), ME, True)
    assert decision.explanation == (
        f"iam:CreateUser on {user_arn('newcomer')} is denied: no identity-based policy allows it."
    )


def test_the_named_user_policy_does_not_cover_other_users(forced_mfa):
    # the seed policy names s-takahashi: another user's own ARN is not theirs to manage
    decision = decide(forced_mfa, "iam:ChangePassword", user_arn("y-suzuki"), "y-suzuki", None)
    assert decision.decision == IMPLICIT_DENY


# --- the same policy with ${aws:username}: one policy for every user ------------------------------


@pytest.mark.parametrize("user", ["s-takahashi", "y-suzuki"])
@pytest.mark.parametrize("mfa", NO_MFA)
def test_variable_policy_without_mfa(forced_mfa_any_user, user, mfa):
    other = "y-suzuki" if user == "s-takahashi" else "s-takahashi"
    for action in (
        "iam:ChangePassword",
        "iam:EnableMFADevice",
        "iam:ListMFADevices",
        "iam:GetUser",
    ):
        assert decide(forced_mfa_any_user, action, user_arn(user), user, mfa).allowed, action
    # another user's password and MFA device are not theirs to manage
    for action in ("iam:ChangePassword", "iam:EnableMFADevice"):
        assert (
            decide(forced_mfa_any_user, action, user_arn(other), user, mfa).decision
            == IMPLICIT_DENY
        )
    for action, resource in (("iam:ListUsers", "*"), ("iam:CreateUser", user_arn("newcomer"))):
        decision = decide(forced_mfa_any_user, action, resource, user, mfa)
        assert decision.decision == EXPLICIT_DENY
        assert (decision.policy, decision.statement) == (POLICY_NAME, DENY_SID)


@pytest.mark.parametrize("user", ["s-takahashi", "y-suzuki"])
def test_variable_policy_with_mfa(forced_mfa_any_user, user):
    other = "y-suzuki" if user == "s-takahashi" else "s-takahashi"
    assert decide(forced_mfa_any_user, "iam:CreateAccessKey", user_arn(user), user, "true").allowed
    assert decide(forced_mfa_any_user, "iam:ListUsers", "*", user, "true").allowed
    refused = decide(forced_mfa_any_user, "iam:CreateAccessKey", user_arn(other), user, "true")
    assert refused.decision == IMPLICIT_DENY
    assert (
        decide(forced_mfa_any_user, "iam:CreateUser", user_arn("x"), user, "true").decision
        == IMPLICIT_DENY
    )


def test_variable_policy_without_username_manages_no_one(forced_mfa_any_user):
    # a request without aws:username (e.g. from a role) matches none of the per-user statements
    context = context_of({"aws:MultiFactorAuthPresent": "true"})
    decision = evaluate(
        action="iam:ChangePassword",
        resource=user_arn(ME),
        context=context,
        identity_policies=[forced_mfa_any_user],
    )
    assert decision.decision == IMPLICIT_DENY
