"""The models' patterns with Java's Unicode classes (``\\p{L}``, ``\\p{Z}``, ``\\p{N}``): the tag
keys and values of AWS's model are checked like any other pattern."""

from __future__ import annotations

import pytest

from api import protocol
from api.errors import ApiError


def _tag_user(key: str, value: str = "v") -> dict:
    return protocol.parse_input(
        "iam",
        "TagUser",
        {"UserName": "u", "Tags.member.1.Key": key, "Tags.member.1.Value": value},
    )


@pytest.mark.parametrize(
    "key", ["team", "équipe", "チーム", "cost center", "a_b.c:d/e=f+g-h@i", "٣"]
)
def test_letters_separators_and_numbers_of_any_script_pass(key):
    assert _tag_user(key)["Tags"] == [{"Key": key, "Value": "v"}]


@pytest.mark.parametrize(("key", "value"), [("NOWAY!", "v"), ("k", "semi;colon"), ("tab\tkey", "")])
def test_other_characters_are_refused_with_the_model_s_pattern(key, value):
    with pytest.raises(ApiError) as refused:
        _tag_user(key, value)
    assert refused.value.code == "ValidationError"
    assert (
        r"failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}"
        in (refused.value.message)
    )


def test_an_empty_value_matches_the_value_pattern():
    assert _tag_user("k", "")["Tags"] == [{"Key": "k", "Value": ""}]


@pytest.mark.django_db(transaction=True)
def test_tag_user_refuses_a_key_outside_the_pattern(admin):
    iam, _ = admin
    iam.create_user(UserName="u")
    with pytest.raises(iam.exceptions.ClientError) as refused:
        iam.tag_user(UserName="u", Tags=[{"Key": "bad!", "Value": "x"}])
    assert refused.value.response["Error"]["Code"] == "ValidationError"
    iam.tag_user(UserName="u", Tags=[{"Key": "équipe", "Value": "données"}])
    assert iam.list_user_tags(UserName="u")["Tags"] == [{"Key": "équipe", "Value": "données"}]
