"""Groups: members, and policies that reach every member (managed and inline)."""

import json

import pytest
from django.urls import reverse

from identity.models import AuditEvent, Group
from tests.conftest import signin_iam

pytestmark = pytest.mark.django_db

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


def test_a_groups_policies_reach_its_members(
    admin, client_factory, management_account, make_iam_user
):
    make_iam_user(name="bob")
    bob = client_factory()
    signin_iam(bob, "example-corp", "bob")
    users = reverse("console:user_list", args=[management_account.id])
    assert bob.get(users).status_code == 403

    groups = reverse("console:group_list", args=[management_account.id])
    assert admin.post(groups, {"name": "auditors", "path": "/"}).status_code == 302
    assert "already exists" in admin.post(groups, {"name": "Auditors"}).content.decode()
    detail = reverse("console:group_detail", args=[management_account.id, "auditors"])
    admin.post(detail, {"op": "add", "user": "bob"})
    admin.post(detail, {"op": "attach", "policy_arn": READ_ONLY})
    assert bob.get(users).status_code == 200
    page = admin.get(detail).content.decode()
    assert "bob" in page and "IAMReadOnlyAccess" in page

    admin.post(detail, {"op": "detach", "policy_arn": READ_ONLY})
    assert bob.get(users).status_code == 403
    inline = reverse("console:group_inline_policy_new", args=[management_account.id, "auditors"])
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}],
        }
    )
    assert admin.post(inline, {"name": "list", "document": document}).status_code == 302
    assert bob.get(users).status_code == 200
    response = bob.get(reverse("console:user_create", args=[management_account.id]))
    assert "no identity-based policy allows it" in response.content.decode()

    admin.post(detail, {"op": "remove", "user": "bob"})
    assert bob.get(users).status_code == 403
    names = set(AuditEvent.objects.values_list("event_name", flat=True))
    assert {
        "CreateGroup",
        "AddUserToGroup",
        "RemoveUserFromGroup",
        "AttachGroupPolicy",
        "PutGroupPolicy",
    } <= names
    assert Group.objects.get().arn == f"arn:aws:iam::{management_account.id}:group/auditors"


def test_groups_list_queries_do_not_grow(admin, management_account, django_assert_max_num_queries):
    from identity import services

    url = reverse("console:group_list", args=[management_account.id])
    for n in range(2):
        services.group_create(actor=None, account=management_account, name=f"g{n}")
    with django_assert_max_num_queries(8):
        admin.get(url)
    for n in range(2, 30):
        services.group_create(actor=None, account=management_account, name=f"g{n}")
    with django_assert_max_num_queries(8):
        admin.get(url)
