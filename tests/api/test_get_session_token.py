"""Seed 003's forced-MFA policy through the API: long-term keys are refused, GetSessionToken with
a code from the user's device gives session credentials that succeed; codes are single-use and
shared with the console's path."""

import json

import pytest
from botocore.exceptions import ClientError

from identity.policies import services as policies
from mfa.totp import auth as totp
from mfa.totp import services as totp_services
from tests.support import aws
from tests.support.seeds import seed_policy

pytestmark = pytest.mark.django_db(transaction=True)

LIST_USERS = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}],
    }
)


@pytest.fixture
def forced(make_iam_user):
    """An IAM user holding seed 003's policy verbatim (and ListUsers), with an enabled device."""
    user = make_iam_user(name="mfa-user", self_service=False)
    policies.inline_policy_put(actor=None, user=user, name="ForceMFA", document=seed_policy())
    listing = policies.customer_policy_create(
        actor=None, account=user.account, name="ListUsers", document=LIST_USERS
    )
    policies.policy_attach(actor=None, account=user.account, policy_arn=listing.arn, user=user)
    device, key = totp_services.virtual_mfa_device_create(user=user, name="mfa-user-app")
    now = totp.current_step()
    totp_services.mfa_device_enable(
        actor=user,
        device=device,
        first_code=totp.code_at(key, now - 1),
        second_code=totp.code_at(key, now),
    )
    return user, device, key


def test_seed_003_long_term_keys_refused_session_with_mfa_succeeds(live_server, forced):
    user, device, key = forced
    iam, sts = aws.clients(live_server.url, *aws.access_key(user))
    with pytest.raises(ClientError) as refused:
        iam.list_users()
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert refused.value.response["Error"]["Message"] == (
        f"User: {user.arn} is not authorized to perform: iam:ListUsers on resource: "
        f"arn:aws:iam::{user.account_id}:user/* with an explicit deny in an identity-based policy"
    )
    # What the seed leaves open without MFA: their own devices.
    listed = iam.list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [device.arn]

    code = totp.code_at(key, totp.current_step() + 1)
    session = sts.get_session_token(SerialNumber=device.arn, TokenCode=code, DurationSeconds=900)
    credentials = session["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert len(credentials["SecretAccessKey"]) == 40

    iam_mfa, sts_mfa = aws.clients(
        live_server.url,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    names = [u["UserName"] for u in iam_mfa.list_users()["Users"]]
    assert "mfa-user" in names
    assert sts_mfa.get_caller_identity()["Arn"] == user.arn

    # The same code again is refused: the device's last step is shared with the console.
    with pytest.raises(ClientError) as replayed:
        sts.get_session_token(SerialNumber=device.arn, TokenCode=code)
    assert replayed.value.response["Error"]["Code"] == "AccessDenied"
    # ...and so is a session asking for another session.
    with pytest.raises(ClientError) as nested:
        sts_mfa.get_session_token()
    assert nested.value.response["Error"]["Code"] == "AccessDenied"


def test_session_without_mfa_is_still_refused(live_server, forced):
    user, _device, _key = forced
    _iam, sts = aws.clients(live_server.url, *aws.access_key(user))
    credentials = sts.get_session_token()["Credentials"]
    iam_session, _ = aws.clients(
        live_server.url,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )
    with pytest.raises(ClientError) as refused:
        iam_session.list_users()
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_code_spent_in_the_console_is_refused_here(live_server, forced):
    user, device, key = forced
    code = totp.code_at(key, totp.current_step() + 1)
    assert totp_services.mfa_device_verify(device=device, code=code)  # the console's sign-in
    _iam, sts = aws.clients(live_server.url, *aws.access_key(user))
    with pytest.raises(ClientError) as refused:
        sts.get_session_token(SerialNumber=device.arn, TokenCode=code)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_duration_limits(live_server, forced, management_root):
    user, _device, _key = forced
    sts = aws.client(live_server.url, "sts", *aws.access_key(user), config=aws.UNVALIDATED)
    with pytest.raises(ClientError) as short:
        sts.get_session_token(DurationSeconds=899)
    assert short.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as long:
        sts.get_session_token(DurationSeconds=129601)
    assert long.value.response["Error"]["Code"] == "ValidationError"
    root_sts = aws.client(
        live_server.url, "sts", *aws.access_key(management_root), config=aws.UNVALIDATED
    )
    with pytest.raises(ClientError) as root_long:
        root_sts.get_session_token(DurationSeconds=3601)
    assert root_long.value.response["Error"]["Code"] == "ValidationError"
    assert root_sts.get_session_token(DurationSeconds=3600)["Credentials"]["AccessKeyId"]
