"""Policies through the console: the JSON editor, versions, attachments, inline, SCPs, the simulator."""

import json
import re
from pathlib import Path

import pytest
from django.urls import URLResolver, get_resolver, reverse

from identity.models import AuditEvent, CustomerPolicy, InlinePolicy, PolicyAttachment
from identity.policies import catalog
from identity.policies import services as policies
from tests.conftest import PASSWORD, error_text, scp_detach_url, signin_iam

pytestmark = pytest.mark.django_db

ALLOW_GET_USER = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
    }
)
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


def policy_error(response) -> str:
    match = re.search(r'data-testid="policy-error">(.*?)</div>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


def test_the_editor_names_the_offending_element_and_keeps_the_text(admin, management_account):
    url = reverse("console:policy_create", args=[management_account.id])
    bad = ALLOW_GET_USER.replace('"Read"', '"Read", "Condition": {"StringLikee": {"a:b": "c"}}')
    response = admin.post(url, {"name": "readers", "document": bad})
    assert response.status_code == 200
    assert policy_error(response) == "Statement[0].Condition.StringLikee: unknown operator"
    assert "StringLikee" in response.content.decode().split("<textarea")[1]  # nothing lost
    response = admin.post(url, {"name": "readers", "document": "{not json"})
    assert policy_error(response).startswith(": not valid JSON") or "not valid JSON" in (
        policy_error(response)
    )
    assert not CustomerPolicy.objects.exists()

    response = admin.post(url, {"name": "readers", "document": ALLOW_GET_USER})
    assert response.status_code == 302
    policy = CustomerPolicy.objects.get(name="readers")
    assert policy.arn == f"arn:aws:iam::{management_account.id}:policy/readers"
    assert admin.post(url, {"name": "Readers", "document": ALLOW_GET_USER}).status_code == 200
    assert AuditEvent.objects.filter(event_name="CreatePolicy").count() == 1


def test_versions_five_at_most_one_default(admin, management_account):
    account = management_account
    admin.post(
        reverse("console:policy_create", args=[account.id]),
        {"name": "ops", "document": ALLOW_GET_USER},
    )
    url = reverse("console:policy_detail", args=[account.id, "ops"])
    for n in range(2, 6):
        document = ALLOW_GET_USER.replace("iam:GetUser", f"iam:GetUser{n}")
        assert admin.post(url, {"document": document, "set_default": "on"}).status_code == 302
    policy = CustomerPolicy.objects.get(name="ops")
    assert policy.default_version == "v5" and policy.versions.count() == 5
    response = admin.post(url, {"document": ALLOW_GET_USER, "set_default": "on"})
    assert "at most 5 versions" in error_text(response)

    action = reverse("console:policy_version_action", args=[account.id, "ops", "v5"])
    admin.post(action, {"action": "delete"})
    assert policy.versions.count() == 5  # the default stays
    action = reverse("console:policy_version_action", args=[account.id, "ops", "v2"])
    admin.post(action, {"action": "default"})
    policy.refresh_from_db()
    assert policy.default_version == "v2"
    admin.post(
        reverse("console:policy_version_action", args=[account.id, "ops", "v5"]),
        {"action": "delete"},
    )
    assert sorted(policy.versions.values_list("version_id", flat=True)) == ["v1", "v2", "v3", "v4"]


def test_attach_a_managed_policy_and_the_user_may_act(
    admin, client_factory, management_account, make_iam_user
):
    make_iam_user(name="bob")
    bob_client = client_factory()
    signin_iam(bob_client, "example-corp", "bob")
    users = reverse("console:user_list", args=[management_account.id])
    assert bob_client.get(users).status_code == 403

    url = reverse("console:user_permissions", args=[management_account.id, "bob"])
    assert (
        admin.post(url, {"policy_arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}).status_code
        == 302
    )
    assert bob_client.get(users).status_code == 200
    page = admin.get(url).content.decode()
    assert "IAMReadOnlyAccess" in page and 'data-testid="effective"' in page

    detach = reverse("console:user_policy_detach", args=[management_account.id, "bob"])
    admin.post(detach, {"policy_arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"})
    assert bob_client.get(users).status_code == 403
    assert {e.event_name for e in AuditEvent.objects.filter(event_source="iam.tobira")} >= {
        "AttachUserPolicy",
        "DetachUserPolicy",
    }


def test_inline_policies_and_their_size_limit(admin, management_account, make_iam_user):
    make_iam_user(name="bob", self_service=False)
    new = reverse("console:user_inline_policy_new", args=[management_account.id, "bob"])
    assert admin.post(new, {"name": "read", "document": ALLOW_GET_USER}).status_code == 302
    big = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": f"iam:Get{'X' * 40}{n}", "Resource": "*"}
                for n in range(40)
            ],
        }
    )
    response = admin.post(new, {"name": "big", "document": big})
    assert "the limit is" in policy_error(response)
    edit = reverse("console:user_inline_policy", args=[management_account.id, "bob", "read"])
    assert admin.post(edit, {"action": "delete"}).status_code == 302
    assert not InlinePolicy.objects.filter(user__name="bob").exists()


def test_the_simulator_explains_decisions(admin, management_account, make_iam_user):
    bob = make_iam_user(name="bob", self_service=False)
    forced = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "ReadAll", "Effect": "Allow", "Action": "iam:List*", "Resource": "*"},
                {
                    "Sid": "DenyWithoutMFA",
                    "Effect": "Deny",
                    "NotAction": "iam:ChangePassword",
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
                },
            ],
        }
    )
    policies.inline_policy_put(actor=None, user=bob, name="forced", document=forced)
    url = reverse("console:simulator", args=[management_account.id])
    page = admin.get(
        url, {"user": "bob", "actions": "iam:ListUsers\niam:CreateUser", "resource": "*"}
    )
    body = page.content.decode()
    assert (
        "explicitly denied by statement DenyWithoutMFA of policy forced (inline, user bob)" in body
    )
    page = admin.get(
        url,
        {"user": "bob", "actions": "iam:ListUsers\niam:CreateUser", "resource": "*", "mfa": "on"},
    )
    body = page.content.decode()
    assert "allowed by statement ReadAll" in body
    assert "iam:CreateUser on * is denied: no identity-based policy allows it." in body
    bad = admin.get(url, {"user": "bob", "actions": "not an action", "resource": "*"})
    assert "is not service:Action" in bad.content.decode()


def test_scps_cap_member_accounts_but_not_the_management_account(
    admin, client_factory, organization, management_account, member_account, make_iam_user
):
    member_admin = make_iam_user(account=member_account, name="ops")
    policies.policy_attach(actor=None, account=member_account, policy_arn=ADMIN, user=member_admin)
    boss = make_iam_user(name="boss")
    policies.policy_attach(actor=None, account=management_account, policy_arn=ADMIN, user=boss)
    url = reverse("console:scp_list")
    deny_users = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "NoNewUsers", "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
            ],
        }
    )
    assert (
        admin.post(url, {"op": "create", "name": "no-users", "document": deny_users}).status_code
        == 302
    )
    scp = organization.scps.get()
    for target in (member_account.id, management_account.id):
        admin.post(url, {"op": "attach", "policy_arn": scp.arn, "target": target})

    member = client_factory()
    signin_iam(member, "example-prod", "ops")
    response = member.get(reverse("console:user_create", args=[member_account.id]))
    assert response.status_code == 403
    assert "explicitly denied by statement NoNewUsers of service control policy no-users" in (
        response.content.decode()
    )
    assert member.get(reverse("console:user_list", args=[member_account.id])).status_code == 200
    management = client_factory()
    signin_iam(management, "example-corp", "boss")
    assert (
        management.get(reverse("console:user_create", args=[management_account.id])).status_code
        == 200
    )

    # Without FullAWSAccess at the account, nothing is allowed there any more.
    admin.post(scp_detach_url(catalog.FULL_AWS_ACCESS, member_account.id))
    response = member.get(reverse("console:user_list", args=[member_account.id]))
    assert response.status_code == 403
    assert (
        "no service control policy attached to the account allows it" in response.content.decode()
    )
    # The last SCP of a target stays.
    response = admin.post(scp_detach_url(scp.arn, member_account.id))
    assert "Every target keeps at least one SCP" in response.content.decode()
    assert organization.scp_attachments.filter(policy_arn=scp.arn).count() == 2


def test_scps_of_another_organization_are_out_of_reach(
    client, organization, other_root, management_root, member_account
):
    document = (
        '{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}'
    )
    scp = policies.scp_create(
        actor=management_root, organization=organization, name="deny-everything", document=document
    )
    client.force_login(other_root)
    url = reverse("console:scp_list")
    response = client.post(
        url, {"op": "attach", "policy_arn": scp.arn, "target": member_account.id}
    )
    assert response.status_code == 404
    assert not organization.scp_attachments.exists()
    assert scp.name not in client.get(url).content.decode()


def test_policy_list_queries_do_not_grow(admin, management_account, django_assert_max_num_queries):
    def add(n, start):
        for i in range(start, start + n):
            policies.customer_policy_create(
                actor=None, account=management_account, name=f"p{i}", document=ALLOW_GET_USER
            )

    add(2, 0)
    url = reverse("console:policy_list", args=[management_account.id])
    with django_assert_max_num_queries(9):
        assert admin.get(url).status_code == 200
    add(30, 2)
    with django_assert_max_num_queries(9):
        assert admin.get(url).status_code == 200


def test_must_change_password_gets_the_change_password_policy(management_root, make_iam_user):
    carol = make_iam_user(name="carol", self_service=False, password_reset_required=True)
    assert list(
        PolicyAttachment.objects.filter(user=carol).values_list("policy_arn", flat=True)
    ) == ["arn:aws:iam::aws:policy/IAMUserChangePassword"]
    assert PASSWORD


def test_every_console_page_is_in_the_permissions_document():
    """docs/permissions.md names every page; a new page without its action fails here."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    documented = set(re.findall(r"`((?:console|accounts):[a-z_]+)`", text))
    names = set()
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace in ("console", "accounts"):
            names |= {f"{pattern.namespace}:{p.name}" for p in pattern.url_patterns if p.name}
    assert names - documented == set()
    assert documented - names == set()
