"""The IAM dashboard in Chromium: from the account page to the dashboard with several
recommendations planted, to one recommendation's affected users, and the management root's
roll-up of the organization; screenshots in English (``SCREENSHOT_DIR``)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from identity import services
from identity.credentials import services as access_keys
from identity.credentials.models import AccessKey
from identity.models import User
from tests.support.browser import carry_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def planted(management_root, member_account, member_root, make_iam_user):
    """The management account: a root key, two people with passwords and no MFA (one of them
    away for 100 days), a program's key of 100 days, used today. The member account: one
    person with a password, and a password policy."""
    account = management_root.account
    long_ago = timezone.now() - timedelta(days=100)
    access_keys.access_key_create(actor=None, user=management_root)
    make_iam_user(name="alice")
    away = make_iam_user(name="bob")
    User.objects.filter(pk=away.pk).update(created=long_ago, password_changed=long_ago)
    robot = make_iam_user(name="deploy-bot", password=None)
    key, _secret = access_keys.access_key_create(actor=None, user=robot)
    AccessKey.objects.filter(pk=key.pk).update(created=long_ago, last_used_at=timezone.now())
    make_iam_user(account=member_account, name="carol")
    services.password_policy_set(actor=None, account=member_account, minimum_password_length=14)
    return account


def test_the_dashboard_with_its_recommendations_and_the_rollup(
    page, shoot, live_server, management_root, member_account, planted
):
    account = planted
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{account.id}/")
    page.get_by_test_id("dashboard-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IAM dashboard")

    recommendations = page.get_by_test_id("recommendations")
    expect(recommendations).to_contain_text("7 recommendations need attention")
    expect(page.get_by_test_id("recommendation-root-mfa")).to_contain_text(
        "Add MFA for the root user"
    )
    expect(page.get_by_test_id("recommendation-root-access-keys")).to_contain_text(
        "Delete the root user's access keys"
    )
    expect(page.get_by_test_id("recommendation-console-without-mfa")).to_contain_text("2 users")
    expect(page.get_by_test_id("recommendation-unused-passwords")).to_contain_text("1 user")
    expect(page.get_by_test_id("recommendation-old-access-keys")).to_contain_text("1 user")
    expect(page.get_by_test_id("recommendation-use-sso")).to_contain_text(
        "Use IAM Identity Center for people"
    )
    expect(page.get_by_test_id("recommendation-unused-access-keys")).to_contain_text("Done")
    expect(page.get_by_test_id("count-users")).to_contain_text("3")

    rollup = page.get_by_test_id("rollup")
    expect(rollup).to_contain_text("Organization roll-up")
    expect(page.get_by_test_id(f"rollup-{member_account.id}")).to_contain_text("Example production")
    expect(page.get_by_test_id("rollup-totals")).to_contain_text("Total")
    whole = shoot(page, "iam-dashboard-en")
    rollup.screenshot(path=str(whole.with_name("iam-dashboard-rollup-en.png")))

    page.get_by_test_id("recommendation-unused-passwords").get_by_role(
        "link", name="View the 1 user"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Remove console passwords unused for 90 days"
    )
    rows = page.get_by_test_id("affected-user")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("bob")
    expect(rows.first).to_contain_text("Never")
    shoot(page, "iam-dashboard-affected-users-en")

    rows.first.get_by_role("link", name="bob").click()
    expect(page).to_have_url(f"{live_server.url}/console/accounts/{account.id}/users/bob/")


def test_a_member_account_dashboard_has_no_rollup(page, shoot, live_server, member_root, planted):
    carry_session(page, live_server, user=member_root)
    account = member_root.account
    page.goto(f"/console/accounts/{account.id}/dashboard")
    expect(page.get_by_test_id("recommendation-password-policy")).to_contain_text(
        "The account has a password policy"
    )
    expect(page.get_by_test_id("recommendation-console-without-mfa")).to_contain_text("1 user")
    expect(page.get_by_test_id("rollup")).to_have_count(0)
    shoot(page, "iam-dashboard-member-en")
