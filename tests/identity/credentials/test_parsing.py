"""Reading pasted SSH public keys and certificates: AWS's fingerprints, AWS's error codes, and
hostile input (garbage, a megabyte, NUL, a private key) refused with a clear message that
never quotes what was pasted."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity.credentials.parsing import signing_certificate_parse, ssh_public_key_parse
from tests.support.keys import (
    ED25519_MD5,
    ED25519_PUBLIC_KEY,
    RSA_MD5,
    RSA_PUBLIC_KEY,
    certificate_and_key,
    certificate_pem,
    new_ssh_public_key,
    rsa_public_key_openssh,
    ssh_private_key,
)


def md5_of_blob(openssh_line: str) -> str:
    """The fingerprint as AWS (and ``ssh-keygen -E md5``) computes it, written out here."""
    digest = hashlib.md5(base64.b64decode(openssh_line.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def refusal(parse, body) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(body)
    return caught.value


@pytest.mark.parametrize(
    ("line", "expected"), [(RSA_PUBLIC_KEY, RSA_MD5), (ED25519_PUBLIC_KEY, ED25519_MD5)]
)
def test_the_fingerprint_is_the_md5_of_the_key_blob_as_aws_shows_it(line, expected):
    parsed = ssh_public_key_parse(line)
    assert parsed.fingerprint == md5_of_blob(line) == expected
    assert parsed.body == line  # OpenSSH form, comment kept


def test_a_pem_public_key_is_the_same_key():
    key = serialization.load_ssh_public_key(RSA_PUBLIC_KEY.encode())
    for pem in (
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
    ):
        parsed = ssh_public_key_parse(pem.decode())
        assert parsed.fingerprint == RSA_MD5
        assert parsed.body == RSA_PUBLIC_KEY.rsplit(" ", 1)[0]  # stored in OpenSSH form


def test_ecdsa_keys_and_surrounding_whitespace():
    from cryptography.hazmat.primitives.asymmetric import ec

    line = (
        ec.generate_private_key(ec.SECP384R1())
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    assert ssh_public_key_parse(f"\n  {line}  \r\n").fingerprint == md5_of_blob(line)


def test_rsa_keys_need_2048_bits():
    error = refusal(ssh_public_key_parse, rsa_public_key_openssh(1024))
    assert error.code == "InvalidPublicKey"
    assert "2048" in error.messages[0]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("hello world", "UnrecognizedPublicKeyEncoding"),
        ("ssh-dss AAAAB3NzaC1kc3MAAACBAN8l5CwONbg", "UnrecognizedPublicKeyEncoding"),
        (
            "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQ",
            "UnrecognizedPublicKeyEncoding",
        ),
        ("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----", None),
        ("ssh-rsa", "InvalidPublicKey"),
        ("ssh-rsa !!!not-base64!!!", "InvalidPublicKey"),
        (RSA_PUBLIC_KEY[:200], "InvalidPublicKey"),  # truncated while copying
        # The type says Ed25519, the blob is RSA.
        ("ssh-ed25519 " + RSA_PUBLIC_KEY.split()[1], "InvalidPublicKey"),
        (RSA_PUBLIC_KEY + "\n" + ED25519_PUBLIC_KEY, "InvalidPublicKey"),  # two keys
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "InvalidPublicKey"),
        ("", "ValidationError"),
        ("   \n", "ValidationError"),
        ("ssh-rsa AAAA\x00", "ValidationError"),
        ("ssh-rsa AAAA\x1b[31m", "ValidationError"),
        ("ssh-ed25519 AAAA 鍵", "ValidationError"),  # beyond Latin-1, as AWS's pattern
        ("x" * 1_048_576, "ValidationError"),  # a megabyte
    ],
)
def test_what_is_not_a_usable_public_key_gets_aws_codes(body, code):
    error = refusal(ssh_public_key_parse, body)
    assert error.code == (code or "UnrecognizedPublicKeyEncoding")
    message = " ".join(error.messages)
    assert len(message) < 400
    if len(body.strip()) > 8:
        assert body.strip()[:40] not in message  # never echoed


def test_a_certificate_pasted_as_a_public_key_says_where_it_goes():
    error = refusal(ssh_public_key_parse, certificate_pem())
    assert error.code == "UnrecognizedPublicKeyEncoding"
    assert "X.509" in error.messages[0]


@pytest.mark.parametrize("parse", [ssh_public_key_parse, signing_certificate_parse])
def test_a_private_key_is_refused_and_never_echoed(parse):
    private = ssh_private_key()
    for body in (private, new_ssh_public_key() + "\n" + private, certificate_and_key()[1]):
        error = refusal(parse, body)
        assert error.code in ("InvalidPublicKey", "MalformedCertificate")
        message = " ".join(error.messages)
        assert "private key" in message
        for line in body.splitlines()[1:-1]:
            assert line not in message


def test_putty_private_key_files_are_private_keys_too():
    body = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAA"
    assert "private key" in refusal(ssh_public_key_parse, body).messages[0]


# --- certificates -----------------------------------------------------------------------


def test_a_certificate_is_stored_alone_with_the_sha256_of_its_der():
    pem = certificate_pem()
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    expected = ":".join(f"{b:02x}" for b in hashlib.sha256(der).digest())
    parsed = signing_certificate_parse("Bag Attributes: junk before\n" + pem + "\n")
    assert parsed.fingerprint == expected
    assert parsed.body == pem
    assert len(parsed.fingerprint) == 95


def test_certificates_aws_refuses():
    now = dt.datetime.now(dt.UTC)
    expired = certificate_pem(
        not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1)
    )
    future = certificate_pem(
        not_before=now + dt.timedelta(days=1), not_after=now + dt.timedelta(days=30)
    )
    cases = [
        (expired, "MalformedCertificate", "expired"),
        (future, "InvalidCertificate", "not valid yet"),
        ("garbage", "MalformedCertificate", "PEM"),
        (certificate_pem() + certificate_pem(), "MalformedCertificate", "one certificate"),
        (
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "MalformedCertificate",
            "PEM",
        ),
        ("x" * 1_048_576, "ValidationError", "16384"),
        ("-----BEGIN CERTIFICATE-----\x00", "ValidationError", "characters"),
    ]
    for body, code, said in cases:
        error = refusal(signing_certificate_parse, body)
        assert (error.code, said in error.messages[0]) == (code, True), body[:30]


# --- anything at all: a ValidationError or a result, never another exception ----------

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
pasted = st.one_of(
    st.text(max_size=300),
    st.builds(lambda t: "ssh-rsa " + t, st.text(alphabet=st.characters(max_codepoint=255))),
    st.builds(lambda b: "ssh-ed25519 " + base64.b64encode(b).decode(), st.binary(max_size=200)),
    st.builds(lambda b: "ssh-rsa " + base64.b64encode(b).decode(), st.binary(max_size=600)),
    st.builds(
        lambda b: (
            "-----BEGIN PUBLIC KEY-----\n"
            + base64.encodebytes(b).decode()
            + "-----END PUBLIC KEY-----"
        ),
        st.binary(max_size=400),
    ),
    st.builds(
        lambda b: (
            "-----BEGIN CERTIFICATE-----\n"
            + base64.encodebytes(b).decode()
            + "-----END CERTIFICATE-----"
        ),
        st.binary(max_size=600),
    ),
)


@PROPERTY
@given(pasted)
def test_any_paste_is_a_key_or_a_validation_error(body):
    for parse in (ssh_public_key_parse, signing_certificate_parse):
        try:
            parse(body)
        except ValidationError as error:
            assert error.code and error.messages
