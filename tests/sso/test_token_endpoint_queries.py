"""What one grant at the token endpoint reads and writes (bench/oidc.py measures its cost): no
session, no cookie, the client read once, a code's grant read once after it is locked, nothing
re-read that the request itself just wrote."""

from __future__ import annotations

import base64
import json
from contextlib import ExitStack, contextmanager
from importlib import import_module
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oauth2_provider.models import AccessToken, IDToken

from sso.applications import services as app_services
from sso.models import SSOSettings
from tests.support.applications import (
    REDIRECT_URI,
    App,
    client_credentials,
    machine_client,
)
from tests.support.sso import set_sso, signin_portal

pytestmark = pytest.mark.django_db


@contextmanager
def no_session_store():
    """The session store is neither read nor written (a request without cookies)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with ExitStack() as stack:
        for method in ("load", "exists", "create", "save", "delete"):
            stack.enter_context(
                mock.patch.object(store, method, side_effect=AssertionError(f"session {method}"))
            )
        yield


def statements(context) -> list[str]:
    """The statements of the request, less the savepoint of the endpoint's own transaction
    (nested in the test's)."""
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def tables(sqls: list[str]) -> list[str]:
    return [sql.split('"')[1] + " " + sql.split()[0] for sql in sqls]


@pytest.fixture
def machine(organization):
    _application, client, secret = machine_client(organization)
    return client, secret


def test_client_credentials_touch_no_session_and_read_nothing_twice(organization, machine):
    client_app, secret = machine
    browser = Client()  # no cookie
    client_credentials(browser, organization, client_app.client_id, secret)  # keys made
    with (
        no_session_store(),
        CaptureQueriesContext(connection) as context,
    ):
        response = client_credentials(browser, organization, client_app.client_id, secret)
    assert response.status_code == 200, response.content
    assert not response.cookies  # no session, CSRF, language or device cookie
    assert tables(statements(context)) == [
        "applications_oidcclient SELECT",
        "oauth2_provider_accesstoken INSERT",
        "identity_auditevent INSERT",
    ]
    savepoints = [q["sql"] for q in context.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # the endpoint's own (in the test's transaction), no other


def test_a_code_exchange_reads_its_grant_once_locked_and_links_the_id_token(
    client, organization, sam
):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    app = App(organization)
    app_services.assignment_add(actor=None, application=app.application, user=sam)
    signin_portal(client, organization)
    callback = client.get(app.authorize_url())["Location"]
    code = parse_qs(urlsplit(callback).query)["code"][0]
    basic = base64.b64encode(f"{app.client.client_id}:{app.secret}".encode()).decode()
    with (
        no_session_store(),
        CaptureQueriesContext(connection) as context,
    ):
        response = Client().post(
            reverse("applications:token", args=[organization.pk]),
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": app.verifier,
            },
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
    assert response.status_code == 200, response.content
    assert not response.cookies
    sqls = statements(context)
    grant_reads = [s for s in sqls if s.startswith("SELECT") and '"oauth2_provider_grant"' in s]
    # oauthlib's dispatcher asks for the scope (openid or not), then the grant is locked once.
    assert len(grant_reads) == 2 and grant_reads[1].endswith("FOR UPDATE")
    # The ID token just signed is not verified and read back to link the access token to it.
    assert not [s for s in sqls if s.startswith("SELECT") and "idtoken" in s]
    body = response.json()
    payload = body["id_token"].split(".")[1]
    jti = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]
    access = AccessToken.objects.get()
    assert access.id_token == IDToken.objects.get(jti=jti)
