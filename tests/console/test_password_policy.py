"""The account's password policy page (console/views/password_policy.py): shown, saved,
deleted with a confirmation; the rules shown on the administrator's password forms; the IAM
actions asked; another tenant's policy is a 404."""

import json

import pytest
from django.urls import reverse

from identity import services
from identity.models import AccountPasswordPolicy, AuditEvent
from identity.policies import services as policies
from tests.support.tenancy import intruder

pytestmark = pytest.mark.django_db

FORM = {
    "minimum_password_length": "14",
    "require_symbols": "on",
    "require_numbers": "on",
    "allow_users_to_change_password": "on",
    "max_password_age": "90",
    "password_reuse_prevention": "5",
}


def page_url(account):
    return reverse("console:password_policy", args=[account.id])


def delete_url(account):
    return reverse("console:password_policy_delete", args=[account.id])


def test_the_account_page_links_to_it(client, management_root):
    client.force_login(management_root)
    page = client.get(reverse("console:account_detail", args=[management_root.account_id]))
    assert page_url(management_root.account) in page.content.decode()


def test_set_show_and_delete(client, management_root):
    account = management_root.account
    client.force_login(management_root)
    assert "has no password policy" in client.get(page_url(account)).content.decode()
    response = client.post(page_url(account), FORM)
    assert response.status_code == 302
    policy = AccountPasswordPolicy.objects.get(account=account)
    assert (policy.minimum_password_length, policy.max_password_age) == (14, 90)
    assert policy.require_symbols and not policy.require_uppercase_characters
    page = client.get(page_url(account)).content.decode()
    assert "At least 14 characters." in page
    assert "Not the same as any of your last 5 passwords." in page
    assert "It expires after 90 days." in page

    response = client.post(page_url(account), {**FORM, "max_password_age": "1096"})
    assert response.status_code == 200
    assert "MaxPasswordAge must be from 1 to 1095." in response.content.decode()

    assert "Delete" in client.get(delete_url(account)).content.decode()
    assert AccountPasswordPolicy.objects.filter(account=account).exists()  # a GET deletes nothing
    assert client.post(delete_url(account)).status_code == 302
    assert not AccountPasswordPolicy.objects.filter(account=account).exists()
    assert AuditEvent.objects.filter(event_name="DeleteAccountPasswordPolicy").exists()


def test_the_administrators_password_form_shows_the_rules(client, management_root, alice):
    account = management_root.account
    services.password_policy_set(actor=management_root, account=account, require_symbols=True)
    client.force_login(management_root)
    for url in (
        reverse("console:user_create", args=[account.id]),
        reverse("console:user_console_access", args=[account.id, "alice"]),
    ):
        assert "At least one of these symbols" in client.get(url).content.decode(), url


def test_the_page_asks_the_iam_actions(client, management_root, make_iam_user):
    bob = make_iam_user(name="bob", self_service=False)
    account = management_root.account
    client.force_login(bob)
    assert client.get(page_url(account)).status_code == 403
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:GetAccountPasswordPolicy", "Resource": "*"}
        ],
    }
    policies.inline_policy_put(actor=None, user=bob, name="Read", document=json.dumps(document))
    page = client.get(page_url(account))
    assert page.status_code == 200
    assert "Save changes" not in page.content.decode()
    assert client.post(page_url(account), FORM).status_code == 403
    assert client.post(delete_url(account)).status_code == 403
    assert not AccountPasswordPolicy.objects.exists()


@pytest.mark.parametrize("kind", ["other_root", "other_admin"])
def test_another_tenants_policy_is_a_404(
    client, request, management_root, other_organization, kind
):
    account = management_root.account
    services.password_policy_set(actor=management_root, account=account, minimum_password_length=20)
    client.force_login(intruder(kind, other_organization, request))
    events_before = AuditEvent.objects.count()
    assert client.get(page_url(account)).status_code == 404
    assert client.post(page_url(account), FORM).status_code == 404
    assert client.get(delete_url(account)).status_code == 404
    assert client.post(delete_url(account)).status_code == 404
    assert AuditEvent.objects.count() == events_before
    assert AccountPasswordPolicy.objects.get(account=account).minimum_password_length == 20
