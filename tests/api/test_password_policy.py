"""GetAccountPasswordPolicy, UpdateAccountPasswordPolicy and DeleteAccountPasswordPolicy with
boto3, the policy at work in ChangePassword and login profiles, and the tenant boundary."""

import pytest
from botocore.exceptions import ClientError

from identity.models import AccountPasswordPolicy
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_round_trip(admin, management_root):
    iam, _sts = admin
    code, message = _error(iam.get_account_password_policy)
    assert code == "NoSuchEntity"
    assert message == (
        f"The Password Policy with domain name {management_root.account_id} cannot be found."
    )
    iam.update_account_password_policy(
        MinimumPasswordLength=14,
        RequireSymbols=True,
        RequireNumbers=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=24,
        HardExpiry=False,
    )
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy == {
        "MinimumPasswordLength": 14,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24,
        "HardExpiry": False,
    }
    code, _message = _error(lambda: iam.update_account_password_policy(MaxPasswordAge=1096))
    assert code == "ValidationError"
    assert iam.get_account_password_policy()["PasswordPolicy"]["MaxPasswordAge"] == 90

    # The policy at work: a login profile without a symbol is refused by its rule.
    iam.create_user(UserName="alice")
    code, message = _error(
        lambda: iam.create_login_profile(UserName="alice", Password="NoSymbolsHere2026abc")
    )
    assert code == "PasswordPolicyViolation"
    assert "symbols" in message

    iam.delete_account_password_policy()
    assert _error(iam.get_account_password_policy)[0] == "NoSuchEntity"
    # AWS's sentence for a delete with no policy (its API reference), not the Get's.
    assert _error(iam.delete_account_password_policy) == (
        "NoSuchEntity",
        "The account policy with name PasswordPolicy cannot be found.",
    )


def test_every_member_out_of_range_is_named_in_one_answer(admin):
    """AWS answers all of a request's broken constraints at once, in its model's member order."""
    iam, _sts = admin
    code, message = _error(
        lambda: iam.update_account_password_policy(
            MaxPasswordAge=1096, MinimumPasswordLength=129, PasswordReusePrevention=25
        )
    )
    assert code == "ValidationError"
    assert message == (
        "3 validation errors detected: "
        "Value '129' at 'minimumPasswordLength' failed to satisfy constraint: "
        "Member must have value less than or equal to 128; "
        "Value '1096' at 'maxPasswordAge' failed to satisfy constraint: "
        "Member must have value less than or equal to 1095; "
        "Value '25' at 'passwordReusePrevention' failed to satisfy constraint: "
        "Member must have value less than or equal to 24"
    )


def test_another_accounts_policy_is_never_read_or_changed(
    live_server, admin, management_root, other_root
):
    iam_a, _sts = admin
    iam_a.update_account_password_policy(MinimumPasswordLength=20)
    iam_b, _sts_b = aws.clients(live_server.url, *aws.access_key(other_root))
    assert _error(iam_b.get_account_password_policy)[0] == "NoSuchEntity"
    iam_b.update_account_password_policy(MinimumPasswordLength=30)
    iam_b.delete_account_password_policy()
    policy = AccountPasswordPolicy.objects.get(account_id=management_root.account_id)
    assert policy.minimum_password_length == 20
    assert iam_a.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 20
