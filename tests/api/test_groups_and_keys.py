"""Groups and access keys: AWS's answers where Tobira's console words differ."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_third_access_key_is_refused_with_aws_s_quota_message(admin):
    iam, _ = admin
    iam.create_user(UserName="u")
    iam.create_access_key(UserName="u")
    iam.create_access_key(UserName="u")
    with pytest.raises(iam.exceptions.LimitExceededException) as refused:
        iam.create_access_key(UserName="u")
    assert refused.value.response["Error"]["Message"] == (
        "Cannot exceed quota for AccessKeysPerUser: 2"
    )


def test_renaming_a_group_to_a_taken_name(admin):
    iam, _ = admin
    iam.create_group(GroupName="one")
    iam.create_group(GroupName="two")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException) as refused:
        iam.update_group(GroupName="one", NewGroupName="TWO")
    assert refused.value.response["Error"]["Message"] == "Group with name TWO already exists."
    iam.update_group(GroupName="one", NewGroupName="ONE")  # its own name in another case
    assert iam.get_group(GroupName="ONE")["Group"]["GroupName"] == "ONE"


def test_membership_names_the_missing_entity_and_removing_a_non_member_succeeds(admin):
    iam, _ = admin
    with pytest.raises(iam.exceptions.NoSuchEntityException) as refused:
        iam.add_user_to_group(GroupName="g", UserName="u")
    assert refused.value.response["Error"]["Message"] == "The user with name u cannot be found."
    with pytest.raises(iam.exceptions.NoSuchEntityException) as refused:
        iam.remove_user_from_group(GroupName="g", UserName="u")
    assert refused.value.response["Error"]["Message"] == "The group with name g cannot be found."
    iam.create_group(GroupName="g")
    iam.create_user(UserName="u")
    iam.remove_user_from_group(GroupName="g", UserName="u")  # not a member: nothing to do
    iam.add_user_to_group(GroupName="g", UserName="u")
    assert [u["UserName"] for u in iam.get_group(GroupName="g")["Users"]] == ["u"]
    iam.remove_user_from_group(GroupName="g", UserName="u")
    assert iam.get_group(GroupName="g")["Users"] == []
