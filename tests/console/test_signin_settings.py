"""The account's sign-in settings page (console/views/signin_settings.py): whether its IAM users
may sign in with a passkey alone. Off by default; saved and audited; the IAM actions asked;
another tenant's account is a 404. And the SSO settings' own switch for the portal."""

import json

import pytest
from django.urls import reverse

from identity.models import Account, AuditEvent
from identity.policies import services as policies
from sso import services as sso_services
from tests.support.tenancy import intruder

pytestmark = pytest.mark.django_db


def page_url(account):
    return reverse("console:signin_settings", args=[account.id])


def test_off_by_default_then_turned_on_and_off_with_an_event_each_time(client, management_root):
    account = management_root.account
    assert Account.objects.get(pk=account.pk).passkey_signin is False
    client.force_login(management_root)
    detail = client.get(reverse("console:account_detail", args=[account.id])).content.decode()
    assert page_url(account) in detail
    page = client.get(page_url(account)).content.decode()
    assert "IAM users sign in with their password, then MFA." in page
    assert client.post(page_url(account), {"passkey_signin": "on"})["Location"] == page_url(account)
    assert Account.objects.get(pk=account.pk).passkey_signin is True
    page = client.get(page_url(account)).content.decode()
    assert "IAM users with console access may sign in with a passkey alone." in page
    assert client.post(page_url(account), {}).status_code == 302
    assert Account.objects.get(pk=account.pk).passkey_signin is False
    events = list(
        AuditEvent.objects.filter(event_name="UpdateAccountSigninSettings").order_by("event_time")
    )
    assert [e.request_parameters for e in events] == [
        {"passkeySignIn": True},
        {"passkeySignIn": False},
    ]
    assert {e.recipient_account_id for e in events} == {account.id}
    assert events[0].event_source == "iam.tobira"


def test_the_page_asks_the_iam_actions(client, management_root, make_iam_user):
    bob = make_iam_user(name="bob", self_service=False)
    account = management_root.account
    client.force_login(bob)
    assert client.get(page_url(account)).status_code == 403
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:GetAccountSigninSettings",
                "Resource": f"arn:aws:iam::{account.id}:root",
            }
        ],
    }
    policies.inline_policy_put(actor=None, user=bob, name="Read", document=json.dumps(document))
    page = client.get(page_url(account))
    assert page.status_code == 200
    assert "Save changes" not in page.content.decode()
    assert client.post(page_url(account), {"passkey_signin": "on"}).status_code == 403
    assert Account.objects.get(pk=account.pk).passkey_signin is False


@pytest.mark.parametrize("kind", ["other_root", "other_admin"])
def test_another_tenants_account_is_a_404(
    client, request, management_root, other_organization, kind
):
    account = management_root.account
    client.force_login(intruder(kind, other_organization, request))
    events_before = AuditEvent.objects.count()
    assert client.get(page_url(account)).status_code == 404
    assert client.post(page_url(account), {"passkey_signin": "on"}).status_code == 404
    assert AuditEvent.objects.count() == events_before
    assert Account.objects.get(pk=account.pk).passkey_signin is False


def test_the_sso_settings_switch_is_saved_audited_and_needs_keys(client, management_root):
    organization = management_root.account.organization
    client.force_login(management_root)
    url = reverse("console:sso_settings")
    form = {
        "identity_source": "directory",
        "mfa_prompt": "always",
        "mfa_no_device": "register",
        "allow_authenticator_apps": "on",
        "allow_security_keys": "on",
        "users_manage_devices": "on",
    }
    assert "People may sign in to the access portal with a passkey alone" in (
        client.get(url).content.decode()
    )
    assert sso_services.settings_for(organization).passkey_signin is False
    assert client.post(url, {**form, "passkey_signin": "on"}).status_code == 302
    organization.refresh_from_db()
    assert sso_services.settings_for(organization).passkey_signin is True
    event = AuditEvent.objects.filter(event_name="UpdateSSOConfiguration").latest("event_time")
    assert event.request_parameters["passkey_signin"] is True
    refused = client.post(
        url, {**form, "allow_security_keys": "", "passkey_signin": "on"}
    ).content.decode()
    assert "needs security keys and built-in authenticators" in refused
