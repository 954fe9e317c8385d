"""The tenant boundary from the other side: one account's keys asking about another's users and
keys, in another organization and in the same one."""

import pytest
from botocore.exceptions import ClientError

from identity.credentials.models import AccessKey, Status
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)


def _code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def test_other_accounts_users_and_keys_are_out_of_reach(
    live_server, admin, management_root, other_root, member_root
):
    iam_a, _sts_a = admin
    iam_a.create_user(UserName="alice")
    b_root_key = aws.access_key(other_root)
    iam_b, sts_b = aws.clients(live_server.url, *b_root_key)
    iam_b.create_user(UserName="bob")
    bob_key = iam_b.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]

    # A asks about B's user by name: nobody by that name here.
    for name, call in {
        "GetUser": lambda: iam_a.get_user(UserName="bob"),
        "UpdateUser": lambda: iam_a.update_user(UserName="bob", NewUserName="bobby"),
        "DeleteUser": lambda: iam_a.delete_user(UserName="bob"),
        "CreateAccessKey": lambda: iam_a.create_access_key(UserName="bob"),
        "ListAccessKeys": lambda: iam_a.list_access_keys(UserName="bob"),
        "TagUser": lambda: iam_a.tag_user(UserName="bob", Tags=[{"Key": "k", "Value": "v"}]),
        "ListUserTags": lambda: iam_a.list_user_tags(UserName="bob"),
        "ListGroupsForUser": lambda: iam_a.list_groups_for_user(UserName="bob"),
    }.items():
        assert _code(call) == "NoSuchEntity", name
    assert [u["UserName"] for u in iam_a.list_users()["Users"]] == ["alice"]

    # B's key ids, from A: not A's keys, whoever A names.
    for key_id in (bob_key, b_root_key[0]):
        for name, call in {
            "UpdateAccessKey": lambda k=key_id: iam_a.update_access_key(
                AccessKeyId=k, Status="Inactive"
            ),
            "UpdateAccessKey bob": lambda k=key_id: iam_a.update_access_key(
                UserName="bob", AccessKeyId=k, Status="Inactive"
            ),
            "UpdateAccessKey alice": lambda k=key_id: iam_a.update_access_key(
                UserName="alice", AccessKeyId=k, Status="Inactive"
            ),
            "DeleteAccessKey": lambda k=key_id: iam_a.delete_access_key(AccessKeyId=k),
            "DeleteAccessKey bob": lambda k=key_id: iam_a.delete_access_key(
                UserName="bob", AccessKeyId=k
            ),
        }.items():
            assert _code(call) == "NoSuchEntity", (name, key_id)
        assert _code(lambda k=key_id: iam_a.get_access_key_last_used(AccessKeyId=k)) in (
            "NoSuchEntity",
            "AccessDenied",
        )
    b_keys = AccessKey.objects.filter(account_id=other_root.account_id)
    assert sorted(b_keys.values_list("access_key_id", "status")) == sorted(
        [(bob_key, Status.ACTIVE), (b_root_key[0], Status.ACTIVE)]
    )
    assert b_keys.get(access_key_id=bob_key).last_used_at is None
    assert iam_b.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Active"

    # B's root keys: B's account only.
    assert sts_b.get_caller_identity()["Account"] == other_root.account_id
    assert [u["UserName"] for u in iam_b.list_users()["Users"]] == ["bob"]
    assert _code(lambda: iam_b.get_user(UserName="alice")) == "NoSuchEntity"
    assert _code(lambda: iam_b.create_access_key(UserName="alice")) == "NoSuchEntity"
    assert iam_b.list_account_aliases()["AccountAliases"] == ["other-corp"]
    assert iam_b.get_account_summary()["SummaryMap"]["Users"] == 1
    assert not AccessKey.objects.filter(user__name="alice").exists()

    # Another account of the same organization: its own users, not the management account's.
    iam_m, sts_m = aws.clients(live_server.url, *aws.access_key(member_root))
    iam_m.create_user(UserName="mallory")
    assert sts_m.get_caller_identity()["Account"] == member_root.account_id
    assert [u["UserName"] for u in iam_m.list_users()["Users"]] == ["mallory"]
    assert [u["UserName"] for u in iam_a.list_users()["Users"]] == ["alice"]
    assert _code(lambda: iam_m.get_user(UserName="alice")) == "NoSuchEntity"
    assert _code(lambda: iam_a.get_user(UserName="mallory")) == "NoSuchEntity"
    alice_key = iam_a.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    assert (
        _code(lambda: iam_m.update_access_key(AccessKeyId=alice_key, Status="Inactive"))
        == "NoSuchEntity"
    )
    assert _code(lambda: iam_m.delete_access_key(AccessKeyId=alice_key)) == "NoSuchEntity"
    assert AccessKey.objects.get(access_key_id=alice_key).status == Status.ACTIVE
    assert iam_m.list_account_aliases()["AccountAliases"] == ["example-prod"]
