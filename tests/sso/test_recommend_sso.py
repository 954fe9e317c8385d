"""SSO is the recommended way in for people: the console says so and counts both."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sso import services
from tests.conftest import signin_root
from tests.support.sso import make_permission_set, make_sso_user

pytestmark = pytest.mark.django_db


def test_creating_an_iam_user_recommends_sso_with_a_link_to_set_it_up(
    client, client_factory, management_root, member_account, member_root
):
    signin_root(client, management_root.account.root_email)
    page = client.get(reverse("console:user_create", args=[member_account.pk])).content.decode()
    assert "Are you providing console access to a person?" in page
    assert f'href="{reverse("console:sso_home")}" data-testid="sso-setup-link"' in page

    # A member account's own root user cannot set SSO up: the page says who can.
    member = client_factory()
    signin_root(member, member_root.account.root_email)
    page = member.get(reverse("console:user_create", args=[member_account.pk])).content.decode()
    assert "sso-setup-link" not in page
    assert "management account sets up single sign-on." in page


def test_the_account_page_counts_iam_console_users_against_sso_users(
    client,
    organization,
    management_root,
    member_account,
    make_iam_user,
    django_assert_max_num_queries,
):
    make_iam_user(account=member_account, name="with-password")
    make_iam_user(account=member_account, name="robot", password=None)
    ps = make_permission_set(organization)
    direct = make_sso_user(organization, name="direct")
    grouped = make_sso_user(organization, name="grouped")
    make_sso_user(organization, name="unassigned")
    team = services.sso_group_create(actor=None, organization=organization, name="Team")
    for user in (direct, grouped):  # in the group and assigned directly: counted once
        services.sso_group_membership_set(actor=None, group=team, user=user, member=True)
    services.assignment_create(actor=None, account=member_account, permission_set=ps, user=direct)
    services.assignment_create(actor=None, account=member_account, permission_set=ps, group=team)

    signin_root(client, management_root.account.root_email)
    page = client.get(reverse("console:account_detail", args=[member_account.pk])).content.decode()
    summary = page.split('data-testid="people-summary"')[1].split("</div>")[0]
    assert "<strong>1</strong> IAM user with a console password" in summary
    assert "<strong>2</strong> SSO users assigned to this account" in summary
    assert "IAM users (2)" in page
    assert "rather than as IAM users" not in summary  # SSO users outnumber IAM console users
