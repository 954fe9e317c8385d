"""evaluate() with permissions boundaries and SCP levels below the organization root.

AWS's order for a principal in a member account: an explicit Deny anywhere (SCPs, the boundary,
identity policies) wins; then every SCP level from the root down to the account must allow; then
the permissions boundary must allow; then an identity policy must allow. Each decision names the
stage that decided (``stage``) and, for an SCP, its level.
"""

from __future__ import annotations

import pytest

from identity.policy import ALLOW, EXPLICIT_DENY, IMPLICIT_DENY, NamedPolicy, context_of, evaluate

from .support import allow, deny, policy

USER = "arn:aws:iam::123456789012:user/alice"
OBJECT = "arn:aws:s3:::example-bucket/report.csv"


def named(name, *statements, kind="identity", level=""):
    return NamedPolicy(name, policy(*statements, scp=kind == "scp"), kind, level)


ADMIN = named("AdministratorAccess", allow("*", "*"))
FULL = "FullAWSAccess"


def full(level):
    return named(FULL, allow("*", "*"), kind="scp", level=level)


def chain(*below_root):
    """The root, the given OUs (top first), then the account, each with FullAWSAccess unless
    a level is given as (name, [policies])."""
    levels = [("organization root", (full("organization root"),))]
    for item in below_root:
        levels.append(item if isinstance(item, tuple) else (item, (full(item),)))
    levels.append(("account 111122223333", (full("account 111122223333"),)))
    return tuple(levels)


def decide(action, resource, identity=(ADMIN,), *, scp_levels=(), boundary=None, root=False):
    return evaluate(
        action=action,
        resource=resource,
        context=context_of({"aws:username": "alice"}),
        identity_policies=tuple(identity),
        scp_levels=scp_levels,
        boundary=boundary,
        is_root=root,
    )


# --- boundaries -----------------------------------------------------------------------------

S3_AND_IAM_READ = named(
    "DeveloperBoundary", allow(["s3:*", "iam:Get*", "iam:List*"], "*"), kind="boundary"
)


@pytest.mark.parametrize(
    ("action", "expected", "stage"),
    [
        ("s3:GetObject", ALLOW, "identity"),  # both allow
        ("iam:GetUser", ALLOW, "identity"),
        ("iam:CreateUser", IMPLICIT_DENY, "boundary"),  # identity allows, the boundary does not
        ("ec2:RunInstances", IMPLICIT_DENY, "boundary"),
    ],
)
def test_a_boundary_narrower_than_administrator_access_caps_it(action, expected, stage):
    decision = decide(action, OBJECT, boundary=(S3_AND_IAM_READ,))
    assert (decision.decision, decision.stage) == (expected, stage)
    if expected == IMPLICIT_DENY:
        assert decision.explanation == (
            f"{action} on {OBJECT} is denied: the permissions boundary DeveloperBoundary "
            "does not allow it."
        )


def test_a_boundary_grants_nothing_by_itself():
    only_reads = named("ReadOnly", allow("iam:Get*", "*"))
    decision = decide("s3:GetObject", OBJECT, (only_reads,), boundary=(S3_AND_IAM_READ,))
    assert (decision.decision, decision.stage) == (IMPLICIT_DENY, "identity")


def test_a_deny_in_the_boundary_wins_over_its_own_and_the_identity_allows():
    boundary = named(
        "NoDeletes",
        allow("*", "*"),
        deny("s3:DeleteObject", "*", sid="NoDeletes"),
        kind="boundary",
    )
    decision = decide("s3:DeleteObject", OBJECT, boundary=(boundary,))
    assert (decision.decision, decision.stage) == (EXPLICIT_DENY, "boundary")
    assert decision.explanation == (
        f"s3:DeleteObject on {OBJECT} is explicitly denied by statement NoDeletes of "
        "permissions boundary NoDeletes."
    )
    assert decide("s3:GetObject", OBJECT, boundary=(boundary,)).allowed


def test_an_identity_deny_wins_over_a_boundary_allow():
    identity = (ADMIN, named("NoS3", deny("s3:*", "*", sid="NoS3")))
    decision = decide("s3:GetObject", OBJECT, identity, boundary=(S3_AND_IAM_READ,))
    assert (decision.decision, decision.stage, decision.policy) == (
        EXPLICIT_DENY,
        "identity",
        "NoS3",
    )


def test_an_empty_boundary_allows_nothing_and_no_boundary_caps_nothing():
    assert decide("s3:GetObject", OBJECT, boundary=()).stage == "boundary"
    assert not decide("s3:GetObject", OBJECT, boundary=()).allowed
    assert "(unreadable)" in decide("s3:GetObject", OBJECT, boundary=()).explanation
    assert decide("s3:GetObject", OBJECT, boundary=None).allowed


def test_the_boundary_conditions_count():
    mfa_only = named(
        "MFAOnly",
        allow("*", "*", condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
        kind="boundary",
    )
    decision = decide("s3:GetObject", OBJECT, boundary=(mfa_only,))
    assert (decision.decision, decision.stage) == (IMPLICIT_DENY, "boundary")
    assert decision.condition_keys == ("aws:multifactorauthpresent",)


def test_scps_come_before_the_boundary():
    levels = chain(
        ("OU Sandbox (ou-ab12-cd34ef56)", (named("OnlyEC2", allow("ec2:*"), kind="scp"),))
    )
    decision = decide("s3:GetObject", OBJECT, scp_levels=levels, boundary=(S3_AND_IAM_READ,))
    assert (decision.decision, decision.stage, decision.level) == (
        IMPLICIT_DENY,
        "scp",
        "OU Sandbox (ou-ab12-cd34ef56)",
    )


def test_the_root_user_has_no_boundary():
    assert decide("iam:CreateUser", OBJECT, (), boundary=(S3_AND_IAM_READ,), root=True).allowed


def test_the_same_policies_with_and_without_a_boundary_are_different_sets():
    identity = (ADMIN,)
    assert decide("iam:CreateUser", OBJECT, identity).allowed
    assert not decide("iam:CreateUser", OBJECT, identity, boundary=(S3_AND_IAM_READ,)).allowed
    assert decide("iam:CreateUser", OBJECT, identity).allowed


# --- levels ---------------------------------------------------------------------------------


def test_a_deny_on_an_ou_two_levels_up_reaches_the_account_and_is_named():
    no_s3 = named("DenyS3", allow("*", "*"), deny("s3:*", "*", sid="NoS3"), kind="scp")
    no_s3 = NamedPolicy(no_s3.name, no_s3.policy, "scp", "OU Workloads (ou-ab12-11111111)")
    levels = chain(
        ("OU Workloads (ou-ab12-11111111)", (no_s3,)),
        "OU Production (ou-ab12-22222222)",
    )
    decision = decide("s3:GetObject", OBJECT, scp_levels=levels)
    assert (decision.decision, decision.stage, decision.level) == (
        EXPLICIT_DENY,
        "scp",
        "OU Workloads (ou-ab12-11111111)",
    )
    assert decision.explanation == (
        f"s3:GetObject on {OBJECT} is explicitly denied by statement NoS3 of service control "
        "policy DenyS3 attached to the OU Workloads (ou-ab12-11111111)."
    )
    assert decide("iam:GetUser", USER, scp_levels=levels).allowed


@pytest.mark.parametrize("missing", [0, 1, 2, 3])
def test_a_missing_allow_at_any_level_denies_and_names_it(missing):
    levels = list(chain("OU A (ou-ab12-aaaaaaaa)", "OU B (ou-ab12-bbbbbbbb)"))
    name, _policies = levels[missing]
    levels[missing] = (name, (named("OnlyEC2", allow("ec2:*"), kind="scp", level=name),))
    decision = decide("s3:GetObject", OBJECT, scp_levels=tuple(levels))
    assert (decision.decision, decision.stage, decision.level) == (IMPLICIT_DENY, "scp", name)
    assert decision.explanation == (
        f"s3:GetObject on {OBJECT} is denied: no service control policy attached to the "
        f"{name} allows it."
    )
    assert decide("ec2:RunInstances", "*", scp_levels=tuple(levels)).allowed
