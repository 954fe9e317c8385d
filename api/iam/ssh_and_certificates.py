"""SSH public keys (UploadSSHPublicKey, GetSSHPublicKey, ListSSHPublicKeys, UpdateSSHPublicKey,
DeleteSSHPublicKey) and signing certificates (UploadSigningCertificate,
ListSigningCertificates, UpdateSigningCertificate, DeleteSigningCertificate), on the same
services as the *Security credentials* page."""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError

from identity.authorization import Permission
from identity.credentials import services
from identity.credentials.models import (
    MAX_SIGNING_CERTIFICATES_PER_USER,
    MAX_SSH_PUBLIC_KEYS_PER_USER,
    SigningCertificate,
    SSHPublicKey,
)

from ..errors import ApiError
from ..registry import Call, no_paging, operation
from .common import require_user, target_user_arn


@contextmanager
def _quota(name: str, limit: int):
    """A limit refused in AWS's own words: ``Cannot exceed quota for NAME: N``."""
    try:
        yield
    except ValidationError as error:
        if any(e.code == "LimitExceeded" for e in getattr(error, "error_list", [])):
            raise ApiError("LimitExceeded", f"Cannot exceed quota for {name}: {limit}") from None
        raise


def _user_name(user) -> str:
    return user.account_id if user.is_root else user.name


def _ssh_shape(key: SSHPublicKey, user_name: str, *, full: bool) -> dict:
    shape = {
        "UserName": user_name,
        "SSHPublicKeyId": key.ssh_public_key_id,
        "Status": key.status,
        "UploadDate": key.uploaded,
    }
    if full:
        shape["Fingerprint"] = key.fingerprint
        shape["SSHPublicKeyBody"] = key.body
    return shape


def _ssh_key(call: Call, user) -> SSHPublicKey:
    key = SSHPublicKey.objects.filter(
        user=user, ssh_public_key_id=call.input["SSHPublicKeyId"]
    ).first()
    if key is None:
        raise ApiError(
            "NoSuchEntity",
            f"The Public Key with id {call.input['SSHPublicKeyId']} cannot be found.",
        )
    return key


@operation("iam", "UploadSSHPublicKey", Permission("iam:UploadSSHPublicKey", target_user_arn))
def upload_ssh_public_key(call: Call) -> dict:
    user = require_user(call)
    with _quota("SSHPublicKeysPerUser", MAX_SSH_PUBLIC_KEYS_PER_USER):
        key = services.ssh_public_key_upload(
            actor=call.user, user=user, body=call.input["SSHPublicKeyBody"], request=call.request
        )
    return {"SSHPublicKey": _ssh_shape(key, _user_name(user), full=True)}


@operation("iam", "GetSSHPublicKey", Permission("iam:GetSSHPublicKey", target_user_arn))
def get_ssh_public_key(call: Call) -> dict:
    user = require_user(call)
    key = _ssh_key(call, user)
    if call.input["Encoding"] == "PEM":
        raise ApiError("UnrecognizedPublicKeyEncoding", "Tobira returns keys in SSH encoding only.")
    return {"SSHPublicKey": _ssh_shape(key, _user_name(user), full=True)}


@operation("iam", "ListSSHPublicKeys", Permission("iam:ListSSHPublicKeys", target_user_arn))
def list_ssh_public_keys(call: Call) -> dict:
    no_paging(call)
    user = require_user(call)
    keys = SSHPublicKey.objects.filter(user=user).order_by("uploaded", "pk")
    return {
        "SSHPublicKeys": [_ssh_shape(k, _user_name(user), full=False) for k in keys],
        "IsTruncated": False,
    }


@operation("iam", "UpdateSSHPublicKey", Permission("iam:UpdateSSHPublicKey", target_user_arn))
def update_ssh_public_key(call: Call) -> None:
    user = require_user(call)
    key = _ssh_key(call, user)
    key.user = user
    services.ssh_public_key_status_set(
        actor=call.user, key=key, status=call.input["Status"], request=call.request
    )


@operation("iam", "DeleteSSHPublicKey", Permission("iam:DeleteSSHPublicKey", target_user_arn))
def delete_ssh_public_key(call: Call) -> None:
    user = require_user(call)
    key = _ssh_key(call, user)
    key.user = user
    services.ssh_public_key_delete(actor=call.user, key=key, request=call.request)


def _certificate_shape(certificate: SigningCertificate, user_name: str) -> dict:
    return {
        "UserName": user_name,
        "CertificateId": certificate.certificate_id,
        "CertificateBody": certificate.body,
        "Status": certificate.status,
        "UploadDate": certificate.uploaded,
    }


def _certificate(call: Call, user) -> SigningCertificate:
    certificate = SigningCertificate.objects.filter(
        user=user, certificate_id=call.input["CertificateId"]
    ).first()
    if certificate is None:
        raise ApiError(
            "NoSuchEntity",
            f"The Certificate with id {call.input['CertificateId']} cannot be found.",
        )
    return certificate


@operation(
    "iam", "UploadSigningCertificate", Permission("iam:UploadSigningCertificate", target_user_arn)
)
def upload_signing_certificate(call: Call) -> dict:
    user = require_user(call)
    with _quota("CertificatesPerUser", MAX_SIGNING_CERTIFICATES_PER_USER):
        certificate = services.signing_certificate_upload(
            actor=call.user, user=user, body=call.input["CertificateBody"], request=call.request
        )
    return {"Certificate": _certificate_shape(certificate, _user_name(user))}


@operation(
    "iam", "ListSigningCertificates", Permission("iam:ListSigningCertificates", target_user_arn)
)
def list_signing_certificates(call: Call) -> dict:
    no_paging(call)
    user = require_user(call)
    certificates = SigningCertificate.objects.filter(user=user).order_by("uploaded", "pk")
    return {
        "Certificates": [_certificate_shape(c, _user_name(user)) for c in certificates],
        "IsTruncated": False,
    }


@operation(
    "iam", "UpdateSigningCertificate", Permission("iam:UpdateSigningCertificate", target_user_arn)
)
def update_signing_certificate(call: Call) -> None:
    user = require_user(call)
    certificate = _certificate(call, user)
    certificate.user = user
    services.signing_certificate_status_set(
        actor=call.user, certificate=certificate, status=call.input["Status"], request=call.request
    )


@operation(
    "iam", "DeleteSigningCertificate", Permission("iam:DeleteSigningCertificate", target_user_arn)
)
def delete_signing_certificate(call: Call) -> None:
    user = require_user(call)
    certificate = _certificate(call, user)
    certificate.user = user
    services.signing_certificate_delete(
        actor=call.user, certificate=certificate, request=call.request
    )
