"""The aws CLI (v1, PyPI ``awscli``) against a live Tobira with AWS_ENDPOINT_URL_IAM/_STS."""

import pytest

from identity.models import Group, User
from tests.conftest import make_organization, root_of
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)

POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}'
)


def test_administration_from_the_cli(live_server, management_root):
    keys = aws.access_key(management_root)

    def run(*args):
        done = aws.cli(live_server.url, *keys, *args)
        assert done.returncode == 0, done.stderr
        return done.json

    assert run("sts", "get-caller-identity")["Arn"] == management_root.arn
    assert run("iam", "create-user", "--user-name", "carol", "--path", "/ops/")["User"][
        "Arn"
    ].endswith(":user/ops/carol")
    for name in ("dave", "erin"):
        run("iam", "create-user", "--user-name", name)
    key = run("iam", "create-access-key", "--user-name", "carol")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    run("iam", "create-group", "--group-name", "admins")
    run("iam", "add-user-to-group", "--group-name", "admins", "--user-name", "carol")
    arn = run("iam", "create-policy", "--policy-name", "read", "--policy-document", POLICY)[
        "Policy"
    ]["Arn"]
    run("iam", "attach-group-policy", "--group-name", "admins", "--policy-arn", arn)
    attached = run("iam", "list-attached-group-policies", "--group-name", "admins")
    assert attached["AttachedPolicies"] == [{"PolicyName": "read", "PolicyArn": arn}]
    # The CLI pages by itself: one page of 1 at a time, all three users in the end.
    listed = run("iam", "list-users", "--page-size", "1")
    assert [u["UserName"] for u in listed["Users"]] == ["carol", "dave", "erin"]
    assert User.objects.get(name="carol").iam_groups.get() == Group.objects.get(name="admins")

    # carol's new key works for what her group's policy allows, and nothing else.
    carol = (key["AccessKeyId"], key["SecretAccessKey"])
    assert aws.cli(live_server.url, *carol, "iam", "get-user").json["User"]["UserName"] == "carol"
    refused = aws.cli(live_server.url, *carol, "iam", "list-users")
    assert refused.returncode != 0
    assert "AccessDenied" in refused.stderr and "iam:ListUsers" in refused.stderr


def test_another_organizations_keys_see_only_their_own_account(live_server, management_root):
    other = root_of(
        make_organization(name="Elsewhere", email="root@elsewhere.test").management_account
    )
    aws.cli(
        live_server.url,
        *aws.access_key(management_root),
        "iam",
        "create-user",
        "--user-name",
        "mine",
    )
    theirs = aws.access_key(other)
    assert aws.cli(live_server.url, *theirs, "iam", "list-users").json["Users"] == []
    missing = aws.cli(live_server.url, *theirs, "iam", "get-user", "--user-name", "mine")
    assert missing.returncode != 0 and "NoSuchEntity" in missing.stderr
    # A key that does not exist (or was deleted) is refused before anything is read.
    bad = aws.cli(live_server.url, "AKIAAAAAAAAAAAAAAAAA", "x" * 40, "iam", "list-users")
    assert bad.returncode != 0 and "InvalidClientTokenId" in bad.stderr
