"""What the security review of the API found, each refused now."""

import base64
import json
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from identity import arns
from identity.credentials import services as credential_services
from identity.credentials.models import AccessKey
from identity.models import User
from identity.policies import services as policies
from mfa.totp import auth as totp
from mfa.totp import services as totp_services
from mfa.totp import unassigned
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)

ALL_OF_IAM = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    }
)


def _enabled_device(user, name):
    device, key = totp_services.virtual_mfa_device_create(user=user, name=name)
    now = totp.current_step()
    totp_services.mfa_device_enable(
        actor=user,
        device=device,
        first_code=totp.code_at(key, now - 1),
        second_code=totp.code_at(key, now),
    )
    return device, key


def _codes(seed: bytes) -> tuple[str, str]:
    key = base64.b32decode(seed + b"=" * (-len(seed) % 8))
    now = totp.current_step()
    return totp.code_at(key, now - 1), totp.code_at(key, now)


def test_a_stolen_long_term_key_cannot_add_a_device_beside_the_owners(live_server, make_iam_user):
    user = make_iam_user(name="owner", self_service=False)
    policies.inline_policy_put(actor=None, user=user, name="iam", document=ALL_OF_IAM)
    device, key = _enabled_device(user, "owner-phone")
    iam, sts = aws.clients(live_server.url, *aws.access_key(user))
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName="thief")["VirtualMFADevice"]
    first, second = _codes(created["Base32StringSeed"])
    with pytest.raises(ClientError) as refused:
        iam.enable_mfa_device(
            UserName="owner",
            SerialNumber=created["SerialNumber"],
            AuthenticationCode1=first,
            AuthenticationCode2=second,
        )
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert [d["SerialNumber"] for d in iam.list_mfa_devices()["MFADevices"]] == [device.arn]
    # With the owner's device in hand (a session with MFA) the second device is theirs to add.
    session = sts.get_session_token(
        SerialNumber=device.arn, TokenCode=totp.code_at(key, totp.current_step() + 1)
    )["Credentials"]
    iam_mfa, _ = aws.clients(
        live_server.url, session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    iam_mfa.enable_mfa_device(
        UserName="owner",
        SerialNumber=created["SerialNumber"],
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )
    assert len(iam.list_mfa_devices()["MFADevices"]) == 2


def test_session_credentials_stay_dead_when_their_key_is_reactivated(live_server, management_root):
    key_id, secret = aws.access_key(management_root)
    _iam, sts = aws.clients(live_server.url, key_id, secret)
    session = sts.get_session_token(DurationSeconds=900)["Credentials"]
    _, sts_session = aws.clients(
        live_server.url, session["AccessKeyId"], session["SecretAccessKey"], session["SessionToken"]
    )
    assert sts_session.get_caller_identity()["Arn"] == management_root.arn
    key = AccessKey.objects.get(access_key_id=key_id)
    credential_services.access_key_status_set(actor=management_root, key=key, status="Inactive")
    credential_services.access_key_status_set(actor=management_root, key=key, status="Active")
    with pytest.raises(ClientError) as refused:
        sts_session.get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_a_rename_must_be_allowed_on_the_new_arn_too(live_server, make_iam_user):
    user = make_iam_user(name="mallory", self_service=False)
    own = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "iam:UpdateUser",
                    "Resource": arns.user(user.account_id, "/", "mallory"),
                }
            ],
        }
    )
    policies.inline_policy_put(actor=None, user=user, name="self", document=own)
    iam, _sts = aws.clients(live_server.url, *aws.access_key(user))
    with pytest.raises(ClientError) as refused:
        iam.update_user(UserName="mallory", NewPath="/admins/")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert "user/admins/mallory" in refused.value.response["Error"]["Message"]
    assert User.objects.get(pk=user.pk).path == "/"


def test_the_simulator_is_bounded(admin, management_root):
    iam, _sts = admin
    with pytest.raises(ClientError) as refused:
        iam.simulate_principal_policy(
            PolicySourceArn=management_root.arn,
            ActionNames=[f"iam:Action{i}" for i in range(101)],
            ResourceArns=[
                f"arn:aws:iam::{management_root.account_id}:user/u{i}" for i in range(10)
            ],
        )
    assert refused.value.response["Error"]["Code"] == "InvalidInput"


def test_a_marker_the_database_cannot_hold_and_a_repeated_parameter(live_server, admin_keys):
    marker = base64.urlsafe_b64encode(json.dumps(["\udc00", 1]).encode()).decode().rstrip("=")
    listed = aws.send(
        aws.sign(
            f"{live_server.url}/iam/",
            *admin_keys,
            service="iam",
            body=aws.form("iam", "ListUsers", Marker=marker),
        )
    )
    aws.refused(listed, 400, "InvalidParameterValue")
    body = urlencode(
        [("Action", "GetUser"), ("Version", "2010-05-08"), ("UserName", "a"), ("UserName", "b")]
    )
    twice = aws.send(
        aws.sign(f"{live_server.url}/iam/", *admin_keys, service="iam", body=body.encode())
    )
    aws.refused(twice, 400, "InvalidParameterValue")


def test_unassigned_devices_are_capped_per_account(admin, monkeypatch):
    iam, _sts = admin
    monkeypatch.setattr(unassigned, "MAX_UNASSIGNED", 2)
    iam.create_virtual_mfa_device(VirtualMFADeviceName="one")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="two")
    with pytest.raises(ClientError) as refused:
        iam.create_virtual_mfa_device(VirtualMFADeviceName="three")
    assert refused.value.response["Error"]["Code"] == "LimitExceeded"
