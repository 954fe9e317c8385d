"""An administrator's hand on an IAM user's access keys, SSH public keys and certificates, and
the organization's setting for root users' access keys.

Each page asks the engine its own IAM action on the user's ARN (a Deny on that one action is a
403 and an audited refusal); the key is found among the URL's user's keys only (another
user's key id is a 404, whoever asks); the list keeps a constant number of queries. The
tenant boundary (another organization's principal, a member root) is in test_tenancy.py.
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity.credentials import services
from identity.credentials.models import AccessKey, SigningCertificate, SSHPublicKey
from identity.models import AuditEvent
from identity.policies import services as policies
from tests.conftest import signin_iam, signin_root
from tests.support.keys import (
    RSA_MD5,
    RSA_PUBLIC_KEY,
    audit_trail_text,
    certificate_pem,
    fill_to_the_limits,
    new_ssh_public_key,
    ssh_private_key,
)
from tests.support.sso import ADMIN

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, management_root):
    signin_root(client, management_root.email)
    return client


def user_url(name, user, *more):
    return reverse(name, args=[user.account_id, user.name, *more])


def text(response) -> str:
    return response.content.decode()


def test_an_administrator_creates_a_key_for_a_user_and_sees_it_once(
    admin_client, alice, management_root
):
    detail = text(admin_client.get(user_url("console:user_detail", alice)))
    assert 'data-testid="access-keys-section"' in detail
    assert user_url("console:user_access_key_create", alice) in detail
    response = admin_client.post(user_url("console:user_access_key_create", alice))
    assert response.status_code == 302
    assert response.url == user_url("console:user_access_key_created", alice)
    shown = admin_client.get(response.url)
    key = AccessKey.objects.get(user=alice)
    html = text(shown)
    assert key.secret in html and "no-store" in shown["Cache-Control"]
    csv = unquote(html.split('href="data:text/csv;charset=utf-8,', 1)[1].split('"', 1)[0])
    assert csv == f"Access key ID,Secret access key\r\n{key.access_key_id},{key.secret}\r\n"
    assert 'download="alice_accessKeys.csv"' in html
    again = admin_client.get(response.url)
    assert key.secret not in text(again) and 'data-testid="access-key-gone"' in text(again)
    event = AuditEvent.objects.get(event_name="CreateAccessKey")
    assert event.user_identity["arn"] == management_root.arn
    assert event.request_parameters == {"userName": "alice"}
    assert key.secret not in audit_trail_text()


def test_the_secret_is_shown_only_to_the_session_that_created_it(admin_client, alice):
    admin_client.post(user_url("console:user_access_key_create", alice))
    alice_client = Client()
    signin_iam(alice_client, "example-corp", "alice")
    response = alice_client.get(reverse("mfa:access_key_created"))
    assert AccessKey.objects.get().secret not in text(response)


def test_a_third_key_is_refused_on_the_page(admin_client, alice):
    fill_to_the_limits(alice)
    url = user_url("console:user_access_key_create", alice)
    assert 'data-testid="access-key-limit"' in text(admin_client.get(url))
    response = admin_client.post(url)
    assert response.status_code == 200 and "at most 2 access keys" in text(response)
    assert AccessKey.objects.filter(user=alice).count() == 2


def test_status_delete_and_uploads_for_a_user(admin_client, alice):
    key, _secret = services.access_key_create(actor=None, user=alice)
    status = user_url("console:user_access_key_status", alice, key.access_key_id)
    delete = user_url("console:user_access_key_delete", alice, key.access_key_id)
    assert admin_client.get(status).status_code == 405
    assert admin_client.post(delete, {"confirmation": key.access_key_id}).status_code == 409
    response = admin_client.post(status, {"status": "Inactive", "then": "delete"})
    assert response.url == delete
    response = admin_client.post(delete, {"confirmation": key.access_key_id})
    assert response.url == user_url("console:user_detail", alice)
    assert not AccessKey.objects.exists()

    upload = user_url("console:user_ssh_public_key_upload", alice)
    assert admin_client.post(upload, {"body": RSA_PUBLIC_KEY}).status_code == 302
    ssh = SSHPublicKey.objects.get(user=alice)
    assert RSA_MD5 in text(admin_client.get(user_url("console:user_detail", alice)))
    admin_client.post(
        user_url("console:user_ssh_public_key_status", alice, ssh.ssh_public_key_id),
        {"status": "Inactive"},
    )
    ssh.refresh_from_db()
    assert ssh.status == "Inactive"
    assert (
        admin_client.post(
            user_url("console:user_ssh_public_key_delete", alice, ssh.ssh_public_key_id)
        ).status_code
        == 302
    )

    upload = user_url("console:user_signing_certificate_upload", alice)
    assert admin_client.post(upload, {"body": certificate_pem()}).status_code == 302
    certificate = SigningCertificate.objects.get(user=alice)
    admin_client.post(
        user_url("console:user_signing_certificate_status", alice, certificate.certificate_id),
        {"status": "Inactive"},
    )
    certificate.refresh_from_db()
    assert certificate.status == "Inactive"
    admin_client.post(
        user_url("console:user_signing_certificate_delete", alice, certificate.certificate_id)
    )
    assert not SSHPublicKey.objects.exists() and not SigningCertificate.objects.exists()
    assert [
        e.event_name
        for e in AuditEvent.objects.filter(event_source="iam.tobira").order_by("event_time")
    ][-9:] == [
        "CreateAccessKey",
        "UpdateAccessKey",
        "DeleteAccessKey",
        "UploadSSHPublicKey",
        "UpdateSSHPublicKey",
        "DeleteSSHPublicKey",
        "UploadSigningCertificate",
        "UpdateSigningCertificate",
        "DeleteSigningCertificate",
    ]


@pytest.mark.parametrize(
    "name", ["console:user_ssh_public_key_upload", "console:user_signing_certificate_upload"]
)
def test_a_pasted_private_key_is_not_shown_back(admin_client, alice, name):
    private = ssh_private_key()
    response = admin_client.post(user_url(name, alice), {"body": private})
    html = text(response)
    assert response.status_code == 200 and "This is a private key" in html
    assert all(line not in html for line in private.splitlines())


def test_another_users_key_id_in_this_users_url_is_404(admin_client, alice, make_iam_user):
    bob = make_iam_user(name="bob")
    key, _secret = services.access_key_create(actor=None, user=bob)
    ssh = services.ssh_public_key_upload(actor=None, user=bob, body=new_ssh_public_key())
    cert = services.signing_certificate_upload(actor=None, user=bob, body=certificate_pem())
    for name, key_id in (
        ("console:user_access_key_status", key.access_key_id),
        ("console:user_access_key_delete", key.access_key_id),
        ("console:user_ssh_public_key_status", ssh.ssh_public_key_id),
        ("console:user_ssh_public_key_delete", ssh.ssh_public_key_id),
        ("console:user_signing_certificate_status", cert.certificate_id),
        ("console:user_signing_certificate_delete", cert.certificate_id),
    ):
        response = admin_client.post(
            user_url(name, alice, key_id), {"status": "Inactive", "confirmation": key_id}
        )
        assert response.status_code == 404, name
    assert AccessKey.objects.get().is_active


# --- each page asks its own action ---------------------------------------------------

PAGES = [
    ("console:user_access_key_create", "iam:CreateAccessKey", "get", None, {}),
    (
        "console:user_access_key_status",
        "iam:UpdateAccessKey",
        "post",
        "key",
        {"status": "Inactive"},
    ),
    ("console:user_access_key_delete", "iam:DeleteAccessKey", "get", "key", {}),
    ("console:user_ssh_public_key_upload", "iam:UploadSSHPublicKey", "get", None, {}),
    (
        "console:user_ssh_public_key_status",
        "iam:UpdateSSHPublicKey",
        "post",
        "ssh",
        {"status": "Inactive"},
    ),
    ("console:user_ssh_public_key_delete", "iam:DeleteSSHPublicKey", "post", "ssh", {}),
    ("console:user_signing_certificate_upload", "iam:UploadSigningCertificate", "get", None, {}),
    (
        "console:user_signing_certificate_status",
        "iam:UpdateSigningCertificate",
        "post",
        "cert",
        {"status": "Inactive"},
    ),
    ("console:user_signing_certificate_delete", "iam:DeleteSigningCertificate", "post", "cert", {}),
    ("console:user_access_key_created", "iam:ListAccessKeys", "get", None, {}),
]


@pytest.mark.parametrize(
    ("name", "action", "method", "which", "body"), PAGES, ids=[p[0] for p in PAGES]
)
def test_a_deny_on_the_pages_action_is_a_403(
    client, make_iam_user, alice, name, action, method, which, body
):
    admin = make_iam_user(name="admin", self_service=False)
    policies.policy_attach(actor=None, account=admin.account, policy_arn=ADMIN, user=admin)
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": action, "Resource": alice.arn}],
    }
    policies.inline_policy_put(actor=None, user=admin, name="Deny", document=json.dumps(deny))
    ids = {
        "key": services.access_key_create(actor=None, user=alice)[0].access_key_id,
        "ssh": services.ssh_public_key_upload(
            actor=None, user=alice, body=new_ssh_public_key()
        ).ssh_public_key_id,
        "cert": services.signing_certificate_upload(
            actor=None, user=alice, body=certificate_pem()
        ).certificate_id,
    }
    signin_iam(client, "example-corp", "admin")
    url = user_url(name, alice, *([ids[which]] if which else []))
    response = getattr(client, method)(url, body)
    assert response.status_code == 403
    refusal = AuditEvent.objects.get(error_code="AccessDenied")
    assert f"{refusal.event_source.split('.')[0]}:{refusal.event_name}" == action
    assert refusal.request_parameters == {"resource": alice.arn}
    assert AccessKey.objects.get().is_active and SSHPublicKey.objects.get().status == "Active"


def test_the_user_page_offers_only_what_the_policies_allow(client, make_iam_user, alice):
    reader = make_iam_user(name="reader", self_service=False)
    policies.policy_attach(
        actor=None,
        account=reader.account,
        policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        user=reader,
    )
    services.access_key_create(actor=None, user=alice)
    signin_iam(client, "example-corp", "reader")
    html = text(client.get(user_url("console:user_detail", alice)))
    assert 'data-testid="access-keys-section"' in html and "AKIA" in html
    assert user_url("console:user_access_key_create", alice) not in html
    assert "Deactivate" not in html and "/delete" not in html


def test_the_user_page_keeps_a_constant_number_of_queries(
    admin_client, alice, django_assert_max_num_queries
):
    url = user_url("console:user_detail", alice)
    with CaptureQueriesContext(connection) as empty:
        assert admin_client.get(url).status_code == 200
    fill_to_the_limits(alice)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        html = text(admin_client.get(url))
    assert html.count('data-testid="access-key-AKIA') == 2
    assert html.count('data-testid="ssh-key-APKA') == 5
    assert html.count('data-testid="certificate-') == 2


# --- the organization's setting for root users' access keys --------------------------


def test_the_management_root_forbids_root_access_keys_with_a_confirmation(
    admin_client, organization, member_root
):
    home = text(admin_client.get(reverse("console:home")))
    assert reverse("console:root_access_keys") in home
    url = reverse("console:root_access_keys")
    html = text(admin_client.get(url))
    assert "Forbid root user access keys" in html
    response = admin_client.post(url, {"allowed": "false"})
    assert response.status_code == 200 and "Tick the box" in text(response)
    organization.refresh_from_db()
    assert organization.root_access_keys_allowed
    response = admin_client.post(url, {"allowed": "false", "understand": "on"})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert not organization.root_access_keys_allowed
    assert AuditEvent.objects.filter(event_name="UpdateRootAccessKeysSetting").count() == 1
    assert "Allow root user access keys" in text(admin_client.get(url))
    with pytest.raises(ValidationError):
        services.access_key_create(actor=member_root, user=member_root)


def test_others_cannot_change_the_root_key_setting(
    client, organization, member_root, make_iam_user
):
    client.force_login(member_root)
    url = reverse("console:root_access_keys")
    assert client.post(url, {"allowed": "false", "understand": "on"}).status_code == 403
    admin = make_iam_user(name="admin", self_service=False)
    policies.policy_attach(actor=None, account=admin.account, policy_arn=ADMIN, user=admin)
    client.force_login(admin)
    html = text(client.get(url))
    assert (
        "Only the root user of the management account" in html and 'name="understand"' not in html
    )
    response = client.post(url, {"allowed": "false", "understand": "on"})
    assert "Only the root user of the management account" in text(response)
    organization.refresh_from_db()
    assert organization.root_access_keys_allowed
    assert not AuditEvent.objects.filter(event_name="UpdateRootAccessKeysSetting").exists()
