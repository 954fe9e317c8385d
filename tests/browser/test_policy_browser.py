"""The policy pages in real Chromium: the editor's in-place error, a new version, the simulator."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

from tests.conftest import PASSWORD  # noqa: E402


def test_write_a_policy_attach_it_and_simulate(page, shoot, management_root, alice):
    account = management_root.account
    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    page.goto(f"/console/accounts/{account.id}/policies/")
    shoot(page, "policies-en")
    page.click("text=Create policy")
    page.fill("#id_name", "team-readers")
    expect(page.locator("#id_document")).to_have_value(re.compile('"Allow"'))  # a starting point
    document = page.input_value("#id_document")
    page.fill("#id_document", document.replace('"Allow"', '"Alow"'))
    page.click("button:has-text('Create policy')")
    error = page.locator("[data-testid=policy-error]")
    expect(error).to_have_text('Statement[0].Effect: must be "Allow" or "Deny"')
    expect(page.locator("#id_document")).to_have_value(re.compile('"Alow"'))  # the text stays
    shoot(page, "policy-create-error-en")
    page.fill("#id_document", document)
    page.click("button:has-text('Create policy')")
    page.wait_for_url("**/policies/team-readers/")
    shoot(page, "policy-detail-en")

    page.goto(f"/console/accounts/{account.id}/users/alice/permissions")
    page.select_option("#id_policy_arn", label="team-readers")
    page.click("button:has-text('Attach')")
    expect(page.locator(".messages")).to_contain_text("The policy was attached.")
    shoot(page, "user-permissions-en")

    page.goto(f"/console/accounts/{account.id}/simulator")
    page.select_option("#id_user", "alice")
    page.fill("#id_actions", "iam:ListUsers\niam:CreateUser")
    page.click("button:has-text('Run simulation')")
    results = page.locator("[data-testid=results]")
    expect(results).to_contain_text("allowed by statement ReadUsers of policy team-readers")
    expect(results).to_contain_text("no identity-based policy allows it")
    shoot(page, "simulator-en")
    page.goto("/console/organization/scps")
    shoot(page, "scps-en")
    page.goto(f"/console/accounts/{account.id}/groups/")
    page.fill("#id_name", "auditors")
    page.click("button:has-text('Create group')")
    page.wait_for_url("**/groups/auditors/")
    page.select_option("#id_user", "alice")
    page.click("button:has-text('Add to group')")
    expect(page.locator(".messages")).to_contain_text("The group's members were updated.")
    shoot(page, "group-detail-en")


WITH_WARNINGS = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadUsers",
      "Effect": "Allow",
      "Action": ["iam:GetUser", "iam:"],
      "Resource": "*",
      "Condition": {"NotIpAddress": {"aws:SourceIp": "office"}}
    }
  ]
}"""


def test_the_editor_shows_warnings_and_saves_once_they_are_seen(page, shoot, management_root):
    """A valid document with parts that match nothing: warnings, not errors; saved when ticked."""
    account = management_root.account
    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")
    page.goto(f"/console/accounts/{account.id}/policies/")
    page.click("text=Create policy")
    page.fill("#id_name", "office-readers")
    page.fill("#id_document", WITH_WARNINGS)
    page.click("button:has-text('Create policy')")
    warnings = page.locator("[data-testid=policy-warnings]")
    expect(warnings).to_contain_text("Statement[0].Action[1]")
    expect(warnings).to_contain_text("“iam:” can match no action")
    expect(warnings).to_contain_text(
        "“office” is not an IP address or CIDR range, so this NotIpAddress condition never holds."
    )
    expect(page.locator("[data-testid=policy-warnings-error]")).to_contain_text(
        "tick “Save with these warnings”"
    )
    expect(page.locator("[data-testid=policy-error]")).to_have_count(0)
    expect(page.locator("#id_document")).to_have_value(re.compile('"iam:"'))  # the text stays
    shoot(page, "policy-create-warnings-en")
    page.check("#id_save_with_warnings")
    page.click("button:has-text('Create policy')")
    page.wait_for_url("**/policies/office-readers/")
    expect(page.locator(".messages")).to_contain_text("Policy office-readers was created.")
    # Opened again, the stored document shows its warnings beside the editor.
    expect(page.locator("[data-testid=policy-warnings]")).to_contain_text(
        "“iam:” can match no action"
    )
    shoot(page, "policy-detail-warnings-en")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("[data-testid=policy-warnings]")).to_contain_text("Statement[0].Action[1]")
    expect(page.locator("[data-testid=policy-warnings]")).not_to_contain_text("can match no action")
    shoot(page, "policy-detail-warnings-ja")
    with page.expect_navigation():
        page.select_option("#lang-select", "en")

    # A permission set's inline policy warns alike, and keeps what was typed.
    page.goto("/console/organization/sso/permission-sets/new")
    page.fill("#id_name", "OfficeReaders")
    page.fill("#id_document", WITH_WARNINGS)
    page.click("button:has-text('Create permission set')")
    expect(page.locator("[data-testid=policy-warnings]")).to_contain_text(
        "“iam:” can match no action"
    )
    expect(page.locator("#id_name")).to_have_value("OfficeReaders")
    shoot(page, "permission-set-warnings-en")
    page.check("#id_save_with_warnings")
    page.click("button:has-text('Create permission set')")
    expect(page.locator(".messages")).to_contain_text("OfficeReaders")
