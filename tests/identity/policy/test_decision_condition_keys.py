"""A decision names the condition keys that decided it, so a page can say what to do next
(the 403 page: "sign in with your MFA device") without parsing the explanation."""

from __future__ import annotations

from identity.policy import NamedPolicy, context_of, evaluate, parse

USER = "arn:aws:iam::123456789012:user/alice"

FORCED_MFA = NamedPolicy(
    "forced-mfa",
    parse(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
                {
                    "Sid": "DenyWithoutMFA",
                    "Effect": "Deny",
                    "NotAction": "iam:ChangePassword",
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                },
            ],
        }
    ),
)

ALLOW_WITH_RECENT_MFA = NamedPolicy(
    "recent-mfa",
    parse(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "UsersWithRecentMFA",
                    "Effect": "Allow",
                    "Action": "iam:CreateUser",
                    "Resource": "*",
                    "Condition": {
                        "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
                        "StringEquals": {"aws:PrincipalAccount": "123456789012"},
                    },
                },
                {"Sid": "Read", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"},
            ],
        }
    ),
)


def decide(action, policy, **context):
    return evaluate(
        action=action,
        resource=USER,
        context=context_of(context),
        identity_policies=(policy,),
    )


def test_an_explicit_deny_names_its_statements_condition_keys():
    decision = decide("iam:CreateUser", FORCED_MFA, **{"aws:MultiFactorAuthPresent": False})
    assert decision.decision == "ExplicitDeny"
    assert decision.condition_keys == ("aws:multifactorauthpresent",)


def test_an_allow_without_conditions_names_none():
    decision = decide("iam:CreateUser", FORCED_MFA, **{"aws:MultiFactorAuthPresent": True})
    assert decision.allowed and decision.condition_keys == ()


def test_an_implicit_deny_names_the_keys_of_the_allows_whose_conditions_failed():
    decision = decide(
        "iam:CreateUser", ALLOW_WITH_RECENT_MFA, **{"aws:PrincipalAccount": "123456789012"}
    )
    assert decision.decision == "ImplicitDeny"
    assert set(decision.condition_keys) == {"aws:multifactorauthage", "aws:principalaccount"}
    # Nothing that would have allowed it: no keys.
    assert decide("iam:DeleteUser", ALLOW_WITH_RECENT_MFA).condition_keys == ()


def test_an_allow_that_never_applies_names_no_keys():
    """An Allow with a key that has no values never applies: showing its keys (sign in with
    MFA...) would suggest a way in that is not there."""
    never = NamedPolicy(
        "never",
        parse(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Action": "iam:CreateUser",
                    "Resource": "*",
                    "Condition": {
                        "Bool": {"aws:MultiFactorAuthPresent": []},
                        "StringEquals": {"aws:PrincipalAccount": "123456789012"},
                    },
                },
            }
        ),
    )
    decision = decide(
        "iam:CreateUser",
        never,
        **{"aws:MultiFactorAuthPresent": True, "aws:PrincipalAccount": "123456789012"},
    )
    assert decision.decision == "ImplicitDeny"
    assert decision.condition_keys == ()
