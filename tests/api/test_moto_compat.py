"""The conformance mount (``api.moto_compat``): off by default; when on, moto's single endpoint
and its reset hooks, with the fixture tenant's FOOBARKEY verified like any key."""

from __future__ import annotations

import importlib

import boto3
import pytest
from django.urls import clear_url_caches

from api import moto_compat
from identity.credentials.models import AccessKey
from identity.models import Account, Organization, User
from tests.support.aws import NO_RETRIES


def _reload_urls() -> None:
    import api.urls
    import config.urls

    importlib.reload(api.urls)
    importlib.reload(config.urls)  # its include() holds the resolver of the old api.urls
    clear_url_caches()


@pytest.fixture
def mount(settings):
    settings.TOBIRA_MOTO_COMPAT = True
    _reload_urls()
    yield
    settings.TOBIRA_MOTO_COMPAT = False
    _reload_urls()


def _client(live_server, service: str, key_id="FOOBARKEY", secret="FOOBARSECRET"):
    return boto3.client(
        service,
        endpoint_url=f"{live_server.url}/moto",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=NO_RETRIES,
    )


@pytest.mark.django_db
def test_the_mount_is_off_by_default(client):
    assert client.post("/moto/moto-api/reset").status_code == 404
    assert client.post("/moto/moto-api/reset-auth").status_code == 404
    assert client.post("/moto/", {"Action": "GetCallerIdentity"}).status_code == 404
    assert not Account.objects.filter(id=moto_compat.ACCOUNT_ID).exists()


@pytest.mark.django_db(transaction=True)
def test_reset_creates_the_fixture_tenant_whose_key_signs_iam_and_sts_on_one_endpoint(
    mount, client, live_server
):
    response = client.post("/moto/moto-api/reset")
    assert response.status_code == 200
    account = Account.objects.get(id="123456789012")
    assert account.organization.management_account_id == account.id
    root = User.objects.get(account=account, kind=User.Kind.ROOT)
    key = AccessKey.objects.get(access_key_id="FOOBARKEY")
    assert key.user == root
    assert "FOOBARSECRET" not in key.secret_encrypted and key.secret == "FOOBARSECRET"

    sts, iam = _client(live_server, "sts"), _client(live_server, "iam")
    me = sts.get_caller_identity()
    assert (me["Account"], me["Arn"]) == ("123456789012", "arn:aws:iam::123456789012:root")
    iam.create_user(UserName="alice")
    assert iam.get_user(UserName="alice")["User"]["Arn"].endswith(":user/alice")

    # A wrong secret is refused: the signature is verified, as on /iam/ and /sts/.
    with pytest.raises(sts.exceptions.ClientError) as refused:
        _client(live_server, "sts", secret="WRONGSECRET").get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    assert client.post("/moto/moto-api/reset").status_code == 200
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="alice")
    assert Organization.objects.filter(management_account_id="123456789012").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_reset_with_no_request_since_the_last_one_does_nothing(mount, client, live_server):
    client.post("/moto/moto-api/reset")
    first = Organization.objects.get(management_account_id="123456789012").id
    client.post("/moto/moto-api/reset")
    assert Organization.objects.get(management_account_id="123456789012").id == first
    _client(live_server, "sts").get_caller_identity()  # any request through the mount
    client.post("/moto/moto-api/reset")
    assert Organization.objects.get(management_account_id="123456789012").id != first


@pytest.mark.django_db
def test_reset_auth_reports_that_every_action_is_authenticated(mount, client):
    response = client.post("/moto/moto-api/reset-auth")
    assert response.json() == {"PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "inf"}
    assert client.get("/moto/moto-api/reset").status_code == 405
    assert client.get("/moto/moto-api/reset-auth").status_code == 405
