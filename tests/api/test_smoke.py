import pytest

from identity.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_caller_identity_and_users(admin, management_root):
    iam, sts = admin
    me = sts.get_caller_identity()
    assert me["Account"] == management_root.account_id
    assert me["Arn"] == management_root.arn
    created = iam.create_user(UserName="bob", Path="/eng/", Tags=[{"Key": "team", "Value": "a b"}])
    assert created["User"]["Arn"].endswith(":user/eng/bob")
    assert iam.get_user(UserName="bob")["User"]["Tags"] == [{"Key": "team", "Value": "a b"}]
    for i in range(5):
        iam.create_user(UserName=f"u{i}")
    first = iam.list_users(MaxItems=2)
    assert first["IsTruncated"] and len(first["Users"]) == 2
    names = [u["UserName"] for u in first["Users"]]
    marker = first["Marker"]
    while marker:
        more = iam.list_users(MaxItems=2, Marker=marker)
        names += [u["UserName"] for u in more["Users"]]
        marker = more.get("Marker")
    assert names == sorted(["bob", "u0", "u1", "u2", "u3", "u4"])
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="nobody")
    with pytest.raises(iam.exceptions.EntityAlreadyExistsException):
        iam.create_user(UserName="BOB")


def test_the_trail_names_the_key_that_signed(admin, admin_keys):
    iam, _sts = admin
    iam.create_user(UserName="audited")
    event = AuditEvent.objects.get(event_name="CreateUser", request_parameters__userName="audited")
    assert event.user_identity["accessKeyId"] == admin_keys[0]
    assert admin_keys[1] not in str(AuditEvent.objects.values_list())


def test_list_users_path_prefix_is_a_prefix_not_a_pattern(admin):
    """``_`` and ``%`` are characters of the prefix, not LIKE's wildcards; ``\\`` too."""
    iam, _sts = admin
    for name, path in (
        ("under", "/a_b/"),
        ("x-for-underscore", "/axb/"),
        ("percent", "/50%/"),
        ("fifty", "/50x/"),
        ("slash", "/back\\slash/"),
        ("nested", "/a_b/c/"),
    ):
        iam.create_user(UserName=name, Path=path)

    def listed(prefix):
        return sorted(u["UserName"] for u in iam.list_users(PathPrefix=prefix)["Users"])

    assert listed("/a_") == ["nested", "under"]
    assert listed("/50%") == ["percent"]
    assert listed("/back\\") == ["slash"]
    assert listed("/") == sorted(
        ["under", "x-for-underscore", "percent", "fifty", "slash", "nested"]
    )
