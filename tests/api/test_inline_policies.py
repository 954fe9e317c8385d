"""Inline policies of users and groups through boto3: put, get, list, delete."""

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
}


def test_inline_policies_of_users_and_groups(admin, make_iam_user):
    iam, _sts = admin
    make_iam_user(name="jo", self_service=False)
    iam.create_group(GroupName="readers")
    for kind, owner in (("User", {"UserName": "jo"}), ("Group", {"GroupName": "readers"})):
        put = getattr(iam, f"put_{kind.lower()}_policy")
        get = getattr(iam, f"get_{kind.lower()}_policy")
        names = getattr(iam, f"list_{kind.lower()}_policies")
        delete = getattr(iam, f"delete_{kind.lower()}_policy")
        put(PolicyName="read", PolicyDocument=json.dumps(DOCUMENT), **owner)
        got = get(PolicyName="READ", **owner)  # names ignore case, as AWS's
        assert got["PolicyName"] == "read" and got["PolicyDocument"] == DOCUMENT
        assert got[f"{kind}Name"] == next(iter(owner.values()))
        assert names(**owner)["PolicyNames"] == ["read"]
        delete(PolicyName="read", **owner)
        assert names(**owner)["PolicyNames"] == []
        with pytest.raises(iam.exceptions.NoSuchEntityException) as refused:
            get(PolicyName="read", **owner)
        # AWS's sentence, e.g. "The user policy with name read cannot be found."
        assert refused.value.response["Error"]["Message"] == (
            f"The {kind.lower()} policy with name read cannot be found."
        )
