"""The credential report's page in Chromium: empty, generating (the worker has not run yet), ready,
the download; in English and Japanese, with screenshots (``SCREENSHOT_DIR``)."""

import re

import pytest
from playwright.sync_api import expect

from mfa.credentials import tasks
from tests.support.browser import carry_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_not_yet(monkeypatch):
    """The task is queued, and no worker has taken it yet: ``run()`` is the worker."""
    queued = []
    monkeypatch.setattr(
        tasks.generate_credential_report, "apply_async", lambda *a, **k: queued.append(k["args"])
    )

    def run():
        for args in queued:
            tasks.generate_credential_report(*args)

    return run


def test_generate_and_download_the_credential_report(
    page, shoot, live_server, management_root, alice, worker_not_yet
):
    account = management_root.account
    carry_session(page, live_server, user=management_root)
    page.goto(f"/console/accounts/{account.id}/")
    page.get_by_role("main").get_by_role("link", name="Credential report").click()
    state = page.get_by_test_id("report-state")
    expect(state).to_contain_text("No report has been generated for this account yet.")
    shoot(page, "credential-report-empty-en")

    page.get_by_role("button", name="Download credential report").click()
    expect(page.locator(".messages")).to_contain_text("Tobira is generating the credential report")
    expect(state).to_contain_text("Generating")
    shoot(page, "credential-report-generating-en")

    worker_not_yet()
    page.get_by_role("link", name="Reload").click()
    expect(state).to_contain_text("Ready")
    expect(state).to_contain_text("It can be downloaded until")
    shoot(page, "credential-report-ready-en")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download credential report").click()
    expect(page.get_by_test_id("report-state")).to_contain_text("Ready")  # the page stays
    assert re.fullmatch(r"status_reports_\d{8}T\d{6}Z\.csv", download.value.suggested_filename)
    with open(download.value.path(), encoding="utf-8") as csv_file:
        lines = csv_file.read().splitlines()
    assert lines[0].startswith("user,arn,user_creation_time,")
    assert [line.split(",")[0] for line in lines[1:]] == ["<root_account>", "alice"]


def test_the_credential_report_in_japanese(page, shoot, live_server, management_root):
    account = management_root.account
    carry_session(page, live_server, user=management_root, language="ja")
    page.goto(f"/console/accounts/{account.id}/credential-report")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_test_id("credential-report")).to_be_visible()
    shoot(page, "credential-report-empty-ja")
