"""Tags on customer managed policies through boto3: at creation, TagPolicy, UntagPolicy,
ListPolicyTags and GetPolicy; a refused tag leaves no policy behind."""

import json

import pytest
from botocore.exceptions import ClientError

from identity.models import CustomerPolicy

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
    }
)


def test_policy_tags(admin):
    iam, _sts = admin
    created = iam.create_policy(
        PolicyName="tagged", PolicyDocument=DOCUMENT, Tags=[{"Key": "team", "Value": "id"}]
    )["Policy"]
    arn = created["Arn"]
    assert created["Tags"] == [{"Key": "team", "Value": "id"}]
    iam.tag_policy(
        PolicyArn=arn, Tags=[{"Key": "TEAM", "Value": "security"}, {"Key": "env", "Value": ""}]
    )
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "TEAM", "Value": "security"},
        {"Key": "env", "Value": ""},
    ]
    iam.untag_policy(PolicyArn=arn, TagKeys=["team"])
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [{"Key": "env", "Value": ""}]
    with pytest.raises(ClientError) as too_many:
        iam.tag_policy(PolicyArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert too_many.value.response["Error"]["Code"] in ("LimitExceeded", "ValidationError")
    with pytest.raises(ClientError):
        iam.create_policy(
            PolicyName="refused", PolicyDocument=DOCUMENT, Tags=[{"Key": "a", "Value": "x" * 257}]
        )
    assert not CustomerPolicy.objects.filter(name="refused").exists()
