"""identity.arns: each kind of ARN, byte for byte as AWS writes it (no database)."""

from identity import arns

MGMT, ACCOUNT, ORG = "111122223333", "444455556666", "o-abcdef1234"


def test_iam_arns():
    assert arns.root(ACCOUNT) == "arn:aws:iam::444455556666:root"
    assert arns.user(ACCOUNT, "/", "alice") == "arn:aws:iam::444455556666:user/alice"
    assert arns.user(ACCOUNT, "/team/", "bob") == "arn:aws:iam::444455556666:user/team/bob"
    assert arns.user(ACCOUNT, "/", "*") == "arn:aws:iam::444455556666:user/*"
    assert arns.group(ACCOUNT, "/", "*") == "arn:aws:iam::444455556666:group/*"
    assert arns.policy(ACCOUNT, "/x/", "P") == "arn:aws:iam::444455556666:policy/x/P"
    assert arns.aws_managed_policy("IAMReadOnlyAccess") == (
        "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    assert arns.mfa_device(ACCOUNT, "/", "phone") == "arn:aws:iam::444455556666:mfa/phone"
    assert arns.mfa_device(ACCOUNT, "/a/b/", "phone") == "arn:aws:iam::444455556666:mfa/a/b/phone"
    assert arns.sso_role(ACCOUNT, "AWSReservedSSO_RO_ab12") == (
        "arn:aws:iam::444455556666:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_RO_ab12"
    )
    assert arns.assumed_role(ACCOUNT, "AWSReservedSSO_RO_ab12", "sora") == (
        "arn:aws:sts::444455556666:assumed-role/AWSReservedSSO_RO_ab12/sora"
    )
    assert arns.trail(ACCOUNT, "*") == "arn:aws:cloudtrail::444455556666:trail/*"


def test_an_mfa_device_arn_read_back_into_path_and_name():
    read = arns.mfa_device_path_and_name
    assert read(ACCOUNT, "arn:aws:iam::444455556666:mfa/phone") == ("/", "phone")
    assert read(ACCOUNT, "arn:aws:iam::444455556666:mfa/a/b/phone") == ("/a/b/", "phone")
    assert read(ACCOUNT, "arn:aws:iam::444455556666:mfa/a//phone") == ("/a//", "phone")
    assert read(ACCOUNT, "arn:aws:iam::444455556666:mfa/a/") is None  # no name
    assert read(ACCOUNT, "arn:aws:iam::444455556666:mfa/") is None
    assert read(ACCOUNT, "arn:aws:iam::111122223333:mfa/phone") is None  # another account's
    assert read(ACCOUNT, "arn:aws:iam::444455556666:user/phone") is None
    assert read(ACCOUNT, "GAHT12345678") is None  # a hardware token's serial number


def test_organization_and_sso_arns():
    assert arns.organization(MGMT, ORG) == (
        "arn:aws:organizations::111122223333:organization/o-abcdef1234"
    )
    assert arns.organization_root(MGMT, ORG) == (
        "arn:aws:organizations::111122223333:root/o-abcdef1234/r-abcd"
    )
    assert arns.organizational_unit(MGMT, ORG, "ou-abcd-1234wxyz") == (
        "arn:aws:organizations::111122223333:ou/o-abcdef1234/ou-abcd-1234wxyz"
    )
    assert arns.organization_account(MGMT, ORG, ACCOUNT) == (
        "arn:aws:organizations::111122223333:account/o-abcdef1234/444455556666"
    )
    assert arns.scp(MGMT, ORG, "p-12345678") == (
        "arn:aws:organizations::111122223333:policy/o-abcdef1234/service_control_policy/p-12345678"
    )
    assert arns.aws_scp("p-FullAWSAccess") == (
        "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    )
    assert arns.sso_instance(ORG) == "arn:aws:sso:::instance/ssoins-o-abcdef1234"
    assert arns.permission_set(ORG, "ps-0123") == (
        "arn:aws:sso:::permissionSet/ssoins-o-abcdef1234/ps-0123"
    )
    assert arns.identity_store(MGMT, ORG) == (
        "arn:aws:identitystore::111122223333:identitystore/d-abcdef1234"
    )
    assert arns.identity_store_user(MGMT, "f00d") == (
        "arn:aws:identitystore::111122223333:user/f00d"
    )
