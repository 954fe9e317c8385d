"""Pages changed by the newcomer walk-through (issue 13), in English and Japanese, as a person sees them."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from sso.models import SSOSettings
from tests.conftest import PASSWORD
from tests.support.browser import carry_session
from tests.support.sso import (
    SSO_VIEW_ONLY,
    in_management_console,
    make_permission_set,
    set_sso,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "Bob-Own-Passphrase-2026"


@pytest.fixture(params=["en", "ja"])
def language(request):
    return request.param


def in_language(page, live_server, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )


def test_a_new_user_changes_the_password_and_lands_on_their_own_page(
    page, shoot, live_server, make_iam_user, language
):
    make_iam_user(name="bob", password_reset_required=True, self_service=False)
    in_language(page, live_server, language)
    page.goto("/signin/example-corp")
    page.fill("#id_user_name", "bob")
    page.fill("#id_password", PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/password/change$"))
    nav = page.locator("nav.topnav")
    expect(nav.locator("a")).to_have_count(0)  # nothing that would lead back here
    expect(page.locator("header form[action='/signout'] button")).to_be_visible()
    shoot(page, f"newcomer-change-password-{language}")

    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/security-credentials$"))
    expect(page.locator("h1")).to_have_text(
        "My security credentials" if language == "en" else "自分のセキュリティ認証情報"
    )
    expect(nav.locator("a")).to_have_count(2)
    shoot(page, f"newcomer-security-credentials-{language}")

    page.locator("header form[action='/signout'] button").click()
    expect(page).to_have_url(re.compile(r"/signin/example-corp$"))  # their account's page
    expect(page.locator("#id_account")).to_have_value("example-corp")
    shoot(page, f"newcomer-signed-out-{language}")


def test_a_request_with_a_nul_is_a_plain_bad_request_page(page, shoot, live_server, language):
    in_language(page, live_server, language)
    response = page.goto("/signin?mode=r%00oot")
    assert response.status == 400
    expect(page.locator("h1")).to_have_text(
        "Bad request" if language == "en" else "不正なリクエスト"
    )
    shoot(page, f"bad-request-nul-{language}")


def test_someone_who_may_only_look_at_identity_center_is_told_so(
    page, shoot, live_server, organization, language
):
    set_sso(organization, mfa_no_device=SSOSettings.NoDevice.ALLOW)
    viewer_set = make_permission_set(
        organization, name="Viewer", managed=[], inline_policy=SSO_VIEW_ONLY
    )
    client = Client()
    in_management_console(client, organization, "vera", viewer_set)
    carry_session(page, live_server, client, language=language)
    page.goto("/console/organization/sso/settings")
    expect(page.locator("[data-testid=read-only]")).to_be_visible()
    expect(page.locator("main button.btn-primary")).to_have_count(0)
    expect(page.locator("main input[name=mfa_prompt]").first).to_be_disabled()
    shoot(page, f"sso-settings-view-only-{language}")
    page.goto("/console/organization/sso/users/")
    expect(page.locator("main a.btn-primary")).to_have_count(0)
    shoot(page, f"sso-users-view-only-{language}")


def test_dates_and_arns_read_well_on_a_narrow_screen(
    chromium, live_server, shoot, management_root, make_iam_user, language
):
    alice = make_iam_user(name="alice-from-the-platform-team", path="/engineering/platform-team/")
    context = chromium.new_context(
        base_url=live_server.url, locale="en-US", viewport={"width": 420, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        carry_session(page, live_server, user=management_root, language=language)
        page.goto(f"/console/accounts/{alice.account_id}/users/{alice.name}/")
        expect(page.locator("dl.kv").first).to_contain_text("UTC")
        arn = page.locator("dl.kv .arn").first
        expect(arn).to_be_visible()
        # Every line of the wrapped ARN ends at a ':' or a '/' (or the ARN's end).
        lines = arn.evaluate(
            """element => {
                const spans = [...element.querySelectorAll(':scope > span')];
                const rows = [];
                for (const span of spans) {
                    const top = Math.round(span.getBoundingClientRect().top);
                    if (!rows.length || rows[rows.length - 1].top !== top) rows.push({top, text: ''});
                    rows[rows.length - 1].text += span.textContent;
                }
                return rows.map(row => row.text);
            }"""
        )
        assert "".join(lines) == alice.arn and len(lines) >= 2  # it did wrap
        assert all(line.endswith((":", "/")) for line in lines[:-1]), lines
        shoot(page, f"user-detail-narrow-{language}")
    finally:
        context.close()
