"""Locust's people for bench/load.py, three kinds:

- ``Person``: an IAM user of the bench account, with an authenticator app and an access key.
  They sign in (password, then a TOTP code), click about the console, call the IAM API with
  their key, and now and then sign out and in again.
- ``PortalPerson``: a person of the portal organization's directory, with an authenticator app.
  They sign in to the access portal (password, then a TOTP code), open one of their accounts
  as the permission set assigned (*Management console*), click its user list, and now and then
  sign out and in again.
- ``RecoveryPerson``: has lost the MFA device of some root users. Now and then they sign in as
  the next of them with the password and, at the MFA step, start *Sign in using alternative
  factors* (the email goes from a worker). A refusal of the per-account limit (429) is counted
  apart.

Each counts what it saw happen (``RESULTS["seen"]``): bench/load.py finds the audit event of
each in the trail. Not run on its own: bench/load.py writes the people file and reads the
results file.
"""

import json
import os
import random
import re
import time
from urllib.parse import urlencode

import pyotp
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from locust import HttpUser, between, events, task

# The bench's own certificate (verify=False): not a warning for every request.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
POOLS = json.loads(open(os.environ["LOAD_USERS_FILE"]).read())  # noqa: SIM115
ACCOUNT = os.environ.get("LOAD_ACCOUNT_ALIAS", "bench")
RECOVERY_WAIT = tuple(float(s) for s in os.environ.get("LOAD_RECOVERY_WAIT", "6,12").split(","))
RESULTS = {
    "seen": {},  # what the people saw happen, by kind (bench/load.py's trail())
    "recovery_throttled": 0,
    "server_errors": 0,
    "by_status": {},
    "times": {},
}
TOKEN_FIELD = 'name="csrfmiddlewaretoken" value="'
PORTAL_ACCOUNT = re.compile(r'data-testid="portal-account-(\d{12})"')
PERMISSION_SET = re.compile(r'name="permission_set" value="(\d+)"')


def _token(html: str) -> str | None:
    """The page's CSRF token; None for a page without a form (an error page)."""
    start = html.find(TOKEN_FIELD)
    if start < 0:
        return None
    start += len(TOKEN_FIELD)
    return html[start : html.index('"', start)]


def _saw(kind: str) -> None:
    RESULTS["seen"][kind] = RESULTS["seen"].get(kind, 0) + 1


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


class Browser(HttpUser):
    """What the people share: a form's POST, and the TOTP step with a code used once."""

    abstract = True
    wait_time = between(0.5, 2.0)
    csrf: str | None = None

    def on_start(self):
        self.client.verify = False  # the bench's own certificate
        self.signed_in = False
        self.last_window = -1

    def _post(self, path, data, name, referer):
        return self.client.post(
            path,
            data={"csrfmiddlewaretoken": self.csrf, **data},
            headers={"Referer": self.host + referer},
            name=name,
            allow_redirects=False,
        )

    def _wait_for_a_new_code(self) -> None:
        window = int(time.time() // 30)
        if window == self.last_window:  # a code is good once: wait for the next one
            time.sleep((window + 1) * 30 - time.time() + 0.1)

    def _totp_step(self, page_path: str, name: str, extra: dict) -> str | None:
        """GET the MFA page, POST a code of the person's app: the redirect's target, or None."""
        page = self.client.get(page_path, name=f"GET MFA page{name}")
        self.csrf = _token(page.text)
        if self.csrf is None:  # counted already, by its status: try again at the next turn
            return None
        self.last_window = int(time.time() // 30)
        code = {"device": self.me["device"], "code": self.totp.now(), **extra}
        done = self._post("/mfa", code, f"POST TOTP code{name}", "/mfa")
        return done.headers.get("Location") if done.status_code == 302 else None

    def _sign_out(self, page_path: str, page_name: str, name: str) -> bool:
        """POST sign out with the token of ``page_path``; whether it was a signed-in session's."""
        page = self.client.get(page_path, name=page_name)
        self.csrf = _token(page.text)
        if self.csrf is None:
            return False
        out = self._post("/signout", {}, name, page_path)
        was = self.signed_in and out.status_code == 302
        if was:
            _saw("signout")
            self.signed_in = False
        return was


class Person(Browser):
    """An IAM user of the bench account: the console and the IAM API."""

    def on_start(self):
        super().on_start()
        self.me = POOLS["users"].pop()
        self.totp = pyotp.TOTP(self.me["seed"])
        self.sign_in()

    def sign_in(self):
        self._wait_for_a_new_code()
        form = self.client.get(f"/signin/{ACCOUNT}?mode=iam", name="GET sign-in form")
        self.csrf = _token(form.text)
        if self.csrf is None:
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
        if self._totp_step("/mfa", "", {}) == "/console/":
            _saw("signin")
            self.signed_in = True

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
        self._sign_out("/console/", "GET console home", "POST sign out")
        self.sign_in()


class PortalPerson(Browser):
    """A person of the portal organization's directory: the access portal and a role session."""

    fixed_count = len(POOLS["portal"])

    def on_start(self):
        super().on_start()
        self.me = POOLS["portal"].pop()
        self.totp = pyotp.TOTP(self.me["seed"])
        self.portal = f"/start/{self.me['organization_id']}"
        self.role_account = None  # the account of the role session open, if any
        self.sign_in()

    def sign_in(self):
        self._wait_for_a_new_code()
        form = self.client.get(self.portal, name="GET portal sign-in form")
        self.csrf = _token(form.text)
        if self.csrf is None:
            return
        password = {"user_name": self.me["name"], "password": self.me["password"]}
        step = self._post(self.portal, password, "POST portal password", self.portal)
        mfa = step.headers.get("Location", "")
        if step.status_code != 302 or not mfa.startswith("/mfa?"):
            return
        if self._totp_step(mfa, " (portal)", {"next": self.portal}) == self.portal:
            _saw("portal_signin")
            self.signed_in = True

    @task(2)
    def open_account(self):
        """The portal's page, then *Management console* next to one of the accounts listed."""
        if not self.signed_in:
            self.sign_in()
            return
        page = self.client.get(self.portal, name="GET access portal")
        accounts = PORTAL_ACCOUNT.findall(page.text)
        if not accounts:
            return
        account = random.choice(accounts)
        block = page.text[page.text.index(f'data-testid="portal-account-{account}"') :]
        self.csrf = _token(block)
        permission_set = PERMISSION_SET.search(block)
        if self.csrf is None or permission_set is None:
            return
        opened = self._post(
            f"{self.portal}/console",
            {"account": account, "permission_set": permission_set.group(1)},
            "POST open account (portal)",
            self.portal,
        )
        if opened.headers.get("Location") == f"/console/accounts/{account}/":
            _saw("role_open")  # a role session replaced by another ends without an event
            self.role_account = account
            self.client.get(opened.headers["Location"], name="GET account page (role)")

    @task(4)
    def role_users_list(self):
        if self.role_account is None:
            self.open_account()
            return
        self.client.get(
            f"/console/accounts/{self.role_account}/users/", name="GET users list (role)"
        )

    @task(1)
    def sign_out_and_in(self):
        if self._sign_out(self.portal, "GET access portal", "POST sign out (portal)"):
            if self.role_account is not None:
                _saw("role_end")  # the sign-out ends the role session: Logout
            self.role_account = None
        self.sign_in()


class RecoveryPerson(Browser):
    """Has lost the MFA device of root users: starts *Sign in using alternative factors*."""

    fixed_count = len(POOLS["recovery"])
    wait_time = between(*RECOVERY_WAIT)

    def on_start(self):
        super().on_start()
        self.me = POOLS["recovery"].pop()  # the root users' addresses, taken in turn
        self.turn = 0

    @task
    def start_recovery(self):
        emails = self.me["emails"]
        email = emails[self.turn % len(emails)]
        self.turn += 1
        self.client.cookies.clear()  # each root user from a browser of their own
        form = self.client.get("/signin", name="GET root sign-in form")
        self.csrf = _token(form.text)
        if self.csrf is None:
            return
        password = {"mode": "root", "email": email, "password": self.me["password"]}
        step = self._post("/signin", password, "POST root password", "/signin")
        mfa = step.headers.get("Location", "")
        if step.status_code != 302 or not mfa.startswith("/mfa"):
            return
        self.client.get(mfa, name="GET MFA page (root)")
        help_page = self.client.get("/mfa/troubleshoot", name="GET troubleshoot MFA")
        if "/recovery/start" not in help_page.text:
            return
        page = self.client.get("/recovery/start", name="GET recovery start")
        self.csrf = _token(page.text)
        if self.csrf is None:
            return
        started = self._post("/recovery/start", {}, "POST recovery start", "/recovery/start")
        if started.status_code == 429:  # the per-account limit: its answer, not an error
            RESULTS["recovery_throttled"] += 1
        elif started.headers.get("Location") == "/recovery/email-sent":
            _saw("recovery_start")
            self.client.get("/recovery/email-sent", name="GET recovery email sent")
