"""Tobira's recipe for the peer's load driver (``../shared/peers/allauth_login/loadgen.py``).

An IAM user signs in on their account's page: ``GET /signin/<alias>?mode=iam``, ``POST`` the
account, user name and password (302 to ``/mfa``), ``GET /mfa``, ``POST`` the device and the
TOTP code (302 to ``/console/``), ``GET /console/``: 200 with the user's name on it. The users
file (bench/signin.py writes it) gives each user's account alias and MFA device id.
"""

from loadgen import Recipe


class TobiraRecipe(Recipe):
    name = "tobira"
    ready_url = "/signin"
    login_url = "/signin/bench?mode=iam"  # bench/signin.py's account alias
    mfa_url = "/mfa"
    success_url = "/console/"

    def login_form(self, user: dict) -> dict:
        return {
            "mode": "iam",
            "account": user["account"],
            "user_name": user["login"],
            "password": user["password"],
        }

    def mfa_form(self, user: dict, code: str) -> dict:
        return {"device": user["device"], "code": code}

    def check_success(self, resp, user: dict) -> bool:
        return resp.status_code == 200 and user["login"] in resp.text
