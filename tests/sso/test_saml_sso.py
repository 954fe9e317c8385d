"""SP-initiated SAML sign-in (issue 15), validated by node-saml, a service provider
independent of the pysaml2 that signs: signatures, InResponseTo, audience, NameID,
attributes, RelayState, encryption, and the sign-in and MFA steps on the way."""

from __future__ import annotations

import pytest

from tests.support.saml import (
    SP_ACS_URL,
    SP_ENTITY_ID,
    key_pair,
    local,
    metadata_of,
    posted_form,
    run_service_provider,
)
from tests.support.sso import signin_portal

pytestmark = pytest.mark.django_db


def test_a_signed_redirect_request_gets_a_signed_response_node_saml_accepts(
    client, organization, saml_app, sam
):
    signin_portal(client, organization)
    private_key, _certificate = key_pair("sp")
    with run_service_provider(
        metadata_of(client, organization),
        SP_ENTITY_ID,
        SP_ACS_URL,
        relay_state="relay-123",
        private_key=private_key,
    ) as sp:
        form = posted_form(client.get(local(sp.authorize_url)))
        assert form["action"] == SP_ACS_URL
        result = sp.finish(form)
    profile = result["profile"]
    assert profile["nameID"] == sam.unique_id
    assert profile["nameIDFormat"] == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    assert profile["attributes"] == {"email": "sam@example.test", "displayName": "sam"}
    assert result["relay_state"] == "relay-123"
