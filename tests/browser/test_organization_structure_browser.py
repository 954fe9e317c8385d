"""The organization's structure in real Chromium: add an OU, nest one, move an account into it,
attach an SCP to an OU, delete an empty OU; in English and in Japanese."""

import json

import pytest
from playwright.sync_api import expect

from identity.models import OrganizationalUnit
from identity.policies import services as policies
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def row(page, node_id):
    """A node's own row on the tree (not its children's)."""
    return page.locator(f"[data-node='{node_id}'] > .org-row")


def test_build_a_structure_move_an_account_attach_an_scp_delete_an_ou(
    page, shoot, organization, management_root, member_account
):
    policies.scp_create(
        actor=management_root,
        organization=organization,
        name="no-new-users",
        description="Nobody creates IAM users: people come through SSO.",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "NoNewUsers",
                        "Effect": "Deny",
                        "Action": "iam:CreateUser",
                        "Resource": "*",
                    }
                ],
            }
        ),
    )
    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    page.click("nav >> text=Organizational structure")
    page.wait_for_url("**/organization/structure")
    expect(page.locator("h1")).to_have_text("Organizational structure")
    expect(page.locator("main")).to_contain_text("No OUs yet")
    shoot(page, "org-structure-empty-en")

    # An OU under the root, then one inside it.
    page.click("main .panel-head >> text=Add an OU")
    expect(page.locator("h1")).to_have_text("Add an OU under the root")
    page.fill("#id_name", "Engineering")
    page.click("button:has-text('Add OU')")
    page.wait_for_url("**/organization/structure")
    expect(page.locator(".messages")).to_contain_text("OU Engineering (ou-")
    engineering = OrganizationalUnit.objects.get(name="Engineering")
    row(page, engineering.pk).get_by_role("link", name="Add an OU inside").click()
    expect(page.locator("h1")).to_have_text("Add an OU inside Engineering")
    page.fill("#id_name", "Platform")
    page.click("button:has-text('Add OU')")
    page.wait_for_url("**/organization/structure")
    row(page, engineering.pk).get_by_role("link", name="Add an OU inside").click()
    page.fill("#id_name", "platform")  # the same name beside it: refused, on the field
    page.click("button:has-text('Add OU')")
    expect(page.locator("main form")).to_contain_text("An OU with this name is already there")
    expect(page.locator("#id_name")).to_have_value("platform")
    shoot(page, "ou-create-error-en")
    page.click("text=Cancel")
    page.wait_for_url("**/organization/structure")
    platform = OrganizationalUnit.objects.get(name="Platform")
    expect(
        page.locator(f"[data-node='{engineering.pk}'] [data-node='{platform.pk}']")
    ).to_be_visible()

    # The member account moves into Platform.
    page.locator(f"[data-account='{member_account.pk}']").get_by_role("link", name="Move").click()
    page.wait_for_url("**/move")
    expect(page.locator("main")).to_contain_text("It is now directly under the root.")
    page.select_option("#id_destination", label=f"Engineering / Platform ({platform.pk})")
    shoot(page, "account-move-en")
    page.click("button:has-text('Move account')")
    page.wait_for_url("**/organization/structure")
    expect(page.locator(".messages")).to_contain_text(
        f"Account Example production ({member_account.pk}) was moved to OU Platform."
    )
    expect(
        page.locator(f"[data-node='{platform.pk}'] [data-account='{member_account.pk}']")
    ).to_be_visible()
    # The account's own page says where it sits, each parent a link.
    page.goto(f"/console/accounts/{member_account.pk}/")
    where = page.locator("[data-testid=account-ou]")
    expect(where).to_contain_text("Root / Engineering / Platform")
    shoot(page, "account-detail-ou-en")
    where.get_by_role("link", name="Platform").click()
    page.wait_for_url(f"**/organization/structure/{platform.pk}")
    expect(page.locator("[data-testid=accounts]")).to_contain_text("Example production")
    page.goto("/console/organization/structure")

    # An SCP attached to Engineering, from the SCP page: the tree shows it on Engineering.
    page.click("main .panel-head >> text=Service control policies")
    page.wait_for_url("**/organization/scps")
    target = page.locator(f"tr[data-target='{engineering.pk}']")
    expect(target).to_contain_text("Engineering")
    target.locator("select").select_option(label="no-new-users")
    target.get_by_role("button", name="Attach").click()
    expect(page.locator(".messages")).to_contain_text("The SCP attachments were updated.")
    expect(page.locator(f"tr[data-target='{engineering.pk}']")).to_contain_text("no-new-users")
    shoot(page, "scps-with-ous-en")
    page.click("[data-testid=scps] >> text=no-new-users")
    expect(page.locator("[data-testid=targets]")).to_contain_text("Engineering")
    shoot(page, "scp-detail-en")
    page.goto("/console/organization/structure")
    expect(row(page, engineering.pk)).to_contain_text("no-new-users")
    expect(row(page, platform.pk)).not_to_contain_text("no-new-users")

    # An empty OU is deleted, its name typed; a non-empty one says what is left.
    page.click("main .panel-head >> text=Add an OU")
    page.fill("#id_name", "Sandbox")
    page.click("button:has-text('Add OU')")
    page.wait_for_url("**/organization/structure")
    sandbox = OrganizationalUnit.objects.get(name="Sandbox")
    shoot(page, "org-structure-en")
    row(page, sandbox.pk).get_by_role("link", name="Delete").click()
    expect(page.locator("h1")).to_have_text("Delete OU Sandbox?")
    page.fill("#id_confirmation", "Sandbx")
    page.click("button:has-text('Delete OU')")
    expect(page.locator("main form")).to_contain_text("The name you entered does not match.")
    shoot(page, "ou-delete-en")
    page.fill("#id_confirmation", "Sandbox")
    page.click("button:has-text('Delete OU')")
    page.wait_for_url("**/organization/structure")
    expect(page.locator(".messages")).to_contain_text(f"OU Sandbox ({sandbox.pk}) was deleted.")
    expect(page.locator(f"[data-node='{sandbox.pk}']")).to_have_count(0)
    page.goto(f"/console/organization/ous/{engineering.pk}/delete")
    expect(page.locator("[data-testid=not-empty]")).to_contain_text(
        "Engineering is not empty (child OUs: 1, accounts: 0)"
    )
    expect(page.get_by_role("button", name="Delete OU")).to_have_count(0)
    shoot(page, "ou-delete-not-empty-en")
    page.goto(f"/console/organization/structure/{platform.pk}")
    expect(page.locator("[data-testid=accounts]")).to_contain_text("Example production")
    expect(page.locator("[data-testid=inherited]")).to_contain_text("no-new-users")
    shoot(page, "ou-detail-en")

    # The same pages in Japanese.
    page.goto("/console/organization/structure")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
    expect(row(page, engineering.pk)).to_contain_text("no-new-users")
    shoot(page, "org-structure-ja")
    for name, path in (
        ("ou-create-ja", f"/console/organization/structure/{engineering.pk}/new-ou"),
        ("ou-rename-ja", f"/console/organization/ous/{platform.pk}/rename"),
        ("ou-delete-not-empty-ja", f"/console/organization/ous/{engineering.pk}/delete"),
        ("account-move-ja", f"/console/organization/accounts/{member_account.pk}/move"),
        ("ou-detail-ja", f"/console/organization/structure/{platform.pk}"),
        ("account-detail-ou-ja", f"/console/accounts/{member_account.pk}/"),
        ("scps-with-ous-ja", "/console/organization/scps"),
    ):
        response = page.goto(path)
        assert response.status == 200, path
        expect(page.get_by_role("button", name="サインアウト", exact=True)).to_be_visible()
        shoot(page, name)
