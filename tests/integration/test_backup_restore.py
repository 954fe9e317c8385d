"""The backup drill: pg_dump of a live database, restored into a fresh one, serves sign-ins with
TOTP and with a passkey (the encrypted seeds and the public keys came through)."""

import json
import re
import subprocess

import pytest
import requests
from django.db import connection
from django.urls import reverse

from identity.models import Account
from tests.conftest import PASSWORD, make_organization
from tests.integration.conftest import free_port, server_env
from tests.support.cluster import start_node
from tests.support.mfa import enabled_app
from tests.support.webauthn import ORIGIN, RP_ID, enrol

pytestmark = [pytest.mark.integration]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PG = ["-h", "127.0.0.1", "-U", "postgres"]


@pytest.fixture
def restored(transactional_db, tmp_path):
    """A dump of the test database now, restored into a database of its own: its name."""
    name = connection.settings_dict["NAME"]
    copy = f"{name}_restored"
    dump = tmp_path / "tobira.dump"

    def run(*command):
        subprocess.run(command, check=True, capture_output=True, text=True)

    def make():
        run("pg_dump", *PG, "--format=custom", f"--file={dump}", name)
        run("dropdb", *PG, "--if-exists", copy)
        run("createdb", *PG, copy)
        run("pg_restore", *PG, "--no-owner", f"--dbname={copy}", str(dump))
        return copy

    yield make
    run("dropdb", *PG, "--if-exists", "--force", copy)


@pytest.fixture
def node_on(settings, tmp_path):
    nodes = []

    def start(database: str) -> str:
        node = start_node(
            server_env(settings, tmp_path / "var"),
            port=free_port(),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
            WEBAUTHN_RP_ID=RP_ID,
            WEBAUTHN_ORIGINS=ORIGIN,
        )
        nodes.append(node)
        return node.base

    yield start
    for node in nodes:
        node.stop()


def form_post(http, base, path, data, form_path=None):
    page = http.get(base + (form_path or path), timeout=10)
    token = TOKEN.search(page.text).group(1)
    return http.post(
        base + path,
        data={"csrfmiddlewaretoken": token, **data},
        headers={"Referer": base + (form_path or path)},
        timeout=10,
    )


def test_a_restored_backup_signs_people_in_with_totp_and_with_a_passkey(restored, node_on):
    from identity import services

    account = make_organization(alias="example-corp").management_account
    Account.objects.filter(pk=account.pk).update(passkey_signin=True)
    alice = services.iam_user_create(actor=None, account=account, name="alice", password=PASSWORD)
    bob = services.iam_user_create(actor=None, account=account, name="bob", password=PASSWORD)
    device, app = enabled_app(alice)
    passkey = enrol(bob)

    base = node_on(restored())

    http = requests.Session()  # alice: password, then a code from her app
    response = form_post(
        http,
        base,
        "/signin",
        {"mode": "iam", "account": "example-corp", "user_name": "alice", "password": PASSWORD},
        form_path="/signin/example-corp?mode=iam",
    )
    assert response.url.endswith("/mfa"), response.url
    response = form_post(http, base, "/mfa", {"device": device.pk, "code": app.now()})
    assert response.url.endswith("/console/"), response.url

    http = requests.Session()  # bob: his passkey alone
    page = http.get(base + "/signin", timeout=10)
    token = TOKEN.search(page.text).group(1)
    options = http.post(
        base + reverse("mfa:passkey_signin_options"),
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": base + "/signin"},
        timeout=10,
    ).json()
    response = http.post(
        base + reverse("mfa:passkey_signin"),
        data={
            "csrfmiddlewaretoken": token,
            "method": "passkey",
            "credential": json.dumps(passkey.get(options)),
        },
        headers={"Referer": base + "/signin"},
        timeout=10,
    )
    assert response.url.endswith("/console/"), response.url
    assert "bob" in response.text
