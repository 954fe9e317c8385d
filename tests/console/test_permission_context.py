"""A page's declared question is asked whole: ``Permission.allowed`` (showing or hiding a part of a
page) takes the permission's condition context, as ``Permission.require`` does (security review of
the redesign: it dropped the context, so a Deny on a condition key would not hide the action)."""

import json

import pytest

from identity import arns
from identity.authorization import Permission
from identity.policies import services as policies

pytestmark = pytest.mark.django_db

DENIED_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_allowed_asks_with_the_permissions_condition_context(rf, alice, management_account):
    policies.inline_policy_put(
        actor=None,
        user=alice,
        name="AttachButNotAdmin",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": "*"},
                    {
                        "Effect": "Deny",
                        "Action": "iam:AttachUserPolicy",
                        "Resource": "*",
                        "Condition": {"ArnEquals": {"iam:PolicyARN": DENIED_POLICY}},
                    },
                ],
            }
        ),
    )
    request = rf.get("/")
    request.user = alice
    request.session = {}

    def attach(policy_arn):
        return Permission(
            "iam:AttachUserPolicy",
            lambda target: arns.user(management_account.id, "/", "alice"),
            context=lambda target: {"iam:PolicyARN": policy_arn},
        )

    other = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert attach(other).allowed(request, None, account=management_account)
    assert not attach(DENIED_POLICY).allowed(request, None, account=management_account)
