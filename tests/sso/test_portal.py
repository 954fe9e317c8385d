"""The access portal: assignments through users and groups, role sessions authorized by the
policy engine with the permission set's policies, expiry, and tenant isolation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from identity.models import AuditEvent
from identity.policies import services as iam_policies
from sso import services
from sso.models import RoleSession
from tests.conftest import PASSWORD
from tests.support.sso import (
    ADMIN,
    make_permission_set,
    make_sso_user,
    open_console,
    signin_portal,
)

pytestmark = pytest.mark.django_db


def portal(client, organization):
    return client.get(reverse("sso:portal", args=[organization.pk])).content.decode()


def test_directory_password_signs_in_to_the_portal_which_lists_assignments(
    client, organization, member_account, sso_no_mfa, sam
):
    read_only = make_permission_set(organization)
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    team = services.sso_group_create(actor=None, organization=organization, name="Platform")
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    services.assignment_create(
        actor=None, account=organization.management_account, permission_set=admin, group=team
    )
    # Someone else's assignment is not Sam's.
    other = make_sso_user(organization, name="olga")
    services.assignment_create(
        actor=None, account=organization.management_account, permission_set=read_only, user=other
    )

    response = signin_portal(client, organization)
    assert response.status_code == 302
    assert response["Location"] == reverse("sso:portal", args=[organization.pk])
    page = portal(client, organization)
    assert "Accounts (2)" in page
    assert f'data-testid="portal-account-{member_account.pk}"' in page
    assert f'data-testid="portal-account-{organization.management_account_id}"' in page
    member_part = page.split(f"portal-account-{member_account.pk}")[1].split("</li>\n    \n")[0]
    assert "ReadOnly" in member_part and "Admin" not in member_part
    event = AuditEvent.objects.filter(event_name="ConsoleLogin").latest("event_time")
    assert event.user_identity["type"] == "IdentityCenterUser"
    assert event.recipient_account_id == organization.management_account_id


def test_a_wrong_password_or_unknown_user_gets_the_generic_message(
    client, organization, sso_no_mfa, sam
):
    for name, password in (("sam", "wrong-password-1"), ("nobody", PASSWORD)):
        response = signin_portal(client, organization, name=name, password=password)
        assert response.status_code == 200
        assert "Your authentication information is incorrect" in response.content.decode()
        assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(
        event_name="UserAuthentication", error_code="Failed authentication"
    )
    assert failures.count() == 2
    assert {e.request_parameters["userName"] for e in failures} == {
        "sam",
        "HIDDEN_DUE_TO_SECURITY_REASONS",
    }


def test_the_role_session_is_authorized_by_the_permission_sets_policies(
    client, organization, member_account, sso_no_mfa, sam
):
    read_only = make_permission_set(organization)
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    signin_portal(client, organization)
    response = open_console(client, organization, member_account, read_only)
    assert response["Location"] == reverse("console:account_detail", args=[member_account.pk])

    assert client.get(response["Location"]).status_code == 200  # iam:GetAccountSummary
    assert client.get(reverse("console:user_list", args=[member_account.pk])).status_code == 200
    denied = client.get(reverse("console:user_create", args=[member_account.pk]))
    assert denied.status_code == 403
    role = f"AWSReservedSSO_ReadOnly_{read_only.permission_set_id[3:]}"
    arn = f"arn:aws:sts::{member_account.pk}:assumed-role/{role}/sam"
    assert arn in denied.content.decode()

    event = AuditEvent.objects.filter(event_name="CreateUser", error_code="AccessDenied").get()
    assert event.recipient_account_id == member_account.pk
    assert event.user_identity["type"] == "AssumedRole"
    assert event.user_identity["arn"] == arn
    assert event.user_identity["onBehalfOf"]["userName"] == "sam"
    federate = AuditEvent.objects.get(event_name="Federate")
    assert federate.recipient_account_id == member_account.pk
    assert federate.request_parameters["permissionSetArn"] == read_only.arn


def test_an_administrator_permission_set_may_change_things(
    client, organization, member_account, sso_no_mfa, sam
):
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    services.assignment_create(actor=None, account=member_account, permission_set=admin, user=sam)
    signin_portal(client, organization)
    open_console(client, organization, member_account, admin)
    assert client.get(reverse("console:user_create", args=[member_account.pk])).status_code == 200


def test_a_permission_set_never_grants_outside_its_assigned_accounts(
    client, organization, member_account, sso_no_mfa, sam, other_organization
):
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    services.assignment_create(actor=None, account=member_account, permission_set=admin, user=sam)
    signin_portal(client, organization)
    # Not assigned in the management account: the portal refuses to open it.
    assert (
        open_console(client, organization, organization.management_account, admin).status_code
        == 404
    )
    open_console(client, organization, member_account, admin)
    for account_id in (
        organization.management_account_id,
        other_organization.management_account_id,
    ):
        assert client.get(reverse("console:account_detail", args=[account_id])).status_code == 404
        assert client.get(reverse("console:user_list", args=[account_id])).status_code == 404


def test_the_scp_chain_of_the_account_still_applies(
    client, organization, member_account, management_root, sso_no_mfa, sam
):
    deny = iam_policies.scp_create(
        actor=management_root,
        organization=organization,
        name="DenyUserCreation",
        description="",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}],
            }
        ),
    )
    iam_policies.scp_attach(
        actor=management_root,
        organization=organization,
        account=member_account,
        policy_arn=deny.arn,
    )
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    services.assignment_create(actor=None, account=member_account, permission_set=admin, user=sam)
    signin_portal(client, organization)
    open_console(client, organization, member_account, admin)
    response = client.get(reverse("console:user_create", args=[member_account.pk]))
    assert response.status_code == 403
    assert "DenyUserCreation" in response.content.decode()


def test_customer_managed_references_and_the_inline_policy_apply_in_the_account(
    client, organization, member_account, member_root, sso_no_mfa, sam
):
    allow_create = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}],
        }
    )
    iam_policies.customer_policy_create(
        actor=member_root,
        account=member_account,
        name="CreateUsers",
        path="/team/",
        description="",
        document=allow_create,
    )
    by_reference = make_permission_set(
        organization,
        name="ByRef",
        managed=[],
        customer_policy_refs=[{"name": "CreateUsers", "path": "/team/"}],
    )
    inline = make_permission_set(
        organization,
        name="Inline",
        managed=[],
        inline_policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "iam:GetAccountSummary", "Resource": "*"}
                ],
            }
        ),
    )
    for ps in (by_reference, inline):
        services.assignment_create(actor=None, account=member_account, permission_set=ps, user=sam)
    signin_portal(client, organization)
    open_console(client, organization, member_account, by_reference)
    assert client.get(reverse("console:user_create", args=[member_account.pk])).status_code == 200
    assert (
        client.get(reverse("console:account_detail", args=[member_account.pk])).status_code == 403
    )
    open_console(client, organization, member_account, inline)
    assert (
        client.get(reverse("console:account_detail", args=[member_account.pk])).status_code == 200
    )
    assert client.get(reverse("console:user_create", args=[member_account.pk])).status_code == 403


def test_the_session_ends_after_the_permission_sets_duration(
    client, organization, member_account, sso_no_mfa, sam, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    read_only = make_permission_set(organization, session_duration_hours=2)
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    signin_portal(client, organization)
    open_console(client, organization, member_account, read_only)
    session = RoleSession.objects.get()
    assert session.expires - session.started == timedelta(hours=2)
    detail = reverse("console:account_detail", args=[member_account.pk])

    time_machine.shift(timedelta(hours=1, minutes=59))
    assert client.get(detail).status_code == 200
    time_machine.shift(timedelta(minutes=2))
    response = client.get(detail, follow=True)
    assert response.redirect_chain[0][0] == reverse("sso:portal", args=[organization.pk])
    assert "Your console session ended" in response.content.decode()
    assert "ReadOnly" in response.content.decode()  # still signed in to the portal
    assert client.get(detail)["Location"] == reverse("sso:portal", args=[organization.pk])


def test_removing_the_assignment_or_disabling_the_user_ends_access_at_once(
    client, organization, member_account, sso_no_mfa, sam
):
    read_only = make_permission_set(organization)
    team = services.sso_group_create(actor=None, organization=organization, name="Ops")
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    assignment = services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, group=team
    )
    signin_portal(client, organization)
    open_console(client, organization, member_account, read_only)
    detail = reverse("console:account_detail", args=[member_account.pk])
    assert client.get(detail).status_code == 200
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=False)
    assert client.get(detail).status_code == 302
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    open_console(client, organization, member_account, read_only)
    services.assignment_delete(actor=None, assignment=assignment)
    assert client.get(detail).status_code == 302
    assert RoleSession.objects.filter(ended__isnull=True).count() == 0

    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    open_console(client, organization, member_account, read_only)
    assert client.get(detail).status_code == 200
    services.sso_user_set_active(actor=None, user=sam, active=False)
    assert client.get(detail).status_code == 302  # signed out: the user is inactive


def test_leaving_the_account_returns_to_the_portal(
    client, organization, member_account, sso_no_mfa, sam
):
    read_only = make_permission_set(organization)
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    signin_portal(client, organization)
    open_console(client, organization, member_account, read_only)
    response = client.post(reverse("sso:end_console", args=[organization.pk]))
    assert response["Location"] == reverse("sso:portal", args=[organization.pk])
    assert RoleSession.objects.get().ended is not None
    assert (
        client.get(reverse("console:account_detail", args=[member_account.pk])).status_code == 302
    )
    assert "ReadOnly" in portal(client, organization)


def test_an_sso_user_outside_a_role_session_has_no_console(client, organization, sso_no_mfa, sam):
    signin_portal(client, organization)
    for url in (
        reverse("console:home"),
        reverse("console:account_detail", args=[organization.management_account_id]),
        reverse("console:user_list", args=[organization.management_account_id]),
    ):
        assert client.get(url)["Location"] == reverse("sso:portal", args=[organization.pk])


def test_sso_users_of_one_organization_see_nothing_of_another(
    client, organization, other_organization, sso_no_mfa, sam
):
    from sso.models import SSOSettings
    from tests.support.sso import set_sso

    set_sso(other_organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    theirs = make_permission_set(other_organization, name="Admin", managed=[ADMIN])
    services.assignment_create(
        actor=None,
        account=other_organization.management_account,
        permission_set=theirs,
        user=make_sso_user(other_organization, name="tom"),
    )
    # Sam's name and password mean nothing at the other organization's portal.
    response = signin_portal(client, other_organization)
    assert "Your authentication information is incorrect" in response.content.decode()
    signin_portal(client, organization)
    page = portal(client, other_organization)
    assert "Sign in to the access portal" in page and "Admin" not in page
    response = open_console(
        client, other_organization, other_organization.management_account, theirs
    )
    assert response["Location"] == reverse("sso:portal", args=[other_organization.pk])
    response = open_console(client, organization, other_organization.management_account, theirs)
    assert response.status_code == 404
    assert RoleSession.objects.count() == 0


def test_a_permission_set_of_another_organization_cannot_be_assigned(
    organization, other_organization, member_account, sam
):
    from django.core.exceptions import ValidationError

    theirs = make_permission_set(other_organization)
    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=None, account=member_account, permission_set=theirs, user=sam
        )
    ours = make_permission_set(organization)
    tom = make_sso_user(other_organization, name="tom")
    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=None, account=member_account, permission_set=ours, user=tom
        )
    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=None, account=other_organization.management_account, permission_set=ours, user=sam
        )


def test_a_new_user_with_an_initial_password_changes_it_first(
    client, organization, member_account, sso_no_mfa
):
    make_sso_user(organization, name="nina", reset=True)
    response = signin_portal(client, organization, name="nina")
    assert response["Location"].startswith(reverse("accounts:change_password"))
    assert client.get(reverse("sso:portal", args=[organization.pk]))["Location"] == reverse(
        "accounts:change_password"
    )


@pytest.mark.parametrize("accounts", [2, 12])
def test_the_portal_uses_a_constant_number_of_queries(
    client, organization, management_root, sso_no_mfa, sam, accounts, django_assert_max_num_queries
):
    from identity import services as iam_services

    sets = [make_permission_set(organization, name=f"Set{n}") for n in range(3)]
    team = services.sso_group_create(actor=None, organization=organization, name="Team")
    services.sso_group_membership_set(actor=None, group=team, user=sam, member=True)
    for n in range(accounts):
        account = iam_services.account_create(
            actor=management_root,
            organization=organization,
            name=f"Account {n}",
            root_email=f"root{n}@example.test",
            alias=None,
            root_password=None,
        )
        for ps in sets:
            services.assignment_create(actor=None, account=account, permission_set=ps, user=sam)
            services.assignment_create(actor=None, account=account, permission_set=ps, group=team)
    signin_portal(client, organization)
    with django_assert_max_num_queries(8):
        page = portal(client, organization)
    assert f"Accounts ({accounts})" in page
    assert page.count("Management console") == accounts * 3


def test_a_role_session_request_costs_a_few_queries(
    client, organization, member_account, sso_no_mfa, sam, django_assert_max_num_queries
):
    admin = make_permission_set(organization, name="Admin", managed=[ADMIN])
    services.assignment_create(actor=None, account=member_account, permission_set=admin, user=sam)
    signin_portal(client, organization)
    open_console(client, organization, member_account, admin)
    with django_assert_max_num_queries(8):
        assert (
            client.get(reverse("console:account_detail", args=[member_account.pk])).status_code
            == 200
        )
    assert client.get(reverse("console:home")).status_code == 200


def test_the_role_session_id_is_stored_hashed(
    client, organization, member_account, sso_no_mfa, sam
):
    import hashlib

    read_only = make_permission_set(organization)
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    signin_portal(client, organization)
    open_console(client, organization, member_account, read_only)
    raw = client.session["tobira_role"]
    stored = RoleSession.objects.get().session_id
    assert raw != stored and stored == hashlib.sha256(raw.encode()).hexdigest()
    assert (
        client.get(reverse("console:account_detail", args=[member_account.pk])).status_code == 200
    )


def test_signing_out_returns_sso_users_to_their_portal(
    client, organization, member_account, sso_no_mfa, sam
):
    portal = reverse("sso:portal", args=[organization.pk])
    signin_portal(client, organization)
    assert client.post(reverse("accounts:signout"))["Location"] == portal
    read_only = make_permission_set(organization)
    services.assignment_create(
        actor=None, account=member_account, permission_set=read_only, user=sam
    )
    signin_portal(client, organization)
    open_console(client, organization, member_account, read_only)  # a role session
    assert client.post(reverse("accounts:signout"))["Location"] == portal
