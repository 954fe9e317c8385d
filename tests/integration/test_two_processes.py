"""The replay guard and the MFA back-off hold across web processes.

Two gunicorn processes serve the same test database and Redis; a code spent
through one is refused through the other, and a failure through one holds
back the next attempt through the other. Their state lives on the device row,
never in one process's memory.
"""

import base64
import re
import subprocess
import sys
import time

import pyotp
import pytest
import requests

from mfa.models import VirtualMFADevice
from mfa.totp import services as totp_services
from tests.conftest import PASSWORD, make_organization
from tests.integration.conftest import ROOT, free_port, server_env, wait_until_serving

pytestmark = [pytest.mark.integration]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def two_servers(transactional_db, settings, tmp_path):
    env = server_env(settings, tmp_path / "var")
    servers, bases = [], []
    for _ in range(2):
        port = free_port()
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-w",
                    "1",
                    "--access-logfile",
                    "/dev/null",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base in bases:
            wait_until_serving(base)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(20)


def user_with_app(account, name):
    from identity import services

    user = services.iam_user_create(actor=None, account=account, name=name, password=PASSWORD)
    device, key = totp_services.virtual_mfa_device_create(user=user, name=f"{name}-app")
    app = pyotp.TOTP(base64.b32encode(key).decode())
    now = time.time()
    totp_services.mfa_device_enable(
        actor=user, device=device, first_code=app.at(now - 30), second_code=app.at(now)
    )
    return VirtualMFADevice.objects.get(pk=device.pk), app


def password_step(base, name) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/signin/example-corp?mode=iam")
    response = http.post(
        f"{base}/signin",
        data={
            "csrfmiddlewaretoken": TOKEN.search(form.text).group(1),
            "mode": "iam",
            "account": "example-corp",
            "user_name": name,
            "password": PASSWORD,
        },
        headers={"Referer": f"{base}/signin"},
    )
    assert response.url.endswith("/mfa"), response.url
    http.mfa_token = TOKEN.search(response.text).group(1)
    return http


def code_step(http, base, device, code) -> bool:
    response = http.post(
        f"{base}/mfa",
        data={"csrfmiddlewaretoken": http.mfa_token, "device": device.pk, "code": code},
        headers={"Referer": f"{base}/mfa"},
    )
    assert response.status_code == 200, response.status_code
    return response.url.endswith("/console/")


def test_a_code_spent_through_one_process_is_refused_by_the_other(two_servers):
    first, second = two_servers
    organization = make_organization(alias="example-corp")
    device, app = user_with_app(organization.management_account, "alice")
    code = app.at(time.time() + 30)  # the next step: later than the one spent in enabling

    one = password_step(first, "alice")
    other = password_step(second, "alice")
    assert code_step(one, first, device, code)
    assert not code_step(other, second, device, code)


def test_a_failure_through_one_process_holds_back_the_other(two_servers):
    first, second = two_servers
    organization = make_organization(alias="example-corp")
    device, app = user_with_app(organization.management_account, "bob")

    attacker = password_step(first, "bob")
    person = password_step(second, "bob")
    assert not code_step(attacker, first, device, "000000")
    # Within the back-off (1 s after one failure) even the right code is refused elsewhere.
    assert not code_step(person, second, device, app.at(time.time() + 30))
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
