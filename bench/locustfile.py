"""Locust's people for bench/load.py: each is one IAM user of the bench account, with an
authenticator app and an access key. They sign in (password, then a TOTP code), click about the
console, call the IAM API with their key, and now and then sign out and in again.

Not run on its own: bench/load.py writes the users file and reads the results file.
"""

import json
import os
import time
from urllib.parse import urlencode

import pyotp
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from locust import HttpUser, between, events, task

USERS = json.loads(open(os.environ["LOAD_USERS_FILE"]).read())  # noqa: SIM115
ACCOUNT = os.environ.get("LOAD_ACCOUNT_ALIAS", "bench")
RESULTS = {"signins": 0, "server_errors": 0, "by_status": {}, "times": {}}
TOKEN_FIELD = 'name="csrfmiddlewaretoken" value="'


def _token(html: str) -> str | None:
    """The page's CSRF token; None for a page without a form (an error page)."""
    start = html.find(TOKEN_FIELD)
    if start < 0:
        return None
    start += len(TOKEN_FIELD)
    return html[start : html.index('"', start)]


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    RESULTS["by_status"][str(status)] = RESULTS["by_status"].get(str(status), 0) + 1
    RESULTS["times"].setdefault(name, []).append(response_time)
    if status >= 500:
        RESULTS["server_errors"] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["LOAD_RESULTS_FILE"], "w") as out:
        json.dump(RESULTS, out)


class Person(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.client.verify = False  # the bench's own certificate
        self.me = USERS.pop()
        self.totp = pyotp.TOTP(self.me["seed"])
        self.last_window = -1
        self.sign_in()

    def _post(self, path, data, name, referer):
        return self.client.post(
            path,
            data={"csrfmiddlewaretoken": self.csrf, **data},
            headers={"Referer": self.host + referer},
            name=name,
            allow_redirects=False,
        )

    def sign_in(self):
        window = int(time.time() // 30)
        if window == self.last_window:  # a code is good once: wait for the next one
            time.sleep((window + 1) * 30 - time.time() + 0.1)
        form = self.client.get(f"/signin/{ACCOUNT}?mode=iam", name="GET sign-in form")
        self.csrf = _token(form.text)
        if self.csrf is None:  # counted already, by its status: try again at the next turn
            return
        password = {
            "mode": "iam",
            "account": ACCOUNT,
            "user_name": self.me["name"],
            "password": self.me["password"],
        }
        step = self._post("/signin", password, "POST password", "/signin")
        if step.status_code != 302:
            return
        page = self.client.get("/mfa", name="GET MFA page")
        self.csrf = _token(page.text)
        if self.csrf is None:
            return
        self.last_window = int(time.time() // 30)
        done = self._post(
            "/mfa", {"device": self.me["device"], "code": self.totp.now()}, "POST TOTP code", "/mfa"
        )
        if done.status_code == 302 and done.headers.get("Location") == "/console/":
            RESULTS["signins"] += 1

    @task(6)
    def console_home(self):
        self.client.get("/console/", name="GET console home")

    @task(3)
    def users_list(self):
        self.client.get(f"/console/accounts/{self.me['account_id']}/users/", name="GET users list")

    @task(3)
    def api_get_user(self):
        body = urlencode({"Action": "GetUser", "Version": "2010-05-08"})
        request = AWSRequest(
            method="POST",
            url=self.host + "/iam/",
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        SigV4Auth(Credentials(self.me["key_id"], self.me["secret"]), "iam", "us-east-1").add_auth(
            request
        )
        self.client.post(
            "/iam/", data=body, headers=dict(request.headers.items()), name="POST IAM GetUser"
        )

    @task(1)
    def sign_out_and_in(self):
        page = self.client.get("/console/", name="GET console home")
        self.csrf = _token(page.text)
        if self.csrf is not None:
            self._post("/signout", {}, "POST sign out", "/console/")
        self.sign_in()
