from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from console.management.commands.demo_data import (
    DEMO_MEMBER_EMAIL,
    DEMO_PASSWORD,
    DEMO_ROOT_EMAIL,
)
from identity.models import Account, User
from tests.conftest import signin_iam, signin_root

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent_and_its_users_sign_in(client):
    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "Demo data created." in out.getvalue()
    assert DEMO_PASSWORD in out.getvalue() and DEMO_ROOT_EMAIL in out.getvalue()
    call_command("demo_data", stdout=StringIO())
    assert Account.objects.count() == 2
    assert User.objects.filter(kind="iam").count() == 32

    assert signin_root(client, DEMO_ROOT_EMAIL, DEMO_PASSWORD).status_code == 302
    client.post(reverse("accounts:signout"))
    assert signin_iam(client, "demo-corp", "alice", DEMO_PASSWORD)["Location"] == reverse(
        "console:home"
    )
    client.post(reverse("accounts:signout"))
    assert signin_iam(client, "demo-corp", "bob", DEMO_PASSWORD)["Location"] == reverse(
        "accounts:change_password"
    )


def test_demo_data_writes_the_relying_partys_settings_with_a_fresh_secret(tmp_path):
    from sso.applications.models import Application
    from sso.applications.services import secret_matches

    env = tmp_path / "rp.env"
    call_command("demo_data", "--rp-env-file", str(env), "--rp-port", "8123", stdout=StringIO())
    values = dict(line.split("=", 1) for line in env.read_text().splitlines())
    application = Application.objects.get(name="Demo wiki")
    assert values["TOBIRA_RP_CLIENT_ID"] == application.oidc.client_id
    assert values["TOBIRA_RP_ISSUER"].endswith(f"/o/{application.organization_id}")
    assert secret_matches(application.oidc, values["TOBIRA_RP_SECRET"])
    assert application.start_url == "http://localhost:8123/login"
    assert application.assignments.get().group.name == "Engineers"
    assert oct(env.stat().st_mode & 0o777) == "0o600"


def test_demo_data_adds_the_saml_application_for_the_demo_service_provider(tmp_path):
    from sso.applications.models import Application

    env = tmp_path / "rp.env"
    out = StringIO()
    call_command("demo_data", "--rp-env-file", str(env), "--sp-port", "8124", stdout=out)
    call_command("demo_data", "--sp-port", "8124", stdout=StringIO())
    application = Application.objects.get(name="Demo SAML app")  # once
    provider = application.saml
    assert application.protocol == Application.Protocol.SAML
    assert provider.entity_id == "http://localhost:8124/metadata"
    assert provider.acs_urls == ["http://localhost:8124/acs"]
    assert provider.name_id_format.endswith(":nameid-format:persistent")
    assert provider.attribute_mappings == {
        "email": "email",
        "username": "user_name",
        "groups": "groups",
    }
    assert provider.sign_response and provider.sign_assertion
    assert provider.allow_unsigned_requests and provider.default_relay_state == "/"
    assert application.assignments.get().group.name == "Engineers"
    assert "Demo SAML app" in out.getvalue() and "http://localhost:8124/" in out.getvalue()
    values = dict(line.split("=", 1) for line in env.read_text().splitlines())
    assert values["TOBIRA_SP_IDP_METADATA_URL"] == (f"{values['TOBIRA_RP_ISSUER']}/saml/metadata")
    assert values["TOBIRA_SP_IDP_METADATA_URL"].endswith(
        f"/o/{application.organization_id}/saml/metadata"
    )


def test_demo_data_has_a_small_ou_tree_with_an_scp(client):
    from identity.models import OrganizationalUnit
    from identity.policies import loading

    call_command("demo_data", stdout=StringIO())
    call_command("demo_data", stdout=StringIO())
    paths = {
        (unit.parent.name if unit.parent else None, unit.name)
        for unit in OrganizationalUnit.objects.select_related("parent")
    }
    assert paths == {(None, "Workloads"), ("Workloads", "Production"), (None, "Sandbox")}
    production = Account.objects.get(root_email=DEMO_MEMBER_EMAIL)
    assert production.organizational_unit.name == "Production"
    levels = dict(loading.scp_levels(production))
    workloads = next(level for level in levels if level.startswith("OU Workloads"))
    assert [p.name for p in levels[workloads]] == ["FullAWSAccess", "protect-password-policy"]
    # The member account's root user, even, cannot change its password policy.
    signin_root(client, DEMO_MEMBER_EMAIL, DEMO_PASSWORD)
    response = client.post(
        reverse("console:password_policy", args=[production.pk]),
        {"minimum_password_length": "20"},
    )
    assert response.status_code == 403
    assert "protect-password-policy attached to the OU Workloads" in response.content.decode()
