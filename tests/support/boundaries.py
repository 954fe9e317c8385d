"""AWS's documented delegation example (IAM User Guide, "Permissions boundaries for IAM
entities", "Delegating responsibility to others using permissions boundaries"), with the
account's own ARNs: María's three policies, and Zhang, bounded by DelegatedUserBoundary, with
DelegatedUserPermissions attached. Zhang may create users only with the XCompanyBoundaries
boundary, manage the policies only of users that have it, never remove a boundary, and never
change the policies used as boundaries."""

from __future__ import annotations

import json

from identity import arns, services
from identity.policies import services as policies

# A boundary that allows everything but denies every iam:Delete* (its Deny wins over any Allow).
NO_DELETES = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoDeletes", "Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"},
        ],
    }
)


def delegation(account, management_root):
    """María's policies (with the account's ARNs) and Zhang, bounded by DelegatedUserBoundary."""
    account_id = account.id
    x_company = arns.policy(account_id, "/", "XCompanyBoundaries")
    delegated_boundary = arns.policy(account_id, "/", "DelegatedUserBoundary")
    documents = {
        "XCompanyBoundaries": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ServiceBoundaries",
                    "Effect": "Allow",
                    "Action": ["s3:*", "cloudwatch:*", "ec2:*", "dynamodb:*"],
                    "Resource": "*",
                },
                {
                    "Sid": "AllowIAMConsoleForCredentials",
                    "Effect": "Allow",
                    "Action": ["iam:ListUsers", "iam:GetAccountPasswordPolicy"],
                    "Resource": "*",
                },
                {
                    "Sid": "AllowManageOwnPasswordAndAccessKeys",
                    "Effect": "Allow",
                    "Action": [
                        "iam:*AccessKey*",
                        "iam:ChangePassword",
                        "iam:GetUser",
                        "iam:*ServiceSpecificCredential*",
                        "iam:*SigningCertificate*",
                    ],
                    "Resource": ["arn:aws:iam::*:user/${aws:username}"],
                },
                {
                    "Sid": "DenyS3Logs",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"],
                },
            ],
        },
        "DelegatedUserBoundary": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CreateOrChangeOnlyWithBoundary",
                    "Effect": "Allow",
                    "Action": [
                        "iam:CreateUser",
                        "iam:DeleteUserPolicy",
                        "iam:AttachUserPolicy",
                        "iam:DetachUserPolicy",
                        "iam:PutUserPermissionsBoundary",
                        "iam:PutUserPolicy",
                    ],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:PermissionsBoundary": x_company}},
                },
                {
                    "Sid": "CloudWatchAndOtherIAMTasks",
                    "Effect": "Allow",
                    "Action": [
                        "cloudwatch:*",
                        "iam:GetUser",
                        "iam:ListUsers",
                        "iam:DeleteUser",
                        "iam:UpdateUser",
                        "iam:CreateAccessKey",
                        "iam:CreateLoginProfile",
                        "iam:GetAccountPasswordPolicy",
                        "iam:GetLoginProfile",
                        "iam:*Group*",
                        "iam:CreatePolicy",
                        "iam:DeletePolicy",
                        "iam:DeletePolicyVersion",
                        "iam:GetPolicy",
                        "iam:GetPolicyVersion",
                        "iam:GetUserPolicy",
                        "iam:ListPolicies",
                        "iam:ListPolicyVersions",
                        "iam:ListEntitiesForPolicy",
                        "iam:ListUserPolicies",
                        "iam:ListAttachedUserPolicies",
                        "iam:SetDefaultPolicyVersion",
                        "iam:SimulatePrincipalPolicy",
                    ],
                    "Resource": "*",
                },
                {
                    "Sid": "NoBoundaryPolicyEdit",
                    "Effect": "Deny",
                    "Action": [
                        "iam:CreatePolicyVersion",
                        "iam:DeletePolicy",
                        "iam:DeletePolicyVersion",
                        "iam:SetDefaultPolicyVersion",
                    ],
                    "Resource": [x_company, delegated_boundary],
                },
                {
                    "Sid": "NoBoundaryUserDelete",
                    "Effect": "Deny",
                    "Action": "iam:DeleteUserPermissionsBoundary",
                    "Resource": "*",
                },
            ],
        },
        "DelegatedUserPermissions": {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "IAM", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
        },
    }
    for name, body in documents.items():
        policies.customer_policy_create(
            actor=management_root, account=account, name=name, document=json.dumps(body)
        )
    zhang = services.iam_user_create(
        actor=management_root,
        account=account,
        name="Zhang",
        permissions_boundary=delegated_boundary,
    )
    policies.policy_attach(
        actor=management_root,
        account=account,
        policy_arn=arns.policy(account_id, "/", "DelegatedUserPermissions"),
        user=zhang,
    )
    return zhang, x_company, delegated_boundary
