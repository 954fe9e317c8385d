"""A person's browser for tests against a live server: ``requests`` following redirects by hand,
signing in through the real access portal pages (password, then an authenticator app code)
and allowing on the consent page when they appear, and stopping at the first redirect that leaves the server (the application's
callback).

    browser = PortalBrowser(base_url, "sam", PASSWORD, totp=app)
    callback = browser.follow(rp.authorization_url, stop_at=REDIRECT_URI)
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import requests

_INPUT = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_DEVICE = re.compile(r'name="device"[^>]*value="(\d+)"|<option value="(\d+)"')


class PortalBrowser:
    def __init__(self, base_url: str, user_name: str, password: str, *, totp=None):
        self.base_url = base_url.rstrip("/")
        self.user_name = user_name
        self.password = password
        self.totp = totp  # a pyotp.TOTP, for the MFA step
        self.session = requests.Session()
        self.pages: list[str] = []  # the paths of the pages shown, in order
        self.last: requests.Response | None = None
        self.consents = 0  # consent pages answered "Allow"

    def _mine(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.base_url).netloc

    def follow(self, url: str, *, stop_at: str, max_steps: int = 15) -> str:
        """Go to ``url`` and on, answering the sign-in pages; return the URL that starts with
        ``stop_at`` (not requested). Raises AssertionError on anything else."""
        method, data = "GET", None
        for _ in range(max_steps):
            if url.startswith(stop_at):
                return url
            assert self._mine(url), f"left the server for {url}"
            if method == "GET":
                response = self.session.get(url, allow_redirects=False, timeout=10)
            else:
                response = self.session.post(
                    url, data=data, allow_redirects=False, timeout=10, headers={"Referer": url}
                )
            self.last = response
            method, data = "GET", None
            if response.status_code in (301, 302, 303):
                url = urljoin(url, response.headers["Location"])
                continue
            path = urlsplit(url).path
            self.pages.append(path)
            html = response.text
            if response.status_code == 200 and 'name="password"' in html and "/start/" in path:
                method, data = (
                    "POST",
                    self._form(html, user_name=self.user_name, password=self.password),
                )
            elif response.status_code == 200 and path.endswith("/mfa") and self.totp is not None:
                device = next(m for m in _DEVICE.findall(html))
                method, data = (
                    "POST",
                    self._form(html, device=device[0] or device[1], code=self.totp.now()),
                )
            elif response.status_code == 200 and 'data-testid="oidc-consent"' in html:
                self.consents += 1
                action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
                url = urljoin(url, action)
                method, data = "POST", self._form(html, decision="allow")
            else:
                heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
                raise AssertionError(
                    f"stopped at {path} ({response.status_code}): "
                    + (heading.group(1).strip() if heading else html[:300])
                )
        raise AssertionError("too many steps")

    @staticmethod
    def _form(html: str, **values) -> dict:
        data = {"csrfmiddlewaretoken": _CSRF.search(html).group(1)}
        for name, value in _INPUT.findall(html):
            if name == "next":
                data["next"] = value.replace("&amp;", "&")
        data.update(values)
        return data
