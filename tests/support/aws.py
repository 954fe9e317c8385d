"""boto3 clients for Tobira's IAM and STS APIs on a live server, and keys to sign with."""

from __future__ import annotations

import boto3
from botocore.config import Config

from identity.credentials import services as credential_services

NO_RETRIES = Config(
    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30
)


def access_key(user, actor=None) -> tuple[str, str]:
    """A new long-term key of ``user``: ``(access key id, secret)``."""
    key, secret = credential_services.access_key_create(actor=actor or user, user=user)
    return key.access_key_id, secret


def client(
    server_url: str,
    service: str,
    key_id: str,
    secret: str,
    token: str | None = None,
    region: str = "us-east-1",
):
    """A boto3 client of ``service`` (``iam`` or ``sts``) at ``server_url/<service>/``."""
    return boto3.client(
        service,
        endpoint_url=f"{server_url}/{service}/",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=region,
        config=NO_RETRIES,
    )


def clients(server_url: str, key_id: str, secret: str, token: str | None = None):
    """``(iam, sts)`` clients with the same credentials."""
    return (
        client(server_url, "iam", key_id, secret, token),
        client(server_url, "sts", key_id, secret, token),
    )
