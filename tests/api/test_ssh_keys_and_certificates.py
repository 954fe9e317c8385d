"""SSH public keys and signing certificates through boto3, on the page's services."""

import base64
import hashlib

import pytest
from botocore.exceptions import ClientError

from tests.support import keys

pytestmark = pytest.mark.django_db(transaction=True)


def test_ssh_public_keys(admin, make_iam_user):
    iam, _sts = admin
    make_iam_user(name="gita")
    body = keys.new_ssh_public_key("gita@laptop")
    uploaded = iam.upload_ssh_public_key(UserName="gita", SSHPublicKeyBody=body)["SSHPublicKey"]
    blob = base64.b64decode(body.split()[1])
    md5 = hashlib.md5(blob).hexdigest()  # noqa: S324 - the fingerprint AWS shows
    assert uploaded["Fingerprint"] == ":".join(md5[i : i + 2] for i in range(0, 32, 2))
    key_id = uploaded["SSHPublicKeyId"]
    assert key_id.startswith("APKA")
    listed = iam.list_ssh_public_keys(UserName="gita")["SSHPublicKeys"]
    assert [k["SSHPublicKeyId"] for k in listed] == [key_id]
    got = iam.get_ssh_public_key(UserName="gita", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got["SSHPublicKey"]["SSHPublicKeyBody"].split()[1] == body.split()[1]
    with pytest.raises(ClientError) as duplicate:
        iam.upload_ssh_public_key(UserName="gita", SSHPublicKeyBody=body)
    assert duplicate.value.response["Error"]["Code"] == "DuplicateSSHPublicKey"
    with pytest.raises(ClientError) as garbage:
        iam.upload_ssh_public_key(UserName="gita", SSHPublicKeyBody="ssh-rsa not-a-key")
    assert garbage.value.response["Error"]["Code"] in (
        "InvalidPublicKey",
        "UnrecognizedPublicKeyEncoding",
    )
    iam.update_ssh_public_key(UserName="gita", SSHPublicKeyId=key_id, Status="Inactive")
    assert iam.list_ssh_public_keys(UserName="gita")["SSHPublicKeys"][0]["Status"] == "Inactive"
    iam.delete_ssh_public_key(UserName="gita", SSHPublicKeyId=key_id)
    assert iam.list_ssh_public_keys(UserName="gita")["SSHPublicKeys"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_ssh_public_key(UserName="gita", SSHPublicKeyId=key_id)


def test_signing_certificates(admin, make_iam_user):
    iam, _sts = admin
    make_iam_user(name="hiro")
    pem = keys.certificate_pem()
    certificate = iam.upload_signing_certificate(UserName="hiro", CertificateBody=pem)[
        "Certificate"
    ]
    certificate_id = certificate["CertificateId"]
    assert certificate["Status"] == "Active"
    listed = iam.list_signing_certificates(UserName="hiro")["Certificates"]
    assert [c["CertificateId"] for c in listed] == [certificate_id]
    with pytest.raises(ClientError) as malformed:
        iam.upload_signing_certificate(
            UserName="hiro", CertificateBody="-----BEGIN CERTIFICATE-----\nxx"
        )
    assert malformed.value.response["Error"]["Code"] == "MalformedCertificate"
    iam.update_signing_certificate(UserName="hiro", CertificateId=certificate_id, Status="Inactive")
    iam.delete_signing_certificate(UserName="hiro", CertificateId=certificate_id)
    assert iam.list_signing_certificates(UserName="hiro")["Certificates"] == []
