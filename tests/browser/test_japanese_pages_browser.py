"""Console and self-service pages in Japanese, in real Chromium, with a screenshot of each to
look at (``SCREENSHOT_DIR``); the other browser tests take their pages' English ones."""

import json
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from identity import services
from identity.policies import services as policies
from mfa.models import MFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCUMENT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}],
    }
)


# Five characters above U+3000, each followed by any others: linear, no backtracking. Playwright
# runs it as a JavaScript RegExp; \uXXXX means the same there as in Python.
AT_LEAST_FIVE_JAPANESE_CHARACTERS = re.compile(r"(?:[^\u0000-\u3000][\u0000-\u3000]*){5}")


def confirmed_device(user, name):
    device, _key = totp_services.virtual_mfa_device_create(user=user, name=name)
    MFADevice.objects.filter(pk=device.pk).update(confirmed=True)
    return device.pk


@pytest.fixture
def tour(management_root, member_account, alice):
    account = management_root.account
    alice_device = confirmed_device(alice, "alice-app")
    services.group_create(actor=None, account=account, name="Developers")
    policies.customer_policy_create(
        actor=None, account=account, name="ReadEverything", document=DOCUMENT
    )
    return account, alice, alice_device


def test_the_console_and_self_service_pages_in_japanese(page, shoot, tour, management_root):
    account, alice, alice_device = tour
    page.goto("/signin?mode=iam")
    with page.expect_navigation():
        page.select_option("#lang-select", "ja")
    for name, url in (("signin-iam", "/signin?mode=iam"), ("signup", "/signup")):
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        shoot(page, f"{name}-ja")

    page.goto("/signin")
    page.fill("#id_email", management_root.account.root_email)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    root_device = confirmed_device(management_root, "root-app")
    a, user = account.id, alice.name
    pages = {
        "account-create": reverse("console:account_create"),
        "root-mfa-empty": reverse("console:root_mfa"),
        "account-root-mfa-reset": reverse(
            "console:account_root_mfa_reset",
            args=[tour[0].organization.accounts.exclude(pk=a).get().pk],
        ),
        "events": reverse("console:audit_list", args=[a]),
        "groups": reverse("console:group_list", args=[a]),
        "group-detail": reverse("console:group_detail", args=[a, "Developers"]),
        "policy-create": reverse("console:policy_create", args=[a]),
        "policy-detail": reverse("console:policy_detail", args=[a, "ReadEverything"]),
        "aws-policy": reverse("console:aws_policy_detail", args=[a, "AdministratorAccess"]),
        "user-console-access": reverse("console:user_console_access", args=[a, user]),
        "user-delete": reverse("console:user_delete", args=[a, user]),
        "user-mfa-hardware": reverse("console:user_mfa_hardware", args=[a, user]),
        "user-mfa-remove": reverse("console:user_mfa_remove", args=[a, user, alice_device]),
        "change-password": reverse("accounts:change_password"),
        "mfa-rename": reverse("mfa:rename", args=[root_device]),
        "mfa-resync": reverse("mfa:resync", args=[root_device]),
        "mfa-remove": reverse("mfa:remove", args=[root_device]),
    }
    for name, url in pages.items():
        response = page.goto(url)
        assert response.status == 200, (name, url, response.status)
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        # The page's own words are Japanese (headings may be object names such as a policy's):
        # at least five characters above U+3000 in the visible text of main.
        expect(page.locator("main"), name).to_contain_text(
            AT_LEAST_FIVE_JAPANESE_CHARACTERS, use_inner_text=True
        )
        shoot(page, f"{name}-ja")
