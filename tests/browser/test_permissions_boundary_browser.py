"""A permissions boundary in real Chromium: set on the user page, named by the simulator when it is
what refuses, and removed after a confirmation; each page in English and in Japanese."""

import pytest
from playwright.sync_api import expect

from identity import arns
from identity.models import User
from identity.policies import services as policies
from tests.support.browser import carry_session, in_both_languages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_set_a_boundary_see_the_simulator_name_it_and_remove_it(
    page, shoot, live_server, management_root, alice
):
    account = management_root.account
    policies.policy_attach(
        actor=None,
        account=account,
        policy_arn=arns.aws_managed_policy("AdministratorAccess"),
        user=alice,
    )
    carry_session(page, live_server, user=management_root)

    page.goto(f"/console/accounts/{account.id}/users/alice/")
    boundary = page.locator("[data-testid=permissions-boundary]")
    expect(boundary).to_contain_text("No permissions boundary")
    boundary.get_by_role("link", name="Set boundary").click()
    page.wait_for_url("**/users/alice/permissions-boundary")
    page.select_option("#id_permissions_boundary", label="IAMReadOnlyAccess")
    in_both_languages(page, shoot, "user-boundary-set")
    page.select_option("#id_permissions_boundary", label="IAMReadOnlyAccess")
    page.click("button:has-text('Set boundary')")
    page.wait_for_url("**/users/alice/")
    expect(page.locator(".messages")).to_contain_text(
        "The permissions boundary of alice is now IAMReadOnlyAccess."
    )
    expect(page.locator("[data-testid=boundary-policy]")).to_have_text("IAMReadOnlyAccess")
    in_both_languages(page, shoot, "user-boundary-detail")

    page.goto(f"/console/accounts/{account.id}/simulator")
    page.select_option("#id_user", "alice")
    page.fill("#id_actions", "iam:CreateUser\niam:ListUsers")
    page.click("button:has-text('Run simulation')")
    decided = page.locator("[data-testid=decided-by]")
    expect(decided.nth(0)).to_have_text("Permissions boundary IAMReadOnlyAccess")
    expect(decided.nth(1)).to_have_text("Identity-based policy AdministratorAccess")
    expect(page.locator("[data-testid=results]")).to_contain_text(
        "the permissions boundary IAMReadOnlyAccess does not allow it"
    )
    in_both_languages(page, shoot, "simulator-boundary")

    page.goto(f"/console/accounts/{account.id}/users/alice/")
    page.locator("[data-testid=permissions-boundary]").get_by_role(
        "link", name="Remove boundary"
    ).click()
    page.wait_for_url("**/permissions-boundary/delete")
    in_both_languages(page, shoot, "user-boundary-remove")
    assert User.objects.get(pk=alice.pk).permissions_boundary  # the page only asked
    page.click("button:has-text('Remove boundary')")
    page.wait_for_url("**/users/alice/")
    expect(page.locator(".messages")).to_contain_text(
        "The permissions boundary of alice was removed."
    )
    expect(page.locator("[data-testid=permissions-boundary]")).to_contain_text(
        "No permissions boundary"
    )
    assert User.objects.get(pk=alice.pk).permissions_boundary == ""

    # A new user may get one too: the last choice of the form, none by default.
    page.goto(f"/console/accounts/{account.id}/users/new")
    expect(page.locator("#id_permissions_boundary")).to_have_value("")
    page.fill("#id_name", "nikhil")
    page.select_option("#id_permissions_boundary", label="IAMReadOnlyAccess")
    in_both_languages(page, shoot, "user-create-boundary")


def test_a_delegated_administrator_s_effective_permissions_say_what_creating_users_needs(
    page, shoot, live_server, management_account, management_root
):
    """Zhang (AWS's delegation example) may create users only with XCompanyBoundaries: his
    effective permissions say so rather than a plain Denied."""
    from tests.support.boundaries import delegation

    zhang, _x_company, _boundary = delegation(management_account, management_root)
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{management_account.id}/users/{zhang.name}/permissions")
    row = page.locator("[data-testid=effective] tr", has_text="iam:CreateUser")
    expect(row.locator("[data-testid=conditional]")).to_contain_text(
        "Only when the request meets conditions on iam:PermissionsBoundary"
    )
    expect(page.locator("[data-testid=effective-boundary]")).to_contain_text(
        "DelegatedUserBoundary"
    )
    row.scroll_into_view_if_needed()
    in_both_languages(page, shoot, "effective-permissions-conditional")


def test_a_delegated_administrator_creates_a_user_with_the_boundary_he_must_give(
    page, shoot, live_server, management_account, management_root
):
    """AWS's delegation example as Zhang lives it: Create user says a boundary is required and
    offers XCompanyBoundaries alone; the user he creates has it, and may change their password."""
    from tests.support.boundaries import delegation

    zhang, x_company, _boundary = delegation(management_account, management_root)
    carry_session(page, live_server, user=zhang)
    page.goto(f"/console/accounts/{management_account.id}/users/")
    page.get_by_role("link", name="Create user").first.click()
    page.wait_for_url("**/users/new")
    expect(page.locator("[data-testid=boundary-required]")).to_contain_text(
        "only with a permissions boundary"
    )
    expect(page.locator("#id_permissions_boundary option")).to_have_count(1)
    expect(page.locator("label[for=id_permissions_boundary]")).to_have_text("Permissions boundary")
    page.fill("#id_name", "nikhil")
    in_both_languages(page, shoot, "user-create-delegated")
    page.fill("#id_name", "nikhil")
    page.select_option("#id_permissions_boundary", label="XCompanyBoundaries")
    page.click("main button:has-text('Create user')")
    expect(page.locator("[data-testid=generated-password]")).to_be_visible()
    nikhil = User.objects.get(name="nikhil")
    assert nikhil.permissions_boundary == x_company
    assert nikhil.password_reset_required  # the box, ticked by default, was his to tick
