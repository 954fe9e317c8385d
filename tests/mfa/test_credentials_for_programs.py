"""The Security credentials page's access keys, SSH public keys and signing certificates: the
key shown once (and its .csv), the root user's warning and the organization's refusal, status
changes (POST only, CSRF), deleting (deactivate first, type the id), uploads that refuse a
pasted private key without showing it back, another user's ids (404), and a constant number
of queries."""

from __future__ import annotations

import logging
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity.credentials import services
from identity.credentials.models import AccessKey, SigningCertificate, SSHPublicKey
from tests.conftest import signin_iam, signin_root
from tests.support.keys import (
    RSA_MD5,
    RSA_PUBLIC_KEY,
    allow_own_credentials,
    audit_trail_text,
    certificate_pem,
    fill_to_the_limits,
    new_ssh_public_key,
    ssh_private_key,
)

pytestmark = pytest.mark.django_db

PAGE = reverse("mfa:security_credentials")


@pytest.fixture
def alice_client(client, alice):
    allow_own_credentials(alice)
    signin_iam(client, "example-corp", "alice")
    return client


def text(response) -> str:
    return response.content.decode()


def create_key(client) -> tuple[AccessKey, str]:
    """Create an access key on the page; the key and the shown page's HTML."""
    response = client.post(reverse("mfa:access_key_create"))
    assert response.status_code == 302
    assert response.url == reverse("mfa:access_key_created")
    shown = client.get(response.url)
    assert shown.status_code == 200
    return AccessKey.objects.latest("created"), text(shown)


# --- the page ------------------------------------------------------------------------


def test_the_page_lists_the_three_sections_with_what_to_do(alice_client):
    html = text(alice_client.get(PAGE))
    for section in ("access-keys-section", "ssh-keys-section", "certificates-section"):
        assert f'data-testid="{section}"' in html
    assert reverse("mfa:access_key_create") in html
    assert reverse("mfa:ssh_public_key_upload") in html
    assert reverse("mfa:signing_certificate_upload") in html
    assert "You have no access keys." in html


def test_without_the_permissions_the_sections_say_so(client, alice):
    signin_iam(client, "example-corp", "alice")
    html = text(client.get(PAGE))
    assert "iam:ListAccessKeys" in html and "iam:ListSSHPublicKeys" in html
    assert reverse("mfa:access_key_create") not in html
    assert client.get(reverse("mfa:access_key_create")).status_code == 403
    assert client.post(reverse("mfa:access_key_create")).status_code == 403
    assert not AccessKey.objects.exists()


def test_the_list_keeps_a_constant_number_of_queries(
    alice_client, alice, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as empty:
        assert alice_client.get(PAGE).status_code == 200
    fill_to_the_limits(alice)
    with django_assert_max_num_queries(len(empty.captured_queries)):
        html = text(alice_client.get(PAGE))
    assert html.count('data-testid="access-key-AKIA') == 2
    assert html.count('data-testid="ssh-key-') == 5
    assert html.count('data-testid="certificate-') == 2
    assert "This is the most access keys a user can have (2)" in html
    assert reverse("mfa:ssh_public_key_upload") not in html  # five: the most
    assert reverse("mfa:access_key_create") not in html


# --- an access key, shown once -------------------------------------------------------


def test_a_new_key_is_shown_once_with_its_csv_and_never_again(alice_client, alice, caplog):
    caplog.set_level(logging.DEBUG)
    html = text(alice_client.get(reverse("mfa:access_key_create")))
    assert "The secret access key is shown only once" in html
    response = alice_client.post(reverse("mfa:access_key_create"))
    assert alice_client.session["tobira_access_key_to_show"]["key"].startswith("AKIA")
    shown = alice_client.get(response.url)
    key = AccessKey.objects.get(user=alice)
    secret = key.secret
    html = text(shown)
    assert key.access_key_id in html and secret in html
    assert "no-store" in shown["Cache-Control"].split(", ")
    # The .csv is written into the page, exactly as AWS's console writes it.
    prefix = 'href="data:text/csv;charset=utf-8,'
    csv = unquote(html.split(prefix, 1)[1].split('"', 1)[0])
    assert csv == f"Access key ID,Secret access key\r\n{key.access_key_id},{secret}\r\n"
    assert 'download="alice_accessKeys.csv"' in html
    # Shown: the session no longer names it, and held only its id.
    assert "tobira_access_key_to_show" not in alice_client.session
    again = alice_client.get(reverse("mfa:access_key_created"))
    assert again.status_code == 200 and secret not in text(again)
    assert 'data-testid="access-key-gone"' in text(again)
    assert secret not in text(alice_client.get(PAGE))
    assert secret not in caplog.text
    assert secret not in audit_trail_text()


def test_the_session_never_holds_the_secret(alice_client, alice):
    from importlib import import_module

    from django.conf import settings

    alice_client.post(reverse("mfa:access_key_create"))
    secret = AccessKey.objects.get(user=alice).secret
    key = alice_client.session.session_key
    store = import_module(settings.SESSION_ENGINE).SessionStore(key)
    assert store.exists(key)  # what the session store holds, whichever it is
    assert secret not in store.encode(store.load())
    assert secret not in str(store.load())


def test_another_browser_of_the_same_user_never_sees_the_secret(alice_client, alice):
    alice_client.post(reverse("mfa:access_key_create"))
    other = Client()
    signin_iam(other, "example-corp", "alice")
    response = other.get(reverse("mfa:access_key_created"))
    assert AccessKey.objects.get(user=alice).secret not in text(response)


def test_the_root_user_is_warned_and_must_acknowledge(client, management_root):
    signin_root(client, management_root.email)
    html = text(client.get(reverse("mfa:access_key_create")))
    assert "Root user access keys are not recommended" in html
    assert 'name="understand"' in html
    response = client.post(reverse("mfa:access_key_create"))
    assert response.status_code == 200 and "Tick the box" in text(response)
    assert not AccessKey.objects.exists()
    response = client.post(reverse("mfa:access_key_create"), {"understand": "on"})
    assert response.status_code == 302
    assert AccessKey.objects.get().user == management_root


def test_when_the_organization_forbids_root_keys_there_is_no_button(
    client, organization, management_root, member_root
):
    services.root_access_keys_setting_set(
        actor=management_root, organization=organization, allowed=False
    )
    signin_root(client, member_root.email)
    page = text(client.get(PAGE))
    assert 'data-testid="root-keys-forbidden"' in page
    assert reverse("mfa:access_key_create") not in page
    html = text(client.get(reverse("mfa:access_key_create")))
    assert "does not allow access keys for root users" in html
    assert 'name="understand"' not in html and 'data-testid="root-key-warning"' not in html
    response = client.post(reverse("mfa:access_key_create"), {"understand": "on"})
    assert "does not allow access keys for root users" in text(response)
    assert not AccessKey.objects.exists()


# --- status and deletion -------------------------------------------------------------


def test_status_changes_are_post_only_and_need_csrf(alice, alice_client):
    key, _secret = services.access_key_create(actor=alice, user=alice)
    url = reverse("mfa:access_key_status", args=[key.access_key_id])
    assert alice_client.get(url, {"status": "Inactive"}).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = alice_client.cookies
    assert strict.post(url, {"status": "Inactive"}).status_code == 403
    assert alice_client.post(url, {"status": "Disabled"}).status_code == 400
    key.refresh_from_db()
    assert key.is_active
    response = alice_client.post(url, {"status": "Inactive"})
    assert response.status_code == 302 and response.url == PAGE
    key.refresh_from_db()
    assert not key.is_active
    assert "is now inactive" in text(alice_client.get(PAGE))


def test_deleting_asks_to_deactivate_first_then_to_type_the_id(alice, alice_client):
    key, _secret = services.access_key_create(actor=alice, user=alice)
    url = reverse("mfa:access_key_delete", args=[key.access_key_id])
    html = text(alice_client.get(url))
    assert 'data-testid="deactivate-first"' in html and 'name="confirmation"' not in html
    response = alice_client.post(url, {"confirmation": key.access_key_id})
    assert response.status_code == 409 and AccessKey.objects.filter(pk=key.pk).exists()
    response = alice_client.post(
        reverse("mfa:access_key_status", args=[key.access_key_id]),
        {"status": "Inactive", "then": "delete"},
    )
    assert response.url == url
    assert 'name="confirmation"' in text(alice_client.get(url))
    response = alice_client.post(url, {"confirmation": "AKIAWRONG"})
    assert response.status_code == 200 and "does not match" in text(response)
    response = alice_client.post(url, {"confirmation": key.access_key_id})
    assert response.status_code == 302 and not AccessKey.objects.filter(pk=key.pk).exists()


def test_another_users_ids_are_404(alice_client, make_iam_user):
    bob = make_iam_user(name="bob")
    key, _secret = services.access_key_create(actor=bob, user=bob)
    ssh = services.ssh_public_key_upload(actor=bob, user=bob, body=new_ssh_public_key())
    cert = services.signing_certificate_upload(actor=bob, user=bob, body=certificate_pem())
    for name, key_id, body in (
        ("mfa:access_key_status", key.access_key_id, {"status": "Inactive"}),
        ("mfa:access_key_delete", key.access_key_id, {"confirmation": key.access_key_id}),
        ("mfa:ssh_public_key_status", ssh.ssh_public_key_id, {"status": "Inactive"}),
        ("mfa:ssh_public_key_delete", ssh.ssh_public_key_id, {}),
        ("mfa:signing_certificate_status", cert.certificate_id, {"status": "Inactive"}),
        ("mfa:signing_certificate_delete", cert.certificate_id, {}),
    ):
        url = reverse(name, args=[key_id])
        assert alice_client.post(url, body).status_code == 404, name
        if not name.endswith("_status"):
            assert alice_client.get(url).status_code == 404, name
    assert AccessKey.objects.get().is_active
    assert SSHPublicKey.objects.get().status == SigningCertificate.objects.get().status == "Active"


# --- uploads ---------------------------------------------------------------------------


def test_an_ssh_key_is_uploaded_listed_deactivated_and_deleted(alice_client):
    url = reverse("mfa:ssh_public_key_upload")
    assert "ssh-keygen -t ed25519" in text(alice_client.get(url))
    response = alice_client.post(url, {"body": RSA_PUBLIC_KEY})
    assert response.status_code == 302
    key = SSHPublicKey.objects.get()
    page = text(alice_client.get(PAGE))
    assert RSA_MD5 in page and key.ssh_public_key_id in page
    alice_client.post(
        reverse("mfa:ssh_public_key_status", args=[key.ssh_public_key_id]), {"status": "Inactive"}
    )
    key.refresh_from_db()
    assert key.status == "Inactive"
    delete = reverse("mfa:ssh_public_key_delete", args=[key.ssh_public_key_id])
    assert "permanent" in text(alice_client.get(delete))
    assert alice_client.post(delete).status_code == 302
    assert not SSHPublicKey.objects.exists()


@pytest.mark.parametrize("kind", ["ssh", "certificate"])
def test_a_pasted_private_key_is_refused_and_not_shown_back(alice_client, kind):
    name = "mfa:ssh_public_key_upload" if kind == "ssh" else "mfa:signing_certificate_upload"
    private = ssh_private_key()
    response = alice_client.post(reverse(name), {"body": private})
    html = text(response)
    assert response.status_code == 200
    assert "This is a private key, and it was not saved." in html
    for line in private.splitlines():
        assert line not in html
    assert not SSHPublicKey.objects.exists() and not SigningCertificate.objects.exists()


def test_a_megabyte_or_garbage_is_a_clear_error(alice_client):
    url = reverse("mfa:ssh_public_key_upload")
    response = alice_client.post(url, {"body": "A" * 1_000_000})
    assert response.status_code == 200 and "too long" in text(response)
    assert len(response.content) < 50_000
    response = alice_client.post(url, {"body": "hello"})
    assert "not an SSH public key Tobira accepts" in text(response)
    response = alice_client.post(url, {"body": "ssh-rsa AAAA\x00"})
    assert response.status_code == 400  # RejectNulMiddleware, before the view


def test_a_certificate_is_uploaded_and_deleted(alice_client):
    url = reverse("mfa:signing_certificate_upload")
    assert alice_client.post(url, {"body": certificate_pem()}).status_code == 302
    certificate = SigningCertificate.objects.get()
    assert certificate.certificate_id in text(alice_client.get(PAGE))
    response = alice_client.post(url, {"body": "-----BEGIN CERTIFICATE-----\nAAAA"})
    assert "not a PEM-encoded X.509 certificate" in text(response)
    delete = reverse("mfa:signing_certificate_delete", args=[certificate.certificate_id])
    assert alice_client.post(delete).status_code == 302
    assert not SigningCertificate.objects.exists()


def test_root_users_have_no_ssh_section_but_certificates(client, management_root):
    signin_root(client, management_root.email)
    html = text(client.get(PAGE))
    assert 'data-testid="ssh-keys-section"' not in html
    assert 'data-testid="certificates-section"' in html
    assert client.get(reverse("mfa:ssh_public_key_upload")).status_code == 403
