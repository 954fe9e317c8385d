"""boto3 clients for Tobira's IAM and STS APIs on a live server, keys to sign with, and a raw
signer: a request signed with botocore's ``SigV4Auth`` that a test may tamper with before
``send`` puts it on the wire with ``requests``."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import boto3
import botocore.auth
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.parsers import create_parser

from identity.credentials import services as credential_services

NO_RETRIES = Config(
    retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30
)
# The server's validation, not botocore's: a client that sends what the model forbids.
UNVALIDATED = NO_RETRIES.merge(Config(parameter_validation=False))
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}
FORM = "application/x-www-form-urlencoded; charset=utf-8"


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
    config: Config = NO_RETRIES,
):
    """A boto3 client of ``service`` (``iam`` or ``sts``) at ``server_url/<service>/``."""
    return boto3.client(
        service,
        endpoint_url=f"{server_url}/{service}/",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=region,
        config=config,
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


# --- Raw signed requests --------------------------------------------------------------------


@dataclasses.dataclass
class Signed:
    """A signed request, ready to tamper with: every field is sent as it is."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def authorization(self) -> str:
        return self.headers["Authorization"]

    def replace(self, **changes) -> Signed:
        return dataclasses.replace(self, headers=dict(self.headers), **changes)


class _Signer(SigV4Auth):
    def __init__(self, credentials, service, region, unsigned: tuple[str, ...]):
        super().__init__(credentials, service, region)
        self._unsigned = unsigned

    def headers_to_sign(self, request):
        headers = super().headers_to_sign(request)
        for name in self._unsigned:
            del headers[name]
        return headers


def form(service: str, action: str, **params) -> bytes:
    """The query protocol's form body of ``action`` (``Action`` and ``Version`` first)."""
    return urlencode({"Action": action, "Version": VERSIONS[service], **params}).encode()


def sign(
    url: str,
    key_id: str,
    secret: str,
    *,
    service: str,
    body: bytes = b"",
    method: str = "POST",
    region: str = "us-east-1",
    token: str | None = None,
    at: datetime | None = None,
    headers: dict[str, str] | None = None,
    unsigned: tuple[str, ...] = (),
) -> Signed:
    """``body`` sent to ``url``, signed by botocore for ``service`` and ``region`` (the scope),
    at ``at`` (naive UTC; now by default). ``Host`` is signed from the URL, as botocore does;
    every header in ``headers`` is signed too, but those named in ``unsigned`` (lower case),
    which are sent all the same."""
    all_headers = {"Content-Type": FORM} if method == "POST" else {}
    all_headers.update(headers or {})
    request = AWSRequest(method=method, url=url, data=body, headers=all_headers)
    signer = _Signer(Credentials(key_id, secret, token), service, region, unsigned)
    if at is None:
        signer.add_auth(request)
    else:
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda: at):
            signer.add_auth(request)
    return Signed(method, url, dict(request.headers.items()), body)


def signed_client_call(client, keys, action: str, **params):
    """A signed IAM call through Django's test client (no live server): the response."""
    signed = sign(
        "http://testserver/iam/", *keys, service="iam", body=form("iam", action, **params)
    )
    headers = {**signed.headers, "Host": "testserver"}  # signed from the URL, as botocore does
    return client.post(
        "/iam/", data=signed.body, content_type=headers.pop("Content-Type"), headers=headers
    )


def send(signed: Signed) -> requests.Response:
    return requests.request(
        signed.method,
        signed.url,
        data=signed.body,
        headers=signed.headers,
        timeout=30,
        allow_redirects=False,
    )


def parse_error(response: requests.Response) -> dict:
    """An error response as botocore's query parser reads it: ``{"Code", "Message", "Type",
    "RequestId"}``. Fails if the body is not AWS's ``ErrorResponse``."""
    assert response.status_code >= 400, response.status_code
    assert response.headers["Content-Type"].startswith("text/xml"), response.headers
    parsed = create_parser("query").parse(
        {
            "status_code": response.status_code,
            "headers": dict(response.headers),
            "body": response.content,
        },
        None,
    )
    error = parsed["Error"]
    assert error.get("Code"), parsed
    return {**error, "RequestId": parsed["ResponseMetadata"]["RequestId"]}


def refused(response: requests.Response, status: int, code: str) -> dict:
    """``response`` is AWS's ``ErrorResponse`` with ``code`` and the HTTP ``status``, and its
    ``RequestId`` is the ``x-amzn-RequestId`` header's: the error as botocore parsed it."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    error = parse_error(response)
    assert error["Code"] == code, error
    assert error["RequestId"] == response.headers["x-amzn-RequestId"], error
    return error
