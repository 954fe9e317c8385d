"""Permissions boundaries below the engine: a user's boundary is loaded with their policies (at no
extra query), set and removed by services that audit in the same transaction, checked against the
account's own policies, and a customer managed policy in use as a boundary is not deleted."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from identity import arns, authorization, services
from identity.models import AuditEvent, CustomerPolicy, PolicyVersion, User
from identity.policies import loading
from identity.policies import services as policies

pytestmark = pytest.mark.django_db

ADMIN = arns.aws_managed_policy("AdministratorAccess")
READ_ONLY = arns.aws_managed_policy("IAMReadOnlyAccess")


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


READ_USERS = document(
    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers"], "Resource": "*"}
)


def customer_policy(account, name="ReadUsersBoundary", text=READ_USERS) -> CustomerPolicy:
    return policies.customer_policy_create(actor=None, account=account, name=name, document=text)


@pytest.fixture
def admin_user(make_iam_user):
    """An IAM user with AdministratorAccess and nothing else."""
    user = make_iam_user(name="dana", self_service=False)
    policies.policy_attach(actor=None, account=user.account, policy_arn=ADMIN, user=user)
    return user


def fresh(user) -> User:
    return User.objects.select_related("account__organization").get(pk=user.pk)


def load(user):
    return loading.principal_policies(fresh(user))


# --- Loading ----------------------------------------------------------------------------------


def test_a_user_without_a_boundary_has_none(admin_user):
    assert load(admin_user).boundary is None


def test_an_aws_managed_boundary_is_loaded_under_its_name(admin_user):
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=READ_ONLY)
    boundary = load(admin_user).boundary
    assert [(n.name, n.kind) for n in boundary] == [("IAMReadOnlyAccess", "boundary")]


def test_a_customer_managed_boundary_is_its_default_version(admin_user):
    policy = customer_policy(admin_user.account)
    policies.customer_policy_version_create(
        actor=None,
        policy=policy,
        document=document({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}),
    )
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=policy.arn)
    (named,) = load(admin_user).boundary
    assert (named.name, named.kind) == ("ReadUsersBoundary", "boundary")
    assert [s.label for s in named.policy.statements_for("iam:getuser")]
    assert not named.policy.statements_for("iam:listusers")  # v1 allowed it; v2 is the default


def _queries(user) -> int:
    user = fresh(user)
    with CaptureQueriesContext(connection) as captured:
        loading.principal_policies(user)
    return len(captured)


def test_a_boundary_costs_no_query_of_its_own(admin_user, make_iam_user):
    """The ARN comes with the user's row; a customer policy's document comes in the query that
    reads the user's policies."""
    before = _queries(admin_user)
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=READ_ONLY)
    assert _queries(admin_user) == before
    policy = customer_policy(admin_user.account)
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=policy.arn)
    assert _queries(admin_user) == before
    # With a customer policy attached too: still the queries of the attached one alone.
    attached = customer_policy(admin_user.account, name="Attached")
    policies.policy_attach(
        actor=None, account=admin_user.account, policy_arn=attached.arn, user=admin_user
    )
    with_attached = _queries(admin_user)
    services.user_permissions_boundary_delete(actor=None, user=admin_user)
    assert _queries(admin_user) == with_attached


def test_an_unreadable_or_missing_boundary_allows_nothing(admin_user):
    """Fail closed: a boundary that cannot be read is a boundary that allows nothing."""
    policy = customer_policy(admin_user.account)
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=policy.arn)
    PolicyVersion.objects.filter(policy=policy).update(document="{not json")
    assert load(admin_user).boundary == ()
    decision = authorization.authorize(
        fresh(admin_user), "iam:GetUser", admin_user.arn, account=admin_user.account
    )
    assert not decision.allowed
    assert decision.engine.stage == "boundary"
    assert "permissions boundary (unreadable) does not allow it" in decision.explanation

    gone = arns.policy(admin_user.account_id, "/", "Gone")
    User.objects.filter(pk=admin_user.pk).update(permissions_boundary=gone)
    assert load(admin_user).boundary == ()


def test_root_users_have_no_boundary(management_root):
    # Not settable (the service refuses), and ignored if a row held one anyway.
    with pytest.raises(ValidationError):
        services.user_permissions_boundary_put(
            actor=None, user=management_root, policy_arn=READ_ONLY
        )
    User.objects.filter(pk=management_root.pk).update(permissions_boundary=READ_ONLY)
    assert load(management_root).boundary is None


# --- The engine, asked with the boundary ------------------------------------------------------


def test_authorization_simulation_and_effective_permissions_honour_the_boundary(admin_user):
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=READ_ONLY)
    user = fresh(admin_user)
    refused = authorization.authorize(user, "iam:CreateUser", "*", account=user.account)
    assert not refused.allowed
    assert refused.engine.stage == "boundary"
    assert "the permissions boundary IAMReadOnlyAccess does not allow it" in refused.explanation
    assert authorization.authorize(user, "iam:GetUser", user.arn, account=user.account).allowed

    results = dict(
        loading.simulate(
            user, actions=["iam:CreateUser", "iam:ListUsers"], resource="*", mfa=False, context={}
        )
    )
    assert (results["iam:CreateUser"].decision, results["iam:CreateUser"].stage) == (
        "ImplicitDeny",
        "boundary",
    )
    assert results["iam:ListUsers"].allowed

    rows = {
        row["action"]: row
        for row in loading.effective_permissions(user, [("iam:CreateUser", "users")])
    }
    assert rows["iam:CreateUser"]["mfa"].stage == "boundary"


# --- Services ---------------------------------------------------------------------------------


def test_setting_and_removing_a_boundary_is_audited(admin_user, management_root):
    services.user_permissions_boundary_put(
        actor=management_root, user=admin_user, policy_arn=READ_ONLY
    )
    assert fresh(admin_user).permissions_boundary == READ_ONLY
    put = AuditEvent.objects.get(event_name="PutUserPermissionsBoundary")
    assert put.request_parameters == {"userName": "dana", "permissionsBoundary": READ_ONLY}
    assert put.resource_name == "dana"

    assert services.user_permissions_boundary_delete(actor=management_root, user=admin_user)
    assert fresh(admin_user).permissions_boundary == ""
    deleted = AuditEvent.objects.get(event_name="DeleteUserPermissionsBoundary")
    assert deleted.request_parameters == {"userName": "dana"}
    # Nothing to remove: nothing changes and nothing is recorded.
    assert not services.user_permissions_boundary_delete(actor=management_root, user=admin_user)
    assert AuditEvent.objects.filter(event_name="DeleteUserPermissionsBoundary").count() == 1


def test_a_boundary_is_a_managed_policy_of_the_user_s_own_account(
    admin_user, other_organization, member_account
):
    elsewhere = customer_policy(other_organization.management_account, name="Theirs")
    sibling = customer_policy(member_account, name="SiblingAccount")
    for arn in (
        elsewhere.arn,  # another organization's account
        sibling.arn,  # another account of the same organization
        arns.policy(admin_user.account_id, "/", "NoSuchPolicy"),
        arns.aws_scp("p-FullAWSAccess"),  # an SCP is not an IAM policy
        "not an arn",
    ):
        with pytest.raises(ValidationError) as refused:
            services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=arn)
        assert refused.value.error_dict["permissions_boundary"][0].code == "NoSuchEntity"
    assert fresh(admin_user).permissions_boundary == ""
    assert not AuditEvent.objects.filter(event_name="PutUserPermissionsBoundary").exists()


def test_a_new_user_may_get_a_boundary_in_the_same_step(management_account, management_root):
    user = services.iam_user_create(
        actor=management_root,
        account=management_account,
        name="nikhil",
        permissions_boundary=READ_ONLY,
    )
    assert fresh(user).permissions_boundary == READ_ONLY
    created = AuditEvent.objects.get(event_name="CreateUser")
    assert created.request_parameters["permissionsBoundary"] == READ_ONLY

    with pytest.raises(ValidationError):
        services.iam_user_create(
            actor=management_root,
            account=management_account,
            name="nobody",
            permissions_boundary=arns.policy(management_account.id, "/", "Missing"),
        )
    assert not User.objects.filter(name="nobody").exists()


def test_a_policy_used_as_a_boundary_is_not_deleted(admin_user):
    policy = customer_policy(admin_user.account)
    services.user_permissions_boundary_put(actor=None, user=admin_user, policy_arn=policy.arn)
    with pytest.raises(ValidationError) as refused:
        policies.customer_policy_delete(actor=None, policy=policy)
    assert refused.value.error_list[0].code == "DeleteConflict"
    assert "permissions boundary" in refused.value.messages[0]
    assert CustomerPolicy.objects.filter(pk=policy.pk).exists()

    services.user_permissions_boundary_delete(actor=None, user=admin_user)
    policies.customer_policy_delete(actor=None, policy=policy)
    assert not CustomerPolicy.objects.filter(pk=policy.pk).exists()
