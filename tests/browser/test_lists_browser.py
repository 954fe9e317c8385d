"""The console's lists in Chromium: the left navigation, sorting by a column, the page-size
choice (applied as soon as it is chosen), a bulk action from ticked rows with its one
confirmation, and a long download's progress page; in English and Japanese, with screenshots."""

import pytest
from playwright.sync_api import expect

from identity import services
from identity.exports.models import ExportJob
from identity.models import GroupMembership
from tests.support.browser import carry_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def thirty_users(management_root):
    account = management_root.account
    return [
        services.iam_user_create(actor=None, account=account, name=f"person-{i:02}", password=None)
        for i in range(30)
    ]


def test_sort_choose_the_page_size_and_act_on_ticked_rows(
    page, shoot, live_server, management_root, thirty_users
):
    account = management_root.account
    services.group_create(actor=None, account=account, name="auditors", path="/")
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{account.id}/")
    nav = page.get_by_role("navigation", name="Console areas")
    iam = nav.locator("section").filter(has=page.get_by_role("heading", name="IAM", exact=True))
    iam.get_by_role("link", name="Users").click()
    expect(iam.get_by_role("link", name="Users")).to_have_attribute("aria-current", "page")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("person-00")

    page.get_by_role("link", name="User name").click()  # sorted by name already: reversed
    expect(rows.first).to_contain_text("person-29")
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("User name")

    page.get_by_label("Rows per page").select_option("50")  # applies without a button
    expect(rows).to_have_count(30)
    expect(rows.first).to_contain_text("person-29")  # the sort is kept
    shoot(page, "user-list-en")

    page.get_by_label("Select person-29").check()
    page.get_by_label("Select person-28").check()
    page.get_by_label("With the selected users").select_option("add_to_group")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Add to group")).to_be_visible()
    expect(page.get_by_test_id("chosen-users")).to_contain_text("person-28")
    expect(page.get_by_test_id("chosen-users")).to_contain_text("person-29")
    page.get_by_label("Group").select_option("auditors")
    shoot(page, "user-bulk-en")
    page.get_by_role("button", name="Add to group").click()
    expect(page.get_by_role("status")).to_contain_text("2 users were added to group auditors.")
    assert GroupMembership.objects.filter(group__name="auditors").count() == 2


def test_a_long_download_shows_its_progress_until_the_file_is_ready(
    page, shoot, live_server, management_root
):
    account = management_root.account
    job = ExportJob.objects.create(
        account=account,
        requested_by=management_root,
        kind="users",
        filename="users-20261130-120000.csv",
        state=ExportJob.State.RUNNING,
        done=4000,
        total=10000,
    )
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{account.id}/exports/{job.export_id}")
    state = page.get_by_test_id("export-state")
    expect(state).to_contain_text("4000 of 10000 rows written")
    expect(page.locator("progress")).to_have_attribute("value", "40")
    shoot(page, "export-progress-en")
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportJob.State.COMPLETE, done=10000, content="user_name\r\n"
    )
    # The page reloads itself: the file is offered without the person doing anything.
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    expect(state).to_have_attribute("data-state", "COMPLETE")


def test_the_lists_in_japanese(page, shoot, live_server, management_root, thirty_users):
    account = management_root.account
    carry_session(page, live_server, user=management_root, language="ja")
    page.goto(f"/console/accounts/{account.id}/users/?sort=-created&per_page=25")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("th[aria-sort=descending]")).to_be_visible()
    shoot(page, "user-list-ja")
    chosen = "&".join(f"user={user.unique_id}" for user in thirty_users[:3])
    page.goto(f"/console/accounts/{account.id}/users/bulk?action=deactivate_keys&{chosen}")
    expect(page.get_by_test_id("chosen-users")).to_contain_text("person-02")
    shoot(page, "user-bulk-ja")
    job = ExportJob.objects.create(
        account=account,
        requested_by=management_root,
        kind="users",
        filename="users.csv",
        state=ExportJob.State.RUNNING,
        done=500,
        total=2000,
    )
    page.goto(f"/console/accounts/{account.id}/exports/{job.export_id}")
    expect(page.locator("progress")).to_have_attribute("value", "25")
    shoot(page, "export-progress-ja")
