"""Detaching an SCP in real Chromium: the confirmation page from the SCP's own page and from
the SCP list, the last SCP of a target refused with the way on; and the organization tree as an
administrator who may not list inside one OU sees it; in English and in Japanese."""

import json

import pytest
from playwright.sync_api import expect

from identity import organization_units as structure
from identity.policies import services as policies
from tests.conftest import PASSWORD
from tests.support.browser import in_both_languages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def document(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def signin_root(page):
    page.goto("/signin")
    page.fill("#id_email", "root@example.test")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")


def test_detach_an_scp_after_reading_what_it_changes(
    page, shoot, organization, management_root, member_account
):
    engineering = structure.organizational_unit_create(
        actor=management_root, organization=organization, parent=None, name="Engineering"
    )
    structure.account_move(actor=None, account=member_account, destination=engineering)
    guard = policies.scp_create(
        actor=management_root,
        organization=organization,
        name="no-new-users",
        document=document({"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}),
    )
    for unit in (engineering, None):
        policies.scp_attach(
            actor=None, organization=organization, policy_arn=guard.arn, organizational_unit=unit
        )
    signin_root(page)

    # From the SCP's own page: the confirmation says what stays and what the detach opens.
    page.goto(f"/console/organization/scps/{guard.policy_id}")
    target = page.locator(f"[data-testid=targets] tr[data-target='{engineering.pk}']")
    target.get_by_role("link", name="Detach").click()
    expect(page.locator("h1")).to_have_text("Detach no-new-users from Engineering?")
    expect(page.locator("[data-testid=reaches]")).to_contain_text(
        "Every account in this OU and the OUs inside it: 1 account"
    )
    expect(page.locator("[data-testid=remaining]")).to_contain_text("FullAWSAccess")
    expect(page.locator("[data-testid=opens]")).to_be_visible()
    in_both_languages(page, shoot, "scp-detach")
    page.get_by_role("button", name="Detach").click()
    page.wait_for_url(f"**/organization/scps/{guard.policy_id}")
    expect(page.locator(".messages")).to_contain_text("no-new-users was detached from Engineering.")
    expect(page.locator(f"[data-testid=targets] tr[data-target='{engineering.pk}']")).to_have_count(
        0
    )
    # Back to the confirmation, and reloaded: there is nothing left to detach, and no button.
    page.go_back()
    page.reload()
    expect(page.locator("[data-testid=not-attached]")).to_contain_text(
        "no-new-users is not attached to Engineering"
    )
    expect(page.get_by_role("button", name="Detach")).to_have_count(0)
    page.get_by_role("link", name="Back").click()
    page.wait_for_url(f"**/organization/scps/{guard.policy_id}")

    # From the list, Cancel goes back to the list.
    page.goto("/console/organization/scps")
    root = page.locator("tr[data-target^='r-']")
    root.get_by_role("link", name="Detach").first.click()
    expect(page.locator("h1")).to_contain_text("from Root?")
    page.get_by_role("link", name="Cancel").click()
    page.wait_for_url("**/organization/scps?page=1")
    expect(root).to_contain_text("no-new-users")

    # The last SCP of a target: no Detach button, and the way on.
    page.goto(
        f"/console/organization/scps/p-FullAWSAccess/detach/{member_account.pk}?from=list&page=1"
    )
    expect(page.locator("[data-testid=last]")).to_contain_text(
        "FullAWSAccess is the only SCP attached to"
    )
    expect(page.get_by_role("button", name="Detach")).to_have_count(0)
    in_both_languages(page, shoot, "scp-detach-last")
    page.get_by_role("link", name="Attach another SCP").click()
    page.wait_for_url("**/organization/scps#target-*")


def test_the_tree_as_an_administrator_who_may_not_list_one_ou(
    page, shoot, organization, management_root, member_account, make_iam_user
):
    engineering = structure.organizational_unit_create(
        actor=management_root, organization=organization, parent=None, name="Engineering"
    )
    secret = structure.organizational_unit_create(
        actor=management_root, organization=organization, parent=engineering, name="Secret"
    )
    structure.account_move(actor=None, account=member_account, destination=secret)
    make_iam_user(
        name="ops",
        self_service=False,
        managed=["arn:aws:iam::aws:policy/AWSOrganizationsFullAccess"],
        inline={
            "not-inside-secret": document(
                {"Effect": "Deny", "Action": "organizations:ListChildren", "Resource": secret.arn}
            )
        },
    )
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "ops")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/console/")
    page.goto("/console/organization/structure")
    hidden = page.locator(f"[data-node='{secret.pk}']")
    expect(hidden.locator("[data-testid=not-listed]")).to_contain_text(
        "your policies do not allow organizations:ListChildren on it"
    )
    expect(page.locator(f"[data-account='{member_account.pk}']")).to_have_count(0)
    expect(hidden.locator("> .org-row .org-name")).to_have_text("Secret")
    expect(hidden.locator("> .org-row a.org-name")).to_have_count(0)  # its page would refuse
    in_both_languages(page, shoot, "org-structure-not-listed")
