"""What the API writes to the audit trail: access key changes without their secrets, and
refusals."""

import json

import pytest
from botocore.exceptions import ClientError

from identity.credentials.models import AccessKey
from identity.models import AuditEvent
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)


def _trail() -> str:
    """Every event, every column that could hold a value, as one string to search."""
    return json.dumps(
        [
            [e.user_identity, e.request_parameters, e.response_elements]
            + [e.additional_event_data, e.error_message, e.user_agent]
            for e in AuditEvent.objects.all()
        ]
    )


def test_access_key_changes_are_audited_without_their_secrets(admin, admin_keys, management_root):
    iam, sts = admin
    iam.create_user(UserName="carol")
    created = iam.create_access_key(UserName="carol")["AccessKey"]
    key_id = created["AccessKeyId"]
    iam.update_access_key(UserName="carol", AccessKeyId=key_id, Status="Inactive")
    iam.delete_access_key(UserName="carol", AccessKeyId=key_id)
    own = iam.create_access_key()["AccessKey"]  # the caller's own, without UserName
    session = sts.get_session_token(DurationSeconds=900)["Credentials"]

    def event(name, **lookup):
        return AuditEvent.objects.get(event_name=name, event_source="iam.tobira", **lookup)

    create = event("CreateAccessKey", response_elements__accessKeyId=key_id)
    assert create.request_parameters == {"userName": "carol"}
    assert create.response_elements == {"accessKeyId": key_id, "status": "Active"}
    update = event("UpdateAccessKey", request_parameters__accessKeyId=key_id)
    assert update.request_parameters["status"] == "Inactive"
    delete = event("DeleteAccessKey", request_parameters__accessKeyId=key_id)
    for written in (create, update, delete):
        assert written.user_identity["arn"] == management_root.arn
        assert written.recipient_account_id == management_root.account_id
        assert written.source_ip_address == "127.0.0.1"
        assert written.user_agent.startswith("Boto3/")
        assert written.error_code == ""
    assert event("CreateAccessKey", response_elements__accessKeyId=own["AccessKeyId"])
    # GetSessionToken names the key it minted, and the key that minted it.
    minted = AuditEvent.objects.get(event_name="GetSessionToken", event_source="sts.tobira")
    assert minted.error_code == ""
    assert minted.user_identity["arn"] == management_root.arn
    assert minted.response_elements["accessKeyId"] == session["AccessKeyId"]
    assert minted.request_parameters["accessKeyId"] == admin_keys[0]

    trail = _trail()
    assert key_id in trail
    for secret in (
        created["SecretAccessKey"],
        own["SecretAccessKey"],
        admin_keys[1],
        session["SecretAccessKey"],
        session["SessionToken"],
    ):
        assert secret not in trail


def test_a_refused_call_is_audited(live_server, management_root, make_iam_user, admin):
    iam_root, _sts = admin
    iam_root.create_user(UserName="carol")
    dave = make_iam_user(name="dave", password=None, self_service=False)
    dave_key = aws.access_key(dave)
    iam = aws.client(live_server.url, "iam", *dave_key)
    for call in (iam.list_users, lambda: iam.create_access_key(UserName="carol")):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["Error"]["Code"] == "AccessDenied"
    account = management_root.account_id

    listed = AuditEvent.objects.get(event_name="ListUsers")
    assert listed.event_source == "iam.tobira"
    assert listed.error_code == "AccessDenied"
    assert listed.error_message == (
        f"User: {dave.arn} is not authorized to perform: iam:ListUsers on resource: "
        f"arn:aws:iam::{account}:user/* because no identity-based policy allows the "
        "iam:ListUsers action"
    )
    assert listed.user_identity["arn"] == dave.arn
    assert listed.user_identity["userName"] == "dave"
    assert listed.recipient_account_id == account
    assert listed.request_parameters == {
        "resource": f"arn:aws:iam::{account}:user/*",
        "accessKeyId": dave_key[0],
    }
    refused = AuditEvent.objects.get(event_name="CreateAccessKey", error_code="AccessDenied")
    assert refused.request_parameters["resource"] == f"arn:aws:iam::{account}:user/carol"
    assert refused.user_identity["arn"] == dave.arn
    assert not AccessKey.objects.filter(user__name="carol").exists()
    assert dave_key[1] not in _trail()
