"""SSH public keys and X.509 certificates for the tests of credentials for programs.

``RSA_PUBLIC_KEY`` is fixed (made once with ``ssh-keygen -t rsa -b 2048 -C alice@laptop``) so
its fingerprint can be written down: ``ssh-keygen -l -E md5 -f`` printed ``RSA_MD5``, which is
also what AWS shows. The others are made fresh, cheaply (Ed25519 and P-256).
"""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

RSA_PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC5QSxUdjWAlvLs9Zu3Nm8UT4mka3Ylsf/8+jiVBhjiGSOyDUgsd6ob"
    "+IIizuB8KgDXSi8S1Th/yKarhcQ67arpAjk4IEXiamuoIToYcWiN1dExdSdyi313ZT3eryz+EzxymLQOl4yOIomeEMz"
    "KZD+Ntz27mNzl9JIscWFzXcZQExB1zMEyLe/qeVbrcqmYzAPrk+lSGrsPwj97euZj1n0yxMw6VZka+K110huckAqpQ3G"
    "WZU1EI4yO4iGQYBKEGWdGx1aE90B8OpEWhB9uPcYT70dsXF4aGYx6blrRkKBq6yBVBdvB+nP16VTDn1yZJhhIqk+I4uY"
    "+9KEbhA/dfvSV alice@laptop"
)
RSA_MD5 = "f1:63:b4:a2:dc:0b:f5:cd:06:0c:34:5e:68:18:93:3e"  # ssh-keygen -l -E md5

ED25519_PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKr4qGfpFiaW8uxbBK/FwPiboZRA5Z2YismG7NN8jrQI root@vm"
)
ED25519_MD5 = "25:40:b2:76:ca:e0:bb:94:d0:0d:76:f5:97:bd:30:13"  # ssh-keygen -l -E md5


def new_ssh_public_key(comment: str = "") -> str:
    """A fresh Ed25519 public key, OpenSSH form."""
    line = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return f"{line} {comment}".strip()


def rsa_public_key_pem(bits: int = 2048) -> str:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=bits)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_public_key_openssh(bits: int) -> str:
    return (
        rsa.generate_private_key(public_exponent=65537, key_size=bits)
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def ssh_private_key() -> str:
    """What people paste by mistake: an OpenSSH private key (id_ed25519)."""
    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
        .decode()
    )


def certificate_and_key(
    *, common_name: str = "alice", not_before=None, not_after=None
) -> tuple[str, str]:
    """A self-signed P-256 certificate (PEM) and its private key (PKCS#8 PEM)."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), private.decode()


def certificate_pem(**kwargs) -> str:
    return certificate_and_key(**kwargs)[0]


def audit_trail_text() -> str:
    """Every audit event, every field, as one text: to look for a secret anywhere in it."""
    import json

    from identity.models import AuditEvent

    return json.dumps(list(AuditEvent.objects.values()), default=str)
