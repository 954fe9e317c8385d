"""The services of credentials for programs: limits, duplicates and refusals with the AWS
error codes the API will answer, the audit trail (never a secret in it), and the
organization's setting for root users' access keys."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from identity import ids
from identity.audit_events import Event
from identity.credentials import selectors, services
from identity.credentials.models import AccessKey, SigningCertificate, SSHPublicKey, Status
from identity.models import AuditEvent
from tests.support.keys import (
    RSA_MD5,
    RSA_PUBLIC_KEY,
    audit_trail_text,
    certificate_pem,
    new_ssh_public_key,
    ssh_private_key,
)
from tests.support.sso import make_sso_user

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value


def events(event: Event):
    return AuditEvent.objects.filter(
        event_name=event.event_name, event_source=event.source.value
    ).order_by("event_time")


# --- access keys ---------------------------------------------------------------------


def test_an_access_key_and_its_secret_appear_once_and_never_in_the_trail(alice, management_root):
    key, secret = services.access_key_create(actor=management_root, user=alice)
    assert key.access_key_id.startswith("AKIA") and len(key.access_key_id) == 20
    assert len(secret) == 40 and key.secret == secret and secret not in key.secret_encrypted
    assert key.status == Status.ACTIVE and key.account_id == alice.account_id
    (event,) = events(Event.CREATE_ACCESS_KEY)
    assert event.response_elements == {"accessKeyId": key.access_key_id, "status": "Active"}
    services.access_key_status_set(actor=alice, key=key, status=Status.INACTIVE)
    services.access_key_delete(
        actor=alice, key=selectors.user_access_key_get(alice, key.access_key_id)
    )
    assert secret not in audit_trail_text()
    assert [
        e.event_name
        for e in AuditEvent.objects.filter(event_name__endswith="AccessKey").order_by("event_time")
    ] == [
        "CreateAccessKey",
        "UpdateAccessKey",
        "DeleteAccessKey",
    ]


def test_a_third_access_key_is_limit_exceeded(alice):
    for _ in range(2):
        services.access_key_create(actor=alice, user=alice)
    assert refused(services.access_key_create, actor=alice, user=alice).code == "LimitExceeded"
    assert AccessKey.objects.filter(user=alice).count() == 2


def test_a_secret_never_starts_with_what_a_spreadsheet_runs():
    secrets = [ids.new_secret_access_key() for _ in range(3000)]
    assert all(len(s) == 40 and s[0] not in "=+-@" for s in secrets)
    assert any("+" in s for s in secrets)  # the alphabet is still AWS's


def test_status_must_be_active_or_inactive(alice):
    key, _secret = services.access_key_create(actor=alice, user=alice)
    error = refused(services.access_key_status_set, actor=alice, key=key, status="Disabled")
    assert error.code == "ValidationError"


def test_root_access_keys_are_allowed_by_default_and_can_be_forbidden(
    organization, management_root, member_root
):
    assert organization.root_access_keys_allowed
    services.access_key_create(actor=member_root, user=member_root)
    services.root_access_keys_setting_set(
        actor=management_root, organization=organization, allowed=False
    )
    error = refused(services.access_key_create, actor=member_root, user=member_root)
    assert error.code == "AccessDenied"
    (event,) = events(Event.UPDATE_ROOT_ACCESS_KEYS_SETTING)
    assert event.recipient_account_id == organization.management_account_id
    assert event.request_parameters == {
        "organizationId": organization.pk,
        "rootAccessKeysAllowed": False,
    }
    assert selectors.organization_root_access_key_count(organization) == 1
    services.root_access_keys_setting_set(
        actor=management_root, organization=organization, allowed=True
    )
    services.access_key_create(actor=member_root, user=member_root)


def test_only_the_management_root_changes_the_root_key_setting(
    organization, member_root, make_iam_user, other_root
):
    from identity.policies import services as policies
    from tests.support.sso import ADMIN

    admin = make_iam_user(name="admin")
    policies.policy_attach(actor=None, account=admin.account, policy_arn=ADMIN, user=admin)
    for actor in (member_root, admin, other_root):
        error = refused(
            services.root_access_keys_setting_set,
            actor=actor,
            organization=organization,
            allowed=False,
        )
        assert error.code == "AccessDenied"
    organization.refresh_from_db()
    assert organization.root_access_keys_allowed
    assert not events(Event.UPDATE_ROOT_ACCESS_KEYS_SETTING).exists()


# --- SSH public keys -----------------------------------------------------------------


def test_an_uploaded_ssh_key_is_stored_with_aws_fingerprint_and_audited(alice, management_root):
    key = services.ssh_public_key_upload(actor=management_root, user=alice, body=RSA_PUBLIC_KEY)
    assert key.ssh_public_key_id.startswith("APKA") and len(key.ssh_public_key_id) == 21
    assert (key.fingerprint, key.body, key.status) == (RSA_MD5, RSA_PUBLIC_KEY, "Active")
    (event,) = events(Event.UPLOAD_SSH_PUBLIC_KEY)
    assert event.request_parameters == {"userName": "alice"}
    assert event.response_elements == {
        "sSHPublicKeyId": key.ssh_public_key_id,
        "fingerprint": RSA_MD5,
        "status": "Active",
    }
    assert event.recipient_account_id == alice.account_id
    key = selectors.user_ssh_public_key_get(alice, key.ssh_public_key_id)
    services.ssh_public_key_status_set(actor=alice, key=key, status="Inactive")
    assert SSHPublicKey.objects.get().status == "Inactive"
    services.ssh_public_key_delete(actor=alice, key=key)
    assert not SSHPublicKey.objects.exists()
    assert events(Event.UPDATE_SSH_PUBLIC_KEY).get().request_parameters["status"] == "Inactive"
    assert events(Event.DELETE_SSH_PUBLIC_KEY).get().request_parameters == {
        "userName": "alice",
        "sSHPublicKeyId": key.ssh_public_key_id,
    }


def test_the_same_ssh_key_twice_is_duplicate_even_in_pem(alice):
    from cryptography.hazmat.primitives import serialization

    services.ssh_public_key_upload(actor=alice, user=alice, body=RSA_PUBLIC_KEY)
    pem = (
        serialization.load_ssh_public_key(RSA_PUBLIC_KEY.encode())
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    for body in (RSA_PUBLIC_KEY, RSA_PUBLIC_KEY.replace("alice@laptop", "other comment"), pem):
        error = refused(services.ssh_public_key_upload, actor=alice, user=alice, body=body)
        assert error.code == "DuplicateSSHPublicKey"
    assert SSHPublicKey.objects.count() == 1


def test_another_user_may_upload_the_same_ssh_key(alice, make_iam_user):
    bob = make_iam_user(name="bob")
    services.ssh_public_key_upload(actor=alice, user=alice, body=RSA_PUBLIC_KEY)
    services.ssh_public_key_upload(actor=bob, user=bob, body=RSA_PUBLIC_KEY)


def test_a_sixth_ssh_key_is_limit_exceeded(alice):
    for _ in range(5):
        services.ssh_public_key_upload(actor=alice, user=alice, body=new_ssh_public_key())
    error = refused(
        services.ssh_public_key_upload, actor=alice, user=alice, body=new_ssh_public_key()
    )
    assert error.code == "LimitExceeded"
    assert SSHPublicKey.objects.filter(user=alice).count() == 5


def test_root_and_sso_users_have_no_ssh_keys(management_root, organization):
    sam = make_sso_user(organization)
    for user in (management_root, sam):
        error = refused(
            services.ssh_public_key_upload, actor=user, user=user, body=new_ssh_public_key()
        )
        assert error.code == "Invalid"
    assert not SSHPublicKey.objects.exists()


def test_a_refused_paste_writes_nothing_and_keeps_no_trace_of_a_private_key(alice):
    before = AuditEvent.objects.count()
    private = ssh_private_key()
    error = refused(services.ssh_public_key_upload, actor=alice, user=alice, body=private)
    assert error.code == "InvalidPublicKey"
    assert AuditEvent.objects.count() == before
    assert not SSHPublicKey.objects.exists()
    assert private.splitlines()[1] not in audit_trail_text()


# --- signing certificates ------------------------------------------------------------


def test_a_certificate_is_uploaded_for_an_iam_user_or_a_root_user(alice, management_root):
    pem = certificate_pem()
    certificate = services.signing_certificate_upload(actor=alice, user=alice, body=pem)
    assert len(certificate.certificate_id) == 32 and certificate.status == "Active"
    assert certificate.body == pem
    (event,) = events(Event.UPLOAD_SIGNING_CERTIFICATE)
    assert event.response_elements["certificateId"] == certificate.certificate_id
    services.signing_certificate_upload(
        actor=management_root, user=management_root, body=certificate_pem()
    )
    certificate = selectors.user_signing_certificate_get(alice, certificate.certificate_id)
    services.signing_certificate_status_set(actor=alice, certificate=certificate, status="Inactive")
    services.signing_certificate_delete(actor=alice, certificate=certificate)
    assert list(SigningCertificate.objects.values_list("user", flat=True)) == [management_root.pk]
    assert events(Event.UPDATE_SIGNING_CERTIFICATE).count() == 1
    assert events(Event.DELETE_SIGNING_CERTIFICATE).count() == 1


def test_certificate_duplicates_and_the_limit_of_two(alice):
    first = certificate_pem()
    services.signing_certificate_upload(actor=alice, user=alice, body=first)
    error = refused(services.signing_certificate_upload, actor=alice, user=alice, body=first)
    assert error.code == "DuplicateCertificate"
    services.signing_certificate_upload(actor=alice, user=alice, body=certificate_pem())
    error = refused(
        services.signing_certificate_upload, actor=alice, user=alice, body=certificate_pem()
    )
    assert error.code == "LimitExceeded"


def test_sso_users_have_no_certificates(organization):
    sam = make_sso_user(organization)
    error = refused(
        services.signing_certificate_upload, actor=sam, user=sam, body=certificate_pem()
    )
    assert error.code == "Invalid"


# --- reads start from the user -------------------------------------------------------


def test_another_users_key_ids_are_404(alice, make_iam_user):
    from django.http import Http404

    bob = make_iam_user(name="bob")
    key, _secret = services.access_key_create(actor=bob, user=bob)
    ssh = services.ssh_public_key_upload(actor=bob, user=bob, body=new_ssh_public_key())
    certificate = services.signing_certificate_upload(actor=bob, user=bob, body=certificate_pem())
    for get, key_id in (
        (selectors.user_access_key_get, key.access_key_id),
        (selectors.user_ssh_public_key_get, ssh.ssh_public_key_id),
        (selectors.user_signing_certificate_get, certificate.certificate_id),
    ):
        with pytest.raises(Http404):
            get(alice, key_id)
        assert get(bob, key_id)
