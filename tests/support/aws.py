"""boto3 clients for Tobira's IAM and STS APIs on a live server, and keys to sign with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
    validate: bool = True,
):
    """A boto3 client of ``service`` (``iam`` or ``sts``) at ``server_url/<service>/``;
    ``validate=False`` lets it send what botocore would refuse, to see the server refuse it."""
    return boto3.client(
        service,
        endpoint_url=f"{server_url}/{service}/",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=region,
        config=NO_RETRIES.merge(Config(parameter_validation=validate)),
    )


def clients(server_url: str, key_id: str, secret: str, token: str | None = None):
    """``(iam, sts)`` clients with the same credentials."""
    return (
        client(server_url, "iam", key_id, secret, token),
        client(server_url, "sts", key_id, secret, token),
    )


def cli(server_url: str, key_id: str, secret: str, *args: str, token: str | None = None, home=None):
    """Run the aws CLI (the PyPI ``awscli`` in the venv) against the live server: the completed
    process, its JSON output parsed as ``.json`` when it succeeded."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home or "/nonexistent"),
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_IAM": f"{server_url}/iam/",
        "AWS_ENDPOINT_URL_STS": f"{server_url}/sts/",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_PAGER": "",
    }
    if token:
        env["AWS_SESSION_TOKEN"] = token
    aws_bin = str(Path(sys.executable).with_name("aws"))
    completed = subprocess.run(  # noqa: S603 - our own venv's aws CLI, fixed arguments
        [aws_bin, "--output", "json", *args], env=env, capture_output=True, text=True, timeout=60
    )
    completed.json = (
        json.loads(completed.stdout)
        if completed.returncode == 0 and completed.stdout.strip()
        else None
    )
    return completed
