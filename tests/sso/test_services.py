"""The SSO services refuse what does not belong: bad issuers, other organizations' objects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from identity.models import AuditEvent
from sso import services
from sso.models import ExternalIdentityProvider
from tests.support.sso import make_idp

pytestmark = pytest.mark.django_db


def put(organization, issuer, secret="s3cret-value"):
    return make_idp(organization, issuer=issuer, client_secret=secret)


@pytest.mark.parametrize(
    "issuer",
    ["ftp://idp.example.test", "https://", "https://idp.example.test/?tenant=1", "javascript:x"],
)
def test_an_issuer_must_be_a_plain_url(organization, issuer):
    with pytest.raises(ValidationError) as error:
        put(organization, issuer)
    assert "issuer" in error.value.message_dict


def test_http_issuers_only_where_allowed(organization, settings):
    settings.SSO_OIDC_ALLOW_HTTP = False
    with pytest.raises(ValidationError):
        put(organization, "http://idp.example.test")
    idp = put(organization, "https://idp.example.test/")
    assert idp.issuer == "https://idp.example.test"


def test_the_client_secret_is_encrypted_and_never_audited(organization):
    idp = put(organization, "https://idp.example.test", secret="very-secret-client-value")
    stored = ExternalIdentityProvider.objects.values_list(
        "client_secret_encrypted", flat=True
    ).get()
    assert "very-secret-client-value" not in stored
    assert idp.client_secret == "very-secret-client-value"
    put(organization, "https://idp.example.test", secret="")  # empty: keeps the stored secret
    assert ExternalIdentityProvider.objects.get().client_secret == "very-secret-client-value"
    trail = str(list(AuditEvent.objects.values()))
    assert "very-secret-client-value" not in trail and "secretChanged" in trail


def test_settings_take_only_known_fields(organization):
    with pytest.raises(ValueError):
        services.settings_update(
            actor=None, organization=organization, values={"organization_id": "x"}
        )
    with pytest.raises(ValidationError):
        services.settings_update(
            actor=None,
            organization=organization,
            values={"allow_authenticator_apps": False, "allow_security_keys": False},
        )


def test_directory_services_refuse_users_that_are_not_directory_users(
    organization, management_root
):
    with pytest.raises(ValueError):
        services.sso_user_delete(actor=None, user=management_root)
    with pytest.raises(ValueError):
        services.sso_user_set_active(actor=None, user=management_root, active=False)
    management_root.refresh_from_db()
    assert management_root.is_active
