"""``manage.py rotate_field_keys``: after it, the old key can go and everything still works."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from identity import crypto
from identity.management.commands.rotate_field_keys import encrypted_fields
from sso.applications import keys as signing_keys
from tests.conftest import signin_iam
from tests.support.aws import access_key, signed_client_call
from tests.support.mfa import enabled_app

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def field_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    return settings


def every_secret_reads():
    """Every stored secret decrypts with the configured keys (DecryptionError otherwise)."""
    count = 0
    for model, name in encrypted_fields():
        for token in model._base_manager.values_list(name, flat=True):
            if token:
                crypto.decrypt(token)
                count += 1
    return count


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out, **options)
    return out.getvalue()


def test_every_field_that_holds_a_secret_is_found():
    assert {f"{model._meta.label}.{name}" for model, name in encrypted_fields()} == {
        "identity.BrowserSession.key_encrypted",
        "credentials.AccessKey.secret_encrypted",
        "credentials.SessionCredential.secret_encrypted",
        "mfa.VirtualMFADevice.seed_encrypted",
        "mfa.UnassignedVirtualMFADevice.seed_encrypted",
        "mfa.HardwareTOTPDevice.seed_encrypted",
        "sso.ExternalIdentityProvider.client_secret_encrypted",
        "applications.SigningKey.private_key_encrypted",
        "applications.SAMLCertificate.private_key_encrypted",
    }


def test_after_rotating_the_old_key_can_go(client, field_keys, alice, organization):
    device, app = enabled_app(alice)
    key_id, secret = access_key(alice)
    signing_keys.published(organization)
    signin_iam(client, "example-corp", "alice")  # a signed-in session's row
    stored = every_secret_reads()

    field_keys.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    report = rotate()
    assert "credentials.AccessKey.secret_encrypted: 1 re-encrypted" in report
    field_keys.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key is dropped
    assert every_secret_reads() == stored

    browser = Client()  # the TOTP seed
    signin_iam(browser, "example-corp", "alice")
    response = browser.post(reverse("mfa:signin"), {"device": device.pk, "code": app.now()})
    assert response["Location"] == reverse("console:home")
    call = signed_client_call(Client(), (key_id, secret), "GetUser")  # the access key's secret
    assert (
        b"SignatureDoesNotMatch" not in call.content and b"InvalidClientTokenId" not in call.content
    )
    assert signing_keys.jwks(organization)["keys"]  # the signing keys load


def test_stopped_halfway_it_runs_again_safely(field_keys, alice, monkeypatch):
    for _ in range(2):
        access_key(alice)
    enabled_app(alice)
    field_keys.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    real, calls = crypto.rotate, []

    def interrupted(token):
        calls.append(token)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the operator's Ctrl-C, a deploy, a crash
        return real(token)

    monkeypatch.setattr(crypto, "rotate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        rotate(batch=1)
    monkeypatch.setattr(crypto, "rotate", real)
    report = rotate(batch=1)
    assert "credentials.AccessKey.secret_encrypted: 1 re-encrypted, 1 already current" in report
    field_keys.FIELD_ENCRYPTION_KEYS = [NEW]
    assert every_secret_reads() == 3


def test_a_value_no_key_reads_is_reported_and_left_as_it_is(field_keys, alice, capsys):
    key_id, _secret = access_key(alice)
    from identity.credentials.models import AccessKey

    AccessKey.objects.filter(access_key_id=key_id).update(secret_encrypted="not-a-fernet-token")
    field_keys.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    err = io.StringIO()
    call_command("rotate_field_keys", stdout=io.StringIO(), stderr=err)
    assert "1 value(s) no configured key reads" in err.getvalue()
    assert AccessKey.objects.get(access_key_id=key_id).secret_encrypted == "not-a-fernet-token"
