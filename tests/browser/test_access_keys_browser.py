"""Access keys, SSH public keys and signing certificates in real Chromium: an access key from
creation to deletion on the Security credentials page (shown once, its .csv, gone on reload,
deactivated, deleted with its id typed), then every new page in English and Japanese, with a
screenshot of each (``SCREENSHOT_DIR``)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from identity.credentials import services as credentials
from identity.credentials.models import AccessKey
from tests.conftest import PASSWORD
from tests.support.keys import (
    RSA_PUBLIC_KEY,
    allow_own_credentials,
    certificate_pem,
    new_ssh_public_key,
    ssh_private_key,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en", "ja"]


def _speak(page, live_server, language):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )


def _signin_iam(page, user_name):
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", user_name)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/**")


def _signin_root(page, email):
    page.goto("/signin")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")


def test_an_access_key_from_creation_to_deletion(page, shoot, live_server, alice):
    allow_own_credentials(alice)
    _signin_iam(page, "alice")
    page.goto(reverse("mfa:security_credentials"))
    section = page.get_by_test_id("access-keys-section")
    expect(section).to_contain_text("You have no access keys.")
    section.get_by_role("link", name="Create access key").click()
    expect(page.locator("h1")).to_have_text("Create access key")
    page.locator("main button[type=submit]").click()

    page.wait_for_url("**/access-keys/created")
    expect(page.get_by_test_id("shown-once-warning")).to_be_visible()
    secret_cell = page.get_by_test_id("secret-access-key")
    expect(secret_cell).to_have_text(re.compile(r"^[A-Za-z0-9/+]{40}$"))
    secret = secret_cell.inner_text()
    key = AccessKey.objects.get(user=alice)
    assert secret == key.secret
    expect(page.get_by_test_id("access-key-id")).to_have_text(key.access_key_id)

    with page.expect_download() as download:
        page.get_by_test_id("download-csv").click()
    assert download.value.suggested_filename == "alice_accessKeys.csv"
    assert Path(download.value.path()).read_bytes().decode() == (
        f"Access key ID,Secret access key\r\n{key.access_key_id},{secret}\r\n"
    )

    page.reload()
    expect(page.get_by_test_id("access-key-gone")).to_be_visible()
    expect(page.get_by_test_id("secret-access-key")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(secret)

    page.get_by_role("link", name="Back to the access keys").click()
    row = page.get_by_test_id(f"access-key-{key.access_key_id}")
    expect(row).to_contain_text("Active")
    expect(page.locator("body")).not_to_contain_text(secret)
    row.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".messages")).to_contain_text("is now inactive")
    expect(row).to_contain_text("Inactive")

    row.get_by_role("link", name="Delete").click()
    expect(page.locator("h1")).to_have_text(f"Delete {key.access_key_id}?")
    page.fill("#id_confirmation", "AKIA-NOT-THIS-ONE")
    page.locator("main button[type=submit].btn-danger").click()
    expect(page.locator(".field .error")).to_contain_text("does not match")
    page.fill("#id_confirmation", key.access_key_id)
    page.locator("main button[type=submit].btn-danger").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Access key {key.access_key_id} was deleted."
    )
    expect(page.get_by_test_id(f"access-key-{key.access_key_id}")).to_have_count(0)
    assert not AccessKey.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_new_page_in_english_and_japanese(
    page, shoot, live_server, management_root, alice, language
):
    """A screenshot of each new page, as a newcomer meets it, in both languages."""
    allow_own_credentials(alice)
    used, _secret = credentials.access_key_create(actor=None, user=alice)
    AccessKey.objects.filter(pk=used.pk).update(
        last_used_at=used.created, last_used_service="iam", last_used_region="us-east-1"
    )
    ssh = credentials.ssh_public_key_upload(actor=None, user=alice, body=RSA_PUBLIC_KEY)
    credentials.ssh_public_key_upload(actor=None, user=alice, body=new_ssh_public_key())
    certificate = credentials.signing_certificate_upload(
        actor=None, user=alice, body=certificate_pem()
    )
    _speak(page, live_server, language)
    _signin_iam(page, "alice")
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.goto(reverse("mfa:security_credentials"))
    expect(page.get_by_test_id(f"access-key-{used.access_key_id}")).to_be_visible()
    expect(page.get_by_test_id(f"ssh-key-{ssh.ssh_public_key_id}")).to_be_visible()
    shoot(page, f"keys-security-credentials-{language}")

    page.goto(reverse("mfa:access_key_create"))
    expect(page.locator("main form")).to_be_visible()
    shoot(page, f"keys-access-key-create-{language}")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/access-keys/created")
    expect(page.get_by_test_id("secret-access-key")).to_be_visible()
    shoot(page, f"keys-access-key-created-{language}")
    page.reload()
    expect(page.get_by_test_id("access-key-gone")).to_be_visible()
    shoot(page, f"keys-access-key-gone-{language}")

    page.goto(reverse("mfa:access_key_delete", args=[used.access_key_id]))
    expect(page.get_by_test_id("deactivate-first")).to_be_visible()
    shoot(page, f"keys-access-key-delete-active-{language}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_confirmation")).to_be_visible()
    shoot(page, f"keys-access-key-delete-inactive-{language}")

    page.goto(reverse("mfa:ssh_public_key_upload"))
    page.fill("#id_body", ssh_private_key())
    page.locator("main button[type=submit]").click()
    expect(page.locator(".field .error")).to_be_visible()
    expect(page.locator("#id_body")).to_have_value("")
    shoot(page, f"keys-ssh-upload-refused-{language}")
    page.goto(reverse("mfa:ssh_public_key_delete", args=[ssh.ssh_public_key_id]))
    expect(page.locator("main form")).to_be_visible()
    shoot(page, f"keys-ssh-delete-{language}")

    page.goto(reverse("mfa:signing_certificate_upload"))
    expect(page.locator("#id_body")).to_be_visible()
    shoot(page, f"keys-certificate-upload-{language}")
    page.goto(reverse("mfa:signing_certificate_delete", args=[certificate.certificate_id]))
    expect(page.locator("main form")).to_be_visible()
    shoot(page, f"keys-certificate-delete-{language}")

    # The administrator's side, and the root user's.
    page.context.clear_cookies()
    _speak(page, live_server, language)
    _signin_root(page, management_root.email)
    account = management_root.account_id
    page.goto(reverse("console:user_detail", args=[account, "alice"]))
    expect(page.get_by_test_id("access-keys-section")).to_be_visible()
    shoot(page, f"keys-console-user-detail-{language}")
    page.goto(reverse("console:user_ssh_public_key_upload", args=[account, "alice"]))
    expect(page.locator("#id_body")).to_be_visible()
    shoot(page, f"keys-console-ssh-upload-{language}")
    page.goto(reverse("console:user_access_key_create", args=[account, "alice"]))
    expect(page.get_by_test_id("access-key-limit")).to_be_visible()
    shoot(page, f"keys-console-access-key-limit-{language}")

    page.goto(reverse("mfa:access_key_create"))
    expect(page.get_by_test_id("root-key-warning")).to_be_visible()
    shoot(page, f"keys-root-access-key-create-{language}")
    page.goto(reverse("console:root_access_keys"))
    expect(page.get_by_test_id("root-keys-setting")).to_be_visible()
    shoot(page, f"keys-root-access-keys-setting-{language}")
    page.locator("main input[name=understand]").check()
    page.locator("main button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    page.goto(reverse("mfa:security_credentials"))
    expect(page.get_by_test_id("root-keys-forbidden")).to_be_visible()
    shoot(page, f"keys-root-security-credentials-forbidden-{language}")
