"""Detaching an SCP from the console: a page that says what the detach changes, and for how
many accounts, before anything changes; the last SCP of a target is never detached; the detach
is asked of the engine on both its resources, the policy and the target."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from identity import ids, services
from identity import organization_units as structure
from identity.models import AuditEvent, SCPAttachment
from identity.policies import catalog
from identity.policies import services as policies
from tests.conftest import PASSWORD, scp_detach_url, signin_iam

pytestmark = pytest.mark.django_db

ORGANIZATIONS_FULL_ACCESS = "arn:aws:iam::aws:policy/AWSOrganizationsFullAccess"
SCPS = reverse("console:scp_list")


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


@pytest.fixture
def engineering(organization, management_root):
    return structure.organizational_unit_create(
        actor=management_root, organization=organization, parent=None, name="Engineering"
    )


@pytest.fixture
def platform(organization, management_root, engineering):
    return structure.organizational_unit_create(
        actor=management_root, organization=organization, parent=engineering, name="Platform"
    )


@pytest.fixture
def guard(organization):
    return policies.scp_create(
        actor=None,
        organization=organization,
        name="guard",
        document=document({"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}),
    )


@pytest.fixture
def only_iam(organization):
    return policies.scp_create(
        actor=None,
        organization=organization,
        name="only-iam",
        document=document({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}),
    )


def attach(organization, arn, *, unit=None, account=None):
    policies.scp_attach(
        actor=None,
        organization=organization,
        policy_arn=arn,
        organizational_unit=unit,
        account=account,
    )


def new_account(organization, management_root, name, unit=None):
    account = services.account_create(
        actor=management_root,
        organization=organization,
        name=name,
        root_email=f"{name}@example.test",
        root_password=PASSWORD,
    )
    if unit is not None:
        structure.account_move(actor=management_root, account=account, destination=unit)
    return account


def signin_denied(client, make_iam_user, action, resource):
    """Sign in as ops: AWSOrganizationsFullAccess but for one action on one resource."""
    make_iam_user(
        name="ops",
        self_service=False,
        managed=[ORGANIZATIONS_FULL_ACCESS],
        inline={"but": document({"Effect": "Deny", "Action": action, "Resource": resource})},
    )
    signin_iam(client, "example-corp", "ops")


def test_the_page_says_what_a_deny_scp_s_detach_opens_and_for_how_many_accounts(
    admin, organization, management_root, engineering, platform, guard
):
    new_account(organization, management_root, "one", unit=engineering)
    new_account(organization, management_root, "two", unit=platform)
    new_account(organization, management_root, "elsewhere")
    attach(organization, guard.arn, unit=engineering)
    response = admin.get(scp_detach_url(guard.arn, engineering.pk))
    assert response.status_code == 200
    page = text(response)
    assert "Detach guard from Engineering?" in page
    # Both accounts below the OU, the one in the nested OU included; not the one outside it.
    assert "Every account in this OU and the OUs inside it: 2 accounts" in page
    assert 'data-testid="opens"' in response.content.decode()
    assert 'data-testid="closes"' not in response.content.decode()
    assert re.search(r"Engineering keeps: FullAWSAccess", page)
    # Nothing changes on a GET.
    assert SCPAttachment.objects.filter(policy_arn=guard.arn, organizational_unit=engineering)


def test_an_allow_scp_s_detach_warns_what_it_closes_and_the_root_reaches_all_but_management(
    admin, organization, management_root, member_account, only_iam
):
    new_account(organization, management_root, "another")
    attach(organization, only_iam.arn)
    root = ids.organization_root_id(organization.pk)
    response = admin.get(scp_detach_url(only_iam.arn, root))
    body = response.content.decode()
    assert 'data-testid="closes"' in body and 'data-testid="opens"' not in body
    assert "Every account of the organization but the management account: 2 accounts" in text(
        response
    )
    management = admin.get(
        scp_detach_url(catalog.FULL_AWS_ACCESS, organization.management_account_id)
    )
    assert "None: SCPs do not apply to the management account" in text(management)
    member = admin.get(scp_detach_url(catalog.FULL_AWS_ACCESS, member_account.pk))
    assert "This account only" in text(member)


def test_the_detach_is_made_audited_and_returns_where_it_came_from(
    admin, organization, engineering, member_account, guard
):
    attach(organization, guard.arn, unit=engineering)
    attach(organization, guard.arn, account=member_account)
    detail = reverse("console:scp_detail", args=[guard.policy_id])

    response = admin.post(scp_detach_url(guard.arn, engineering.pk))
    assert response.status_code == 302 and response["Location"] == detail
    assert not SCPAttachment.objects.filter(policy_arn=guard.arn, organizational_unit=engineering)
    event = AuditEvent.objects.get(event_name="DetachPolicy")
    assert event.request_parameters == {"policyArn": guard.arn, "targetId": engineering.pk}
    assert "guard was detached from Engineering." in text(admin.get(detail))

    # From the list's page 3, the list's page 3; the page is a number, never a URL.
    url = scp_detach_url(guard.arn, member_account.pk)
    confirm = admin.get(url, {"from": "list", "page": "3"}).content.decode()
    assert '<input type="hidden" name="page" value="3">' in confirm
    assert f'href="{SCPS}?page=3"' in confirm  # Cancel
    response = admin.post(url, {"from": "list", "page": "3"})
    assert response["Location"] == f"{SCPS}?page=3"
    assert not SCPAttachment.objects.filter(policy_arn=guard.arn, account=member_account)
    attach(organization, guard.arn, account=member_account)
    response = admin.post(url, {"from": "list", "page": "//evil.example/"})
    assert response["Location"] == SCPS


def test_the_list_links_each_detach_to_its_confirmation(admin, organization, engineering, guard):
    attach(organization, guard.arn, unit=engineering)
    page = admin.get(SCPS).content.decode()
    link = scp_detach_url(guard.arn, engineering.pk) + "?from=list&amp;page=1"
    assert f'href="{link}"' in page
    # The list makes no detach of its own: a one-click POST is not a way around the page.
    response = admin.post(SCPS, {"op": "detach", "policy_arn": guard.arn, "target": engineering.pk})
    assert response.status_code == 404
    assert SCPAttachment.objects.filter(policy_arn=guard.arn, organizational_unit=engineering)


def test_the_last_scp_of_a_target_is_never_detached(admin, organization, engineering, guard):
    url = scp_detach_url(catalog.FULL_AWS_ACCESS, engineering.pk)
    # FullAWSAccess alone (as every new OU has it): the page offers no Detach, and says how on.
    response = admin.get(url)
    body = response.content.decode()
    assert 'data-testid="last"' in body and "<form" not in body.split('data-testid="last"')[1]
    assert f"{SCPS}#target-{engineering.pk}" in body
    # A POST regardless is refused on the page, and nothing changes.
    response = admin.post(url)
    assert response.status_code == 200
    assert "Every target keeps at least one SCP" in text(response)
    # Still FullAWSAccess alone, implicit: no row stored, none deleted.
    assert not SCPAttachment.objects.filter(organizational_unit=engineering).exists()
    assert not AuditEvent.objects.filter(event_name="DetachPolicy").exists()

    # With another SCP beside it, FullAWSAccess may go.
    attach(organization, guard.arn, unit=engineering)
    assert 'data-testid="remaining"' in admin.get(url).content.decode()
    assert admin.post(url).status_code == 302
    assert list(
        SCPAttachment.objects.filter(organizational_unit=engineering).values_list(
            "policy_arn", flat=True
        )
    ) == [guard.arn]


def test_an_scp_not_attached_to_the_target_has_nothing_to_detach(
    admin, organization, engineering, guard
):
    response = admin.get(scp_detach_url(guard.arn, engineering.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="not-attached"' in body and "<form" not in body.split("not-attached")[1]
    # A POST regardless (a second tab, say) changes nothing and says so again.
    response = admin.post(scp_detach_url(guard.arn, engineering.pk))
    assert response.status_code == 200 and 'data-testid="not-attached"' in response.content.decode()
    assert "was detached" not in text(response)
    assert not AuditEvent.objects.filter(event_name="DetachPolicy").exists()


def test_detach_is_asked_on_the_target_as_well_as_the_policy(
    client, organization, engineering, platform, guard, make_iam_user
):
    attach(organization, guard.arn, unit=engineering)
    attach(organization, guard.arn, unit=platform)
    signin_denied(client, make_iam_user, "organizations:DetachPolicy", engineering.arn)
    refused = scp_detach_url(guard.arn, engineering.pk)
    assert client.get(refused).status_code == 403
    assert client.post(refused).status_code == 403
    assert SCPAttachment.objects.filter(policy_arn=guard.arn, organizational_unit=engineering)
    assert AuditEvent.objects.filter(event_name="DetachPolicy", error_code="AccessDenied").exists()
    # The same SCP on another OU is its to detach.
    assert client.post(scp_detach_url(guard.arn, platform.pk)).status_code == 302
    assert not SCPAttachment.objects.filter(policy_arn=guard.arn, organizational_unit=platform)


def test_detach_is_asked_on_the_policy_as_well_as_the_target(
    client, organization, engineering, guard, make_iam_user
):
    attach(organization, guard.arn, unit=engineering)
    signin_denied(client, make_iam_user, "organizations:DetachPolicy", guard.arn)
    url = scp_detach_url(guard.arn, engineering.pk)
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert SCPAttachment.objects.filter(policy_arn=guard.arn, organizational_unit=engineering)


@pytest.mark.parametrize("page", ["²", "9" * 5000, "-1", "1e3"])
def test_a_page_number_that_is_not_one_returns_to_the_first_page(
    admin, organization, member_account, guard, page
):
    attach(organization, guard.arn, account=member_account)
    url = scp_detach_url(guard.arn, member_account.pk)
    assert admin.get(url, {"from": "list", "page": page}).status_code == 200
    response = admin.post(url, {"from": "list", "page": page})
    assert response.status_code == 302 and response["Location"] == SCPS


def test_a_detach_another_made_first_is_not_claimed(
    admin, organization, engineering, guard, monkeypatch
):
    """Two tabs, one SCP: the second detach finds it gone under the lock and says so."""
    from console.views import scps

    attach(organization, guard.arn, unit=engineering)
    url = scp_detach_url(guard.arn, engineering.pk)
    authorized = scps.SCPDetach.authorize

    def authorized_then_detached_elsewhere(view):
        authorized(view)
        policies.scp_detach(
            actor=None,
            organization=organization,
            policy_arn=guard.arn,
            organizational_unit=engineering,
        )

    monkeypatch.setattr(scps.SCPDetach, "authorize", authorized_then_detached_elsewhere)
    response = admin.post(url)
    assert response.status_code == 200
    assert 'data-testid="not-attached"' in response.content.decode()
    assert "was detached" not in text(response)


def test_how_many_accounts_an_ou_holds_is_told_only_to_who_may_list_it(
    client, organization, management_root, engineering, guard, make_iam_user
):
    new_account(organization, management_root, "inside", unit=engineering)
    attach(organization, guard.arn, unit=engineering)
    signin_denied(client, make_iam_user, "organizations:ListChildren", engineering.arn)
    response = client.get(scp_detach_url(guard.arn, engineering.pk))
    assert response.status_code == 200
    page = text(response)
    assert "1 account" not in page
    assert "Not shown: your policies do not allow organizations:ListChildren on it." in page
