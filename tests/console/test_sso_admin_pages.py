"""The administrator's Identity Center pages (``console:sso_*``): they render, change the
directory through the services (audited), keep what was typed when it is refused, ask the
policy engine, and are 404 for everyone outside the organization's management account."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from identity import services as iam_services
from identity.models import AuditEvent, User
from identity.policies import services as iam_policies
from mfa.models import MFADevice
from mfa.totp import services as totp_services
from sso import services
from sso.models import (
    AccountAssignment,
    ExternalIdentityProvider,
    PermissionSet,
    SSOGroup,
    SSOSettings,
)
from tests.conftest import error_text
from tests.support.pages import field_errors, page_text, url
from tests.support.sso import (
    ADMIN,
    IAM_READ_ONLY,
    SSO_VIEW_ONLY,
    in_management_console,
    make_permission_set,
    make_sso_user,
    open_console,
    signin_portal,
)
from tests.support.tenancy import intruder as intruder_principal

pytestmark = pytest.mark.django_db

STRONG = "Sso-Initial-Pass-2026!"
INLINE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def events(*names) -> list[str]:
    """The events of these names that somebody caused (not the fixtures' set-up)."""
    return list(
        AuditEvent.objects.filter(event_name__in=names)
        .exclude(user_identity__type="Tobira")
        .order_by("event_time")
        .values_list("event_name", flat=True)
    )


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


@pytest.fixture
def directory(organization, member_account):
    """A small directory: Sam (in Platform, assigned directly), Olga, two permission sets."""
    sam = make_sso_user(organization, name="sam")
    olga = make_sso_user(organization, name="olga")
    platform = services.sso_group_create(actor=None, organization=organization, name="Platform")
    services.sso_group_membership_set(actor=None, group=platform, user=sam, member=True)
    read_only = make_permission_set(organization, name="ReadOnly")
    admin_set = make_permission_set(organization, name="Admin", managed=[ADMIN])
    direct = services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    through_group = services.assignment_create(
        actor=None,
        account=organization.management_account,
        permission_set=admin_set,
        group=platform,
    )
    device, _key = totp_services.virtual_mfa_device_create(user=sam, name="sam-app")
    MFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return SimpleNamespace(
        organization=organization,
        sam=sam,
        olga=olga,
        platform=platform,
        read_only=read_only,
        admin_set=admin_set,
        direct=direct,
        through_group=through_group,
        device_id=device.pk,
    )


def page_urls(d) -> list[tuple[str, str]]:
    """Every page (GET) of the Identity Center console, with the directory's objects."""
    return [
        ("sso_home", url("sso_home")),
        ("sso_settings", url("sso_settings")),
        ("sso_idp", url("sso_idp")),
        ("sso_user_list", url("sso_user_list")),
        ("sso_user_create", url("sso_user_create")),
        ("sso_user_detail", url("sso_user_detail", d.sam.unique_id)),
        ("sso_user_status", url("sso_user_status", d.sam.unique_id)),
        ("sso_user_delete", url("sso_user_delete", d.sam.unique_id)),
        ("sso_user_mfa_remove", url("sso_user_mfa_remove", d.sam.unique_id, d.device_id)),
        ("sso_group_list", url("sso_group_list")),
        ("sso_group_detail", url("sso_group_detail", d.platform.group_id)),
        (
            "sso_group_member_remove",
            url("sso_group_member_remove", d.platform.group_id, d.sam.unique_id),
        ),
        ("sso_group_delete", url("sso_group_delete", d.platform.group_id)),
        ("sso_permission_set_list", url("sso_permission_set_list")),
        ("sso_permission_set_create", url("sso_permission_set_create")),
        (
            "sso_permission_set_detail",
            url("sso_permission_set_detail", d.read_only.permission_set_id),
        ),
        (
            "sso_permission_set_delete",
            url("sso_permission_set_delete", d.read_only.permission_set_id),
        ),
        ("sso_assignment_list", url("sso_assignment_list")),
        ("sso_assignment_delete", url("sso_assignment_delete", d.direct.pk)),
    ]


OBJECT_PAGES = {
    "sso_user_detail",
    "sso_user_status",
    "sso_user_delete",
    "sso_user_mfa_remove",
    "sso_group_detail",
    "sso_group_member_remove",
    "sso_group_delete",
    "sso_permission_set_detail",
    "sso_permission_set_delete",
    "sso_assignment_delete",
}


def object_urls(d) -> list[tuple[str, str]]:
    """The pages about one object of the directory."""
    return [(name, path) for name, path in page_urls(d) if name in OBJECT_PAGES]


# --- Every page renders -------------------------------------------------------------------


def test_every_page_renders_for_the_management_root(admin, directory, member_account):
    for name, path in page_urls(directory):
        response = admin.get(path)
        assert response.status_code == 200, name
        assert "Sign out" in page_text(response), name


def test_home_shows_the_portal_url_the_counts_and_links(admin, directory, organization):
    html = page_text(admin.get(url("sso_home")))
    assert f"http://testserver/start/{organization.pk}" in html
    assert 'data-testid="sso-recommended"' in html
    assert re.search(r'data-testid="count-users"><strong>2</strong>', html)
    assert re.search(r'data-testid="count-groups"><strong>1</strong>', html)
    assert re.search(r'data-testid="count-permission-sets"><strong>2</strong>', html)
    assert re.search(r'data-testid="count-assignments"><strong>2</strong>', html)
    assert "Identity Center directory" in html
    for name in (
        "sso_settings",
        "sso_idp",
        "sso_user_list",
        "sso_group_list",
        "sso_permission_set_list",
        "sso_assignment_list",
    ):
        assert f'href="{url(name)}"' in html, name
    assert url("sso_home") in page_text(admin.get(reverse("console:home")))


def test_user_detail_shows_groups_assignments_and_devices(admin, directory, member_account):
    html = page_text(admin.get(url("sso_user_detail", directory.sam.unique_id)))
    assignments = html.split('data-testid="user-assignments"')[1].split("</table>")[0]
    assert "ReadOnly" in assignments and member_account.pk in assignments
    assert "Admin" in assignments and "Through group" in assignments and "Platform" in assignments
    assert url("sso_assignment_delete", directory.direct.pk) in assignments
    # Access through a group is removed on the group, not here.
    assert url("sso_assignment_delete", directory.through_group.pk) not in assignments
    assert "sam-app" in html
    assert url("sso_user_mfa_remove", directory.sam.unique_id, directory.device_id) in html
    assert url("sso_group_detail", directory.platform.group_id) in html


# --- Settings and the external identity provider -------------------------------------------


def settings_body(**overrides) -> dict:
    body = {
        "identity_source": "directory",
        "mfa_prompt": "context",
        "mfa_no_device": "block",
        "allow_authenticator_apps": "on",
        "users_manage_devices": "",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v != ""}


def test_settings_are_saved_and_audited(admin, organization):
    response = admin.post(url("sso_settings"), settings_body())
    assert response.status_code == 302
    current = SSOSettings.objects.get(organization=organization)
    assert current.mfa_prompt == "context" and current.mfa_no_device == "block"
    assert current.allow_authenticator_apps and not current.allow_security_keys
    assert not current.users_manage_devices
    assert events("UpdateSSOConfiguration") == ["UpdateSSOConfiguration"]
    html = page_text(admin.get(url("sso_settings")))
    assert re.search(r'value="block"[^>]*checked', html)


def test_settings_refusals_keep_what_was_typed(admin, organization):
    response = admin.post(url("sso_settings"), settings_body(allow_authenticator_apps=""))
    assert response.status_code == 200
    assert "Allow at least one kind of MFA device." in error_text(response)
    assert re.search(r'value="context"[^>]*checked', page_text(response))  # kept
    response = admin.post(url("sso_settings"), settings_body(identity_source="external"))
    assert "Set up the external identity provider first." in page_text(response)
    assert re.search(r'value="external"[^>]*checked', page_text(response))
    assert not SSOSettings.objects.filter(organization=organization).exists()
    assert events("UpdateSSOConfiguration") == []
    # Nonsense is a form error, never a 500.
    assert admin.post(url("sso_settings"), {"mfa_prompt": "sometimes"}).status_code == 200


def idp_body(**overrides) -> dict:
    body = {
        "name": "Okta",
        "issuer": "https://example.okta.com/",
        "client_id": "0oa-client",
        "client_secret": "first-secret-value",
        "match_by_email": "on",
    }
    body.update(overrides)
    return body


def test_external_identity_provider_is_created_then_changed(admin, organization):
    expected_id = organization.pk.replace("o-", "org-")
    html = page_text(admin.get(url("sso_idp")))
    assert f"http://testserver/sso/oidc/{expected_id}/callback" in html

    response = admin.post(url("sso_idp"), idp_body(client_secret=""))
    assert "Enter the client secret." in page_text(response)
    assert 'value="0oa-client"' in page_text(response)  # kept
    for issuer in (
        "http://idp.example.com",
        "ftp://idp.example.com",
        "https://idp.example.com/?a=b",
    ):
        response = admin.post(url("sso_idp"), idp_body(issuer=issuer))
        assert response.status_code == 200 and "field-error" in page_text(response), issuer
        assert "first-secret-value" not in page_text(response)  # never rendered back
    assert not ExternalIdentityProvider.objects.exists()

    assert admin.post(url("sso_idp"), idp_body()).status_code == 302
    idp = ExternalIdentityProvider.objects.get(organization=organization)
    assert idp.provider_id == expected_id and idp.issuer == "https://example.okta.com"
    assert idp.client_secret == "first-secret-value" and idp.match_by_email
    assert not idp.jit_provisioning
    html = page_text(admin.get(url("sso_idp")))
    assert "first-secret-value" not in html and 'value="Okta"' in html

    # An empty secret keeps the stored one; a development issuer on localhost is fine.
    response = admin.post(
        url("sso_idp"),
        idp_body(
            client_secret="", issuer="http://localhost:9000/realms/dev", jit_provisioning="on"
        ),
    )
    assert response.status_code == 302
    idp.refresh_from_db()
    assert idp.client_secret == "first-secret-value" and idp.jit_provisioning
    assert idp.issuer == "http://localhost:9000/realms/dev"
    assert events("CreateTrustedTokenIssuer", "UpdateTrustedTokenIssuer") == [
        "CreateTrustedTokenIssuer",
        "UpdateTrustedTokenIssuer",
    ]
    # With a provider the directory may use it as identity source.
    assert (
        admin.post(url("sso_settings"), settings_body(identity_source="external")).status_code
        == 302
    )


# --- Users -----------------------------------------------------------------------------------


def test_user_with_initial_password_must_change_it(admin, organization):
    response = admin.post(
        url("sso_user_create"),
        {"name": "kim", "email": "kim@example.test", "password1": STRONG, "password2": STRONG},
    )
    kim = User.objects.get(kind="sso", name="kim")
    assert response["Location"] == url("sso_user_detail", kim.unique_id)
    assert kim.password_reset_required and kim.check_password(STRONG)
    assert kim.account_id == organization.management_account_id
    event = AuditEvent.objects.get(event_name="CreateUser")
    assert event.event_source == "identitystore.tobira"
    assert event.recipient_account_id == organization.management_account_id
    assert "must change the initial password" in page_text(admin.get(response["Location"]))


def test_user_without_password_signs_in_only_through_the_provider(admin):
    response = admin.post(url("sso_user_create"), {"name": "lee", "email": "lee@example.test"})
    assert response.status_code == 302
    lee = User.objects.get(kind="sso", name="lee")
    assert not lee.has_usable_password() and not lee.password_reset_required


def test_user_create_refusals_keep_what_was_typed(admin, directory):
    cases = [
        ({"name": "SAM", "email": "new@example.test"}, "name", "already exists"),
        ({"name": "newbie", "email": "Sam@Example.test"}, "email", "already exists"),
        ({"name": "bad name", "email": "x@example.test"}, "name", "Use 1 to 64 characters"),
        ({"name": "newbie", "email": "not-an-email"}, "email", "valid email"),
        (
            {"name": "newbie", "email": "x@example.test", "password1": STRONG, "password2": "x"},
            "password2",
            "do not match",
        ),
        (
            {
                "name": "newbie",
                "email": "x@example.test",
                "password1": "short",
                "password2": "short",
            },
            "password1",
            "too short",
        ),
    ]
    for body, field, message in cases:
        response = admin.post(url("sso_user_create"), body)
        assert response.status_code == 200, body
        assert message in field_errors(response, field), (body, field)
        assert f'value="{body["name"]}"' in page_text(response)  # kept
        assert 'value="' + body.get("password1", "\x00") + '"' not in page_text(response)
    assert User.objects.filter(kind="sso").count() == 2
    assert events("CreateUser") == []


def test_user_is_disabled_and_enabled(admin, directory):
    sam = directory.sam
    status = url("sso_user_status", sam.unique_id)
    assert "Disable sam?" in page_text(admin.get(status))
    assert admin.post(status, {"status": "disable"}).status_code == 302
    sam.refresh_from_db()
    assert not sam.is_active
    # The same click again does not undo it.
    admin.post(status, {"status": "disable"})
    sam.refresh_from_db()
    assert not sam.is_active
    assert "Enable sam?" in page_text(admin.get(status))
    admin.post(status, {"status": "enable"})
    sam.refresh_from_db()
    assert sam.is_active
    assert events("DisableUser", "EnableUser") == ["DisableUser", "EnableUser"]


def test_admin_removes_a_users_mfa_device(admin, directory):
    remove = url("sso_user_mfa_remove", directory.sam.unique_id, directory.device_id)
    response = admin.post(remove, {"confirmation": "wrong"})
    assert "does not match" in page_text(response)
    assert MFADevice.objects.filter(pk=directory.device_id).exists()
    assert admin.post(remove, {"confirmation": "sam-app"}).status_code == 302
    assert not MFADevice.objects.filter(pk=directory.device_id).exists()
    assert events("DeactivateMFADevice") == ["DeactivateMFADevice"]
    assert admin.get(remove).status_code == 404


def test_user_is_deleted_after_typing_the_name(admin, directory):
    delete = url("sso_user_delete", directory.sam.unique_id)
    response = admin.post(delete, {"confirmation": "olga"})
    assert "does not match" in page_text(response)
    assert User.objects.filter(pk=directory.sam.pk).exists()
    response = admin.post(delete, {"confirmation": "sam"})
    assert response["Location"] == url("sso_user_list")
    assert not User.objects.filter(pk=directory.sam.pk).exists()
    assert not AccountAssignment.objects.filter(pk=directory.direct.pk).exists()
    assert events("DeleteUser") == ["DeleteUser"]


def test_user_list_searches_by_name_and_email(admin, directory, organization):
    make_sso_user(organization, name="zed", email="zed@other-domain.test")
    html = page_text(admin.get(url("sso_user_list"), {"q": "other-domain"}))
    rows = html.split('data-testid="sso-users"')[1]
    assert "zed" in rows and ">sam<" not in rows
    html = page_text(admin.get(url("sso_user_list"), {"q": "OLG"}))
    assert ">olga<" in html and ">sam<" not in html
    assert "No users match" in page_text(admin.get(url("sso_user_list"), {"q": "nobody"}))


# --- Groups ------------------------------------------------------------------------------------


def test_groups_members_and_deletion(admin, directory, organization):
    response = admin.post(url("sso_group_list"), {"name": "Auditors", "description": "Read"})
    auditors = SSOGroup.objects.get(organization=organization, name="Auditors")
    assert response["Location"] == url("sso_group_detail", auditors.group_id)
    response = admin.post(url("sso_group_list"), {"name": "auditors"})
    assert "already exists" in field_errors(response, "name")
    assert 'value="auditors"' in page_text(response)
    assert admin.post(url("sso_group_list"), {"name": ""}).status_code == 200

    detail = url("sso_group_detail", auditors.group_id)
    response = admin.post(detail, {"user_name": "nobody"})
    assert "no user with this name" in field_errors(response, "user_name")
    assert 'value="nobody"' in page_text(response)
    assert admin.post(detail, {"user_name": "OLGA"}).status_code == 302
    assert list(auditors.members.all()) == [directory.olga]
    assert "already a member" in page_text(admin.post(detail, {"user_name": "olga"}))
    assert ">olga<" in page_text(admin.get(detail))

    remove = url("sso_group_member_remove", auditors.group_id, directory.olga.unique_id)
    assert "Remove olga from Auditors?" in page_text(admin.get(remove))
    assert admin.post(remove)["Location"] == detail
    assert not auditors.members.exists()
    assert admin.get(remove).status_code == 404  # no longer a member

    delete = url("sso_group_delete", auditors.group_id)
    assert "does not match" in page_text(admin.post(delete, {"confirmation": "Platform"}))
    assert admin.post(delete, {"confirmation": "auditors"})["Location"] == url("sso_group_list")
    assert not SSOGroup.objects.filter(pk=auditors.pk).exists()
    assert events(
        "CreateGroup", "CreateGroupMembership", "DeleteGroupMembership", "DeleteGroup"
    ) == ["CreateGroup", "CreateGroupMembership", "DeleteGroupMembership", "DeleteGroup"]


def test_deleting_a_group_removes_its_assignments(admin, directory):
    platform = directory.platform
    html = page_text(admin.get(url("sso_group_delete", platform.group_id)))
    assert "The group has 1 member." in html
    admin.post(url("sso_group_delete", platform.group_id), {"confirmation": "platform"})
    assert not AccountAssignment.objects.filter(pk=directory.through_group.pk).exists()
    assert User.objects.filter(pk=directory.sam.pk).exists()


# --- Permission sets -----------------------------------------------------------------------------


def permission_set_body(**overrides) -> dict:
    body = {
        "name": "Developers",
        "description": "Day-to-day work",
        "session_duration_hours": "8",
        "managed_policy_arns": [IAM_READ_ONLY],
        "customer_policy_refs": "ReadLogs\n/engineering/WriteTickets\n\n",
        "document": INLINE,
    }
    body.update(overrides)
    return body


def test_permission_set_is_created_edited_and_deleted(admin, organization):
    response = admin.post(url("sso_permission_set_create"), permission_set_body())
    developers = PermissionSet.objects.get(organization=organization, name="Developers")
    detail = url("sso_permission_set_detail", developers.permission_set_id)
    assert response["Location"] == detail
    assert developers.session_duration_hours == 8
    assert developers.managed_policy_arns == [IAM_READ_ONLY]
    assert developers.customer_policy_refs == [
        {"name": "ReadLogs", "path": "/"},
        {"name": "WriteTickets", "path": "/engineering/"},
    ]
    assert json.loads(developers.inline_policy) == json.loads(INLINE)

    html = page_text(admin.get(detail))
    assert developers.role_name() in html and developers.arn in html
    assert "ReadLogs\n/engineering/WriteTickets" in html
    assert re.search(rf'value="{re.escape(IAM_READ_ONLY)}"[^>]*checked', html)
    assert re.search(r'<input type="text" name="name" value="Developers"[^>]*disabled', html)

    # The name stays, whatever is posted; the rest changes.
    response = admin.post(
        detail,
        permission_set_body(
            name="Renamed",
            session_duration_hours="12",
            managed_policy_arns=[ADMIN],
            customer_policy_refs="",
            document="",
        ),
    )
    assert response.status_code == 302
    developers.refresh_from_db()
    assert developers.name == "Developers" and developers.session_duration_hours == 12
    assert developers.managed_policy_arns == [ADMIN]
    assert developers.customer_policy_refs == [] and developers.inline_policy == ""

    delete = url("sso_permission_set_delete", developers.permission_set_id)
    assert "does not match" in page_text(admin.post(delete, {"confirmation": "nope"}))
    response = admin.post(delete, {"confirmation": "developers"})
    assert response["Location"] == url("sso_permission_set_list")
    assert not PermissionSet.objects.filter(pk=developers.pk).exists()
    assert events("CreatePermissionSet", "UpdatePermissionSet", "DeletePermissionSet") == [
        "CreatePermissionSet",
        "UpdatePermissionSet",
        "DeletePermissionSet",
    ]


def test_permission_set_refusals_keep_what_was_typed(admin, directory, organization):
    cases = [
        ({"name": "readonly"}, "name", "already exists"),
        ({"name": "has space"}, "name", "Use 1 to 32 characters"),
        ({"document": '{"Version": "2012-10-17", "Statement": ['}, "document", ""),
        ({"customer_policy_refs": "/no-trailing-slash/bad name"}, "customer_policy_refs", ""),
        ({"session_duration_hours": "13"}, "session_duration_hours", "Select a valid choice"),
        ({"managed_policy_arns": ["arn:aws:iam::aws:policy/Nope"]}, "managed_policy_arns", ""),
    ]
    for overrides, field, message in cases:
        body = permission_set_body(**overrides)
        response = admin.post(url("sso_permission_set_create"), body)
        assert response.status_code == 200, overrides
        errors = field_errors(response, field)
        assert errors and message in errors, (overrides, field, errors)
        assert f'value="{body["name"]}"' in page_text(response), overrides
        assert "Day-to-day work" in page_text(response)
    assert PermissionSet.objects.filter(organization=organization).count() == 2
    assert events("CreatePermissionSet") == []

    # Editing: a broken document is shown again, and the stored set is unchanged.
    detail = url("sso_permission_set_detail", directory.read_only.permission_set_id)
    response = admin.post(detail, permission_set_body(document='{"Statement": 1}'))
    assert response.status_code == 200 and field_errors(response, "document")
    assert "{&quot;Statement&quot;: 1}" in page_text(response)
    directory.read_only.refresh_from_db()
    assert directory.read_only.inline_policy == ""


def test_an_assigned_permission_set_is_not_deleted(admin, directory):
    delete = url("sso_permission_set_delete", directory.read_only.permission_set_id)
    html = page_text(admin.get(delete))
    assert 'data-testid="still-assigned"' in html and directory.direct.account_id in html
    response = admin.post(delete, {"confirmation": "ReadOnly"})
    assert response.status_code == 409
    assert "Remove this permission set from every account" in error_text(response)
    assert PermissionSet.objects.filter(pk=directory.read_only.pk).exists()
    assert events("DeletePermissionSet") == []


# --- AWS accounts and assignments ------------------------------------------------------------------


def test_accounts_page_lists_every_account_with_its_assignments(admin, directory, member_account):
    html = page_text(admin.get(url("sso_assignment_list")))
    member_row = html.split(f'data-testid="sso-account-{member_account.pk}"')[1].split("</tr>")[0]
    assert "sam" in member_row and "ReadOnly" in member_row and "Platform" not in member_row
    management = directory.organization.management_account_id
    management_row = html.split(f'data-testid="sso-account-{management}"')[1].split("</tr>")[0]
    assert "Platform" in management_row and "Admin" in management_row


def test_assignments_are_created_and_removed(admin, directory, member_account):
    accounts = url("sso_assignment_list")
    body = {
        "account": member_account.pk,
        "principal_type": "group",
        "principal_name": "platform",
        "permission_set": directory.admin_set.permission_set_id,
    }
    assert admin.post(accounts, body).status_code == 302
    created = AccountAssignment.objects.get(
        account=member_account, group=directory.platform, permission_set=directory.admin_set
    )
    response = admin.post(accounts, body)
    assert "This assignment already exists." in error_text(response)
    response = admin.post(accounts, {**body, "principal_type": "user", "principal_name": "nobody"})
    assert "no user with this name" in field_errors(response, "principal_name")
    assert 'value="nobody"' in page_text(response)
    response = admin.post(accounts, {**body, "account": "000000000000"})
    assert field_errors(response, "account")
    response = admin.post(accounts, {**body, "principal_type": "user", "principal_name": "olga"})
    assert response.status_code == 302
    assert AccountAssignment.objects.filter(user=directory.olga).count() == 1

    delete = url("sso_assignment_delete", created.pk)
    html = page_text(
        admin.get(delete, {"next": url("sso_group_detail", directory.platform.group_id)})
    )
    assert "Remove this assignment?" in html and "Platform" in html
    response = admin.post(delete, {"next": url("sso_group_detail", directory.platform.group_id)})
    assert response["Location"] == url("sso_group_detail", directory.platform.group_id)
    assert not AccountAssignment.objects.filter(pk=created.pk).exists()
    # Only this site's paths are followed after a removal.
    other = url("sso_assignment_delete", directory.direct.pk)
    assert admin.post(other, {"next": "https://evil.example/"})["Location"] == accounts
    assert events("CreateAccountAssignment", "DeleteAccountAssignment") == [
        "CreateAccountAssignment",
        "CreateAccountAssignment",
        "DeleteAccountAssignment",
        "DeleteAccountAssignment",
    ]


def test_every_form_survives_an_empty_post(admin, directory):
    for name, path in page_urls(directory):
        if name in ("sso_user_status", "sso_group_member_remove", "sso_assignment_delete"):
            continue  # confirmation pages without a form: the POST is the action
        assert admin.post(path, {}).status_code in (200, 409), name


# --- Who may use the pages ----------------------------------------------------------------------------


SSO_ADMIN_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sso:*", "identitystore:*"], "Resource": "*"}],
    }
)


def test_iam_users_of_the_management_account_need_a_policy(
    client, directory, make_iam_user, management_account
):
    ops = make_iam_user(name="ops", self_service=False)
    client.force_login(ops)
    before = AuditEvent.objects.filter(error_code="AccessDenied").count()
    for name, path in page_urls(directory):
        assert client.get(path).status_code == 403, name
    assert AuditEvent.objects.filter(error_code="AccessDenied").count() > before
    assert (
        client.post(url("sso_user_create"), {"name": "x", "email": "x@example.test"}).status_code
        == 403
    )
    assert not User.objects.filter(name="x").exists()

    iam_policies.inline_policy_put(actor=None, user=ops, name="SSOAdmin", document=SSO_ADMIN_POLICY)
    for name, path in page_urls(directory):
        assert client.get(path).status_code == 200, name
    assert (
        client.post(url("sso_user_create"), {"name": "x", "email": "x@example.test"}).status_code
        == 302
    )


def test_a_read_only_policy_shows_but_does_not_change(client, directory, make_iam_user):
    viewer = make_iam_user(name="viewer", self_service=False)
    iam_policies.inline_policy_put(actor=None, user=viewer, name="SSOView", document=SSO_VIEW_ONLY)
    client.force_login(viewer)
    for name in ("sso_home", "sso_settings", "sso_user_list", "sso_group_list"):
        assert client.get(url(name)).status_code == 200, name
    assert client.get(url("sso_user_detail", directory.sam.unique_id)).status_code == 200
    assert client.post(url("sso_settings"), settings_body()).status_code == 403
    assert client.post(url("sso_group_list"), {"name": "x"}).status_code == 403
    detail = url("sso_permission_set_detail", directory.read_only.permission_set_id)
    assert client.get(detail).status_code == 200
    assert client.post(detail, permission_set_body()).status_code == 403
    assert client.get(url("sso_user_delete", directory.sam.unique_id)).status_code == 403
    assert not SSOSettings.objects.exists() and not SSOGroup.objects.filter(name="x").exists()


def test_a_permission_set_session_in_the_management_account_may_administer(
    client, directory, organization, sso_no_mfa
):
    """Someone who opened the management account with an administrator permission set."""
    in_management_console(client, organization, "rita", directory.admin_set)
    assert client.get(url("sso_user_list")).status_code == 200
    assert client.post(url("sso_group_list"), {"name": "Ops"}).status_code == 302
    event = AuditEvent.objects.get(event_name="CreateGroup", request_parameters__displayName="Ops")
    assert event.user_identity["type"] == "AssumedRole"


def test_a_permission_set_session_in_a_member_account_gets_404(
    client, directory, organization, member_account, sso_no_mfa
):
    rita = make_sso_user(organization, name="rita")
    services.assignment_create(
        actor=None, account=member_account, permission_set=directory.admin_set, user=rita
    )
    assert signin_portal(client, organization, name="rita").status_code == 302
    response = open_console(client, organization, member_account, directory.admin_set)
    assert response.status_code == 302
    for name, path in page_urls(directory):
        assert client.get(path).status_code == 404, name


def test_an_sso_user_outside_a_session_never_sees_the_pages(client, directory):
    client.force_login(directory.sam)
    for name, path in page_urls(directory):
        response = client.get(path)
        assert response.status_code in (302, 404), name


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_member_accounts_root_gets_404_everywhere(client, directory, member_root, method):
    client.force_login(member_root)
    before = AuditEvent.objects.count()
    for name, path in page_urls(directory):
        response = getattr(client, method)(path, {"confirmation": "sam", "name": "x"})
        assert response.status_code == 404, name
        assert "sam@example.test" not in page_text(response)
    assert AuditEvent.objects.count() == before
    assert User.objects.filter(pk=directory.sam.pk, is_active=True).exists()
    assert SSOGroup.objects.filter(pk=directory.platform.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("intruder", ["other_root", "other_admin"])
def test_another_organization_gets_404_for_this_directorys_ids(
    client, directory, other_organization, method, intruder, request
):
    principal = intruder_principal(intruder, other_organization, request)
    client.force_login(principal)
    before = AuditEvent.objects.count()
    body = {"confirmation": "sam", "status": "disable", "user_name": "sam", "name": "x"}
    for name, path in object_urls(directory):
        response = getattr(client, method)(path, body)
        assert response.status_code == 404, name
    assert AuditEvent.objects.count() == before
    assert User.objects.filter(pk=directory.sam.pk, is_active=True).exists()
    assert MFADevice.objects.filter(pk=directory.device_id).exists()
    assert AccountAssignment.objects.count() == 2
    assert directory.platform.members.count() == 1
    # Their own pages show their own (empty) directory.
    for name in ("sso_user_list", "sso_group_list", "sso_permission_set_list"):
        html = page_text(client.get(url(name)))
        assert ">sam<" not in html and "Platform" not in html and "ReadOnly" not in html


def test_unknown_ids_are_404(admin, directory):
    for path in (
        url("sso_user_detail", "0" * 32),
        url("sso_user_detail", "x" * 300),
        url("sso_user_mfa_remove", directory.sam.unique_id, 999999),
        url("sso_user_mfa_remove", directory.olga.unique_id, directory.device_id),
        url("sso_group_detail", "missing"),
        url("sso_group_member_remove", directory.platform.group_id, directory.olga.unique_id),
        url("sso_permission_set_detail", "ps-0000000000000000"),
        url("sso_assignment_delete", 999999),
    ):
        assert admin.get(path).status_code == 404, path


def test_iam_users_are_not_directory_users(admin, directory, alice):
    assert admin.get(url("sso_user_detail", alice.unique_id)).status_code == 404
    assert ">alice<" not in page_text(admin.get(url("sso_user_list")))
    response = admin.post(
        url("sso_group_detail", directory.platform.group_id), {"user_name": "alice"}
    )
    assert "no user with this name" in field_errors(response, "user_name")


# --- Constant query counts ------------------------------------------------------------------------


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _fill_directory(organization, accounts, start: int, end: int) -> None:
    permission_set = PermissionSet.objects.get(organization=organization, name="ReadOnly")
    for n in range(start, end):
        user = make_sso_user(organization, name=f"user{n}", password=None)
        group = services.sso_group_create(actor=None, organization=organization, name=f"g{n}")
        services.sso_group_membership_set(actor=None, group=group, user=user, member=True)
        make_permission_set(organization, name=f"Set{n}", managed=[IAM_READ_ONLY, ADMIN])
        account = accounts[n % len(accounts)]
        services.assignment_create(
            actor=None, account=account, permission_set=permission_set, user=user
        )
        services.assignment_create(
            actor=None, account=account, permission_set=permission_set, group=group
        )
        device, _key = totp_services.virtual_mfa_device_create(user=user, name=f"user{n}-app")
        MFADevice.objects.filter(pk=device.pk).update(confirmed=True)


def test_list_pages_have_a_constant_number_of_queries(
    admin, organization, management_root, django_assert_max_num_queries
):
    make_permission_set(organization, name="ReadOnly")
    accounts = [organization.management_account]
    _fill_directory(organization, accounts, 0, 3)
    pages = [
        url("sso_home"),
        url("sso_user_list"),
        url("sso_group_list"),
        url("sso_permission_set_list"),
        url("sso_assignment_list"),
    ]
    few = {path: _queries(admin, path) for path in pages}
    for n in range(3):
        accounts.append(
            iam_services.account_create(
                actor=management_root,
                organization=organization,
                name=f"Workload {n}",
                root_email=f"workload{n}@example.test",
            )
        )
    _fill_directory(organization, accounts, 3, 30)
    for path in pages:
        with django_assert_max_num_queries(few[path]):
            response = admin.get(path)
        assert response.status_code == 200
    html = page_text(admin.get(url("sso_user_list")))
    assert "Page 1 of 2" in html
    html = page_text(admin.get(url("sso_assignment_list")))
    assert html.count("user2") >= 1 and accounts[-1].pk in html


def test_group_and_permission_set_detail_pages_have_constant_queries(
    admin, organization, django_assert_max_num_queries
):
    make_permission_set(organization, name="ReadOnly")
    _fill_directory(organization, [organization.management_account], 0, 3)
    group = services.sso_group_create(actor=None, organization=organization, name="Everyone")
    permission_set = PermissionSet.objects.get(organization=organization, name="ReadOnly")
    for user in User.objects.filter(kind="sso"):
        services.sso_group_membership_set(actor=None, group=group, user=user, member=True)
    detail_pages = [
        url("sso_group_detail", group.group_id),
        url("sso_permission_set_detail", permission_set.permission_set_id),
        url("sso_user_detail", User.objects.get(name="user0").unique_id),
    ]
    few = {path: _queries(admin, path) for path in detail_pages}
    _fill_directory(organization, [organization.management_account], 3, 30)
    for user in User.objects.filter(kind="sso"):
        services.sso_group_membership_set(actor=None, group=group, user=user, member=True)
    for path in detail_pages:
        with django_assert_max_num_queries(few[path]):
            assert admin.get(path).status_code == 200


def test_pages_are_english_source_and_translatable(admin, directory, settings):
    """Every page renders in Japanese too (the catalog may not have the new strings yet)."""
    admin.post(reverse("set_language"), {"language": "ja"})
    for name, path in page_urls(directory):
        response = admin.get(path)
        assert response.status_code == 200, name
        assert 'lang="ja"' in page_text(response)


# What each page offers an administrator, and must not offer someone who may only look.
OFFERS = {
    "sso_home": ['href="/console/organization/sso/users/new"'],
    "sso_settings": ["Save settings"],
    "sso_idp": [">Connect provider</button>"],
    "sso_user_list": ["Add user"],
    "sso_user_detail": ["Disable user", "Delete", "/assignments/", "/mfa/"],
    "sso_group_list": ["Create group"],
    "sso_group_detail": ["Add to group", "Remove from group", "Delete", "/assignments/"],
    "sso_permission_set_list": ["Create permission set"],
    "sso_permission_set_detail": ["Save changes", "Delete", "/assignments/"],
    "sso_assignment_list": ['class="btn btn-small"', 'class="assign-form"', "/assignments/"],
}


def _offers(client, d) -> dict[str, list[str]]:
    pages = dict(page_urls(d))
    found = {}
    for name, offers in OFFERS.items():
        response = client.get(pages[name])
        assert response.status_code == 200, name
        html = page_text(response).split("<main", 1)[1]
        found[name] = [offer for offer in offers if offer in html]
    return found


def test_someone_who_may_only_look_is_offered_no_changes(
    client, admin, directory, organization, sso_no_mfa
):
    assert _offers(admin, directory) == OFFERS  # the administrator is offered all of them

    viewer_set = make_permission_set(
        organization, name="Viewer", managed=[], inline_policy=SSO_VIEW_ONLY
    )
    viewer = Client()
    in_management_console(viewer, organization, "vera", viewer_set)
    assert _offers(viewer, directory) == dict.fromkeys(OFFERS, [])
    settings_page = page_text(viewer.get(url("sso_settings")))
    assert "You may view this, but not change it." in settings_page
