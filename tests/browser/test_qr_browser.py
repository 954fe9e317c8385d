"""The authenticator app's QR code, read as a phone reads it: a screenshot decoded by zbarimg.

Seed 002's hands-on path is "scan the QR code, type two codes"; typing the secret is the fallback.
"""

import shutil
import subprocess
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZBARIMG = shutil.which("zbarimg") or "/usr/bin/zbarimg"


def decode_qr(path) -> str:
    result = subprocess.run(
        [ZBARIMG, "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, f"zbarimg found no QR code in {path}: {result.stderr}"
    return result.stdout.strip()


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
def test_the_qr_code_scans_and_its_codes_enable_the_device(
    chromium, live_server, shoot, tmp_path, alice, locale
):
    context = chromium.new_context(
        base_url=live_server.url, locale=locale, viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/signin/example-corp")
        page.fill("#id_user_name", "alice")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/console/")

        page.goto("/security-credentials/mfa/assign")
        page.locator("form button.btn-primary").click()
        page.wait_for_url("**/enable")
        qr = page.locator("[data-testid=qr]")
        expect(qr.locator("svg")).to_be_visible()
        suffix = "ja" if locale.startswith("ja") else "en"
        shoot(page, f"mfa-enable-qr-{suffix}")
        picture = tmp_path / "qr.png"
        qr.screenshot(path=str(picture))

        uri = decode_qr(picture)
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
        assert unquote(parts.path) == "/Tobira:alice@example-corp"
        query = parse_qs(parts.query)
        assert query["issuer"] == ["Tobira"]
        # The secret in the picture is the device's: the one the page shows on demand.
        secret = query["secret"][0]
        page.locator(".qr + details > summary").click()
        expect(page.locator("[data-testid=secret]")).to_have_text(secret)

        app = pyotp.TOTP(secret)
        now = time.time()
        page.fill("#id_code1", app.at(now))
        page.fill("#id_code2", app.at(now + 30))  # the next step's code, as the app shows next
        page.locator("form button.btn-primary").click()
        expect(page).to_have_url(f"{live_server.url}/security-credentials")
        expect(page.locator(".message-success")).to_contain_text("alice-app")
    finally:
        context.close()
