"""Fixtures for the MFA tests.

``relying_party`` is not autouse: the WebAuthn modules that need it ask for it with
``pytest.mark.usefixtures("relying_party")`` (test_webauthn_recorded.py has its own, autouse).
"""

import pytest
from django.urls import reverse

from tests.conftest import signin_iam
from tests.support.softauthn import YUBIKEY_5_NFC
from tests.support.webauthn import ORIGIN, RP_ID, key, register


@pytest.fixture
def relying_party(settings):
    settings.WEBAUTHN_RP_ID = RP_ID
    settings.WEBAUTHN_ORIGINS = [ORIGIN]


@pytest.fixture
def alice_client(client, alice):
    signin_iam(client, "example-corp", "alice")
    return client


@pytest.fixture
def alice_key(alice_client, alice):
    authenticator = key(aaguid=YUBIKEY_5_NFC)
    assert register(alice_client, authenticator).status_code == 302
    alice_client.post(reverse("accounts:signout"))
    return authenticator
