"""Permissions boundaries through the IAM API, with boto3: CreateUser with one, Put and Delete
UserPermissionsBoundary, the shapes AWS returns, policies in use as boundaries, the simulator, and
AWS's documented delegation example (access_policies_boundaries.html, "Delegating responsibility
to others using permissions boundaries"): Zhang may create users only with the XCompanyBoundaries
boundary, never remove one, and never change the policies used as boundaries."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from identity import arns, services
from identity.models import AuditEvent, User
from identity.policies import services as policies
from tests.support import aws
from tests.support.boundaries import NO_DELETES, delegation

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = arns.aws_managed_policy("AdministratorAccess")
READ_ONLY = arns.aws_managed_policy("IAMReadOnlyAccess")
ALLOW_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def _error(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


def boundary_shape(arn: str) -> dict:
    # AWS's AttachedPermissionsBoundary: the type's one value is PermissionsBoundaryPolicy.
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


def test_a_user_created_with_a_boundary_shows_it_where_aws_does(admin):
    iam, _ = admin
    created = iam.create_user(UserName="nikhil", Path="/team/", PermissionsBoundary=READ_ONLY)
    assert created["User"]["PermissionsBoundary"] == boundary_shape(READ_ONLY)
    assert iam.get_user(UserName="nikhil")["User"]["PermissionsBoundary"] == boundary_shape(
        READ_ONLY
    )
    # ListUsers leaves it out, as AWS documents ("does not return ... PermissionsBoundary").
    (listed,) = iam.list_users(PathPrefix="/team/")["Users"]
    assert "PermissionsBoundary" not in listed
    plain = iam.create_user(UserName="plain")["User"]
    assert "PermissionsBoundary" not in plain
    assert "PermissionsBoundary" not in iam.get_user(UserName="plain")["User"]
    event = AuditEvent.objects.get(event_name="CreateUser", request_parameters__userName="nikhil")
    assert event.request_parameters["permissionsBoundary"] == READ_ONLY


def test_put_and_delete_user_permissions_boundary(admin, management_account):
    iam, _ = admin
    iam.create_user(UserName="nikhil")
    own = iam.create_policy(PolicyName="XCompanyBoundaries", PolicyDocument=ALLOW_S3)["Policy"]
    iam.put_user_permissions_boundary(UserName="nikhil", PermissionsBoundary=own["Arn"])
    assert iam.get_user(UserName="nikhil")["User"]["PermissionsBoundary"] == boundary_shape(
        own["Arn"]
    )
    assert iam.get_policy(PolicyArn=own["Arn"])["Policy"]["PermissionsBoundaryUsageCount"] == 1
    listed = {p["Arn"]: p for p in iam.list_policies(Scope="Local")["Policies"]}
    assert listed[own["Arn"]]["PermissionsBoundaryUsageCount"] == 1

    # A policy in use as a boundary is not deleted.
    error = _error(lambda: iam.delete_policy(PolicyArn=own["Arn"]))
    assert error["Code"] == "DeleteConflict"
    assert "permissions boundary of 1 user" in error["Message"]

    iam.put_user_permissions_boundary(UserName="nikhil", PermissionsBoundary=READ_ONLY)
    assert iam.get_policy(PolicyArn=READ_ONLY)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    assert iam.get_policy(PolicyArn=own["Arn"])["Policy"]["PermissionsBoundaryUsageCount"] == 0
    iam.delete_user_permissions_boundary(UserName="nikhil")
    assert "PermissionsBoundary" not in iam.get_user(UserName="nikhil")["User"]
    iam.delete_user_permissions_boundary(UserName="nikhil")  # none left: nothing to do
    iam.delete_policy(PolicyArn=own["Arn"])
    assert [
        e.event_name
        for e in AuditEvent.objects.filter(event_name__contains="Boundary").order_by("event_time")
    ] == [
        "PutUserPermissionsBoundary",
        "PutUserPermissionsBoundary",
        "DeleteUserPermissionsBoundary",
    ]

    missing = arns.policy(management_account.id, "/", "Missing")
    for call in (
        lambda: iam.put_user_permissions_boundary(UserName="nikhil", PermissionsBoundary=missing),
        lambda: iam.create_user(UserName="other", PermissionsBoundary=missing),
        lambda: iam.put_user_permissions_boundary(UserName="nobody", PermissionsBoundary=READ_ONLY),
        lambda: iam.delete_user_permissions_boundary(UserName="nobody"),
    ):
        assert _error(call)["Code"] == "NoSuchEntity"
    assert not User.objects.filter(name="other").exists()


def test_another_account_s_policy_or_user_is_out_of_reach(live_server, admin, other_root):
    """Account B's customer policy is no boundary in account A; B cannot touch A's users."""
    iam_a, _ = admin
    iam_a.create_user(UserName="alice", PermissionsBoundary=READ_ONLY)
    iam_b, _ = aws.clients(live_server.url, *aws.access_key(other_root))
    theirs = iam_b.create_policy(PolicyName="Theirs", PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    error = _error(
        lambda: iam_a.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=theirs)
    )
    assert error["Code"] == "NoSuchEntity"
    assert (
        _error(lambda: iam_a.create_user(UserName="bob", PermissionsBoundary=theirs))["Code"]
        == "NoSuchEntity"
    )
    for call in (
        lambda: iam_b.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=theirs),
        lambda: iam_b.delete_user_permissions_boundary(UserName="alice"),
    ):
        assert _error(call)["Code"] == "NoSuchEntity"
    assert User.objects.get(name="alice").permissions_boundary == READ_ONLY
    assert iam_b.get_policy(PolicyArn=READ_ONLY)["Policy"]["PermissionsBoundaryUsageCount"] == 0


def test_a_boundary_caps_a_signed_call_and_the_simulator_says_so(live_server, admin, make_iam_user):
    """AdministratorAccess under an IAMReadOnlyAccess boundary: reads pass, writes are refused
    with AWS's sentence naming the boundary; SimulatePrincipalPolicy shows the same."""
    iam_admin, _ = admin
    dana = make_iam_user(name="dana", self_service=False)
    policies.policy_attach(actor=None, account=dana.account, policy_arn=ADMIN, user=dana)
    iam, _ = aws.clients(live_server.url, *aws.access_key(dana))
    iam.create_user(UserName="before")  # no boundary yet
    iam_admin.put_user_permissions_boundary(UserName="dana", PermissionsBoundary=READ_ONLY)

    iam.list_users()
    error = _error(lambda: iam.create_user(UserName="after"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: {dana.arn} is not authorized to perform: iam:CreateUser on resource: "
        f"{arns.user(dana.account_id, '/', 'after')} because no permissions boundary allows the "
        "iam:CreateUser action"
    )

    results = iam_admin.simulate_principal_policy(
        PolicySourceArn=dana.arn, ActionNames=["iam:CreateUser", "iam:ListUsers"]
    )["EvaluationResults"]
    by_action = {r["EvalActionName"]: r for r in results}
    assert by_action["iam:CreateUser"]["EvalDecision"] == "implicitDeny"
    assert by_action["iam:CreateUser"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False
    }
    assert by_action["iam:ListUsers"]["EvalDecision"] == "allowed"
    assert by_action["iam:ListUsers"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": True
    }
    # What decided, typed as AWS types policies: the AWS managed policy that allowed.
    assert by_action["iam:ListUsers"]["MatchedStatements"] == [
        {"SourcePolicyId": "AdministratorAccess", "SourcePolicyType": "aws-managed"}
    ]
    assert by_action["iam:ListUsers"]["OrganizationsDecisionDetail"] == {
        "AllowedByOrganizations": True
    }
    # A user without a boundary: no detail, as AWS.
    plain = iam_admin.simulate_principal_policy(
        PolicySourceArn=arns.user(dana.account_id, "/", "before"), ActionNames=["iam:GetUser"]
    )["EvaluationResults"][0]
    assert "PermissionsBoundaryDecisionDetail" not in plain


def test_an_explicit_deny_in_a_boundary_wins(live_server, admin, make_iam_user):
    iam_admin, _ = admin
    dana = make_iam_user(name="dana", self_service=False)
    policies.policy_attach(actor=None, account=dana.account, policy_arn=ADMIN, user=dana)
    no_deletes = iam_admin.create_policy(
        PolicyName="NoDeletes",
        PolicyDocument=NO_DELETES,
    )["Policy"]["Arn"]
    iam_admin.put_user_permissions_boundary(UserName="dana", PermissionsBoundary=no_deletes)
    iam, _ = aws.clients(live_server.url, *aws.access_key(dana))
    iam.create_user(UserName="temp")
    error = _error(lambda: iam.delete_user(UserName="temp"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"].endswith("with an explicit deny in a permissions boundary")


# --- AWS's delegation example ------------------------------------------------------------------


def test_aws_delegation_example(live_server, management_account, management_root):
    zhang, x_company, delegated_boundary = delegation(management_account, management_root)
    iam, _ = aws.clients(live_server.url, *aws.access_key(zhang, actor=management_root))

    # Zhang forgets the boundary, or picks another: refused, by his own boundary.
    for extra in (
        {},
        {"PermissionsBoundary": READ_ONLY},
        {"PermissionsBoundary": delegated_boundary},
    ):
        error = _error(lambda extra=extra: iam.create_user(UserName="Nikhil", **extra))
        assert error["Code"] == "AccessDenied", extra
        assert (
            "because no permissions boundary allows the iam:CreateUser action" in error["Message"]
        )
    assert not User.objects.filter(name="Nikhil").exists()

    # With XCompanyBoundaries it works, and he manages the new user's policies.
    created = iam.create_user(UserName="Nikhil", PermissionsBoundary=x_company)["User"]
    assert created["PermissionsBoundary"]["PermissionsBoundaryArn"] == x_company
    iam.attach_user_policy(UserName="Nikhil", PolicyArn=READ_ONLY)
    iam.put_user_policy(UserName="Nikhil", PolicyName="inline", PolicyDocument=ALLOW_S3)
    iam.delete_user_policy(UserName="Nikhil", PolicyName="inline")
    iam.detach_user_policy(UserName="Nikhil", PolicyArn=READ_ONLY)

    # A user without that boundary (made by María): Zhang may set it, only it, and not manage
    # the user's policies before.
    services.iam_user_create(actor=None, account=management_account, name="Mateo")
    assert (
        _error(lambda: iam.attach_user_policy(UserName="Mateo", PolicyArn=READ_ONLY))["Code"]
        == "AccessDenied"
    )
    assert (
        _error(
            lambda: iam.put_user_permissions_boundary(
                UserName="Mateo", PermissionsBoundary=READ_ONLY
            )
        )["Code"]
        == "AccessDenied"
    )
    iam.put_user_permissions_boundary(UserName="Mateo", PermissionsBoundary=x_company)
    iam.attach_user_policy(UserName="Mateo", PolicyArn=READ_ONLY)

    # He never removes a boundary, his own included, nor changes the boundary policies.
    for name in ("Nikhil", "Zhang"):
        error = _error(lambda name=name: iam.delete_user_permissions_boundary(UserName=name))
        assert error["Code"] == "AccessDenied"
        assert error["Message"].endswith("with an explicit deny in a permissions boundary")
    for call in (
        lambda: iam.create_policy_version(PolicyArn=x_company, PolicyDocument=ALLOW_S3),
        lambda: iam.delete_policy(PolicyArn=x_company),
        lambda: iam.create_policy_version(PolicyArn=delegated_boundary, PolicyDocument=ALLOW_S3),
    ):
        assert _error(call)["Code"] == "AccessDenied"
    assert User.objects.get(name="Nikhil").permissions_boundary == x_company
    assert User.objects.get(name="Zhang").permissions_boundary == delegated_boundary


def _allow(*actions, effect="Allow") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": list(actions), "Resource": "*"}],
        }
    )


def test_the_simulator_types_what_decided_as_aws_does(
    live_server, organization, management_root, member_account, member_root
):
    """MatchedStatements' SourcePolicyType is AWS's enum (user, group, aws-managed,
    user-managed) and SCPs answer in OrganizationsDecisionDetail, naming no statement."""
    from identity import organization_units as structure

    workloads = structure.organizational_unit_create(
        actor=management_root, organization=organization, parent=None, name="Workloads"
    )
    structure.account_move(actor=management_root, account=member_account, destination=workloads)
    guard = policies.scp_create(
        actor=None,
        organization=organization,
        name="NoRoles",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"},
                ],
            }
        ),
    )
    policies.scp_attach(
        actor=None, organization=organization, policy_arn=guard.arn, organizational_unit=workloads
    )
    iam, _ = aws.clients(live_server.url, *aws.access_key(member_root))
    iam.create_user(UserName="ivy")
    iam.put_user_policy(UserName="ivy", PolicyName="Own", PolicyDocument=_allow("iam:CreateUser"))
    iam.create_group(GroupName="Readers")
    iam.add_user_to_group(GroupName="Readers", UserName="ivy")
    iam.put_group_policy(
        GroupName="Readers", PolicyName="Shared", PolicyDocument=_allow("iam:CreateGroup")
    )
    lister = iam.create_policy(PolicyName="Lister", PolicyDocument=_allow("iam:CreatePolicy"))
    iam.attach_user_policy(UserName="ivy", PolicyArn=lister["Policy"]["Arn"])
    iam.attach_user_policy(UserName="ivy", PolicyArn=READ_ONLY)
    cap = iam.create_policy(
        PolicyName="Cap", PolicyDocument=_allow("iam:DeleteUser", effect="Deny")
    )
    iam.put_user_permissions_boundary(UserName="ivy", PermissionsBoundary=cap["Policy"]["Arn"])

    results = iam.simulate_principal_policy(
        PolicySourceArn=arns.user(member_account.pk, "/", "ivy"),
        ActionNames=["iam:CreateUser", "iam:ListRoles", "iam:DeleteUser"],
    )["EvaluationResults"]
    by_action = {r["EvalActionName"]: r for r in results}

    def matched(action):
        return [
            (m["SourcePolicyId"], m["SourcePolicyType"])
            for m in by_action[action]["MatchedStatements"]
        ]

    # The boundary allows nothing (a Deny alone), so nothing is allowed: each Allow is named by
    # the boundary, typed as a customer's managed policy.
    assert {r["EvalDecision"] for r in results} == {"implicitDeny", "explicitDeny"}
    assert matched("iam:DeleteUser") == [("Cap", "user-managed")]
    assert by_action["iam:DeleteUser"]["EvalDecision"] == "explicitDeny"
    assert by_action["iam:ListRoles"]["EvalDecision"] == "explicitDeny"
    assert matched("iam:ListRoles") == []  # an SCP: named in its own detail, not here
    assert by_action["iam:ListRoles"]["OrganizationsDecisionDetail"] == {
        "AllowedByOrganizations": False
    }
    assert by_action["iam:CreateUser"]["OrganizationsDecisionDetail"] == {
        "AllowedByOrganizations": True
    }

    # Without the boundary, each Allow names its policy and AWS's type for it.
    iam.delete_user_permissions_boundary(UserName="ivy")
    results = iam.simulate_principal_policy(
        PolicySourceArn=arns.user(member_account.pk, "/", "ivy"),
        ActionNames=[
            "iam:CreateUser",
            "iam:CreateGroup",
            "iam:CreatePolicy",
            "iam:GetAccountSummary",
        ],
    )["EvaluationResults"]
    by_action = {r["EvalActionName"]: r for r in results}
    assert {r["EvalDecision"] for r in results} == {"allowed"}
    assert matched("iam:CreateUser") == [("Own (inline, user ivy)", "user")]
    assert matched("iam:CreateGroup") == [("Shared (inline, group Readers)", "group")]
    assert matched("iam:CreatePolicy") == [("Lister", "user-managed")]
    assert matched("iam:GetAccountSummary") == [("IAMReadOnlyAccess", "aws-managed")]
    assert all("PermissionsBoundaryDecisionDetail" not in r for r in results)


def test_a_deny_conditioned_on_the_boundary_keeps_it_from_being_removed(
    live_server, admin, management_account, make_iam_user
):
    """DeleteUserPermissionsBoundary carries the boundary being removed as
    ``iam:PermissionsBoundary`` (as AWS's service authorization reference lists it): a Deny
    conditioned on it holds, and without the key it never matched (the boundary came off)."""
    iam_admin, _ = admin
    guarded = iam_admin.create_policy(PolicyName="Guarded", PolicyDocument=ALLOW_S3)["Policy"]
    dana = make_iam_user(name="dana", self_service=False)
    policies.policy_attach(actor=None, account=dana.account, policy_arn=ADMIN, user=dana)
    iam_admin.put_user_policy(
        UserName="dana",
        PolicyName="KeepTheGuardedBoundary",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "KeepGuarded",
                        "Effect": "Deny",
                        "Action": "iam:DeleteUserPermissionsBoundary",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"iam:PermissionsBoundary": guarded["Arn"]}},
                    }
                ],
            }
        ),
    )
    iam_admin.create_user(UserName="held", PermissionsBoundary=guarded["Arn"])
    iam_admin.create_user(UserName="loose", PermissionsBoundary=READ_ONLY)
    iam, _ = aws.clients(live_server.url, *aws.access_key(dana))

    error = _error(lambda: iam.delete_user_permissions_boundary(UserName="held"))
    assert error["Code"] == "AccessDenied"
    assert error["Message"].endswith("with an explicit deny in an identity-based policy")
    assert User.objects.get(name="held").permissions_boundary == guarded["Arn"]
    # Another boundary is no concern of that Deny.
    iam.delete_user_permissions_boundary(UserName="loose")
    assert User.objects.get(name="loose").permissions_boundary == ""


def test_password_reset_required_is_the_attach_it_takes(live_server, admin, make_iam_user):
    """PasswordResetRequired attaches IAMUserChangePassword, so the caller is asked
    iam:AttachUserPolicy for it (the policy and the user's boundary in the context)."""
    iam_admin, _ = admin
    make_iam_user(
        name="hr",
        self_service=False,
        inline={"passwords-only": _allow("iam:CreateUser", "iam:CreateLoginProfile")},
    )
    hr = User.objects.get(name="hr")
    iam, _ = aws.clients(live_server.url, *aws.access_key(hr))
    iam.create_user(UserName="nikhil")
    error = _error(
        lambda: iam.create_login_profile(
            UserName="nikhil", Password="A-long-Passw0rd-2026!", PasswordResetRequired=True
        )
    )
    assert error["Code"] == "AccessDenied"
    assert "iam:AttachUserPolicy" in error["Message"]
    nikhil = User.objects.get(name="nikhil")
    assert not nikhil.has_usable_password()
    iam.create_login_profile(UserName="nikhil", Password="A-long-Passw0rd-2026!")
    assert User.objects.get(name="nikhil").has_usable_password()
