"""Managed policies as AWS shows them, and policy tags (refused: Tobira does not keep them)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
)


def test_the_description_and_tags_are_shown_by_get_policy_only(admin):
    """AWS's model: the description "is included in the response to GetPolicy ... not ...
    ListPolicies"; CreatePolicy shows neither (moto's aws_verified response-attribute test)."""
    iam, _ = admin
    created = iam.create_policy(
        PolicyName="p", PolicyDocument=DOCUMENT, Path="/team/", Description="for the team"
    )["Policy"]
    assert "Description" not in created and "Tags" not in created
    got = iam.get_policy(PolicyArn=created["Arn"])["Policy"]
    assert got["Description"] == "for the team"
    assert got["Tags"] == []
    listed = iam.list_policies(Scope="Local", PathPrefix="/team/")["Policies"]
    assert [p["PolicyName"] for p in listed] == ["p"]
    assert "Description" not in listed[0] and "Tags" not in listed[0]

    plain = iam.create_policy(PolicyName="q", PolicyDocument=DOCUMENT)["Policy"]
    got = iam.get_policy(PolicyArn=plain["Arn"])["Policy"]
    assert "Description" not in got and got["Tags"] == []


def test_tags_on_a_new_policy_are_checked(admin):
    """Duplicate keys (ignoring case) and keys outside the model's pattern are refused; the
    tags that pass are kept (tests/api/test_policy_tags.py)."""
    iam, _ = admin
    with pytest.raises(iam.exceptions.InvalidInputException) as refused:
        iam.create_policy(
            PolicyName="p",
            PolicyDocument=DOCUMENT,
            Tags=[{"Key": "team", "Value": "a"}, {"Key": "TEAM", "Value": "b"}],
        )
    assert refused.value.response["Error"]["Message"] == (
        "Duplicate tag keys found. Please note that Tag keys are case insensitive."
    )
    with pytest.raises(iam.exceptions.ClientError) as refused:
        iam.create_policy(
            PolicyName="p", PolicyDocument=DOCUMENT, Tags=[{"Key": "NO!", "Value": ""}]
        )
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert (
        r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+"
        in (error["Message"])
    )
    assert iam.list_policies(Scope="Local")["Policies"] == []


def test_paging_past_policies_whose_arn_is_longer_than_a_marker_holds(admin, make_iam_user):
    """A policy's path runs to 512 characters, a Marker to 320: the marker holds the start of
    the ARN and the next page reads the rest back, so every policy is listed once."""
    iam, _ = admin
    make_iam_user(name="jo", self_service=False)
    long_path = "/" + "/".join(["segment-" + "x" * 40] * 9) + "/"
    assert 400 < len(long_path) <= 512
    arns = []
    for name in ("a", "b", "c", "d"):
        arn = iam.create_policy(PolicyName=name, PolicyDocument=DOCUMENT, Path=long_path)
        arns.append(arn["Policy"]["Arn"])
        iam.attach_user_policy(UserName="jo", PolicyArn=arns[-1])
    listed, markers = [], []
    pages = iam.get_paginator("list_attached_user_policies").paginate(
        UserName="jo", PaginationConfig={"PageSize": 1}
    )
    for one in pages:
        listed += [p["PolicyArn"] for p in one["AttachedPolicies"]]
        if one.get("Marker"):
            markers.append(one["Marker"])
    assert listed == sorted(arns)
    assert markers and all(len(marker) <= 320 for marker in markers)
